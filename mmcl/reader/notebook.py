"""Settings shared by every chapter notebook: one call, ``mmcl.notebook.setup()``, in each chapter's first cell.

It makes executed outputs reproducible on a CPU (fixed thread count, so floating-point reductions run in one
order), keeps stored outputs clean (no warnings or progress bars) and gives all figures one style.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import matplotlib as mpl
import torch

__all__ = ["setup", "THREADS", "ExecutionRecord", "execution_record"]

THREADS = 1
"""CPU threads used when a chapter is executed (results are bit-identical at a fixed thread count).

One thread: Binder gives a chapter about one core, and on a busy two-core machine two threads per kernel spend
most of their time waiting for each other (a five-seed run took six times longer than with one thread)."""


def _inline_figures() -> None:
    """In a Jupyter kernel, draw figures inline even when ``MPLBACKEND`` names a non-interactive backend."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and getattr(shell, "kernel", None) is not None:
        shell.run_line_magic("matplotlib", "inline")


def setup(threads: int = THREADS) -> None:
    """Fix the CPU thread count, silence warnings in stored outputs and set the figure style."""
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    torch.set_num_threads(threads)
    _inline_figures()
    os.environ.setdefault("TQDM_DISABLE", "1")
    warnings.filterwarnings("ignore")
    mpl.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 10,
        }
    )


@dataclass(frozen=True)
class ExecutionRecord:
    """What the execution of record (``make notebooks``) measured for each chapter: wall time and peak memory."""

    chapters: tuple[tuple[str, float, int], ...]
    """``(notebook, wall time in s, peak memory in MiB)`` in the file's order."""
    machine: str

    @property
    def slowest(self) -> tuple[str, float, int]:
        return max(self.chapters, key=lambda c: c[1])

    @property
    def largest(self) -> tuple[str, float, int]:
        return max(self.chapters, key=lambda c: c[2])

    @property
    def total_s(self) -> float:
        return sum(c[1] for c in self.chapters)

    def __str__(self) -> str:
        name, wall, _ = self.slowest
        big, _, peak = self.largest
        return (
            f"{len(self.chapters)} notebooks, {self.total_s / 60:.1f} min in all on one CPU thread ({self.machine}); "
            f"slowest {name} ({wall:.0f} s), largest {big} ({peak} MiB)"
        )


def execution_record(path: str | os.PathLike[str] = "_execution_stats.json") -> ExecutionRecord:
    """The execution statistics that ``python -m tools.execute_notebooks`` records (``book/_execution_stats.json``;
    the default path is relative to a chapter's folder). Raises ``ValueError`` for a file that is not one."""
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        entries = data["notebooks"]
        chapters = tuple(
            (Path(key).stem, float(entry["wall_s"]), int(entry["peak_rss_mib"])) for key, entry in entries.items()
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{file} is not an execution statistics file ({type(exc).__name__}: {exc})") from exc
    if not chapters:
        raise ValueError(f"{file} records no notebook")
    first = next(iter(entries.values()))
    machine = f"{first.get('cpu_count', '?')} CPUs, {first.get('cpu_model', 'unknown CPU')}"
    return ExecutionRecord(chapters, machine)
