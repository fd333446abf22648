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

A sweep's worker also keeps the memory it has freed (:func:`keep_freed_memory`). glibc's
``malloc`` gives each array of 128 KiB or more (up to 32 MiB, as its threshold adapts) pages of
its own from the kernel and hands them back when the array is freed, and it returns the top of its
heap once more than twice that threshold is free there: so each chunk of a sweep took most of its
some 600 MB from the kernel afresh, and every new page is a fault the kernel must zero (on the
2-core machine of docs/performance.md, 3.5 us each: a first chunk of 128 ``plausible_worlds`` runs
took 155,000 faults and 0.52-0.57 s of system time, the next two 32,000-62,000 faults and
0.07-0.20 s each, until glibc's adapting threshold caught up by the fourth, 1,100). With the
thresholds raised (``mallopt``: ``M_MMAP_THRESHOLD`` 1 GiB, so such arrays come from the heap,
and ``M_TRIM_THRESHOLD`` 2 GiB, so the heap keeps what is freed) a first chunk reuses within
itself what its months free (85,000 faults, 0.19-0.26 s) and later chunks take almost nothing
new (600-5,000 faults, 0.01-0.02 s). The price: a worker holds the memory of its
largest chunk until it ends. Only glibc has ``mallopt``; elsewhere nothing changes. The numbers
of a run do not depend on where its arrays lie.
"""

from __future__ import annotations

import os
import sys

__all__ = ["ENV", "MMAP_THRESHOLD", "MMAP_THRESHOLD_MAX", "TRIM_THRESHOLD", "keep_freed_memory",
           "small_pages"]

#: numpy's environment variable (read when numpy is imported): "0" no huge pages, "1" huge pages.
ENV = "NUMPY_MADVISE_HUGEPAGE"
#: glibc's ``mallopt`` parameters (malloc.h) and the values :func:`keep_freed_memory` sets.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD = 1 << 30  # arrays below 1 GiB come from the heap, not from pages of their own
#: glibc's ceiling of the threshold when it refuses the one above (older releases): 32 MiB
MMAP_THRESHOLD_MAX = 32 << 20
TRIM_THRESHOLD = (1 << 31) - 1  # the heap returns its free top only past 2 GiB (never, here)


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


def keep_freed_memory() -> bool:
    """Have glibc's ``malloc`` keep, for reuse in this process, the memory it frees (module
    docstring): ``mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)`` and ``mallopt(M_TRIM_THRESHOLD,
    TRIM_THRESHOLD)``. Returns whether both were set (False where the C library has no
    ``mallopt``, or refused a value)."""
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process runs with
    except (OSError, AttributeError):  # no C library to load, or one without mallopt
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    mmap = (mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
            or mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX) == 1)
    return mmap and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
