"""Dask clusters for sweeps: a local cluster of worker processes, or a running cluster by its scheduler's address.

:func:`dask_client` gives a ``distributed.Client`` to pass to :func:`.runner.run_sweep` as its ``executor``; the
``sweep`` command uses it for ``--workers N`` and ``--scheduler ADDRESS``. Dask is optional (``pip install
"mmcl[cluster]"``) and imported only here, only when a cluster is asked for.

A local cluster has ``N`` worker processes with one thread each (Dask sets ``OMP_NUM_THREADS=1`` in them, so each
worker's torch uses one core); its HTTP server (the dashboard, when bokeh is installed) listens on a free port. When a
worker process dies, Dask reruns its task on another worker (up to ``distributed.scheduler.allowed-failures`` times,
3 by default).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["dask_client", "require_dask", "INSTALL_HINT"]

INSTALL_HINT = 'pip install "mmcl[cluster]"'


def require_dask() -> Any:
    """The ``distributed`` module, or ``ImportError`` saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise ImportError(
            f"running a sweep on a Dask cluster needs dask.distributed, which is not installed; {INSTALL_HINT}"
        ) from None
    return distributed


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A ``distributed.Client`` on a new local cluster of ``workers`` processes, or on the cluster at ``scheduler``.

    Give exactly one of the two. The local cluster (and the client) are closed when the ``with`` block ends; a
    cluster reached by its address is left running.
    """
    if (workers is None) == (scheduler is None):
        raise ValueError("give either workers (a local cluster) or scheduler (an address), not both nor neither")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise ValueError(f"scheduler must be the address of a Dask scheduler, e.g. tcp://host:8786, got {scheduler!r}")
    distributed = require_dask()
    if scheduler is not None:
        with distributed.Client(scheduler) as client:
            yield client
        return
    with (
        distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client
