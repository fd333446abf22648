"""Configuration errors and their wording: every refusal names the parameter, the value and what
is allowed, with a "did you mean" when a close name exists."""

from __future__ import annotations

import difflib
from collections.abc import Collection

__all__ = ["ConfigError", "check_name", "suggest"]


class ConfigError(ValueError):
    """A configuration value is invalid. The message names the parameter, value and what is allowed."""


def suggest(value: object, allowed: Collection[str]) -> str:
    """``allowed: a, b, c (did you mean 'b'?)``: the allowed names, sorted, and the closest one."""
    names = sorted(str(a) for a in allowed)
    close = difflib.get_close_matches(str(value), names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    if len(names) > 40:  # a world's region ids: show a few, not a page
        return f"allowed: one of {len(names)} names, e.g. {', '.join(names[:5])}{hint}"
    return f"allowed: {', '.join(names)}{hint}"


def check_name(name: str, value: object, allowed: Collection[str]) -> None:
    """Raise ConfigError unless ``value`` is one of ``allowed`` (pass a set for long lists:
    membership is then constant time)."""
    if value not in allowed:
        raise ConfigError(f"{name}={value!r} is unknown; {suggest(value, allowed)}")
