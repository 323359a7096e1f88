"""Shared pieces of the benchmark scripts: the dense-matmul reference, machine facts and table printing."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence

import torch

__all__ = ["matmul_gflops", "machine", "timed", "markdown_table"]


def matmul_gflops(size: int = 2048, repeats: int = 7, dtype: torch.dtype = torch.float32) -> float:
    """Median GFLOP/s of a dense ``size × size`` float32 matrix product on the CPU (``2·size³`` FLOPs each)."""
    a = torch.randn(size, size, dtype=dtype)
    b = torch.randn(size, size, dtype=dtype)
    a @ b  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(times) / 1e9


def timed(fn: Callable[[], object]) -> float:
    """Wall-clock seconds of one call."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def machine() -> str:
    """One line on where the numbers come from (threads, CPU, load) — the load matters on a shared machine."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    cuda = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA device"
    wait = os.environ.get("OMP_WAIT_POLICY", "default")
    return (f"torch {torch.__version__}, {torch.get_num_threads()} CPU thread(s) of {os.cpu_count()} "
            f"(OMP_WAIT_POLICY {wait}), {platform.processor() or platform.machine()}, load average {load:.1f}; {cuda}")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if i else "---" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
