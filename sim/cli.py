"""The ``sahel-sim`` command (also ``python -m sim``): compose, validate, run, write, print.

Any parameter can be overridden Hydra-style, e.g.
``sahel-sim scenario=endogenous rules.vacuum.russia=cost_benefit seed=7``.
Heavy modules (Mesa, pandas, matplotlib) are imported only once a run starts.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def _overrides(argv: list[str]) -> list[str]:
    return [a for a in argv if not a.startswith("-") and "=" in a]


def _fail(message: str) -> None:
    print(f"sahel-sim: error: {message}", file=sys.stderr)
    sys.exit(2)


def _app(dict_cfg) -> None:  # noqa: ANN001 (a DictConfig, typed lazily)
    import logging

    from hydra.core.hydra_config import HydraConfig
    from omegaconf import OmegaConf

    from sim.api import run
    from sim.config import ConfigError, validate
    from sim.io import format_summary

    try:
        cfg = OmegaConf.to_object(dict_cfg)
        validate(cfg)
    except ConfigError as exc:
        _fail(str(exc))
    except Exception as exc:  # OmegaConf conversion errors
        _fail(str(exc).splitlines()[0])
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    out = HydraConfig.get().runtime.output_dir
    result = run(cfg, output_dir=out)
    print(format_summary(result.summary))
    print(f"outputs: {out}")


def main() -> None:
    """Entry point of the ``sahel-sim`` console script."""
    from sim.api import check_overrides, config_dir, load_config
    from sim.config import ConfigError, register_configs

    args = sys.argv[1:]
    flags = {a for a in args if a.startswith("-")}
    try:
        check_overrides(_overrides(args))
        if not flags:  # a single run: compose and validate everything before Hydra starts it
            load_config(_overrides(args))
    except ConfigError as exc:
        _fail(str(exc))
    import hydra

    register_configs()
    entry = hydra.main(config_path=str(config_dir()), config_name="config", version_base="1.3")(_app)
    entry()


if __name__ == "__main__":
    main()
