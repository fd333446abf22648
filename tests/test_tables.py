"""The output tables as built (sim.record: Arrow tables on numpy buffers, read as pandas
DataFrames): every key column holds what its index says, in C order of the recorded arrays, and
a run's Parquet files read back to its tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import load_config, run
from sim.config import month_str, parse_month
from sim.record import TABLES, numeric_column, string_column


@pytest.fixture(scope="module")
def result():
    return run(load_config(["end=2020-06", "seed=3", "metrics.twin=false"]))


def _months(cfg) -> list[str]:
    first, last = parse_month(cfg.start, "start"), parse_month(cfg.end, "end")
    return [month_str(m) + "-01" for m in range(first, last + 1)]


@pytest.mark.parametrize(("table", "entities"), [
    ("states", ["state_ids"]), ("presence", ["state_ids", "power_ids"]),
    ("powers", ["power_ids"]), ("groups", ["group_ids"]), ("regions", ["region_ids"])])
def test_key_columns_are_the_steps_dates_and_ids_in_c_order(result, table, entities):
    from sim.engine.prepare import prepare
    from sim.world.build import build_world

    world = build_world(prepare(result.config))
    months = _months(result.config)
    ids = [list(getattr(world, e)) for e in entities]
    per_step = int(np.prod([len(i) for i in ids]))
    df = result.tables[table]
    assert len(df) == len(months) * per_step
    assert list(df.columns[:2 + len(ids)]) == list(TABLES[table][0][:2]) + [
        {"state_ids": "state", "power_ids": "power", "group_ids": "group",
         "region_ids": "region"}[e] for e in entities]
    assert df["step"].dtype == np.int32
    assert df["step"].tolist() == np.repeat(np.arange(len(months)), per_step).tolist()
    assert df["date"].tolist() == np.repeat(months, per_step).tolist()
    grid = np.indices([len(i) for i in ids]).reshape(len(ids), -1)
    for k, e in enumerate(entities):
        col = df.columns[2 + k]
        assert df[col].dtype == pd.StringDtype(na_value=np.nan)
        assert df[col].tolist() == [ids[k][j] for j in grid[k]] * len(months)
    if table == "regions":  # each region's state
        assert df["state"].tolist() == [world.state_ids[s] for s in world.region_state] * len(
            months)


def test_the_events_table_keeps_each_events_text(result):
    df = result.tables["events"]
    raw = result.tables.arrow()["events"]
    assert raw.schema.field("step").type == pa.int32()
    assert all(raw.schema.field(c).type == pa.string() for c in raw.column_names[1:])
    months = _months(result.config)
    assert df["date"].tolist() == [months[k] for k in df["step"]]
    assert set(df["origin"]) <= {"scheduled", "emergent"} and len(df) > 0
    assert df["kind"].str.len().min() > 0


def test_a_run_without_events_has_an_empty_events_table_of_strings():
    quiet = run(load_config(["end=2019-01", "scenario.events=[]", "metrics.twin=false"]))
    df = quiet.tables["events"]
    if len(df):
        pytest.skip("the first month had an emergent event")
    assert list(df.columns) == ["step", "date", *TABLES["events"][1]]
    assert df["step"].dtype == np.int32 and (df.dtypes.iloc[1:] == "str").all()


def test_the_parquet_files_read_back_to_the_runs_tables(result, tmp_path):
    result.write(tmp_path, plots=False)
    for name in TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"{name}.parquet"),
                                      result.tables[name], check_exact=True)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.text(), max_size=6), data=st.data())
def test_a_string_column_is_the_ids_at_its_index(values, data):
    """string_column gathers each row's UTF-8 bytes from the ids' (any text, empty strings and
    empty columns included): the Arrow array pa.array would build from the Python strings."""
    index = np.array(data.draw(st.lists(st.integers(0, len(values) - 1), max_size=40))
                     if values else [], dtype=np.intp)
    got = string_column(values, index)
    assert got.type == pa.string()
    assert got.equals(pa.array([values[i] for i in index], type=pa.string()))
    assert string_column(values).to_pylist() == values


def test_a_numeric_column_is_its_array_and_refuses_others():
    a = np.arange(6, dtype=np.float64).reshape(2, 3)[:, 1]  # not contiguous
    assert numeric_column(a).to_pylist() == [1.0, 4.0]
    assert numeric_column(np.array([3], dtype=np.int32)).type == pa.int32()
    with pytest.raises(TypeError, match="numeric"):
        numeric_column(np.array([True]))
