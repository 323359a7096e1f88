"""Shared pieces of the benchmark scripts: the dense-matmul reference, machine facts and table printing."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence

import torch

__all__ = ["matmul_gflops", "machine", "timed", "best_of", "dense_flops", "markdown_table"]


def _sync(device: str) -> None:
    """Wait for the device's queued work (CUDA runs asynchronously; the CPU needs nothing)."""
    if device == "cuda":
        torch.cuda.synchronize()


def matmul_gflops(size: int = 2048, repeats: int = 7, dtype: torch.dtype = torch.float32, device: str = "cpu") -> float:
    """Median GFLOP/s of a dense ``size × size`` matrix product on ``device`` (``2·size³`` FLOPs each)."""
    a = torch.randn(size, size, dtype=dtype, device=device)
    b = torch.randn(size, size, dtype=dtype, device=device)
    timed(lambda: a @ b, device)  # warm-up
    return 2 * size**3 / statistics.median(timed(lambda: a @ b, device) for _ in range(repeats)) / 1e9


def timed(fn: Callable[[], object], device: str = "cpu") -> float:
    """Wall-clock seconds of one call, with ``device``'s queue drained before and after it."""
    _sync(device)
    start = time.perf_counter()
    fn()
    _sync(device)
    return time.perf_counter() - start


def best_of(fn: Callable[[], object], repeats: int, device: str = "cpu") -> float:
    """The shortest wall-clock time of ``repeats`` calls: the cost of the work itself, least disturbed by other
    processes on a shared machine."""
    return min(timed(fn, device) for _ in range(repeats))


def dense_flops(config, mode: str) -> int:
    """FLOPs of the straightforward algorithm for one run: every epoch multiplies the ``m × d`` weights with all
    forward vectors (``[ξ, μ, ε]`` single-modal, ``[ξ, μ]`` per modality multi-modal) and updates them with a
    rank-``(n+1)`` product. The trainer avoids most of this work (:func:`mmcl.model.trainer.matmul_flops` counts what it
    does); the ratio of the two is the work its span-and-Gram formulation saves."""
    c = config
    if mode == "single":
        forward, update = 2 * c.m * c.d * (2 * c.n + 1), 2 * c.m * (c.n + 1) * c.d
    else:
        forward = update = 2 * c.m * (c.n + 1) * (c.d + c.dim_tilde)
    return (c.epochs + 1) * forward + c.epochs * update


def machine() -> str:
    """One line on where the numbers come from (threads, CPU, load) — the load matters on a shared machine."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    cuda = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA device"
    wait = os.environ.get("OMP_WAIT_POLICY", "default")
    return (
        f"torch {torch.__version__}, {torch.get_num_threads()} CPU thread(s) of {os.cpu_count()} "
        f"(OMP_WAIT_POLICY {wait}), {platform.processor() or platform.machine()}, load average {load:.1f}; {cuda}"
    )


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if i else "---" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
