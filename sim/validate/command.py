"""The ``sahel-sim-validate`` command (also ``python -m sim.validate``).

Scores a scenario against the calibration patterns C1-C10 (docs/sources.md, section C) and,
on politics hindcasts, against the pre-2020 political targets P1-P6
(:mod:`sim.validate.politics`)::

    sahel-sim-validate                                  # historical, 20 replicates
    sahel-sim-validate scenario=endogenous replicates=20 n_jobs=2
    sahel-sim-validate replicates=5 end=2021-12 hydra.run.dir=out/val

Every parameter of the main command can be overridden, plus ``replicates``, ``hindcast_start``,
``hindcast_end``, ``n_jobs`` and ``politics_rules`` (:class:`sim.validate.config.ValidateConfig`).
It prints the table and the scores, and writes ``validation.json``, ``validation.md`` and one PNG
per pattern and target into the Hydra run folder (default
``outputs/<date>/validate_<scenario>_<time>/``). Bad input exits with status 2 and a message
naming the parameter, the value and what is allowed.

``--help`` prints the command's own short help (no Hydra); ``--help-all`` adds every parameter
with its default. An ``end`` past the record warns on stderr, as ``sahel-sim`` does.
"""

from __future__ import annotations

import sys

__all__ = ["load_validate_config", "main"]

PROG = "sahel-sim-validate"
_HELP_FLAGS = ("--help", "-h", "--help-all")

_HELP = """\
usage: sahel-sim-validate [path=value ...]
       sahel-sim-validate --help-all | --cfg job [path=value ...] | --hydra-help

Score a scenario against the calibration patterns C1-C10 (docs/sources.md, section C) and the
coup hazard K1: run the scenario and its 2017-2019 hindcast on replicate seeds, print each
pattern's median, 5-95% interval, target and PASS/FAIL and the score, and write
validation.json, validation.md and one figure per pattern into the run folder. Then score the
pre-2020 political targets P1-P6 (opinion, protests, cooperation agreements, no Russian
deployment, no expulsion) on politics hindcasts: the hindcast with coups, sanctions, partner
choice and casualty withdrawal endogenous.

Options (besides every parameter of sahel-sim: scenario=NAME, seed=N, end=YYYY-MM, ...):
  replicates=N              replicates of the scenario and of the hindcast (default 20)
  n_jobs=N                  worker processes; -1 uses every core (default 1; the results do not
                            depend on it)
  hindcast_start=YYYY-MM    start of the hindcast runs (default 2017-01)
  hindcast_end=YYYY-MM      end of the hindcast runs (default 2019-12)
  politics_rules.POWER=RULE the vacuum rule POWER gets in the politics hindcasts (P1-P6) where
                            the scenario gives it none (default russia=opportunistic; RULE=none
                            leaves the scenario's)
  output.plots=false        write no figures
  hydra.run.dir=DIR         the run folder (default outputs/<date>/validate_<scenario>_<time>)

Examples:
  sahel-sim-validate                                     # historical, 20 replicates (~35 s)
  sahel-sim-validate scenario=endogenous replicates=20 n_jobs=2
  sahel-sim-validate replicates=5 end=2021-12 hydra.run.dir=out/val

Every parameter, with its default, range and meaning: docs/parameters.md ("sahel-sim-validate
--help-all" prints them all with their defaults). A bad name or value exits 2 before anything
runs, naming what is allowed.
"""


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

    def validate_field(o: str) -> str | None:  # politics_rules.russia=x sets politics_rules
        head = _key(o).split(".", 1)[0]
        return head if head in VALIDATE_FIELDS else None

    own = [o for o in overrides if validate_field(o)]
    rest = [o for o in overrides if not validate_field(o)]
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
        for name in dict.fromkeys(validate_field(o) for o in own):
            value = getattr(settings, name)
            if OmegaConf.is_config(value):  # politics_rules: a plain dict, as Hydra gives it
                value = OmegaConf.to_container(value)
            setattr(cfg, name, value)
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


def _help(args: list[str]) -> None:
    """``--help``: the short help; ``--help-all``: that, then every parameter with its default
    (the configuration composed with the command's overrides)."""
    if "--help-all" not in args:
        print(_HELP, end="")
        return
    from omegaconf import OmegaConf

    from sim.config import ConfigError

    overrides = _overrides(args)
    try:
        cfg = load_validate_config(overrides)
    except ConfigError as exc:
        _fail(str(exc))
    print(_HELP, end="")
    given = f" (with {' '.join(overrides)})" if overrides else ""
    print(f"\nEvery parameter with its default{given}; their ranges and meanings are in "
          "docs/parameters.md:\n")
    print(OmegaConf.to_yaml(OmegaConf.structured(cfg)), end="")


def main() -> None:
    """Entry point of the ``sahel-sim-validate`` console script."""
    from sim.engine.memory import small_pages

    small_pages()  # numpy's large arrays without huge pages (sim.engine.memory)
    from sim.config import ConfigError, config_dir
    from sim.config.checks import projection_warning
    from sim.validate.config import register_validate_schema

    args = sys.argv[1:]
    if set(args) & set(_HELP_FLAGS):  # the command's own help, before Hydra
        _help(args)
        return
    flags = {a for a in args if a.startswith("-")}
    try:
        if not flags:  # compose and check everything before Hydra starts the job
            warning = projection_warning(load_validate_config(_overrides(args)))
            if warning:
                print(f"{PROG}: warning: {warning}", file=sys.stderr)
    except ConfigError as exc:
        _fail(str(exc))
    import hydra

    register_validate_schema()
    entry = hydra.main(config_path=str(config_dir()), config_name="validate",
                       version_base="1.3")(_app)
    entry()


if __name__ == "__main__":
    main()
