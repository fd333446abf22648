"""Preparing a run configuration, once: load the rule plugins, generate a synthetic world, check.

:func:`prepare` is the one step between a composed configuration and a model. It is the first
floor above :mod:`sim.config`: it knows the rule registry and the synthetic-world generator, which
the configuration's pure checks do not import.

A configuration is prepared once per process: the result is remembered by the configuration's hash,
so that the command line, :func:`sim.api.load_config` and :func:`sim.api.run` do not check it (or
generate its world) again. A configuration changed after it was prepared has another hash and is
checked again.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from sim.config import ConfigError, RunConfig, check, check_settings, check_world, config_hash
from sim.rules import registry
from sim.world.synthetic import generate_world

__all__ = ["prepare"]

#: Prepared configurations by config hash (a few: synthetic worlds can be large).
_PREPARED: OrderedDict[str, RunConfig] = OrderedDict()
_KEEP = 8


def prepare(cfg: Any, *, remember: bool = True, key: str | None = None,
            seen: set[Any] | None = None) -> RunConfig:
    """Check ``cfg`` and return the configuration the model runs: ``cfg`` itself, or for
    ``world.kind=synthetic`` a copy whose world has been generated (and checked like any other
    world). The caller's configuration is never changed.

    Args:
        cfg: the run configuration.
        remember: look the configuration up among those already prepared, and remember it
            (False: check and generate afresh, e.g. to time it).
        key: ``config_hash(cfg)`` if the caller has it already (:func:`sim.api.run_worlds`
            serialises each config once for this key and its worlds' provenance hashes).
        seen: what the configs prepared before in the same call checked already, shared with
            them (:func:`sim.config.checks.check_ranges`; a run and its twin share all but their
            scenario). The caller keeps those configs alive and unchanged while it uses the set.

    Raises:
        ConfigError: naming the parameter, the value and what is allowed.
    """
    if not isinstance(cfg, RunConfig):
        raise ConfigError(f"cfg={cfg!r} is not a run configuration; allowed: a RunConfig, e.g. "
                          "sim.load_config(['seed=7'])")
    cache_key = (config_hash(cfg) if key is None else key) if remember else ""
    done = _PREPARED.get(cache_key) if remember else None
    if done is not None:
        _PREPARED.move_to_end(cache_key)
        return cfg if done.world.kind == "listed" else done
    registry.load_plugins(cfg.rules.plugins)
    rule_names = set(registry.names())
    if cfg.world.kind == "synthetic":
        check_settings(cfg, rule_names, seen)
        prepared = generate_world(cfg)
        check_world(prepared)
    else:
        check(cfg, rule_names, seen)
        prepared = cfg
    if not remember:
        return prepared
    _PREPARED[cache_key] = prepared
    while len(_PREPARED) > _KEEP:
        _PREPARED.popitem(last=False)
    return prepared
