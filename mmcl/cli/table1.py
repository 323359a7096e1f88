"""The ``table1`` command (see :mod:`mmcl.cli` and :mod:`mmcl.cmnist.table1`).

``table1 --size S --seeds K --out FOLDER`` trains the Table 1 pipelines; ``table1 --grid GRID.yaml --out
RESULTS.jsonl`` trains a recorded grid of ColoredMNIST cases instead (:mod:`mmcl.cmnist.grids`; resumable: the same
command trains only the missing cases).
"""

from __future__ import annotations

import argparse
import shlex
import sys

from ..cmnist.grids import load_grid, run_grid
from ..cmnist.table1 import PIPELINES, markdown, table1

__all__ = ["add_table1_arguments", "run_table1"]


def add_table1_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--size",
        choices=("quick", "full"),
        default="quick",
        help="quick: runs live in the book; full: the reference run",
    )
    parser.add_argument("--seeds", type=int, default=3, help="number of seeds K (seeds 0 … K−1), default 3")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument(
        "--out", required=True, help="folder for table1.json, table1.md and checkpoints/ (with --grid: a .jsonl file)"
    )
    parser.add_argument("--grid", help="a grid file of ColoredMNIST cases (YAML); --size, --seeds, --pipelines unused")
    parser.add_argument("--resume", action="store_true", help="continue from the checkpoints in --out")
    parser.add_argument(
        "--pipelines",
        default=",".join(PIPELINES),
        help=f"comma-separated subset of {','.join(PIPELINES)} (default: all; the last three are the ablations)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars, no summary")


def run_table1(args: argparse.Namespace) -> None:
    if args.grid is not None:
        grid = load_grid(args.grid)
        words = ["table1", "--grid", args.grid, "--device", args.device, "--out", args.out]

        def report(line: dict) -> None:
            if not args.quiet:
                sys.stderr.write(f"{line['case']}: test accuracy {line['test_accuracy']}\n")

        command = "python -m mmcl " + " ".join(shlex.quote(w) for w in words)
        run_grid(grid, args.out, device=args.device, progress=not args.quiet, command=command, on_case=report)
        return
    if args.seeds < 1:
        raise ValueError(f"--seeds must be >= 1, got {args.seeds}")
    pipelines = tuple(p.strip() for p in args.pipelines.split(",") if p.strip())
    words = [
        "table1",
        "--size",
        args.size,
        "--seeds",
        str(args.seeds),
        "--device",
        args.device,
        "--out",
        args.out,
        "--pipelines",
        ",".join(pipelines),
    ]
    command = "python -m mmcl " + " ".join(shlex.quote(w) for w in words + (["--resume"] if args.resume else []))
    record = table1(
        args.size,
        args.seeds,
        device=args.device,
        out=args.out,
        resume=args.resume,
        progress=not args.quiet,
        pipelines=pipelines,
        command=command,
    )
    if not args.quiet:
        sys.stderr.write(markdown(record))
