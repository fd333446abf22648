"""Months as ``YYYY-MM`` strings and as month numbers (year * 12 + month - 1)."""

from __future__ import annotations

import re

from sim.config.errors import ConfigError

__all__ = ["month_str", "parse_month"]

_YM = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str, name: str) -> int:
    """Month number (year*12 + month-1) of a ``YYYY-MM`` string; ConfigError names ``name``."""
    m = _YM.match(str(value))
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ConfigError(f"{name}={value!r} is not a valid month; allowed: a date as YYYY-MM, "
                          "e.g. 2019-01")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def month_str(month: int) -> str:
    """``YYYY-MM`` of a month number."""
    return f"{month // 12:04d}-{month % 12 + 1:02d}"
