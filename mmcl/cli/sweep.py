"""The ``sweep`` command (see :mod:`mmcl.cli` and :mod:`mmcl.sweeps.runner`).

``python -m mmcl sweep --grid FILE.yaml|json --out results.jsonl [--device {auto,cpu,cuda}] [--batch-runs K]
[--workers N | --scheduler ADDRESS] [--quiet]`` trains every cell of the grid that ``--out`` does not hold yet and
appends one line per cell; running the same command again after an interruption finishes the sweep. With
``--workers N`` the batches train on a local Dask cluster of N worker processes, with ``--scheduler ADDRESS`` on a
running Dask cluster (:mod:`mmcl.sweeps.cluster`; needs ``pip install "mmcl[cluster]"``); this process still writes
the results file.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext

from ..sweeps.grid import load_grid
from ..sweeps.runner import run_sweep

__all__ = ["add_sweep_arguments", "run_sweep_command"]


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1 or str(value) != text.strip():
        raise argparse.ArgumentTypeError(f"must be an integer >= 1 (worker processes), got {text!r}")
    return value


def add_sweep_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--grid", required=True, help="grid specification (.yaml, .yml or .json)")
    parser.add_argument("--out", required=True, help="JSON-lines results file (created, or resumed when it exists)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--batch-runs", type=int, default=64, help="most runs trained in one batch (default 64)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=_workers,
        metavar="N",
        help="train the batches on a local Dask cluster of N worker processes, one thread each (needs mmcl[cluster])",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="train the batches on the running Dask cluster at ADDRESS, e.g. tcp://host:8786 (needs mmcl[cluster])",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no summary line")


def run_sweep_command(args: argparse.Namespace) -> None:
    grid = load_grid(args.grid)
    command = args.invocation
    workers, scheduler = getattr(args, "workers", None), getattr(args, "scheduler", None)
    if workers is None and scheduler is None:
        cluster = nullcontext(None)
    else:
        from ..sweeps.cluster import dask_client, require_dask
        from . import CliError

        try:
            require_dask()
        except ImportError as exc:
            raise CliError(str(exc)) from None
        cluster = dask_client(workers=workers, scheduler=scheduler)
    with cluster as executor:
        summary = run_sweep(
            grid,
            args.out,
            device=args.device,
            batch_runs=args.batch_runs,
            progress=not args.quiet,
            command=command,
            executor=executor,
        )
    if not args.quiet:
        note = " (a truncated last line was cut off)" if summary.repaired else ""
        print(
            f"sweep: {summary.cells} cells, {summary.skipped} already done, {summary.trained} trained "
            f"({summary.runs} runs), {summary.diverged} diverged, {summary.seconds:.1f} s{note} -> {args.out}",
            file=sys.stderr,
        )
