"""The notebooks of experiments/notebooks: one per shipped experiment and one for the hindcast,
committed without outputs, thin, and each executes on a tiny sweep.

Each notebook's first code cell is tagged ``parameters`` (papermill style); the test inserts a
cell after it that points the notebook at the tiny sweeps of tests/analysis/test_figures.py (or a
tiny validation) and runs it with nbclient on a kernel of this interpreter.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from paths import ROOT

from tests.analysis.test_figures import tiny_sobol, tiny_sweep

NOTEBOOKS = ROOT / "experiments" / "notebooks"
EXPERIMENTS = ROOT / "configs" / "experiment"


def _notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def test_one_notebook_per_shipped_experiment_and_one_for_the_hindcast():
    names = {p.stem for p in _notebooks()}
    assert names == {p.stem for p in EXPERIMENTS.glob("*.yaml")} | {"validation", "calibration"}


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.stem)
def test_committed_notebooks_have_no_outputs(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.stem)
def test_notebooks_are_thin_and_parameterised(path):
    """The first code cell holds the parameters; no cell defines functions or classes or
    imports the model (notebooks load results and call the plotting functions)."""
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    for cell in code:
        src = "".join(cell["source"])
        assert "\ndef " not in f"\n{src}" and "\nclass " not in f"\n{src}", path.name
        assert "mesa" not in src and "sim.model" not in src and "import sim.api" not in src
    # one paragraph of reading before every figure cell: as many markdown cells as code cells
    assert sum(c["cell_type"] == "markdown" for c in nb["cells"]) >= len(code) - 2


def _kernel_manager(tmp_path: Path):
    """A kernel of this interpreter (whatever ``python3`` kernel the user has registered)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = tmp_path / "kernels" / "sahel-sim-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "sahel-sim tests", "language": "python"}))
    ksm = KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")])
    return KernelManager(kernel_name="sahel-sim-test", kernel_spec_manager=ksm)


def _execute(name: str, parameters: str, tmp_path: Path):
    import nbformat
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell

    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    first = next(i for i, c in enumerate(nb.cells)
                 if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(first + 1, new_code_cell(parameters,
                                             metadata={"tags": ["injected-parameters"]}))
    client = NotebookClient(nb, km=_kernel_manager(tmp_path), timeout=180,
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    return nb


def _images(nb) -> int:
    return sum("image/png" in out.get("data", {}) for cell in nb.cells
               if cell.cell_type == "code" for out in cell.get("outputs", []))


def _errors(nb) -> list[str]:
    return [out.get("ename", "") for cell in nb.cells if cell.cell_type == "code"
            for out in cell.get("outputs", []) if out.get("output_type") == "error"]


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.getbasetemp()
    return {"factorial": tiny_sweep(base), "sobol": tiny_sobol(base)}


CASES = {
    # notebook: (sweep, injected parameters, figures it draws whatever the runs say; PRIM's
    # figures come on top when PRIM finds a box)
    "rules_comparison": ("factorial", 'RULE = "russia_rule"', 4),
    "cheap_win_map": ("factorial", 'X = "host_can_pay"\nY = "russia_rule"\nZ = "scenario"', 4),
    "sobol_cheap_win": ("sobol", "", 3),
    "counterfactuals": ("factorial", 'BASELINE = "historical"', 5),
    # one scenario, sampled parameters, two replicates: what a plausible-worlds sweep has
    "plausible_worlds": ("sobol", "", 3),
    # one scenario: the histograms, the verdict surface, the price of influence, who pays
    "default_world": ("sobol", "", 4),
}


@pytest.mark.parametrize("name", list(CASES))
def test_experiment_notebook_runs_on_a_tiny_sweep(name, sweeps, tmp_path):
    which, extra, n_figures = CASES[name]
    nb = _execute(name, f"SWEEP = {str(sweeps[which])!r}\n{extra}", tmp_path)
    assert _errors(nb) == []
    assert _images(nb) >= n_figures
    printed = "".join(out.get("text", "") for out in nb.cells[3].get("outputs", []))
    assert "runs," in printed and "finished" in printed  # the set-up cell read the sweep


def test_validation_notebook_runs_the_hindcast_and_plots_every_pattern(tmp_path):
    folder = tmp_path / "validation"
    args = ["replicates=2", "seed=5", "end=2019-03", "hindcast_end=2017-03"]
    nb = _execute("validation", f"VALIDATION = {str(folder)!r}\nVALIDATE_ARGS = {args!r}",
                  tmp_path)
    assert _errors(nb) == []
    patterns = json.loads((folder / "validation.json").read_text())["patterns"]
    assert len(patterns) == 10
    assert _images(nb) == len(patterns)  # one figure per pattern


def test_calibration_notebook_runs_a_small_calibration_and_shows_its_figures(tmp_path):
    from tests.calibrate.test_calibrate import EXPERIMENT

    priors = tmp_path / "calibrate_test.yaml"
    priors.write_text(EXPERIMENT)
    folder = tmp_path / "calibration"
    args = [f"priors={priors}", "population=12", "budget=60", "screen=0", "generations=2",
            "ppc=2", "ppc_coups=0", "n_workers=1", "progress=false", "targets=[C1,P1]"]
    nb = _execute("calibration", f"CALIBRATION = {str(folder)!r}\nCALIBRATE_ARGS = {args!r}",
                  tmp_path)
    assert _errors(nb) == []
    assert (folder / "posterior.parquet").is_file()
    assert _images(nb) >= 4  # generations, prior and posterior, pairs, predictive
