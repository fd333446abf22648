"""The story across replicates (sim.analysis.story), on hand-made tables with known answers."""

from __future__ import annotations

import pandas as pd

from sim.analysis.story import entry_order, occurrences, summarize


def _events(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["step", "kind", "actor", "target", "detail", "origin"])


def _presence(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["step", "state", "power", "personnel"])


def test_occurrences_keep_the_first_month_of_each_event_of_the_aes_states():
    ev = _events([(3, "coup", "army", "mali", "", "emergent"),
                  (9, "coup", "army", "mali", "", "emergent"),
                  (4, "coup", "army", "chad", "", "scheduled"),
                  (5, "invitation", "mali", "russia", "", "emergent"),
                  (6, "massacre", "", "ML-1", "", "emergent")])
    got = occurrences({"events": ev})
    assert set(zip(got["kind"], got["target"], got["step"])) == {
        ("coup", "mali", 3), ("invitation", "russia", 5)}


def test_summarize_counts_replicates_and_gives_median_and_range():
    runs = [pd.DataFrame({"kind": ["coup"], "actor": ["army"], "target": ["mali"], "step": [s],
                          "origin": ["emergent"]}) for s in (10, 20, 40)]
    runs.append(pd.DataFrame(columns=["kind", "actor", "target", "step", "origin"]))
    table = summarize(runs)
    row = table.iloc[0]
    assert (row["n"], row["runs"], row["median"], row["first"], row["last"]) == (3, 4, 20, 10, 40)


def test_entry_order_tells_beside_the_west_from_after_it_left():
    pr = _presence([(0, "mali", "france", 100), (1, "mali", "france", 100),
                    (0, "mali", "russia", 0), (1, "mali", "russia", 50),
                    (0, "niger", "france", 100), (1, "niger", "france", 0),
                    (2, "niger", "france", 0), (0, "niger", "russia", 0),
                    (1, "niger", "russia", 0), (2, "niger", "russia", 30)])
    ev = _events([(1, "invitation", "mali", "russia", "", "emergent")])
    got = entry_order({"presence": pr, "events": ev}).set_index("state")
    assert got.loc["mali", "order"] == "beside the West" and got.loc["mali", "invited"]
    assert got.loc["niger", "order"] == "after the West left" and not got.loc["niger", "invited"]
    assert "burkina_faso" not in got.index
