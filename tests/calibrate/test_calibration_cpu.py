"""A calibration gives the same populations at every numpy dispatch level this machine can run,
and with OpenBLAS's oldest x86-64 kernels: pyABC's transition is computed in a fixed order
(sim.calibrate.transition), the engine's numbers do not depend on the CPU (docs/engine.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from dispatch import ROOT, full_level, lower_levels

from tests.calibrate.test_calibrate import EXPERIMENT

pytestmark = pytest.mark.dispatch

SCRIPT = """
import sys
from pathlib import Path
from sim.calibrate import run as R
from sim.calibrate.config import CalibrateConfig
folder = Path(sys.argv[1])
cfg = CalibrateConfig(priors=sys.argv[2], population=12, budget=160, screen=0, generations=3,
                      ppc=0, n_workers=1, chunk=16, progress=False,
                      targets=["C1", "C4", "P1", "P3", "P4"])
R.calibrate(cfg, folder, out=None)
"""


def _calibrate(folder: Path, priors: Path, env: dict[str, str]) -> pd.DataFrame:
    got = subprocess.run([sys.executable, "-c", SCRIPT, str(folder), str(priors)], env=env,
                         cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert got.returncode == 0, got.stderr[-3000:]
    return pd.read_parquet(folder / "populations.parquet")


def test_the_populations_are_the_same_on_a_lesser_cpu(tmp_path: Path) -> None:
    priors = tmp_path / "calibrate_test.yaml"
    priors.write_text(EXPERIMENT)
    full = _calibrate(tmp_path / "full", priors, full_level().env())
    levels = lower_levels()
    lowest = levels[-1].env() if levels else dict(os.environ)
    lowest["OPENBLAS_CORETYPE"] = "Prescott"  # OpenBLAS's kernels of the first x86-64 CPUs
    low = _calibrate(tmp_path / "low", priors, lowest)
    assert sorted(full["generation"].unique()) == [0, 1, 2]
    pd.testing.assert_frame_equal(full, low, check_exact=True)
