"""How the commands' processes take memory from the operating system.

numpy asks Linux for transparent huge pages (``madvise(MADV_HUGEPAGE)``) for every array of 4 MiB
or more. Where the kernel's ``transparent_hugepage/defrag`` setting is ``madvise`` (Debian's
default) the first touch of such an array waits while the kernel assembles 2 MiB pages
(compaction, zeroing), and on a virtual machine the host may back each one afresh: on the 2-core
machine of docs/performance.md, 470 MB of new arrays took 0.08-5.6 s with huge pages and 0.29-0.34 s
without, and a sweep worker's first chunk of 128 ``plausible_worlds`` runs (a 150 MB batch
recorder, some 600 MB at its peak) spent 1.2-2.1 s in those faults. The model's arrays are read
and written a month at a time, not randomly: huge pages save it no measurable time.

:func:`small_pages` turns numpy's request off for the process and its children, as numpy's own
``NUMPY_MADVISE_HUGEPAGE=0`` does; the commands that simulate call it first. The numbers of a run
do not depend on it (only where the kernel puts the pages). A user who sets
``NUMPY_MADVISE_HUGEPAGE`` (0 or 1) keeps numpy's behaviour as set.
"""

from __future__ import annotations

import os
import sys

__all__ = ["ENV", "small_pages"]

#: numpy's environment variable (read when numpy is imported): "0" no huge pages, "1" huge pages.
ENV = "NUMPY_MADVISE_HUGEPAGE"


def small_pages() -> bool:
    """Have numpy's large arrays take ordinary pages in this process and the processes it
    starts (a sweep's or calibration's workers, forked or spawned, inherit it), unless the
    user set :data:`ENV`. Returns whether it changed anything."""
    if ENV in os.environ:
        return False
    os.environ[ENV] = "0"  # numpy reads it on import: spawned workers, subprocesses
    if "numpy" in sys.modules:  # already imported here: numpy's own switch for the process
        from numpy._core import multiarray

        switch = getattr(multiarray, "_set_madvise_hugepage", None)
        if switch is not None:
            switch(False)
    return True
