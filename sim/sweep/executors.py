"""Executors: one interface to run a function over many tasks, on this machine or a Dask cluster.

``Executor.map(fn, tasks)`` yields ``fn(task)`` for every task as results complete (not in
order). Tasks are sent in chunks, so that the cost of a message to a worker is spread over
several runs, and only a few chunks per worker are in flight at once, so that memory stays flat
however many tasks there are (``tasks`` may be a generator).

- :class:`LocalExecutor`: a ``concurrent.futures.ProcessPoolExecutor`` of all cores by default
  (forkserver start: the server imports the model once, and each worker forks from it).
- :class:`DaskExecutor`: a ``dask.distributed`` client on ``scheduler`` (``tcp://host:port``), or
  a local cluster of worker processes on the loopback interface when none is given. The same
  sweep runs on a laptop or on any Dask cluster (dask-jobqueue, dask-gateway, ``dask
  scheduler`` + ``dask worker`` by hand); workers need sahel-sim installed.
"""

from __future__ import annotations

import itertools
import os
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
    "make_executor",
]

_PRELOAD = ["sim.sweep.worker", "sim.api", "sim.model", "sim.metrics", "hydra", "omegaconf"]


class WorkerLost(RuntimeError):
    """A worker process died (killed, out of memory): the results not yet received are lost."""


def _apply_chunk(fn: Callable[[Any], Any], chunk: list[Any]) -> list[Any]:
    return [fn(t) for t in chunk]


def auto_chunksize(remaining: int, n_workers: int) -> int:
    """Tasks in the next chunk: a quarter of each worker's share of what remains, from 32 down
    to 1 (guided scheduling: big chunks while much remains, single tasks at the end, so that no
    worker idles while another finishes a long chunk)."""
    return max(1, min(32, remaining // max(1, 4 * n_workers)))


class Executor(ABC):
    """Runs ``fn`` over tasks on some workers; results come back as they complete.

    Attributes:
        n_workers: how many tasks run at once.
        chunksize: tasks per message to a worker (None: :func:`auto_chunksize` of the tasks
            left, from the ``n_tasks`` hint given to :meth:`map`).
    """

    n_workers: int = 1
    chunksize: int | None = None
    in_flight_per_worker: int = 3

    @abstractmethod
    def _submit(self, fn: Callable[[Any], Any], chunk: list[Any]) -> Any:
        """Start ``fn`` over ``chunk`` on a worker; return a future."""

    @abstractmethod
    def _wait(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        """Block until at least one future of ``pending`` is done; return (done, not done)."""

    @abstractmethod
    def _result(self, future: Any) -> list[Any]:
        """The list of results of a done future."""

    def close(self) -> None:
        """Stop the workers."""

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any],
            n_tasks: int | None = None) -> Iterator[Any]:
        """Yield ``fn(task)`` for every task, in the order the results arrive.

        Args:
            fn: a picklable function of one task (a module-level function or a
                ``functools.partial`` of one).
            tasks: the tasks (any iterable; read lazily).
            n_tasks: how many tasks there are, to size the chunks (without it: one task per
                chunk unless ``chunksize`` is set).

        Raises:
            WorkerLost: a worker died; results received so far have been yielded.
        """
        it = iter(tasks)
        left = [n_tasks or 0]

        def next_chunk() -> list[Any]:
            size = self.chunksize or auto_chunksize(left[0], self.n_workers)
            chunk = list(itertools.islice(it, size))
            left[0] -= len(chunk)
            return chunk

        chunks = iter(next_chunk, [])
        limit = max(1, self.in_flight_per_worker * self.n_workers)
        pending: set[Any] = set()
        for chunk in itertools.islice(chunks, limit):
            pending.add(self._submit(fn, chunk))
        while pending:
            done, pending = self._wait(pending)
            for fut in done:
                yield from self._result(fut)
                nxt = next(chunks, None)
                if nxt is not None:
                    pending.add(self._submit(fn, nxt))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalExecutor(Executor):
    """A process pool on this machine.

    Args:
        n_workers: processes (default: all cores).
        chunksize: tasks per message (default: from the number of tasks).
        start_method: ``forkserver`` (default), ``spawn`` or ``fork``.
    """

    def __init__(self, n_workers: int | None = None, chunksize: int | None = None,
                 start_method: str = "forkserver") -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.n_workers = n_workers or os.cpu_count() or 1
        self.chunksize = chunksize
        ctx = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            ctx.set_forkserver_preload(_PRELOAD)
        self._pool = ProcessPoolExecutor(max_workers=self.n_workers, mp_context=ctx)

    def _submit(self, fn: Callable[[Any], Any], chunk: list[Any]) -> Any:
        return self._pool.submit(_apply_chunk, fn, chunk)

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

    def close(self) -> None:
        """Cancel what has not started and stop the pool."""
        self._pool.shutdown(wait=True, cancel_futures=True)


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
        from dask.distributed import Client, LocalCluster

        self.chunksize = chunksize
        self._cluster = None
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
                                         dashboard_address=None)
            self._client = Client(self._cluster)

    def _submit(self, fn: Callable[[Any], Any], chunk: list[Any]) -> Any:
        return self._client.submit(_apply_chunk, fn, chunk, pure=False)

    def _wait(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        from dask.distributed import wait

        res = wait(list(pending), return_when="FIRST_COMPLETED")
        return set(res.done), set(res.not_done)

    def _result(self, future: Any) -> list[Any]:
        from dask.distributed import KilledWorker

        try:
            out = future.result()
        except (KilledWorker, OSError, TimeoutError) as exc:
            why = f"{type(exc).__name__}: {exc}"
            raise WorkerLost(f"Dask lost the workers of a chunk ({why})") from exc
        future.release()
        return out

    def close(self) -> None:
        """Close the client (and the local cluster, if this executor started one)."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


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
