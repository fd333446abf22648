"""Vacuum-filling rules: a registry of small functions chosen per power by name."""

from sim.rules import vacuum  # noqa: F401 (registers the built-in rules)
from sim.rules.context import RuleContext
from sim.rules.registry import get, names, vacuum_rule

__all__ = ["RuleContext", "get", "names", "vacuum_rule"]
