"""Trainer benchmark: the Figure 1 workload, single- and multi-modal, 1 seed and 64 seeds batched, float32 on CPU.

Prints seconds per call (best of ``--repeats``), the GFLOP/s of the matrix products the trainer performs
(:func:`mmcl.model.trainer.matmul_flops`) and, as "dense-equivalent", of the work the straightforward algorithm would do
for the same runs (``common.dense_flops``: the ``m × d`` weights times every forward vector and a rank-``(n+1)``
update each epoch), next to the GFLOP/s of a dense float32 matmul measured in the same run (before and after the
workloads; their mean is the reference). The wall time includes everything ``mmcl.train`` does: drawing the data,
the loss terms, the history and the OOD probe every 10 epochs.

    OMP_NUM_THREADS=2 python benchmarks/bench_trainer.py [--threads 2] [--seeds 64] [--device cpu]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import best_of, dense_flops, machine, markdown_table, matmul_gflops  # noqa: E402

import mmcl  # noqa: E402
from mmcl.model.trainer import matmul_flops  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=64)
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--repeats", type=int, default=3, help="calls per workload; the fastest counts")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = mmcl.FIGURE1
    mmcl.train(config.replace(epochs=2), "multi", 2, device=args.device)  # warm-up
    before = matmul_gflops(device=args.device)
    rows, measured = [], []
    for mode in ("single", "multi"):
        for seeds in (1, args.seeds):
            seconds = best_of(lambda: mmcl.train(config, mode, seeds, device=args.device), args.repeats, args.device)
            measured.append(
                (
                    mode,
                    seeds,
                    seconds,
                    matmul_flops(config, mode) * seeds / 1e9,
                    dense_flops(config, mode) * seeds / 1e9,
                )
            )
    after = matmul_gflops(device=args.device)
    reference = (before + after) / 2
    for mode, seeds, seconds, gflop, dense_gflop in measured:
        rate, dense_rate = gflop / seconds, dense_gflop / seconds
        rows.append(
            (
                mode,
                seeds,
                f"{seconds:.2f}",
                f"{seconds / seeds:.3f}",
                f"{gflop:.2f}",
                f"{rate:.1f}",
                f"{100 * rate / reference:.0f}%",
                f"{dense_rate:.1f}",
                f"{100 * dense_rate / reference:.0f}%",
            )
        )
    print(
        f"Figure 1 workload (d={config.d}, n={config.n}, m={config.m}, {config.epochs} epochs, "
        f"float32, {args.device}); {machine()}"
    )
    print(f"dense float32 matmul (2048²): {before:.1f} GFLOP/s before, {after:.1f} after, reference {reference:.1f}\n")
    print(
        markdown_table(
            (
                "mode",
                "runs",
                "seconds",
                "s/run",
                "GFLOP",
                "GFLOP/s",
                "of matmul",
                "dense-equivalent GFLOP/s",
                "of matmul",
            ),
            rows,
        )
    )


if __name__ == "__main__":
    main()
