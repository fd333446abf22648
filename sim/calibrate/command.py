"""The ``sahel-sim-calibrate`` command (also ``python -m sim.calibrate``).

Calibrates an experiment's assumptions (default: ``plausible_worlds``'s priors) to the targets
dated before 2020 with pyABC's ABC-SMC (:mod:`sim.calibrate.run`)::

    sahel-sim-calibrate                                     # the default calibration
    sahel-sim-calibrate budget=2000 hydra.run.dir=out/cal   # a quick one
    sahel-sim-calibrate population=500 'targets=[C1,C2,C4,P1,P3]'

It prints each generation as it finishes (tolerance, acceptance rate, effective sample size,
simulations) and writes ``posterior.parquet``, ``populations.parquet``, ``diagnostics.json``,
``calibration.json``, pyABC's ``abc.db`` and the figures of ``report.md`` into its run folder.
Running the same command again resumes a stopped calibration. Bad input exits with status 2 and a
message naming the setting, the value and what is allowed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

__all__ = ["main"]

PROG = "sahel-sim-calibrate"

_HELP = """\
usage: sahel-sim-calibrate [setting=value ...] [hydra.run.dir=FOLDER]

Calibrate the world's assumptions to the record before 2020: pyABC's sequential Monte Carlo ABC
over the priors of an experiment (default plausible_worlds), each sampled world simulated on its
2017-2019 politics hindcast and its scenario's 2019-2021, its distance made of the targets'
tolerance-scaled misfits. Writes posterior.parquet, populations.parquet, diagnostics.json
(ess, simulations, wall time, predictive pass rates), report.md and its figures into the folder;
the same command again resumes a stopped calibration.

Settings (configs/calibrate.yaml):
  budget=N          the most simulated worlds (default 60000)
  population=N      worlds per generation (default 1000)
  targets=[...]     the targets (default: those dated before 2020: C1-C6, C9, C10, P1-P6)
  quantile=Q        each generation's tolerance: this quantile of the last one's distances (0.5)
  generations=N     the most generations (30); min_acceptance=R (0.01); min_epsilon=E (0)
  seed=N            the calibration's seed (2026)
  ppc=N             worlds drawn from the posterior and from the prior for the predictive
                    checks (200); ppc_coups=N of them also scored on K1 (10)
  priors=NAME       the experiment whose priors are calibrated (plausible_worlds; or a YAML file)
  backend=local|dask  scheduler=tcp://host:port  n_workers=N  chunk=N  progress=true|false

Then: sahel-sim-sweep experiment=plausible_worlds experiment.posterior=FOLDER/posterior.parquet
"""


def _fail(message: str, code: int = 2) -> NoReturn:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    sys.exit(code)


def _compose(overrides: list[str]) -> tuple[Any, Path]:
    """The typed settings and the run folder.

    Raises:
        ConfigError: an override that is not a setting, or a value of the wrong type.
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf, open_dict

    from sim.calibrate.config import register_calibrate_schema
    from sim.config import ConfigError, config_dir

    register_calibrate_schema()
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(str(config_dir()), version_base="1.3"):
            composed = compose("calibrate", overrides=overrides, return_hydra_config=True)
        folder = Path(str(composed.hydra.run.dir))
        with open_dict(composed):
            del composed["hydra"]
        return OmegaConf.to_object(composed), folder
    except Exception as exc:
        raise ConfigError(_message(exc)) from exc


def _message(exc: BaseException) -> str:
    """Hydra's or OmegaConf's error as one line naming the setting and what is allowed."""
    from sim.calibrate.config import CalibrateConfig

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    names = ", ".join(f.name for f in __import__("dataclasses").fields(CalibrateConfig))
    return f"{text}; allowed settings: {names} (and hydra.run.dir)"


def run(args: list[str]) -> int:
    """Compose, calibrate, report; return the exit code."""
    from sim.calibrate.report import write_report
    from sim.calibrate.run import CalibrationInterrupted, calibrate
    from sim.config import ConfigError

    try:
        cfg, folder = _compose(args)
        from sim.calibrate.config import check_calibrate

        check_calibrate(cfg)
    except ConfigError as exc:
        _fail(str(exc))
    folder = folder.resolve()
    print(f"{PROG}: {cfg.priors}'s assumptions on {', '.join(cfg.targets)} -> {folder}",
          file=sys.stderr)
    try:
        diag = calibrate(cfg, folder)
    except ConfigError as exc:
        _fail(str(exc))
    except CalibrationInterrupted as exc:
        quoted = " ".join(_quote(a) for a in args)
        print(f"{PROG}: {exc}: {exc.generations} generations are stored in {exc.folder}; "
              f"resume with: {PROG} {quoted}".rstrip(), file=sys.stderr)
        return 128 + int(exc.signum)
    write_report(folder)
    gens = diag["generations"]
    print(f"{len(gens)} generations, {diag['simulations']} simulations in "
          f"{diag['wall_time_s']:.0f} s; ESS {diag['ess']:.0f} of {diag['population']}; stopped by "
          f"{diag['stopped_by']}")
    rates = diag.get("predictive", {}).get("pass_rate", {})
    if rates:
        print("pass rate (prior -> posterior predictive): " + ", ".join(
            f"{t} {_pct(r.get('prior'))} -> {_pct(r.get('posterior'))}" for t, r in rates.items()))
    print(f"posterior: {folder / 'posterior.parquet'}; report: {folder / 'report.md'}")
    return 0


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``sahel-sim-calibrate`` console script."""
    from sim.engine.memory import small_pages

    small_pages()  # numpy's large arrays without huge pages (sim.engine.memory)
    args = sys.argv[1:] if argv is None else list(argv)
    if {"--help", "-h"} & set(args):
        print(_HELP, end="")
        return
    try:
        code = run(args)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted by SIGINT before the calibration started", file=sys.stderr)
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    main()
