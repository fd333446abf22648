"""The Sahel explorer: a local web app to run, watch and compare scenarios and browse sweeps.

- :mod:`sim.app.core`: the controls, runs, comparisons and sweeps, without a browser;
- :mod:`sim.app.panels`: the run view's figures and tables;
- :mod:`sim.app.page`: the Solara page (run, compare and sweep views);
- :mod:`sim.app.cli`: the ``sahel-sim-app`` command.
"""
