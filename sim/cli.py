"""The ``sahel-sim`` command (also ``python -m sim``): compose, check, run, write, print.

Any parameter can be overridden Hydra-style, e.g.
``sahel-sim scenario=endogenous rules.vacuum.russia=cost_benefit seed=7``.
``--config-dir DIR`` adds the user's own options to the groups (``DIR/scenario/<name>.yaml``,
``DIR/world/<name>.yaml``). Heavy modules (Mesa, pandas, matplotlib) are imported only once a run
starts.

A single run is composed once (the run's config and Hydra's run settings from one composition,
:func:`sim.config.compose.compose_run`), checked, and run without a Hydra app around it, so that
every error is the project's own and nothing is composed twice; a command composed before with
the same config files is read from the composition cache (:mod:`sim.config.compose_cache`),
without importing Hydra or OmegaConf. Its folder is ``hydra.run.dir`` with Hydra's ``.hydra/``
record, as ``hydra.main`` writes it. Hydra's flags (``-m``, ``--cfg``, ``--help``, ...) go to
``hydra.main``. The run folder is checked before the model runs (:func:`sim.io.check_run_folder`).
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["main", "split_args"]

PROG = "sahel-sim"
_CONFIG_DIR_FLAGS = ("--config-dir", "-cd")


def _fail(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    sys.exit(2)


def split_args(argv: list[str]) -> tuple[list[str], list[str], list[str]]:
    """``(overrides, config_dirs, other flags)`` of a command line.

    ``--config-dir DIR``, ``--config-dir=DIR`` and ``-cd DIR`` give config folders; other
    arguments that start with ``-`` are Hydra's flags (``-m``, ``--cfg job``, ...).
    """
    overrides, dirs, flags = [], [], []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in _CONFIG_DIR_FLAGS:
            if i + 1 >= len(argv):
                _fail(f"{a} needs a folder; allowed: {a} DIR")
            dirs.append(argv[i + 1])
            i += 2
            continue
        if a.startswith("--config-dir="):
            dirs.append(a.split("=", 1)[1])
        elif a.startswith("-"):
            flags.append(a)
        elif "=" in a:
            overrides.append(a)
        else:
            flags.append(a)  # the value of a Hydra flag (``--cfg job``)
        i += 1
    return overrides, dirs, flags


def _app(dict_cfg) -> None:
    import logging

    from hydra.core.hydra_config import HydraConfig
    from omegaconf import OmegaConf

    from sim.api import run
    from sim.config import ConfigError
    from sim.io import check_run_folder, format_summary
    from sim.engine.prepare import prepare

    out = HydraConfig.get().runtime.output_dir
    try:
        cfg = OmegaConf.to_object(dict_cfg)
        prepare(cfg)  # already done in main() for a single run: remembered, not repeated
        replaced = check_run_folder(out, cfg)
    except ConfigError as exc:
        _fail(str(exc))
    except Exception as exc:  # OmegaConf conversion errors
        _fail(str(exc).splitlines()[0])
    if replaced:
        print(f"{PROG}: output.overwrite=true: replaced {len(replaced)} files of another run in "
              f"{out}: {', '.join(p.name for p in replaced)}", file=sys.stderr)
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    result = run(cfg, output_dir=out)
    print(format_summary(result.summary))
    print(f"outputs: {out}")


def _single_run(overrides: list[str], dirs: list[str]) -> None:
    """A single run, composed once: the config and Hydra's run settings come from one
    composition (no Hydra app around it), are checked, and the run is written into
    ``hydra.run.dir`` with Hydra's record of it (``.hydra/config.yaml``, ``hydra.yaml``,
    ``overrides.yaml``) as ``hydra.main`` would write it."""
    import logging

    from sim.config import ConfigError
    from sim.io import check_run_folder, format_summary
    from sim.engine.prepare import prepare

    try:
        cfg, hydra_run = _composed(overrides, dirs)
        prepare(cfg)
        out = Path(hydra_run["run_dir"])
        replaced = check_run_folder(out, cfg)
    except ConfigError as exc:
        _fail(str(exc))
    if replaced:
        print(f"{PROG}: output.overwrite=true: replaced {len(replaced)} files of another run in "
              f"{out}: {', '.join(p.name for p in replaced)}", file=sys.stderr)
    _hydra_record(out, hydra_run["record"])
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    from sim.api import run
    from sim.engine.lazy_mesa import import_mesa

    import_mesa()  # from a short call stack: Mesa's import reads the stack twice (lazy_mesa)
    result = run(cfg, output_dir=out)
    print(format_summary(result.summary))
    print(f"outputs: {out}")


def _composed(overrides: list[str], dirs: list[str]) -> tuple[object, dict]:
    """The run's config and Hydra's settings: from the composition cache when this command was
    composed before with the same config files (:mod:`sim.config.compose_cache`), else composed
    (its names checked first, by :func:`~sim.config.compose.compose_run`) and stored."""
    from sim.config import compose_cache as cache

    key = cache.composition_key(overrides, dirs)
    hit = cache.load(key)
    if hit is not None:
        cfg, hydra_run = hit
        try:
            run_dir = cache.resolve_run_dir(hydra_run["run_dir_template"], cfg)
        except Exception:  # noqa: BLE001 (a run.dir naming Hydra's own keys: compose it)
            run_dir = None
        if run_dir is not None:
            return cfg, {**hydra_run, "run_dir": run_dir}
    from sim.config.compose import compose_run

    cfg, hydra_run = compose_run(overrides, dirs)  # checks the names first
    cache.store(key, cfg, hydra_run)
    return cfg, hydra_run


def _hydra_record(out: Path, record: dict[str, str]) -> None:
    """Hydra's ``.hydra/`` folder of a run: the composed config, Hydra's settings and the
    overrides (plain YAML, made when the command was composed: ``record`` of
    :func:`~sim.config.compose.compose_run`)."""
    folder = out / ".hydra"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in record.items():
        (folder / name).write_text(text)


def main() -> None:
    """Entry point of the ``sahel-sim`` console script."""
    from sim.config import ConfigError, check_config_dirs, check_overrides, config_dir
    from sim.config.compose import register_configs

    overrides, dirs, flags = split_args(sys.argv[1:])
    if not flags:  # a single run: composed once (or read from the cache), checked, run
        _single_run(overrides, dirs)
        return
    try:
        check_config_dirs(dirs)
        check_overrides(overrides, dirs)
    except ConfigError as exc:
        _fail(str(exc))
    import hydra

    register_configs()
    entry = hydra.main(config_path=str(config_dir()), config_name="config", version_base="1.3")(_app)
    entry()


if __name__ == "__main__":
    main()
