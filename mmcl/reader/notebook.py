"""Settings shared by every chapter notebook: one call, ``mmcl.notebook.setup()``, in each chapter's first cell.

It makes executed outputs reproducible on a CPU (fixed thread count, so floating-point reductions run in one
order), keeps stored outputs clean (no warnings or progress bars) and gives all figures one style.
"""

from __future__ import annotations

import os
import warnings

import matplotlib as mpl
import torch

__all__ = ["setup", "THREADS"]

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
