"""The ``sahel-sim-sweep`` command (also ``python -m sim.sweep``): run an experiment.

``sahel-sim-sweep experiment=<name>`` composes ``configs/sweep.yaml`` with the experiment file
``configs/experiment/<name>.yaml`` and runs it into ``outputs/sweeps/<name>-<key>`` (the key
hashes the experiment and its base configs: :func:`sim.sweep.runner.folder_key`) unless
``hydra.run.dir`` says otherwise. Options: ``replicates=N``, ``backend=local|dask``,
``scheduler=tcp://host:port``, ``n_workers=N``, ``chunksize=N``, ``batch_rows=N``,
``progress=false``, and any experiment field (``experiment.samples=64``;
``experiment.posterior=FILE`` draws the worlds from a calibrated posterior instead of the
priors: :attr:`sim.sweep.experiment.ExperimentConfig.posterior`).

Everything is checked before the folder is created, with errors in the project's format
(``sahel-sim-sweep: error: <param>=<value> is ...; allowed: ... (did you mean ...?)``): the
overrides' names (``replicate=2`` and ``+replicate=2`` alike), the experiment's name, the values'
types, the experiment and its design (values against the schema's ranges), the executor's
options and the folder. Hydra composes the config (its compose API, so that nothing is created
before the checks); ``--help``, ``--cfg``, ``--info`` and ``--hydra-help`` go to Hydra as usual,
and ``--config-dir DIR`` adds ``DIR`` to the search path (for experiment files of one's own).

Running the same command again resumes the sweep (the default folder depends only on the
experiment and its configs); when a sweep stops early the command prints the exact command that
resumes it. Exit codes: 0 every run stored and ok; 1 some runs failed (status ``error``) or a
worker was lost; 2 a refused input; 128 + the signal's number when stopped by a signal (130
SIGINT, 143 SIGTERM, 129 SIGHUP).

``--help`` prints the command's own help (:data:`_HELP`, plain text, with each experiment's
question). A sweep that ends prints its headline probabilities over its finished runs, each with
its Wilson interval (:func:`headline`), and the ``sahel-sim-report`` command for its folder.
"""

from __future__ import annotations

import shlex
import sys
import typing
from pathlib import Path
from typing import Any, NoReturn

from sim.config import ConfigError

__all__ = ["main", "resume_command"]

PROG = "sahel-sim-sweep"
#: Flags that only show something (Hydra handles them; nothing runs).
_SHOW_FLAGS = {"--help", "-h", "--hydra-help", "--version", "--cfg", "-c", "--info", "-i",
               "--resolve", "--package", "-p", "--shell-completion", "-sc"}
_VALUE_FLAGS = {"--cfg", "-c", "--package", "-p", "--shell-completion", "-sc"}
_INFO = {"all", "config", "defaults", "defaults-tree", "plugins", "searchpath"}
_CONFIG_DIR_FLAGS = {"--config-dir", "-cd"}
#: Schema fields the command no longer reads (results are written as each chunk arrives).
_RETIRED = {"flush_seconds"}
#: The headline outcomes printed when a sweep ends: result column -> what it is.
HEADLINE = {"hypothesis": "P(cheap win)",
            "security_win": "P(security win)",
            "cheap": "P(cheap)",
            "vacuum_premium.because_of_vacuum": "P(win caused by the vacuum)"}

_HELP = """\
usage: sahel-sim-sweep experiment=NAME [option=value ...] [--config-dir DIR]
       sahel-sim-sweep experiment=NAME --cfg job | --info | --hydra-help

Run an experiment: a design over named parameters (configs/experiment/NAME.yaml), replicates on
spawned seeds, scenarios paired on common seeds. Each run's row (its parameters and every
summary number) is stored in FOLDER/results/ as it finishes; the sweep ends with its headline
probabilities and the command that writes its HTML report (sahel-sim-report FOLDER).

Options:
  replicates=N              replicates per design point (default: the experiment's)
  backend=local|dask        a local process pool (default) or a Dask cluster
  scheduler=tcp://HOST:PORT the Dask scheduler (default: a local cluster of n_workers)
  n_workers=N               worker processes (default: every core)
  chunksize=N, batch_rows=N runs per message to a worker, runs per stored Parquet part
  progress=false            no progress bar
  experiment.FIELD=VALUE    any field of the experiment, e.g. experiment.samples=64
  experiment.posterior=FILE draw the experiment.samples worlds, by weight, from a posterior of
                            sahel-sim-calibrate (its posterior.parquet) instead of the priors
  hydra.run.dir=DIR         the folder (default outputs/sweeps/NAME-KEY; KEY hashes the
                            experiment and its configs)
  --config-dir DIR          add your own DIR/experiment/NAME.yaml and DIR/scenario/NAME.yaml

Running the same command again resumes an interrupted sweep in its folder; Ctrl-C stores the
finished runs and prints the command that resumes. Everything is checked before the folder is
created. Exit codes: 0 every run ok; 1 some runs failed (the commonest errors and a
sahel-sim-rerun command are printed); 2 a refused input; 130/143/129 stopped by SIGINT/SIGTERM/
SIGHUP. "sahel-sim-sweep experiment=NAME --cfg job" prints the experiment's every field.

Experiments:
"""


def _fail(message: str, code: int = 2) -> NoReturn:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    sys.exit(code)


# --------------------------------------------------------------------------- arguments

def _split_args(args: list[str]) -> tuple[list[str], list[str], bool]:
    """(overrides, extra search-path folders, whether only Hydra's show flags are asked).

    Raises:
        ConfigError: a flag the command does not take.
    """
    overrides: list[str] = []
    config_dirs: list[str] = []
    show = False
    i = 0
    while i < len(args):
        a = args[i]
        flag, eq, value = a.partition("=")
        if not a.startswith("-"):
            overrides.append(a)
        elif flag in _CONFIG_DIR_FLAGS:
            if not eq:
                i += 1
                value = args[i] if i < len(args) else ""
            if not value:
                raise ConfigError(f"{flag} needs a folder; allowed: {flag} DIR")
            config_dirs.append(str(Path(value).resolve()))
        elif flag in _SHOW_FLAGS:
            show = True
            nxt = args[i + 1] if i + 1 < len(args) else ""
            if not eq and (flag in _VALUE_FLAGS or (flag in ("--info", "-i") and nxt in _INFO)):
                i += 1  # the flag's value (``--cfg job``)
        else:
            raise ConfigError(f"{a} is not a flag of {PROG}; allowed: --help, --cfg job|hydra|all, "
                              "--info, --hydra-help, --config-dir DIR (one experiment per command: "
                              "its design is in the experiment file)")
        i += 1
    return overrides, config_dirs, show


def _parse(overrides: list[str]) -> list[Any]:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        return OverridesParser.create().parse_overrides(overrides)
    except Exception as exc:  # Hydra's grammar errors
        raise ConfigError(f"cannot read the overrides {overrides}: "
                          f"{str(exc).splitlines()[0]}") from exc


def _shown(o: Any) -> str:
    """An override as the user typed it, ``name=value``."""
    return o.input_line.lstrip("+~")


def _user_dirs(parsed: list[Any], config_dirs: list[str]) -> list[str] | None:
    """The user's config folders: ``--config-dir`` and the ``file://`` entries of
    ``hydra.searchpath`` (None if a ``pkg://`` entry may hold options too)."""
    dirs = list(config_dirs)
    for o in parsed:
        if o.key_or_group == "hydra.searchpath" and not o.is_delete():
            value = o.value()
            for entry in (value if isinstance(value, list) else [value]):
                if not str(entry).startswith("file://"):
                    return None
                dirs.append(str(entry).removeprefix("file://"))
    return dirs


def _check_key(o: Any) -> None:
    """Refuse an override whose name is not in the sweep's schema (``+name`` included), through
    the config's path resolver (:func:`sim.config.paths.schema_field`).

    Raises:
        ConfigError: naming the override and what is allowed, with a did-you-mean.
    """
    from sim.config import suggest
    from sim.config.paths import schema_field
    from sim.sweep.experiment import ParameterSpec, SweepConfig

    key = o.key_or_group
    parts = key.split(".")
    top = [n for n in typing.get_type_hints(SweepConfig) if n not in _RETIRED]
    if parts[0] not in top:
        raise ConfigError(f"unknown parameter {key!r} (no {parts[0]!r} in (top level)); "
                          + suggest(parts[0], top))
    spec = list(typing.get_type_hints(ParameterSpec))
    if parts[:2] == ["experiment", "parameters"] and len(parts) > 4 and parts[3] not in spec \
            and parts[-1] in spec:
        name = ".".join(parts[2:-1])
        raise ConfigError(f"{_shown(o)}: the parameter name {name!r} has dots, which the command "
                          "line reads as nesting; allowed: set it in the experiment file, or name "
                          f"it without dots (paths: [{name}] keeps the config path)")
    schema_field(SweepConfig, parts, key)


def _check_overrides(parsed: list[Any], config_dirs: list[str]) -> None:
    """Check every override's name, and the experiment's, before composing.

    Raises:
        ConfigError: the first wrong override.
    """
    from sim.config import group_options, suggest

    dirs = _user_dirs(parsed, config_dirs)
    options = group_options("experiment", dirs or [])
    chosen = False
    for o in parsed:
        key = o.key_or_group
        if key == "hydra" or key.startswith(("hydra.", "hydra/")):
            continue
        if o.is_sweep_override():
            raise ConfigError(f"{_shown(o)} is a list of values to sweep over; allowed: one value "
                              "(a sweep runs one experiment; its design is in the experiment file)")
        if key == "experiment" and not o.is_delete() and isinstance(o.value(), str):
            chosen = True
            if dirs is not None and o.value() not in options:
                raise ConfigError(f"experiment={o.value()!r} is unknown; "
                                  + suggest(o.value(), options))
            continue
        _check_key(o)
    if not chosen:
        raise ConfigError(f"experiment is missing; allowed: experiment=<name>, one of "
                          f"{', '.join(options)}")


# --------------------------------------------------------------------------- composing

def _allowed_type(key: str) -> str:
    """What a field of the sweep's schema takes, in the config's words (``a whole number
    (int) or null``)."""
    from sim.config.compose import type_phrase
    from sim.config.paths import schema_field
    from sim.sweep.experiment import SweepConfig

    try:
        return type_phrase(schema_field(SweepConfig, key.split("."), key))
    except ConfigError:
        return "a value of the field's type"


def _missing_key(o: Any, overrides: list[str], config_dirs: list[str]) -> str | None:
    """The message for an override naming a mapping key that does not exist (a parameter the
    experiment does not have), from the config composed without it; None if all keys exist."""
    from omegaconf import DictConfig, OmegaConf

    from sim.config import suggest

    try:
        base = _compose([x for x in overrides if x != o.input_line], config_dirs)
    except Exception:  # noqa: BLE001 (another override fails too: its own message says so)
        return None
    parts = o.key_or_group.split(".")
    node: Any = base
    for i, part in enumerate(parts):
        if not isinstance(node, DictConfig):
            return None
        keys = [str(k) for k in node]
        if part not in keys:
            parent = ".".join(parts[:i]) or "(top level)"
            if parent == "experiment.parameters":
                return (f"{_shown(o)}: the experiment has no parameter {part!r}; "
                        + suggest(part, keys) + " (parameters are added in the experiment file)")
            return f"{_shown(o)}: no {part!r} in {parent}; " + suggest(part, keys)
        node = OmegaConf.select(node, part)
    return None


def _compose_message(exc: BaseException, parsed: list[Any], overrides: list[str],
                     config_dirs: list[str]) -> str:
    """The project's message for a Hydra composition or conversion error."""
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError, ValidationError

    chain: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in chain:
        chain.append(e)
        e = e.__cause__ or e.__context__
    for e in chain:
        if isinstance(e, ConfigError):
            return str(e)
    for e in chain:
        key = getattr(e, "full_key", None)
        if isinstance(e, (ConfigKeyError, ConfigAttributeError, ValidationError)) and key:
            for o in parsed:
                if o.key_or_group.startswith(key) or f".{key}." in f".{o.key_or_group}.":
                    message = _missing_key(o, overrides, config_dirs)
                    if message:
                        return message
        if isinstance(e, ValidationError) and key:
            typed = next((_shown(o) for o in parsed if o.key_or_group == key), None)
            value = typed.split("=", 1)[1] if typed else str(getattr(e, "value", "?"))
            return f"{key}={value} is invalid; allowed: {_allowed_type(key)}"
    text = str(chain[-1]).strip() or str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _compose(overrides: list[str], config_dirs: list[str]) -> Any:
    """The composed sweep config, Hydra's part included (``return_hydra_config``)."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from sim.config import config_dir

    extra = [f"file://{d}" for d in config_dirs]
    if extra:
        current = next((o.split("=", 1)[1].strip("[]") for o in overrides
                        if o.startswith("hydra.searchpath=")), "")
        entries = ",".join([*filter(None, current.split(",")), *extra])
        overrides = [o for o in overrides if not o.startswith("hydra.searchpath=")]
        overrides.append(f"hydra.searchpath=[{entries}]")
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        return compose("sweep", overrides=overrides, return_hydra_config=True)


def _experiment_text(choice: str, sources: list[Any]) -> str | None:
    """The experiment file's text (comments included), found on Hydra's search path."""
    for source in sources:
        if source["schema"] == "file":
            candidate = Path(str(source["path"])) / "experiment" / f"{choice}.yaml"
            if candidate.is_file():
                return candidate.read_text()
    return None


#: The user's config folders of the command being run (read by the ``${sweep_key:}`` resolver).
_CONFIG_DIRS: list[str] = []


def _sweep_key(*, _root_: Any) -> str:
    """OmegaConf resolver ``${sweep_key:}``: :func:`sim.sweep.runner.folder_key` of the
    composed experiment (the default folder's suffix)."""
    from omegaconf import OmegaConf

    from sim.sweep.experiment import experiment_from_dict
    from sim.sweep.runner import folder_key, plan

    data = OmegaConf.to_container(_root_.experiment, resolve=True)
    return folder_key(plan(experiment_from_dict(data), config_dirs=_CONFIG_DIRS))


def _register() -> None:
    from omegaconf import OmegaConf

    from sim.sweep.experiment import register_sweep_configs

    register_sweep_configs()
    if not OmegaConf.has_resolver("sweep_key"):
        OmegaConf.register_new_resolver("sweep_key", _sweep_key)


# --------------------------------------------------------------------------- messages

def resume_command(folder: str | Path, argv: list[str] | None = None) -> str:
    """The command that resumes a sweep: this command as it was typed, with
    ``hydra.run.dir=<folder>`` (absolute) in place of any other, quoted for a POSIX shell."""
    argv = list(sys.argv if argv is None else argv)
    prog = argv[0] if argv else PROG
    if Path(prog).name == "__main__.py" or not Path(prog).name.startswith(PROG):
        head = [sys.executable, "-m", "sim.sweep"]
    else:
        head = [prog]
    rest = [a for a in argv[1:] if not a.lstrip("+").startswith("hydra.run.dir=")]
    args = [*head, *rest, f"hydra.run.dir={Path(folder).resolve()}"]
    return " ".join(shlex.quote(a) for a in args)


def _failed_runs(folder: Path, n_failed: int, n_runs: int) -> str:
    """The error message of a sweep with failed runs: how many, the commonest errors, where to
    look."""
    from sim.sweep.store import read_results

    df = read_results(folder, columns=["run_id", "status", "error"])
    bad = df[df["status"] != "ok"]
    lines = [f"{n_failed} of {n_runs} runs failed (status 'error'); commonest errors:"]
    for error, count in bad["error"].fillna("?").value_counts().head(3).items():
        lines.append(f"  {count} x {error}")
    first = bad["run_id"].iloc[0] if len(bad) else "<run_id>"
    lines.append(f"  the rows are in {folder / 'results'} (columns status, error); run one "
                 f"again with: sahel-sim-rerun {shlex.quote(str(folder))} {first}")
    return "\n".join(lines)


def help_text(config_dirs: list[str] | tuple[str, ...] = ()) -> str:
    """The command's help: usage, options, exit codes, and each experiment with its question."""
    import textwrap

    import yaml

    from sim.config import config_dir, group_options

    lines = [_HELP.rstrip("\n")]
    for name in group_options("experiment", config_dirs):
        question = ""
        for folder in (*config_dirs, config_dir()):
            path = Path(folder) / "experiment" / f"{name}.yaml"
            if path.is_file():
                try:
                    data = yaml.safe_load(path.read_text()) or {}
                    data = data.get("experiment", data)  # @package _global_ or experiment
                    question = str(data.get("question") or "")
                except (yaml.YAMLError, AttributeError):
                    question = ""
                break
        lines.extend(textwrap.wrap(f"  {name:<24}{question}", 96, subsequent_indent=" " * 26))
    return "\n".join(lines) + "\n"


def headline(folder: str | Path) -> list[str]:
    """The headline of a sweep's stored rows: each :data:`HEADLINE` probability over the
    finished runs (status ok) that have the outcome, with its 95% Wilson interval and the number
    of runs, then the command that writes the sweep's report."""
    import pandas as pd

    from sim.analysis.stats import wilson_interval
    from sim.sweep.store import read_results

    folder = Path(folder).resolve()
    def column(name: str) -> pd.Series | None:
        try:
            return read_results(folder, columns=[name])[name]
        except Exception:  # noqa: BLE001 (a column these rows lack)
            return None

    try:
        rows = read_results(folder, columns=["status", *HEADLINE])
    except Exception:  # noqa: BLE001 (a column the rows lack: read the others one by one)
        found = {name: column(name) for name in ("status", *HEADLINE)}
        rows = pd.DataFrame({k: v for k, v in found.items() if v is not None})
    ok = rows[rows["status"] == "ok"] if "status" in rows.columns else rows.iloc[0:0]
    if ok.empty:
        return ["no finished run: no headline probabilities"]
    lines = [f"over the {len(ok):,} finished runs (95% Wilson intervals):"]
    width = max(len(title) for title in HEADLINE.values())
    for column, title in HEADLINE.items():
        values = ok[column].dropna() if column in ok.columns else pd.Series(dtype=float)
        n = len(values)
        if not n:
            lines.append(f"  {title:<{width}}  not measured in these runs")
            continue
        hits = int(values.astype(bool).sum())
        lo, hi = wilson_interval(hits / n, n)
        lines.append(f"  {title:<{width}}  {100 * hits / n:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]"
                     f"  ({hits:,} of {n:,} runs)")
    lines.append(f"the HTML report: sahel-sim-report {shlex.quote(str(folder))}")
    return lines


# --------------------------------------------------------------------------- the command

def _run(args: list[str], argv0: str) -> int:
    """Check, run, report; return the exit code."""
    import logging

    from omegaconf import OmegaConf, open_dict

    from sim.config import check_config_dirs
    from sim.sweep.runner import SweepInterrupted, check_folder, check_sweep, run_sweep

    overrides, config_dirs, _ = _split_args(args)
    parsed = _parse(overrides)
    check_config_dirs(config_dirs)
    _CONFIG_DIRS[:] = config_dirs
    _check_overrides(parsed, config_dirs)
    _register()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    try:
        composed = _compose(overrides, config_dirs)
        hydra_node = composed.hydra
        sources = OmegaConf.to_container(hydra_node.runtime.config_sources)
        choice = hydra_node.runtime.choices.get("experiment")
        with open_dict(composed):
            del composed["hydra"]
        cfg = OmegaConf.to_object(composed)
        exp = cfg.experiment
        options = {"replicates": cfg.replicates, "backend": cfg.backend,
                   "scheduler": cfg.scheduler, "n_workers": cfg.n_workers,
                   "chunksize": cfg.chunksize, "batch_rows": cfg.batch_rows}
        p = check_sweep(exp, None, config_dirs=config_dirs, **options)  # the options and the experiment, then
        folder = Path(str(hydra_node.run.dir)).resolve()  # ${sweep_key:}: plan's cache
        check_folder(p, folder)
    except ConfigError:
        raise
    except Exception as exc:  # Hydra's and OmegaConf's errors, worded by the helper
        raise ConfigError(_compose_message(exc, parsed, overrides, config_dirs)) from exc
    text = _experiment_text(choice or exp.name, sources) or OmegaConf.to_yaml(
        OmegaConf.structured(exp))
    design = f"worlds drawn from {exp.posterior}" if exp.posterior else exp.design
    print(f"{PROG}: {exp.name} ({design}) -> {folder}", file=sys.stderr)
    if exp.question:
        print(f"  question: {exp.question}", file=sys.stderr)
    argv = [argv0, *args]
    try:
        report = run_sweep(exp, folder, progress=cfg.progress, experiment_text=text,
                           config_dirs=config_dirs, checked=p, **options)
    except SweepInterrupted as exc:
        code = 128 + exc.signum if exc.signum is not None else 1
        if not exc.n_runs:
            print(f"{PROG}: {exc.why}; nothing was written", file=sys.stderr)
            return code
        print(f"{PROG}: {exc.why}: {exc.n_stored} of {exc.n_runs} runs are stored in "
              f"{exc.folder}; resume with: {resume_command(exc.folder, argv)}", file=sys.stderr)
        return code
    ran = report.n_ok + report.n_error
    print(f"{report.n_runs} runs in {folder}: {ran} ran now ({report.n_ok} ok, "
          f"{report.n_error} errors) in {report.seconds:.1f} s"
          + (f", {report.runs_per_second:.1f} runs/s" if ran else "")
          + (f"; {report.n_skipped} were already there" if report.n_skipped else ""))
    print("\n".join(headline(folder)))
    if report.n_failed:
        print(f"{PROG}: error: {_failed_runs(folder, report.n_failed, report.n_runs)}",
              file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``sahel-sim-sweep`` console script.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).
    """
    from sim.engine.memory import small_pages

    small_pages()  # numpy's large arrays without huge pages (sim.engine.memory)
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        _, _, show = _split_args(args)
    except ConfigError as exc:
        _fail(str(exc))
    if {"--help", "-h"} & set(args):
        try:
            _, config_dirs, _ = _split_args(args)
        except ConfigError:
            config_dirs = []
        print(help_text(config_dirs), end="")
        return
    if show:  # --cfg, --info, ...: Hydra shows it; nothing runs
        import hydra

        from sim.config import config_dir

        try:
            overrides, config_dirs, _ = _split_args(args)
            _check_overrides(_parse(overrides), config_dirs)
        except ConfigError as exc:
            _fail(str(exc))
        _register()
        sys.argv = [sys.argv[0], *args]
        hydra.main(config_path=str(config_dir()), config_name="sweep",
                   version_base="1.3")(lambda cfg: None)()
        return
    try:
        code = _run(args, sys.argv[0])
    except ConfigError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:  # Ctrl-C while checking, before the sweep handles signals
        print(f"{PROG}: interrupted by SIGINT before any run; nothing was written",
              file=sys.stderr)
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    main()
