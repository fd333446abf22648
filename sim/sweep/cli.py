"""The ``sahel-sim-sweep`` command (also ``python -m sim.sweep``): run an experiment.

``sahel-sim-sweep experiment=<name>`` composes ``configs/sweep.yaml`` with the experiment file
``configs/experiment/<name>.yaml`` and runs it into the Hydra run folder
(``outputs/sweeps/<name>_<date>_<time>`` unless ``hydra.run.dir`` says otherwise). Options:
``replicates=N``, ``backend=local|dask``, ``scheduler=tcp://host:port``, ``n_workers=N``,
``chunksize=N``, ``batch_rows=N``, ``progress=false``, and any experiment field
(``experiment.samples=64``). Starting the same command with the same ``hydra.run.dir`` finishes
an interrupted sweep.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["main"]

PROG = "sahel-sim-sweep"


def _fail(message: str, code: int = 2) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    sys.exit(code)


def _experiment_text(choice: str) -> str | None:
    """The experiment file's text (comments included), found on Hydra's search path."""
    from hydra.core.hydra_config import HydraConfig

    for source in HydraConfig.get().runtime.config_sources:
        path = str(source.path)
        if source.schema == "file":
            candidate = Path(path) / "experiment" / f"{choice}.yaml"
            if candidate.is_file():
                return candidate.read_text()
    return None


def _app(dict_cfg) -> None:
    import logging

    from hydra.core.hydra_config import HydraConfig
    from omegaconf import OmegaConf

    from sim.config import ConfigError
    from sim.sweep.runner import SweepInterrupted, run_sweep

    logging.getLogger("MESA").setLevel(logging.WARNING)
    try:
        cfg = OmegaConf.to_object(dict_cfg)
    except Exception as exc:  # noqa: BLE001 (OmegaConf validation errors: wrong type, unknown key)
        _fail(str(exc).splitlines()[0])
    hc = HydraConfig.get()
    folder = Path(hc.runtime.output_dir)
    choice = hc.runtime.choices.get("experiment") or cfg.experiment.name
    text = _experiment_text(choice) or OmegaConf.to_yaml(dict_cfg.experiment)
    exp = cfg.experiment
    print(f"{PROG}: {exp.name} ({exp.design}) -> {folder}", file=sys.stderr)
    if exp.question:
        print(f"  question: {exp.question}", file=sys.stderr)
    try:
        report = run_sweep(exp, folder, replicates=cfg.replicates, backend=cfg.backend,
                           scheduler=cfg.scheduler, n_workers=cfg.n_workers,
                           chunksize=cfg.chunksize, batch_rows=cfg.batch_rows,
                           flush_seconds=cfg.flush_seconds, progress=cfg.progress,
                           experiment_text=text)
    except ConfigError as exc:
        _fail(str(exc))
    except SweepInterrupted as exc:
        _fail(str(exc), code=130 if isinstance(exc.__cause__, KeyboardInterrupt) else 1)
    ran = report.n_ok + report.n_error
    print(f"{report.n_runs} runs in {folder}: {ran} ran now ({report.n_ok} ok, "
          f"{report.n_error} errors) in {report.seconds:.1f} s"
          + (f", {report.runs_per_second:.1f} runs/s" if ran else "")
          + (f"; {report.n_skipped} were already there" if report.n_skipped else ""))
    if report.n_error:
        print(f"  errors are rows with status 'error' in {folder / 'results'}; rerun one with "
              f"sahel-sim-rerun {folder} <run_id>")


def main() -> None:
    """Entry point of the ``sahel-sim-sweep`` console script."""
    import hydra

    from sim.api import config_dir
    from sim.sweep.experiment import register_sweep_configs

    register_sweep_configs()
    entry = hydra.main(config_path=str(config_dir()), config_name="sweep", version_base="1.3")(_app)
    entry()


if __name__ == "__main__":
    main()
