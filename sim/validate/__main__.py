"""``python -m sim.validate``: the same as the ``sahel-sim-validate`` command."""

from sim.validate.command import main

if __name__ == "__main__":
    main()
