"""Sweep benchmark: throughput of ``mmcl.sweeps.runner`` at the Figure 1 size (CPU, float32) and how the cost grows.

1. Throughput: the same kind of grid (Figure 1 settings, a few temperatures τ, both modes) swept batched
   (``batch_runs=64``: all seeds and cells of one shape in one tensor program) and one run at a time
   (``batch_runs=1``, one seed per cell), in runs per second (best of ``--repeats`` sweeps each); the GFLOP/s of
   the matrix products the trainer performs (:func:`mmcl.model.trainer.matmul_flops`) and, as "dense-equivalent",
   of the work the straightforward algorithm would do for the same runs (``common.dense_flops``), both against a
   dense float32 matmul measured in the same run. Goals: batched ≥ 3× one-at-a-time, ≥ 40% of the matmul
   throughput.
2. Scaling: seconds per run against d, n, m and the batch size R (single-modal, float32). Each point trains once
   for 20 epochs; the per-epoch cost (median time between epochs) and the fixed cost per run (data, set-up,
   probe) are reported separately and combined into the time of a 200-epoch run. Writes a log-log plot
   (``scaling.png``) and the numbers (``scaling.json``).

    OMP_NUM_THREADS=2 python benchmarks/bench_sweep.py [--threads 2] [--out benchmarks]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import best_of, dense_flops, machine, markdown_table, matmul_gflops, timed  # noqa: E402

import mmcl  # noqa: E402
from mmcl.model.trainer import matmul_flops  # noqa: E402
from mmcl.sweeps.grid import Grid  # noqa: E402
from mmcl.sweeps.runner import run_sweep  # noqa: E402

TAUS = [0.1, 0.12, 0.15, 0.2]


def throughput(device: str, seeds: int, repeats: int) -> tuple[list[tuple], dict]:
    batched = Grid.from_dict({"grid": {"tau": TAUS}, "seeds": seeds, "modes": ["single", "multi"]})
    alone = Grid.from_dict({"grid": {"tau": TAUS}, "seeds": 1, "modes": ["single", "multi"]})
    modes = ("single", "multi")
    flops = {
        mode: matmul_flops(mmcl.FIGURE1, mode, eval_every=mmcl.FIGURE1.epochs) for mode in modes
    }  # the sweep's probe runs at the end only
    dense = {mode: dense_flops(mmcl.FIGURE1, mode) for mode in modes}
    before = matmul_gflops(device=device)
    measured = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, grid, batch_runs in (("one run at a time", alone, 1), ("batched", batched, 64)):
            cells = grid.unique_cells()

            def sweep() -> None:
                out = Path(tmp) / f"{batch_runs}.jsonl"
                out.unlink(missing_ok=True)  # a fresh sweep each time, not a resumed one
                run_sweep(grid, out, device=device, batch_runs=batch_runs)

            seconds = best_of(sweep, repeats, device)
            runs = sum(len(c.seeds) for c in cells)
            gflop = sum(flops[c.mode] * len(c.seeds) for c in cells) / 1e9
            dense_gflop = sum(dense[c.mode] * len(c.seeds) for c in cells) / 1e9
            measured[name] = (runs, seconds, gflop, dense_gflop)
    after = matmul_gflops(device=device)
    reference = (before + after) / 2
    rows = []
    for name, (runs, seconds, gflop, dense_gflop) in measured.items():
        rate, dense_rate = gflop / seconds, dense_gflop / seconds
        rows.append(
            (
                name,
                runs,
                f"{seconds:.2f}",
                f"{runs / seconds:.2f}",
                f"{rate:.1f}",
                f"{100 * rate / reference:.0f}%",
                f"{dense_rate:.1f}",
                f"{100 * dense_rate / reference:.0f}%",
            )
        )
    speedup = (measured["batched"][0] / measured["batched"][1]) / (
        measured["one run at a time"][0] / measured["one run at a time"][1]
    )
    return rows, {
        "matmul_before": before,
        "matmul_after": after,
        "speedup": speedup,
        "runs_per_second": {k: v[0] / v[1] for k, v in measured.items()},
    }


def per_run(config: mmcl.SyntheticConfig, runs: int, epochs: int, device: str) -> tuple[float, float]:
    """(seconds per run per epoch, fixed seconds per run) from one training of ``epochs`` epochs.

    The per-epoch cost is the median interval between the trainer's ``on_epoch`` calls (robust to a busy
    machine's hiccups); the fixed cost (drawing the data, setting up, the probe) is the rest of the wall time.
    """
    stamps: list[float] = []
    c = config.replace(epochs=epochs)
    total = timed(
        lambda: mmcl.train(
            c, "single", runs, device=device, eval_every=epochs, on_epoch=lambda _: stamps.append(time.perf_counter())
        )
    )
    per_epoch = statistics.median(b - a for a, b in zip(stamps, stamps[1:]))
    return per_epoch / runs, max(total - epochs * per_epoch, 0.0) / runs


def scaling(device: str, epochs: int) -> dict:
    base = mmcl.FIGURE1
    axes = {
        "d": ([250, 500, 1000, 2000, 4000, 8000], lambda v: (base.replace(d=v), 16)),
        "n": ([25, 50, 100, 200, 400], lambda v: (base.replace(n=v), 16)),
        "m": ([12, 25, 50, 100, 200], lambda v: (base.replace(m=v), 16)),
        "batch size R": ([1, 2, 4, 8, 16, 32, 64], lambda v: (base, v)),
    }
    out = {}
    for name, (values, make) in axes.items():
        out[name] = {"values": values, "per_epoch": [], "fixed": []}
        for v in values:
            slope, fixed = per_run(*make(v), epochs, device)
            out[name]["per_epoch"].append(slope)
            out[name]["fixed"].append(fixed)
    return out


def plot(data: dict, path: Path, epochs: int) -> None:
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.6), sharey=True)
    for ax, (name, d) in zip(axes, data.items()):
        x = d["values"]
        total = [epochs * p + f for p, f in zip(d["per_epoch"], d["fixed"])]
        ax.loglog(x, total, "o-", color="#1f77b4", label=f"one run of {epochs} epochs")
        ax.loglog(x, [epochs * p for p in d["per_epoch"]], "s--", color="#2ca02c", label=f"{epochs} × per-epoch cost")
        ax.loglog(x, d["fixed"], "^:", color="#d62728", label="fixed cost (data, probe)")
        if name != "batch size R":
            ref = [total[0] * v / x[0] for v in x]
            ax.loglog(x, ref, color="grey", lw=0.8, alpha=0.6, label="∝ x (linear)")
        ax.set_xticks(x, [f"{v:g}" for v in x], fontsize=8)
        ax.set_xticks([], minor=True)
        ax.set_xlabel(name)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("seconds per run")
    axes[0].legend(fontsize=7)
    fig.suptitle(
        "Cost per run of single-modal training (CPU, float32); others at the Figure 1 size, R = 16", fontsize=10
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--seeds", type=int, default=8, help="seeds per cell of the batched grid")
    parser.add_argument(
        "--out", default=str(Path(__file__).resolve().parent), help="folder for scaling.png / scaling.json"
    )
    parser.add_argument("--repeats", type=int, default=3, help="sweeps per variant; the fastest counts")
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--replot", action="store_true", help="redraw scaling.png from scaling.json without measuring")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    mmcl.train(mmcl.FIGURE1.replace(epochs=2), "multi", 2, device=args.device)  # warm-up
    if not args.skip_throughput:
        print(
            f"Sweep throughput at the Figure 1 size ({len(TAUS)} values of τ × both modes, float32, {args.device}); "
            f"{machine()}"
        )
        rows, facts = throughput(args.device, args.seeds, args.repeats)
        print(
            f"dense float32 matmul (2048²): {facts['matmul_before']:.1f} GFLOP/s before, "
            f"{facts['matmul_after']:.1f} after\n"
        )
        print(
            markdown_table(
                ("sweep", "runs", "seconds", "runs/s", "GFLOP/s", "of matmul", "dense-equivalent GFLOP/s", "of matmul"),
                rows,
            )
        )
        print(f"\nbatched / one-at-a-time throughput: {facts['speedup']:.2f}×")
    if args.skip_scaling:
        return
    epochs = 20
    out = Path(args.out)
    if args.replot:
        data = json.loads((out / "scaling.json").read_text())["axes"]
    else:
        data = scaling(args.device, epochs)
        (out / "scaling.json").write_text(
            json.dumps({"machine": machine(), "epochs": epochs, "axes": data}, indent=1) + "\n"
        )
    plot(data, out / "scaling.png", mmcl.FIGURE1.epochs)
    print(f"\nScaling (seconds per run; per-epoch cost × {mmcl.FIGURE1.epochs} + fixed cost):")
    for name, d in data.items():
        cells = [f"{v}: {mmcl.FIGURE1.epochs * p + f:.3f}" for v, p, f in zip(d["values"], d["per_epoch"], d["fixed"])]
        print(f"  {name:>12}  " + ", ".join(cells))
    print(f"wrote scaling.png and scaling.json to {args.out}")


if __name__ == "__main__":
    main()
