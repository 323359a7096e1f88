"""GPU figures: trainer throughput on a CUDA device, the full phase diagram's wall time and the largest batch that fits.

One script, one run, so that a short session on a GPU machine produces every figure the README asks for:

1. the dense float32 matmul throughput of the device (8192², the reference for the percentages);
2. the Figure 1 workload, single- and multi-modal, at 1, 64 and 512 runs per batch: seconds per run, GFLOP/s of the
   products the trainer performs and dense-equivalent GFLOP/s (as in ``bench_trainer.py``);
3. the phase diagram of chapter 11 (``results/grids/phase.yaml``, 500 runs), swept into a temporary file with
   ``batch_runs`` of ``--phase-batch``: its wall time;
4. the largest batch of Figure 1 runs that fits: the batch size doubles (2 epochs per try) until the device runs
   out of memory; the last size that trained is reported with its peak memory;
5. Table 1 (chapter 10) at the ``full`` size, every pipeline, 3 seeds: the wall time of each pipeline and the
   accuracies (they should match ``results/table1_full`` up to the device's rounding). Needs the MNIST files
   (``MMCL_DATA_DIR``); without them the step is skipped with the reason.

    python benchmarks/bench_gpu.py [--device cuda] [--max-batch 65536] [--skip-phase] [--skip-table1]

``--device cpu`` runs the same steps on the CPU with small sizes, to check the script itself.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import best_of, dense_flops, machine, markdown_table, matmul_gflops, timed  # noqa: E402

import mmcl  # noqa: E402
from mmcl.model.trainer import matmul_flops  # noqa: E402
from mmcl.sweeps.grid import load_grid  # noqa: E402
from mmcl.sweeps.runner import run_sweep  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def throughput(device: str, batches: tuple[int, ...], reference: float) -> list[tuple]:
    config = mmcl.FIGURE1
    rows = []
    for mode in ("single", "multi"):
        for runs in batches:
            seconds = best_of(lambda: mmcl.train(config, mode, runs, device=device), 2, device)
            rate = matmul_flops(config, mode) * runs / seconds / 1e9
            dense = dense_flops(config, mode) * runs / seconds / 1e9
            rows.append(
                (
                    mode,
                    runs,
                    f"{seconds:.2f}",
                    f"{seconds / runs:.4f}",
                    f"{rate:.1f}",
                    f"{100 * rate / reference:.1f}%",
                    f"{dense:.1f}",
                    f"{100 * dense / reference:.0f}%",
                )
            )
            print(f"  {mode} × {runs}: {seconds:.2f} s", flush=True)
    return rows


def phase_diagram(device: str, batch_runs: int) -> tuple[int, float]:
    grid = load_grid(ROOT / "results" / "grids" / "phase.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "phase.jsonl"
        seconds = timed(lambda: run_sweep(grid, out, device=device, batch_runs=batch_runs), device)
    return sum(len(c.seeds) for c in grid.unique_cells()), seconds


def largest_batch(device: str, limit: int) -> tuple[int, float]:
    """The largest power-of-two batch of Figure 1 runs (2 epochs) that trains, up to ``limit``; peak memory in GiB."""
    config = mmcl.FIGURE1.replace(epochs=2)
    fitted, peak, runs = 0, 0.0, 64
    while runs <= limit:
        try:
            if device == "cuda":
                torch.cuda.empty_cache()
                torch.cuda.reset_peak_memory_stats()
            timed(lambda: mmcl.train(config, "single", runs, device=device, eval_every=2), device)  # drains the queue
        except torch.cuda.OutOfMemoryError:
            break
        fitted = runs
        peak = torch.cuda.max_memory_allocated() / 2**30 if device == "cuda" else float("nan")
        print(f"  {runs} runs: fit (peak {peak:.1f} GiB)", flush=True)
        runs *= 2
    return fitted, peak


def table1_times(device: str, size: str, seeds: int) -> None:
    """Step 5: train Table 1 at ``size`` on ``device`` and print each pipeline's wall time and accuracies."""
    from mmcl.cmnist.mnist import MNISTNotFoundError
    from mmcl.cmnist.table1 import table1

    try:
        record = table1(size, seeds, device=device)
    except MNISTNotFoundError as exc:
        print(f"\nTable 1: skipped, no MNIST ({str(exc).splitlines()[0][:200]})", flush=True)
        return
    rows = [
        (
            name,
            f"{r['wall_time_s']:.1f}",
            f"{100 * r['train_accuracy_mean']:.2f}",
            f"{100 * r['test_accuracy_mean']:.2f}",
        )
        for name, r in record["results"].items()
    ]
    print(f"\nTable 1, {size} size, {seeds} seeds, on {device} ({record['provenance']['wall_time_s']:.1f} s in all):")
    print(markdown_table(("pipeline", "seconds", "train accuracy %", "test accuracy %"), rows), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    parser.add_argument("--max-batch", type=int, default=65536, help="stop the largest-batch search here")
    parser.add_argument("--phase-batch", type=int, default=512, help="batch_runs of the phase-diagram sweep")
    parser.add_argument("--skip-phase", action="store_true", help="leave out the phase diagram (500 runs)")
    parser.add_argument("--skip-table1", action="store_true", help="leave out Table 1 at the full size")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("bench_gpu.py: no CUDA device is available (use --device cpu to check the script on the CPU)")
    small = args.device == "cpu"
    print(machine(), flush=True)
    reference = matmul_gflops(2048 if small else 8192, repeats=5, device=args.device)
    print(f"dense float32 matmul: {reference:.0f} GFLOP/s\n", flush=True)
    rows = throughput(args.device, (1, 8) if small else (1, 64, 512), reference)
    print(
        "\n"
        + markdown_table(
            ("mode", "runs", "seconds", "s/run", "GFLOP/s", "of matmul", "dense-equivalent GFLOP/s", "of matmul"), rows
        )
    )
    if not args.skip_phase:
        runs, seconds = phase_diagram(args.device, args.phase_batch)
        print(
            f"\nphase diagram (results/grids/phase.yaml): {runs} runs in {seconds:.1f} s ({runs / seconds:.1f} runs/s)",
            flush=True,
        )
    fitted, peak = largest_batch(args.device, min(args.max_batch, 256) if small else args.max_batch)
    print(
        f"\nlargest batch of Figure 1 runs that trained: {fitted} (peak memory {peak:.1f} GiB; limit {args.max_batch})"
    )
    if not args.skip_table1:
        table1_times(args.device, "quick" if small else "full", 1 if small else 3)


if __name__ == "__main__":
    main()
