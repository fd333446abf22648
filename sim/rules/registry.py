"""The registry of vacuum-filling rules (docs/ODD.md section 7.5.2).

A rule is one function ``rule(ctx: RuleContext) -> np.ndarray`` returning the power's desired
level for every world of the batch, state and instrument (shape ``[B, S, I]``: persons for
troops, contractors and peacekeepers, USD/month for arms, aid and info_ops); each world's row
must depend on that world's context alone, so that a run never depends on its batch. Register
it by name::

    from sim.rules import vacuum_rule

    @vacuum_rule("hold_the_line")
    def hold_the_line(ctx):
        \"\"\"Keep whatever is deployed; never enter.\"\"\"
        return ctx.target.copy()

and choose it with ``rules.vacuum.<power>=hold_the_line`` (list the module in ``rules.plugins``
so that the command line imports it).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from sim.rules.context import RuleContext

VacuumRule = Callable[["RuleContext"], "np.ndarray"]

_RULES: dict[str, VacuumRule] = {}


def vacuum_rule(name: str) -> Callable[[VacuumRule], VacuumRule]:
    """Decorator registering a vacuum-filling rule under ``name``."""

    def register(fn: VacuumRule) -> VacuumRule:
        old = _RULES.get(name)
        if old is not None and old is not fn and not _same_definition(old, fn):
            raise ValueError(f"vacuum rule {name!r} is already registered "
                             f"(by {old.__module__}.{old.__qualname__})")
        _RULES[name] = fn  # a reloaded module (notebook autoreload) replaces its own rule
        return fn

    return register


def _same_definition(a: VacuumRule, b: VacuumRule) -> bool:
    """True when ``b`` is ``a`` defined again: the same function in the same module, reloaded
    or imported under another package path."""
    return (getattr(a, "__qualname__", None) == getattr(b, "__qualname__", None)
            and str(a.__module__).rpartition(".")[2] == str(b.__module__).rpartition(".")[2])


def names() -> list[str]:
    """Names of every registered rule, built-ins included (``sim.rules`` registers them when it
    is imported, before this module can be reached)."""
    return sorted(_RULES)


def get(name: str) -> VacuumRule:
    """The rule registered as ``name``."""
    from sim.config import check_name

    check_name("vacuum rule", name, list(_RULES))
    return _RULES[name]


def load_plugins(modules: list[str]) -> None:
    """Import the modules that register user rules (``rules.plugins``)."""
    from sim.config import ConfigError

    for m in modules:
        try:
            importlib.import_module(m)
        except ImportError as exc:
            raise ConfigError(f"rules.plugins={m!r} cannot be imported ({exc}); allowed: an "
                              "importable module that registers rules") from exc
