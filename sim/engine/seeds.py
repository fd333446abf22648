"""Every random stream of the project starts here, from a run's seed.

- :func:`stream`: a numpy generator of a run keyed by name (the Mesa model's own; the processes
  draw from the counter-based streams of :mod:`sim.engine.rng`, whose keys come from the same
  ``SeedSequence(seed, spawn_key=(crc32(name),))``).
- :func:`replicate_seeds`: the run seeds of replicates, spawned from one root seed (sweeps and
  validation use the same function, so replicate ``r`` of either has the same seed).

Only numpy is imported, so configuration, sweeps and validation can use it without the model.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["replicate_seeds", "stream"]


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream for actor or process ``name``, derived from the run's seed.

    Streams are keyed by name (not by creation order), so adding an actor leaves every other
    actor's draws unchanged: the basis for common random numbers across paired scenarios.
    """
    key = zlib.crc32(name.encode())
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(key,)))


def replicate_seeds(seed: int, replicates: int) -> list[int]:
    """The run seed of each replicate: children of ``SeedSequence(seed)``, as 63-bit integers (the
    range of ``RunConfig.seed``).

    Child ``r`` depends only on ``seed`` and ``r``, so more replicates extend the list.
    """
    children = np.random.SeedSequence(seed).spawn(replicates)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]
