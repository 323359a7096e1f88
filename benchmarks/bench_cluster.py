"""Cluster benchmark: throughput of a slice of the robustness grid in this process and on a local Dask cluster.

The grid is a slice of ``results/grids/robustness_phase.yaml`` (chapter 11, §11.6): its eight (τ, σ₀) settings at
the grid points ``n·SNR² = 1.25``, ``C_μ ∈ {1.5, 3}`` (two multi-modal cells and one single-modal cell per setting)
× ``--seeds`` seeds, at the Figure 1 size (d = 2000, n = 100, m = 50) with ``--epochs`` epochs, float32 on the CPU.
It is swept with the same batches (``--batch-runs``) in this process, with one and with ``--threads`` torch
threads, and on a ``LocalCluster`` of ``--workers`` processes with one thread each (what
``python -m mmcl sweep --workers N`` does), each time into a fresh results file, best of ``--repeats``. Both are
warmed up first (the workers import torch and train a small run); the cluster's start-up and warm-up are reported
apart. It prints the runs per second of each, the cluster's speed-up over the faster in-process sweep and whether
the cluster's results file holds exactly the in-process cells. On a machine shared with other work set
``OMP_WAIT_POLICY=PASSIVE`` (see the README): spinning OpenMP threads that lose their core slow the multi-threaded
in-process sweep down badly.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/bench_cluster.py [--workers 2] [--threads 2] [--seeds 8] [--epochs 60]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import best_of, machine, markdown_table  # noqa: E402

import mmcl  # noqa: E402
from mmcl.sweeps.cluster import dask_client  # noqa: E402
from mmcl.sweeps.grid import Grid, load_grid  # noqa: E402
from mmcl.sweeps.runner import run_sweep  # noqa: E402

ROBUSTNESS = Path(__file__).resolve().parents[1] / "results" / "grids" / "robustness_phase.yaml"
POINTS = {"n_snr2": [1.25], "c_mu": [1.5, 3.0]}


def _warm_up() -> None:
    """Import and exercise the trainer once (on the driver, or on every worker via ``client.run``)."""
    mmcl.train(mmcl.FIGURE1.replace(epochs=2), "multi", 2, device="cpu")


def _cells(path: Path) -> dict[str, dict]:
    lines = (json.loads(line) for line in path.read_text().splitlines())
    return {r["key"]: {k: v for k, v in r.items() if k != "batch_seconds"} for r in lines if r["kind"] == "cell"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="worker processes of the local Dask cluster")
    parser.add_argument("--threads", type=int, default=2, help="torch threads of the in-process sweep")
    parser.add_argument("--seeds", type=int, default=8, help="seeds per cell")
    parser.add_argument("--epochs", type=int, default=60, help="epochs per run (Figure 1 trains 200)")
    parser.add_argument("--batch-runs", type=int, default=24, help="most runs per batch, the same for both sweeps")
    parser.add_argument("--repeats", type=int, default=2, help="sweeps per variant; the fastest counts")
    args = parser.parse_args()
    for name in ("workers", "threads", "seeds", "epochs", "batch_runs", "repeats"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    torch.set_num_threads(args.threads)
    spec = load_grid(ROBUSTNESS).to_dict()
    spec |= {"name": "bench-cluster", "base": {"epochs": args.epochs}, "grid": POINTS, "seeds": args.seeds}
    grid = Grid.from_dict(spec)
    runs = grid.runs
    per_setting = len(grid.unique_cells()) // len(grid.cases)
    print(
        f"A slice of the robustness grid at the Figure 1 size: {len(grid.cases)} (τ, σ₀) × {per_setting} cells × "
        f"{args.seeds} seeds = {runs} runs of {args.epochs} epochs, float32, batches of ≤ {args.batch_runs} runs; "
        f"{machine()}"
    )
    _warm_up()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        def sweep(name: str, executor: object = None) -> None:
            out = folder / f"{name}.jsonl"
            out.unlink(missing_ok=True)  # a fresh sweep each time, not a resumed one
            run_sweep(grid, out, device="cpu", batch_runs=args.batch_runs, executor=executor)

        local = {}
        for threads in sorted({1, args.threads}):
            torch.set_num_threads(threads)
            local[threads] = best_of(lambda: sweep("in-process"), args.repeats)
        start = time.perf_counter()
        with dask_client(workers=args.workers) as client:
            client.run(_warm_up)
            startup = time.perf_counter() - start
            distributed = best_of(lambda: sweep("cluster", client), args.repeats)
        identical = _cells(folder / "in-process.jsonl") == _cells(folder / "cluster.jsonl")
    rows = [(f"in process, {t} torch thread(s)", runs, f"{s:.2f}", f"{runs / s:.2f}") for t, s in local.items()]
    rows.append((f"--workers {args.workers}, 1 thread each", runs, f"{distributed:.2f}", f"{runs / distributed:.2f}"))
    best = min(local.values())
    print()
    print(markdown_table(("sweep", "runs", "seconds", "runs/s"), rows))
    print(
        f"\ncluster / fastest in-process throughput: {best / distributed:.2f}× (cluster start-up and warm-up "
        f"{startup:.1f} s, not included); identical cells (cluster vs in-process at {max(local)} thread(s)): "
        f"{'yes' if identical else 'NO'}"
    )


if __name__ == "__main__":
    main()
