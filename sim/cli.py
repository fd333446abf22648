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
record, as ``hydra.main`` writes it. Hydra's flags (``-m``, ``--cfg``, ``--hydra-help``, ...) go
to ``hydra.main``. The run folder is checked before the model runs
(:func:`sim.io.check_run_folder`).

``--help`` prints the command's own short help (:func:`help_text`: the common options, the
scenarios and worlds; no Hydra), ``--help-all`` that and every parameter with its default (the
composed configuration). A run ends with its absolute folder, its files and its verdict in one
line (:func:`closing_lines`); an ``end`` past the record warns on stderr
(:func:`sim.config.checks.projection_warning`).
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["closing_lines", "help_text", "main", "split_args", "verdict_line"]

PROG = "sahel-sim"
_CONFIG_DIR_FLAGS = ("--config-dir", "-cd")
_HELP_FLAGS = ("--help", "-h")
_HELP_ALL = "--help-all"

#: The short help; {scenarios}, {worlds}, {rules} are filled in from the configs and the rules.
_HELP = """\
usage: sahel-sim [path=value ...] [--config-dir DIR]
       sahel-sim --help-all | --cfg job [path=value ...] | -m path=a,b ... | --hydra-help

Run the simulation once: write its tables, summary.json, config.yaml and plots into a run
folder, print the verdict and its numbers, and end with the folder's files and the verdict.
Every parameter is set as path=value (Hydra style); a bad name or value stops the command
before anything runs, naming what is allowed.

Common options:
  scenario=NAME             the scenario (default historical): {scenarios}
  world=NAME                the world (default sahel): {worlds}
  seed=N                    the random seed (default 0)
  start=YYYY-MM end=YYYY-MM the months simulated (default 2019-01 .. 2025-12; the record ends
                            2025-12, later months are a projection)
  rules.vacuum.POWER=RULE   how a power fills a vacuum: {rules}
                            (the Sahel's powers: france, usa, un, eu, russia, china, turkey)
  metrics.k=N               AES states Russia must lead for a win (default 2)
  metrics.cheap_cost_ratio=X  cheap: Russia's cost per security point at most X times the
                            West's (default 0.1)
  metrics.twin=false        skip the twin run without the Western exit (the vacuum premium)
  output.plots=false        write no PNG plots
  output.overwrite=true     replace another run's files in the run folder
  hydra.run.dir=DIR         the run folder (default outputs/<date>/<scenario>_seed<seed>_<time>)
  --config-dir DIR          add your own DIR/scenario/<name>.yaml and DIR/world/<name>.yaml
  -m path=a,b ...           one run per combination (Hydra multirun; for experiments with
                            designs, replicates and a report: sahel-sim-sweep)

Examples:
  sahel-sim scenario=endogenous rules.vacuum.russia=cost_benefit seed=7
  sahel-sim start=2019-01 end=2021-12 metrics.phi=0.2 hydra.run.dir=out/my_run
  sahel-sim scenario=synthetic world.synthetic.n_regions=2000 output.plots=false

Every parameter, with its default, range and meaning: docs/parameters.md. "sahel-sim
--help-all" prints them all with their defaults, "sahel-sim --cfg job [path=value ...]" the
configuration a command would run. Other commands (each with --help): sahel-sim-sweep,
sahel-sim-validate, sahel-sim-rerun, sahel-sim-report, sahel-sim-app.
"""
#: Width of the help's lines, and the column where an option's description starts.
_WIDTH, _COLUMN = 96, 28


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


def help_text(config_dirs: list[str] | tuple[str, ...] = ()) -> str:
    """The short help of ``sahel-sim --help``: the common options first, the scenarios and
    worlds (the user's ``--config-dir`` ones too) and the vacuum rules; no Hydra, no run."""
    import textwrap

    from sim.config import group_options
    from sim.rules import registry

    text = _HELP.format(scenarios=", ".join(group_options("scenario", config_dirs)),
                        worlds=", ".join(group_options("world", config_dirs)),
                        rules=", ".join(registry.names()))
    lines = []
    for line in text.splitlines():  # long option lists wrap under their description's column
        lines.extend(textwrap.wrap(line, _WIDTH, subsequent_indent=" " * _COLUMN,
                                   break_on_hyphens=False) if len(line) > _WIDTH else [line])
    return "\n".join(lines) + "\n"


def _help(overrides: list[str], dirs: list[str], flags: list[str]) -> None:
    """``--help``: the short help; ``--help-all``: that, then every parameter with its default
    (the configuration composed with ``overrides``, the user's folders included)."""
    from sim.config import ConfigError, check_config_dirs

    try:
        check_config_dirs(dirs)
    except ConfigError as exc:
        _fail(str(exc))
    if _HELP_ALL not in flags:
        print(help_text(dirs), end="")
        return
    try:
        _, hydra_run = _composed(overrides, dirs)
    except ConfigError as exc:
        _fail(str(exc))
    print(help_text(dirs), end="")
    given = f" (with {' '.join(overrides)})" if overrides else ""
    print(f"\nEvery parameter with its default{given}; their ranges and meanings are in "
          "docs/parameters.md:\n")
    print(hydra_run["record"]["config.yaml"], end="")


def verdict_line(summary: dict) -> str:
    """The run's verdict in one line: the security win and the cheap test with their numbers,
    and whether the vacuum caused the win (when the twin ran)."""
    from sim.config import AES

    partners = summary.get("first_version", {}).get("largest_partner_at_end", {})
    aes = [s for s in AES if s in partners]
    if not aes:
        return (f"verdict: not defined (this world has none of the AES states, "
                f"{', '.join(AES)}, over which it is measured)")
    yes = {True: "yes", False: "no"}
    ratio = summary.get("cost_ratio")
    ratio_text = "n/a" if ratio is None else f"{ratio:.3f}"
    premium = summary.get("vacuum_premium") or {}
    caused = (f"; caused by the vacuum: {yes[bool(premium['because_of_vacuum'])]}"
              if "because_of_vacuum" in premium else "")
    return (f"verdict: {summary['verdict']} (security win: {yes[bool(summary['security_win'])]}, "
            f"Russia leads in {summary['russia_security_leader_in']} of {len(aes)} AES states, "
            f"k={summary['k']}; cheap: {yes[bool(summary['cheap'])]}, its {summary['cost_basis']} "
            f"cost per security point {ratio_text} of the West's, cheap at <= "
            f"{summary['cheap_cost_ratio']:g}{caused})")


def closing_lines(out: str | Path, summary: dict) -> list[str]:
    """The last lines of a run: its folder (absolute), the files it holds by kind, and the
    verdict in one line."""
    folder = Path(out).resolve()
    names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
    tables = [n for n in names if n.endswith(".parquet")]
    plots = [n for n in names if n.endswith(".png")]
    known = {"summary.json": "summary.json (the verdict and every number)",
             "config.yaml": "config.yaml (the run's configuration)",
             ".hydra/": ".hydra/ (Hydra's record)"}
    rest = [known[n] for n in known if n in names]
    rest += [n for n in names if n not in known and n not in tables and n not in plots]
    lines = [f"outputs: {folder}", "  " + ", ".join(rest)]
    if tables:
        lines.append(f"  tables: {', '.join(tables)}")
    if plots:
        lines.append(f"  plots: {', '.join(plots)}")
    lines.append(verdict_line(summary))
    return lines


def _warn(cfg) -> None:
    """Warnings about a config that runs (on stderr): an ``end`` past the record."""
    from sim.config.checks import projection_warning

    message = projection_warning(cfg)
    if message:
        print(f"{PROG}: warning: {message}", file=sys.stderr)


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
    _warn(cfg)
    if replaced:
        print(f"{PROG}: output.overwrite=true: replaced {len(replaced)} files of another run in "
              f"{out}: {', '.join(p.name for p in replaced)}", file=sys.stderr)
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    result = run(cfg, output_dir=out)
    print(format_summary(result.summary))
    print("\n".join(closing_lines(out, result.summary)))


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
    _warn(cfg)
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
    print("\n".join(closing_lines(out, result.summary)))


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
    from sim.engine.memory import small_pages

    small_pages()  # numpy's large arrays without huge pages (sim.engine.memory)
    from sim.config import ConfigError, check_config_dirs, check_overrides, config_dir
    from sim.config.compose import register_configs

    overrides, dirs, flags = split_args(sys.argv[1:])
    if set(flags) & {*_HELP_FLAGS, _HELP_ALL}:  # the command's own help, before Hydra
        _help(overrides, dirs, flags)
        return
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
