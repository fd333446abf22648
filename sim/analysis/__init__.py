"""Analysis of sweep results: load, proportions, paired effects, Sobol indices, PRIM boxes, the
verdict against its own definitions (:func:`verdict_surface`).

Everything here works on plain pandas DataFrames (the sweep store's Parquet files) and
never imports Mesa, so notebooks and reports can analyse a sweep without the model.

Example:
    >>> from sim.analysis import load_sweep, probability
    >>> data = load_sweep("multirun/my_sweep")          # doctest: +SKIP
    >>> probability(data.runs, by=["scenario"])         # doctest: +SKIP
"""

from sim.analysis.discovery import PrimResult, prim_boxes
from sim.analysis.load import SweepData, load_sweep
from sim.analysis.sensitivity import SobolResult, sobol_indices
from sim.analysis.stats import (
    paired_difference,
    plausible,
    posterior_shift,
    probability,
    rank_influence,
    variance_shares,
)

__all__ = [
    "PrimResult",
    "SobolResult",
    "SweepData",
    "load_sweep",
    "paired_difference",
    "plausible",
    "posterior_shift",
    "prim_boxes",
    "probability",
    "rank_influence",
    "sobol_indices",
    "variance_shares",
    "verdict_surface",
]

# Figure and report exports (sim.analysis.figures, sim.analysis.report) are added below
# by their owner; keep the names above unchanged.

from sim.analysis.figures import (
    cheap_win_heatmap,
    host_cost_and_toll,
    influence_envelopes,
    paired_forest,
    price_of_influence,
    prim_box_limits,
    prim_figure,
    prim_tradeoff,
    region_map,
    sobol_bars,
    validation_figures,
    verdict_surface_heatmap,
)
from sim.analysis.geo import region_coordinates
from sim.analysis.report import build_report, write_report
from sim.analysis.verdict import verdict_surface

__all__ += [
    "build_report",
    "cheap_win_heatmap",
    "host_cost_and_toll",
    "influence_envelopes",
    "paired_forest",
    "price_of_influence",
    "prim_box_limits",
    "prim_figure",
    "prim_tradeoff",
    "region_coordinates",
    "region_map",
    "sobol_bars",
    "validation_figures",
    "verdict_surface_heatmap",
    "write_report",
]
