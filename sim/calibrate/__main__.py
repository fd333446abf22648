"""``python -m sim.calibrate``: the ``sahel-sim-calibrate`` command."""

from sim.calibrate.command import main

main()
