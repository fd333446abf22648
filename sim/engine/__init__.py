"""The engine's machinery below the model: arithmetic that gives the same floats on every CPU
(:mod:`sim.engine.fmath`)."""
