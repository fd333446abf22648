"""Configuration, the ground floor of the project: it imports nothing above itself.

- :mod:`sim.config.schema`: the typed dataclasses, :func:`~sim.config.schema.param` (range, unit,
  description as field metadata) and the constants (instrument kinds, event kinds, WEST, AES);
- :mod:`sim.config.errors` and :mod:`sim.config.dates`: the wording of refusals, and months;
- :mod:`sim.config.paths`: the one resolver of dotted paths (overrides, param events, sweeps,
  the model's copy-on-write);
- :mod:`sim.config.checks`: pure checks of a whole run configuration;
- :mod:`sim.config.compose`: Hydra composition, the config folder and its groups;
- :mod:`sim.config.hashing`: plain data and the config hash.

Loading rule plugins and generating synthetic worlds sit one floor up, in :func:`sim.prepare.prepare`.
"""

from sim.config import compose_cache, schema  # noqa: F401 (the cache keys the schema source as imported)
from sim.config.checks import check, check_events, check_ranges, check_settings, check_world
from sim.config.compose import (
    check_config_dirs,
    check_overrides,
    compose_config,
    config_dir,
    group_options,
    register_configs,
)
from sim.config.dates import month_str, parse_month
from sim.config.errors import ConfigError, check_name, suggest
from sim.config.hashing import config_hash, to_plain
from sim.config.paths import resolve_numeric
from sim.config.schema import *  # the dataclasses, param() and the constants

__all__ = [
    *schema.__all__,  # noqa: PLE0604 (a list of strings)
    "ConfigError",
    "check",
    "check_config_dirs",
    "check_events",
    "check_name",
    "check_overrides",
    "check_ranges",
    "check_settings",
    "check_world",
    "compose_config",
    "config_dir",
    "config_hash",
    "group_options",
    "month_str",
    "parse_month",
    "register_configs",
    "resolve_numeric",
    "suggest",
    "to_plain",
]
