"""The ``sweep`` command (see :mod:`mmcl.cli` and :mod:`mmcl.sweeps.runner`).

``python -m mmcl sweep --grid FILE.yaml|json --out results.jsonl [--device {auto,cpu,cuda}] [--batch-runs K] [--quiet]``
trains every cell of the grid that ``--out`` does not hold yet and appends one line per cell; running the same
command again after an interruption finishes the sweep.
"""

from __future__ import annotations

import argparse
import sys

from ..sweeps.grid import load_grid
from ..sweeps.runner import run_sweep

__all__ = ["add_sweep_arguments", "run_sweep_command"]


def add_sweep_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--grid", required=True, help="grid specification (.yaml, .yml or .json)")
    parser.add_argument("--out", required=True, help="JSON-lines results file (created, or resumed when it exists)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--batch-runs", type=int, default=64, help="most runs trained in one batch (default 64)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no summary line")


def run_sweep_command(args: argparse.Namespace) -> None:
    grid = load_grid(args.grid)
    command = args.invocation
    summary = run_sweep(
        grid, args.out, device=args.device, batch_runs=args.batch_runs, progress=not args.quiet, command=command
    )
    if not args.quiet:
        note = " (a truncated last line was cut off)" if summary.repaired else ""
        print(
            f"sweep: {summary.cells} cells, {summary.skipped} already done, {summary.trained} trained "
            f"({summary.runs} runs), {summary.diverged} diverged, {summary.seconds:.1f} s{note} -> {args.out}",
            file=sys.stderr,
        )
