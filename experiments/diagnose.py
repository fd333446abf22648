"""Print a run's yearly fatalities, fighters, control and foreign personnel: a quick look at the
dynamics of a configuration. Usage: python experiments/diagnose.py [overrides...]"""

import sys

import pandas as pd

from sim import load_config, run


def main(overrides: list[str]) -> None:
    r = run(load_config(overrides=overrides))
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    st = r.tables["states"].assign(year=lambda d: d.date.str[:4])
    print("fatalities per year\n", st.pivot_table(index="year", columns="state", values="fatalities",
                                                  aggfunc="sum").round(0))
    print("civilian share\n", (st.pivot_table(index="year", columns="state", values="civilian_fatalities",
                                              aggfunc="sum") / st.pivot_table(
        index="year", columns="state", values="fatalities", aggfunc="sum")).round(2))
    g = r.tables["groups"]
    print("fighters (December)\n", g[g.step % 12 == 11].pivot(index="date", columns="group",
                                                              values="fighters").round(0))
    dec = st[st.step % 12 == 11]
    for col in ("control", "legitimacy", "vacuum"):
        print(col, "\n", dec.pivot(index="date", columns="state", values=col).round(2))
    pr = r.tables["presence"]
    aes = pr[pr.state.isin(["mali", "burkina_faso", "niger"]) & (pr.step % 12 == 11)]
    for col in ("personnel", "influence", "receptivity"):
        print(col, "\n", aes.pivot_table(index="date", columns=["state", "power"], values=col).round(2)
              .loc[:, lambda d: d.abs().sum() > 0])
    print(r.tables["events"].to_string())
    from sim.io import format_summary

    print(format_summary(r.summary))


if __name__ == "__main__":
    main(sys.argv[1:])
