"""Calibration: a posterior over the world's assumptions from the record before 2020.

``sahel-sim-calibrate`` (:mod:`sim.calibrate.command`) and :func:`calibrate` run pyABC's
sequential Monte Carlo ABC over an experiment's priors (default ``plausible_worlds``'s), every
proposal simulated in batches of the engine (:mod:`sim.calibrate.sampler`,
:mod:`sim.calibrate.simulate`), its distance made of the targets' tolerance-scaled misfits
(:mod:`sim.calibrate.targets`). docs/ODD.md section 11.9 says why pyABC and what it found.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CalibrateConfig", "calibrate"]


def __getattr__(name: str) -> Any:  # the heavy modules are imported when used
    if name == "calibrate":
        from sim.calibrate.run import calibrate

        return calibrate
    if name == "CalibrateConfig":
        from sim.calibrate.config import CalibrateConfig

        return CalibrateConfig
    raise AttributeError(name)
