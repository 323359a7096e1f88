"""Figures of the book: Figure 1's four panels and the signal/noise coefficient trajectories.

Every function returns the ``matplotlib`` figure; notebooks end the cell with ``plt.show()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from .trainer import Run

__all__ = ["figure1", "coefficients", "band", "COLORS", "curves"]

COLORS = {"single": "#d62728", "multi": "#1f77b4"}
LABELS = {"single": "Single-Modal", "multi": "Multi-Modal"}
PANELS = (
    ("train_loss", "Training Loss"),
    ("test_accuracy", "Test Accuracy"),
    ("signal_learning", "Signal Learning"),
    ("noise_memorization", "Noise Memorization"),
)


def curves(source: Sequence[Run] | Mapping[str, Any]) -> dict[str, dict[str, np.ndarray]]:
    """Per mode, the four Figure 1 series as ``(K, points)`` arrays, plus their x values.

    ``source`` is a list of :class:`~mmcl.trainer.Run` (one per mode) or a JSON record of the ``synthetic`` /
    ``figure1`` commands.
    """
    out: dict[str, dict[str, np.ndarray]] = {}
    if isinstance(source, Mapping):
        modes = sorted({r["mode"] for r in source["runs"]}, key=["single", "multi"].index)
        for mode in modes:
            rows = [r for r in source["runs"] if r["mode"] == mode]
            out[mode] = {
                "train_loss": np.array([r["train_loss"] for r in rows]),
                "signal_learning": np.array([r["signal_learning"] for r in rows]),
                "noise_memorization": np.array([r["noise_memorization"] for r in rows]),
                "test_accuracy": np.array([r["test_accuracy_curve"] for r in rows]),
                "eval_epochs": np.array(rows[0]["eval_epochs"]),
            }
    else:
        for run in source:
            out[run.mode] = {k: run.history[k] for k in ("train_loss", "signal_learning", "noise_memorization", "test_accuracy", "eval_epochs")}
    return out


def band(ax: plt.Axes, x: np.ndarray, values: np.ndarray, color: str, label: str) -> None:
    """Mean over runs (axis 0) with a ±1 standard-deviation band."""
    mean, std = values.mean(0), values.std(0)
    ax.plot(x, mean, color=color, label=label, lw=2)
    ax.fill_between(x, mean - std, mean + std, color=color, alpha=0.2, lw=0)


def figure1(source: Sequence[Run] | Mapping[str, Any]) -> plt.Figure:
    """The paper's Figure 1: training loss, OOD test accuracy, signal learning and noise memorization against the
    epoch, mean ± 1 s.d. over seeds, single- vs multi-modal."""
    data = curves(source)
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.6))
    for ax, (key, title) in zip(axes, PANELS):
        for mode, series in data.items():
            values = series[key]
            x = series["eval_epochs"] if key == "test_accuracy" else np.arange(values.shape[1])
            band(ax, x, values, COLORS[mode], LABELS[mode])
        ax.set_title(title)
        ax.set_xlabel("Epoch")
        ax.grid(alpha=0.3)
    axes[1].set_ylim(0.4, 1.02)
    axes[0].legend()
    fig.tight_layout()
    return fig


def coefficients(run: Run, index: int = 0, modality: int = 1) -> plt.Figure:
    """Trajectories of one run's signal coefficients ``γ_r⁽ᵗ⁾`` (every neuron) and, if recorded, noise
    coefficients ``max_r ρ_{r,i}⁽ᵗ⁾`` (every sample), eq. (11)/(14)."""
    suffix = "" if modality == 1 else "_tilde"
    if "gamma" + suffix not in run.history:
        raise ValueError(f"this run has no modality-{modality} coefficients (mode {run.mode!r})")
    gamma = run.history["gamma" + suffix][index]
    has_rho = "rho" + suffix in run.history
    fig, axes = plt.subplots(1, 2 if has_rho else 1, figsize=(11 if has_rho else 5.5, 3.6), squeeze=False)
    axes = axes[0]
    axes[0].plot(gamma, color=COLORS[run.mode], lw=0.8, alpha=0.7)
    axes[0].set_title(r"signal coefficients $\gamma_r^{(t)}$, every neuron $r$")
    axes[0].set_xlabel("Epoch")
    if has_rho:
        rho_max = run.history["rho" + suffix][index].max(axis=1)  # (T+1, n)
        axes[1].plot(rho_max, color=COLORS[run.mode], lw=0.6, alpha=0.5)
        axes[1].set_title(r"noise coefficients $\max_r \rho_{r,i}^{(t)}$, every sample $i$")
        axes[1].set_xlabel("Epoch")
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
