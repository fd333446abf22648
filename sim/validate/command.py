"""The ``sahel-sim-validate`` command (also ``python -m sim.validate``).

Scores a scenario against the calibration patterns C1-C10 (docs/sources.md, section C)::

    sahel-sim-validate                                  # historical, 20 replicates
    sahel-sim-validate scenario=endogenous replicates=20 n_jobs=2
    sahel-sim-validate replicates=5 end=2021-12 hydra.run.dir=out/val

Every parameter of the main command can be overridden, plus ``replicates``, ``hindcast_start``,
``hindcast_end`` and ``n_jobs`` (:class:`sim.validate.config.ValidateConfig`). It prints the
table and the score, and writes ``validation.json``, ``validation.md`` and one PNG per pattern
into the Hydra run folder (default ``outputs/<date>/validate_<scenario>_<time>/``). Bad input
exits with status 2 and a message naming the parameter, the value and what is allowed.
"""

from __future__ import annotations

import sys

__all__ = ["load_validate_config", "main"]

PROG = "sahel-sim-validate"


def _overrides(argv: list[str]) -> list[str]:
    return [a for a in argv if not a.startswith("-") and "=" in a]


def _key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def _fail(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    sys.exit(2)


def load_validate_config(overrides: list[str] | tuple[str, ...] = ()):  # -> ValidateConfig
    """Compose ``configs/validate.yaml`` with ``overrides``, convert it to
    :class:`~sim.validate.config.ValidateConfig` and check it (scenario, settings, hindcast).

    Raises:
        ConfigError: naming the parameter, the value and what is allowed.
    """
    import dataclasses

    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from sim.api import load_config
    from sim.config import ConfigError, RunConfig, suggest
    from sim.config.compose import type_phrase
    from sim.config.paths import schema_field
    from sim.validate.config import (
        VALIDATE_FIELDS,
        ValidateConfig,
        register_validate_schema,
        validate_config,
    )

    top = [f.name for f in dataclasses.fields(RunConfig)] + list(VALIDATE_FIELDS)
    for o in overrides:
        head = _key(o).split(".", 1)[0]
        if "=" in o and head not in top and head != "hydra":
            raise ConfigError(f"unknown parameter {_key(o)!r}; {suggest(head, top)}")
    own = [o for o in overrides if _key(o) in VALIDATE_FIELDS]
    rest = [o for o in overrides if _key(o) not in VALIDATE_FIELDS]
    register_validate_schema()
    cfg = load_config(rest, config_name="validate")  # checks names, composes, validates the run
    if own:
        try:
            settings = OmegaConf.structured(ValidateConfig)
            settings.merge_with_dotlist([o.lstrip("+") for o in own])
        except OmegaConfBaseException as exc:
            key = getattr(exc, "full_key", None) or own[0].split("=", 1)[0]
            value = next((o.split("=", 1)[1] for o in own if _key(o) == key), None)
            wanted = type_phrase(schema_field(ValidateConfig, [str(key)], str(key)))
            raise ConfigError(f"{key}={value!r} is invalid ({str(exc).splitlines()[0]}); "
                              f"allowed: {wanted}") from exc
        for o in own:
            setattr(cfg, _key(o), getattr(settings, _key(o)))
    return validate_config(cfg)


def _app(dict_cfg) -> None:
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from sim.config import ConfigError
    from sim.validate.config import validate_config
    from sim.validate.report import format_table, write_validation
    from sim.validate.runner import run_validation

    try:
        cfg = validate_config(OmegaConf.to_object(dict_cfg))
    except ConfigError as exc:
        _fail(str(exc))
    except OmegaConfBaseException as exc:  # conversion errors
        _fail(str(exc).splitlines()[0])
    out = HydraConfig.get().runtime.output_dir
    validation = run_validation(cfg, progress=True)
    write_validation(validation, out, plots=cfg.output.plots)
    print(format_table(validation))
    print(f"outputs: {out}")


def main() -> None:
    """Entry point of the ``sahel-sim-validate`` console script."""
    from sim.config import ConfigError, config_dir
    from sim.validate.config import register_validate_schema

    args = sys.argv[1:]
    flags = {a for a in args if a.startswith("-")}
    try:
        if not flags:  # compose and check everything before Hydra starts the job
            load_validate_config(_overrides(args))
    except ConfigError as exc:
        _fail(str(exc))
    import hydra

    register_validate_schema()
    entry = hydra.main(config_path=str(config_dir()), config_name="validate",
                       version_base="1.3")(_app)
    entry()


if __name__ == "__main__":
    main()
