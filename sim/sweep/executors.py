"""Executors: one interface to run a function over many tasks, on this machine or a Dask cluster.

``Executor.map_chunks(fn, tasks)`` yields the results of each chunk of tasks as the chunk
completes (chunks not in order); ``Executor.map`` yields them one by one. Tasks are sent in
chunks, so that the cost of a message to a worker is spread over several runs, and only
:attr:`Executor.in_flight_per_worker` chunks per worker are out at once, so that memory stays
flat however many tasks there are (``tasks`` may be a generator) and a sweep that is killed
loses at most those chunks.

- :class:`LocalExecutor`: a ``concurrent.futures.ProcessPoolExecutor`` of all cores by default.
  On Linux the workers are forked from the sweep's process once it has imported the model
  (``fork``: no forkserver and no resource-tracker process, and each worker starts with the
  base configs already composed); elsewhere they are spawned. Every worker dies with the
  sweep's process, even when that process is killed with SIGKILL: on Linux the kernel sends
  the worker SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``); elsewhere a thread of
  the worker exits it when its parent changes. Workers ignore SIGINT, SIGTERM and SIGHUP: the
  sweep's process handles them and stops its workers itself.
- :class:`DaskExecutor`: a ``dask.distributed`` client on ``scheduler`` (``tcp://host:port``), or
  a local cluster of worker processes on the loopback interface when none is given (its
  processes watch their parent and exit with it). The same sweep runs on a laptop or on any
  Dask cluster (dask-jobqueue, dask-gateway, ``dask scheduler`` + ``dask worker`` by hand);
  workers need sahel-sim installed. Dask's INFO logging is silenced.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import signal
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Self

__all__ = [
    "DaskExecutor",
    "Executor",
    "LocalExecutor",
    "WorkerLost",
    "auto_chunksize",
    "check_options",
    "die_with_parent",
    "even_chunksize",
    "make_executor",
]

#: Modules a worker needs, imported once before the workers start (fork) or by each (spawn).
PRELOAD = ("sim.sweep.worker", "sim.api", "sim.model", "sim.metrics")
#: Signals the sweep's process handles for its workers (a terminal's Ctrl-C, ``kill``, Slurm
#: and docker's SIGTERM and a closed terminal reach the whole process group).
CONTROL_SIGNALS = tuple(getattr(signal, s) for s in ("SIGINT", "SIGTERM", "SIGHUP")
                        if hasattr(signal, s))
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


class WorkerLost(RuntimeError):
    """A worker process died (killed, out of memory): the results not yet received are lost."""


def _apply_chunk(fn: Callable[[Any], Any], chunk: list[Any]) -> list[Any]:
    return [fn(t) for t in chunk]


def auto_chunksize(remaining: int, n_workers: int, most: int = 32, least: int = 1) -> int:
    """Tasks in the next chunk: a quarter of each worker's share of what remains, from ``most``
    down to ``least`` (guided scheduling: big chunks while much remains, small ones at the end, so
    that no worker idles long while another finishes a long chunk; a batch engine wants
    ``least`` > 1, since a world costs more in a small batch)."""
    return max(1, least, min(most, remaining // max(1, 4 * n_workers)))


def even_chunksize(n_tasks: int, n_workers: int, most: int = 128, least: int = 1) -> int:
    """Tasks in every chunk of ``n_tasks`` cut into chunks of equal size: as few chunks as
    ``most`` allows, their number a multiple of the workers (each worker gets as many), and no
    chunk smaller than ``least`` (the last one excepted). A batch engine runs a world about a
    quarter cheaper in a batch of 128 than in one of 64 (docs/performance.md), so the sweep
    prefers a few large equal chunks to guided scheduling's shrinking ones."""
    workers = max(1, n_workers)
    chunks = max(1, math.ceil(n_tasks / max(1, most)))
    chunks = math.ceil(chunks / workers) * workers
    return max(1, least, min(most, math.ceil(n_tasks / chunks)))


def die_with_parent(parent: int) -> None:
    """Make this process exit when its parent process ``parent`` dies, however it dies.

    On Linux the kernel sends this process SIGKILL when the thread that forked it exits
    (``prctl(PR_SET_PDEATHSIG, SIGKILL)``, man 2 prctl); elsewhere (or if ``prctl`` fails) a
    daemon thread checks ``os.getppid()`` twice a second and exits the process once the parent
    has changed. If the parent is already gone, the process exits now.
    """
    armed = False
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if not armed:
        import threading
        import time

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(1)

        threading.Thread(target=watch, name="die-with-parent", daemon=True).start()
    if os.getppid() != parent:  # the parent died before the watch was set
        os._exit(1)


def _init_worker(parent: int) -> None:
    """Pool initializer: leave the control signals to the parent, die with it, keep the memory
    this worker frees for its next chunks (:func:`sim.engine.memory.keep_freed_memory`), and
    freeze what it inherited out of the garbage collector's walks (``gc.freeze``: a forked
    worker starts with the sweep's imported model, some 140,000 tracked objects on pages it
    shares with the sweep's process; its first full collection took 0.1 s and 9,700
    copy-on-write page faults, each later one 0.07 s, before its first chunk froze them)."""
    import gc

    from sim.engine.memory import keep_freed_memory

    gc.freeze()
    for sig in CONTROL_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    die_with_parent(parent)
    keep_freed_memory()


def default_start_method() -> str:
    """``fork`` on Linux (the workers start from the parent's imports and caches); ``spawn``
    elsewhere (macOS's system libraries are not safe to fork)."""
    return "fork" if sys.platform.startswith("linux") else "spawn"


class Executor(ABC):
    """Runs ``fn`` over tasks on some workers; results come back as they complete.

    Attributes:
        n_workers: how many tasks run at once.
        chunksize: tasks per message to a worker (None: :func:`auto_chunksize` of the tasks
            left, from the ``n_tasks`` hint given to :meth:`map_chunks`).
        in_flight_per_worker: chunks out per worker at once (one running, one queued: no worker
            waits for work, and a killed sweep loses at most these chunks).
    """

    n_workers: int = 1
    chunksize: int | None = None
    in_flight_per_worker: int = 2

    @abstractmethod
    def _submit(self, fn: Callable[[Any], Any], chunk: list[Any]) -> Any:
        """Start ``fn(chunk)`` on a worker; return a future."""

    @abstractmethod
    def _wait(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        """Block until at least one future of ``pending`` is done; return (done, not done)."""

    @abstractmethod
    def _result(self, future: Any) -> list[Any]:
        """The list of results of a done future."""

    def close(self) -> None:
        """Stop the workers once the work given to them is done."""

    def abort(self) -> None:
        """Stop the workers now: work not finished is dropped."""
        self.close()

    def map_chunks(self, fn: Callable[[Any], Any], tasks: Iterable[Any],
                   n_tasks: int | None = None, *, whole: bool = False,
                   most: int = 32, least: int = 1, even: bool = False) -> Iterator[list[Any]]:
        """Yield ``[fn(task) for task in chunk]`` (with ``whole``: ``fn(chunk)``) for every
        chunk, in the order chunks finish.

        Args:
            fn: a picklable function of one task (a module-level function or a
                ``functools.partial`` of one); with ``whole``, of a list of tasks, returning a
                list of results in their order (a batch engine runs a chunk at once).
            tasks: the tasks (any iterable; read lazily).
            n_tasks: how many tasks there are, to size the chunks (without it: one task per
                chunk unless ``chunksize`` is set).
            whole: give ``fn`` the whole chunk.
            most: the largest chunk :func:`auto_chunksize` makes.
            least: the smallest (the last chunk may be smaller: what is left).
            even: chunks of one size, :func:`even_chunksize` of ``n_tasks`` (else
                :func:`auto_chunksize` of what is left, chunk by chunk).

        Raises:
            WorkerLost: a worker died; the chunks received so far have been yielded.
        """
        it = iter(tasks)
        left = [n_tasks or 0]

        fixed = self.chunksize or (even_chunksize(left[0], self.n_workers, most, least)
                                   if even and n_tasks else None)

        def next_chunk() -> list[Any]:
            size = fixed or auto_chunksize(left[0], self.n_workers, most, least)
            chunk = list(itertools.islice(it, size))
            left[0] -= len(chunk)
            return chunk

        chunks = iter(next_chunk, [])
        limit = max(1, self.in_flight_per_worker * self.n_workers)
        call = fn if whole else functools.partial(_apply_chunk, fn)
        pending: set[Any] = set()
        for chunk in itertools.islice(chunks, limit):
            pending.add(self._submit(call, chunk))
        while pending:
            done, pending = self._wait(pending)
            for fut in done:
                results = self._result(fut)
                nxt = next(chunks, None)
                if nxt is not None:
                    pending.add(self._submit(call, nxt))
                yield results

    def start(self, fn: Callable[[Any], Any], arg: Any) -> Any:
        """Start ``fn(arg)`` on a worker beside the chunks (a job of its own, queued before the
        chunks given out after it); :meth:`outcome` waits for its result."""
        return self._submit(fn, arg)

    def outcome(self, future: Any) -> Any:
        """The result of a job :meth:`start` started, once it is done (its error, raised).

        Raises:
            WorkerLost: its worker died.
        """
        self._wait({future})
        return self._result(future)

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any],
            n_tasks: int | None = None) -> Iterator[Any]:
        """Yield ``fn(task)`` for every task, in the order the results arrive (see
        :meth:`map_chunks`)."""
        for results in self.map_chunks(fn, tasks, n_tasks):
            yield from results

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalExecutor(Executor):
    """A process pool on this machine whose workers die with this process.

    Args:
        n_workers: processes (default: all cores).
        chunksize: tasks per message (default: from the number of tasks).
        start_method: ``fork`` or ``spawn`` (default: :func:`default_start_method`).
    """

    def __init__(self, n_workers: int | None = None, chunksize: int | None = None,
                 start_method: str | None = None) -> None:
        import importlib
        import multiprocessing
        import warnings
        from concurrent.futures import ProcessPoolExecutor

        self.n_workers = n_workers or os.cpu_count() or 1
        self.chunksize = chunksize
        self._closed = False
        method = start_method or default_start_method()
        if method not in ("fork", "spawn"):
            from sim.config import ConfigError

            raise ConfigError(f"start_method={method!r} is unknown; allowed: fork, spawn")
        if method == "fork":
            from sim.engine.lazy_mesa import import_mesa

            import_mesa()  # Mesa without its spaces (about 0.45 s), before the model imports it
            for module in PRELOAD:  # imported once here, shared by every worker (copy-on-write)
                importlib.import_module(module)
            from sim.engine.rng import load_kernels

            load_kernels()  # Numba and the Poisson kernel, once for every worker
        self._pool = ProcessPoolExecutor(max_workers=self.n_workers,
                                         mp_context=multiprocessing.get_context(method),
                                         initializer=_init_worker, initargs=(os.getpid(),))
        with warnings.catch_warnings():
            # The only other threads here are native pools (OpenBLAS, jemalloc) that re-arm
            # themselves in a forked child (pthread_atfork); no Python thread runs yet.
            warnings.filterwarnings("ignore", message=".*use of fork\\(\\) may lead to deadlocks",
                                    category=DeprecationWarning)
            # Start the workers now, from this thread (with fork: every worker at once), so that
            # they are the children of this thread for PR_SET_PDEATHSIG.
            self._pool.submit(int).result()

    def _submit(self, fn: Callable[[Any], Any], chunk: list[Any]) -> Any:
        return self._pool.submit(fn, chunk)

    def _wait(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        from concurrent.futures import FIRST_COMPLETED, wait

        done, rest = wait(pending, return_when=FIRST_COMPLETED)
        return set(done), set(rest)

    def _result(self, future: Any) -> list[Any]:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return future.result()
        except BrokenProcessPool as exc:
            raise WorkerLost(f"a worker process died ({exc})") from exc

    def worker_pids(self) -> list[int]:
        """The process ids of the workers."""
        return [p.pid for p in (getattr(self._pool, "_processes", None) or {}).values()]

    def close(self) -> None:
        """Wait for the work given out, then stop the pool."""
        if not self._closed:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._closed = True

    def abort(self) -> None:
        """Kill the workers (SIGKILL) and stop the pool; chunks not finished are dropped."""
        if self._closed:
            return
        kill = getattr(self._pool, "kill_workers", None)  # Python >= 3.14
        if kill is not None:
            kill()
        else:
            for proc in list((getattr(self._pool, "_processes", None) or {}).values()):
                proc.kill()
        self.close()


class DaskExecutor(Executor):
    """A Dask distributed cluster.

    Args:
        scheduler: the scheduler's address, ``tcp://host:port``; empty: start a local cluster of
            ``n_workers`` single-threaded worker processes on 127.0.0.1.
        n_workers: workers of the local cluster (default: all cores); with a scheduler, the
            number of tasks in flight is sized from the workers the scheduler reports.
        chunksize: tasks per message (default: from the number of tasks).
    """

    def __init__(self, scheduler: str = "", n_workers: int | None = None,
                 chunksize: int | None = None) -> None:
        import logging

        for name in ("distributed", "dask"):  # one INFO line per worker start, stop, ...
            logging.getLogger(name).setLevel(logging.WARNING)
        from dask.distributed import Client, LocalCluster

        self.chunksize = chunksize
        self._cluster = None
        self._pending: set[Any] = set()
        self._closed = False
        if scheduler:
            try:
                self._client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                from sim.config import ConfigError

                raise ConfigError(f"scheduler={scheduler!r}: cannot reach a Dask scheduler there "
                                  f"({exc}); allowed: the address of a running scheduler") from exc
            info = self._client.scheduler_info()
            threads = sum(w.get("nthreads", 1) for w in info.get("workers", {}).values())
            self.n_workers = threads or n_workers or 1
        else:
            self.n_workers = n_workers or os.cpu_count() or 1
            self._cluster = LocalCluster(n_workers=self.n_workers, threads_per_worker=1,
                                         processes=True, host="127.0.0.1",
                                         dashboard_address=":0",  # any free port
                                         silence_logs=logging.ERROR)
            self._client = Client(self._cluster)

    def _submit(self, fn: Callable[[Any], Any], chunk: list[Any]) -> Any:
        fut = self._client.submit(fn, chunk, pure=False)
        self._pending.add(fut)
        return fut

    def _wait(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        from dask.distributed import wait

        res = wait(list(pending), return_when="FIRST_COMPLETED")
        return set(res.done), set(res.not_done)

    def _result(self, future: Any) -> list[Any]:
        from dask.distributed import KilledWorker

        self._pending.discard(future)
        try:
            out = future.result()
        except (KilledWorker, OSError, TimeoutError) as exc:
            why = f"{type(exc).__name__}: {exc}"
            raise WorkerLost(f"Dask lost the workers of a chunk ({why})") from exc
        future.release()
        return out

    def close(self) -> None:
        """Close the client (and the local cluster, if this executor started one)."""
        if self._closed:
            return
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._closed = True

    def abort(self) -> None:
        """Cancel the chunks not yet received, then close."""
        if not self._closed and self._pending:
            self._client.cancel(list(self._pending))
            self._pending.clear()
        self.close()


def check_options(backend: str, *, scheduler: str = "", n_workers: int | None = None,
                  chunksize: int | None = None) -> None:
    """Check executor options before anything starts.

    Raises:
        ConfigError: an unknown backend, a scheduler given to the local backend, or a count < 1.
    """
    from sim.config import ConfigError, check_name
    from sim.sweep.experiment import BACKENDS

    check_name("backend", backend, BACKENDS)
    if n_workers is not None and n_workers < 1:
        raise ConfigError(f"n_workers={n_workers!r} is invalid; allowed: >= 1")
    if chunksize is not None and chunksize < 1:
        raise ConfigError(f"chunksize={chunksize!r} is invalid; allowed: >= 1")
    if backend == "local":
        if scheduler:
            raise ConfigError(f"scheduler={scheduler!r} needs backend=dask; allowed: empty with "
                              "backend=local")
    elif scheduler and not scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise ConfigError(f"scheduler={scheduler!r} is not an address; allowed: tcp://host:port")


def make_executor(backend: str, *, scheduler: str = "", n_workers: int | None = None,
                  chunksize: int | None = None) -> Executor:
    """The executor of a backend name (``local`` or ``dask``).

    Raises:
        ConfigError: see :func:`check_options`.
    """
    check_options(backend, scheduler=scheduler, n_workers=n_workers, chunksize=chunksize)
    if backend == "local":
        return LocalExecutor(n_workers=n_workers, chunksize=chunksize)
    return DaskExecutor(scheduler=scheduler, n_workers=n_workers, chunksize=chunksize)
