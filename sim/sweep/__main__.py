"""``python -m sim.sweep``: the ``sahel-sim-sweep`` command."""

from sim.sweep.cli import main

main()
