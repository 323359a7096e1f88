"""Figures of the book: Figure 1's four panels, the signal/noise coefficient trajectories, pictures of the data
model, the n·SNR² window of the proofs and the (τ, σ₀) sensitivity map.

Every function returns the ``matplotlib`` figure; notebooks end the cell with ``plt.show()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch

from ..model.config import SyntheticConfig
from ..model.data import SyntheticData
from ..model.trainer import Run
from ..sweeps.sensitivity import SensitivityMap

__all__ = [
    "figure1",
    "coefficients",
    "band",
    "COLORS",
    "curves",
    "data_model",
    "positive_pairs",
    "snr_window",
    "sensitivity",
]

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

    ``source`` is a list of :class:`~mmcl.model.trainer.Run` (one per mode) or a JSON record of the ``synthetic`` /
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
            out[run.mode] = {
                k: run.history[k]
                for k in ("train_loss", "signal_learning", "noise_memorization", "test_accuracy", "eval_epochs")
            }
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


def data_model(data: SyntheticData, index: int = 0) -> plt.Figure:
    """Pictures of the data model (eqs. 1–2) for run ``index``: one sample's two patches, the norms of the noise
    patches against ``‖μ‖`` and ``‖μ̃‖``, and every sample projected on its modality's signal direction."""
    data = data.to("cpu", torch.float64)
    y, mu, xi = data.y[index], data.mu[index], data.xi[index]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    ax = axes[0]
    d = mu.shape[0]
    ax.plot(np.arange(d, 2 * d), xi[0].cpu().numpy(), color="0.5", lw=0.4, label=r"noise patch $\xi$")
    signal = (y[0] * mu).cpu().numpy()
    spikes = np.flatnonzero(signal)
    ax.vlines(spikes, 0, signal[spikes], color=COLORS["single"], lw=2)
    ax.plot(spikes, signal[spikes], "o", color=COLORS["single"], label=r"signal patch $y\mu$ (zero elsewhere)")
    ax.axhline(0, xmax=0.5, color=COLORS["single"], lw=1)
    ax.set_xlim(-0.03 * 2 * d, 2.03 * d)
    ax.set_title(r"one sample $x = [y\mu, \xi]$ (eq. 1)")
    ax.set_xlabel("coordinate")
    ax.legend(loc="lower right", fontsize=8)
    ax = axes[1]
    norms = [("ξ", xi.norm(dim=1).cpu().numpy(), "0.5")]
    if data.xi_tilde is not None:
        norms.append(("ξ̃", data.xi_tilde[index].double().norm(dim=1).cpu().numpy(), "0.75"))
    for name, values, color in norms:
        ax.hist(values, bins=20, color=color, alpha=0.8, label=f"‖{name}ᵢ‖")
    ax.axvline(float(mu.norm()), color=COLORS["single"], lw=2, label="‖μ‖")
    ax.axvline(float(data.mu_tilde[index].norm()), color=COLORS["multi"], lw=2, label="‖μ̃‖")
    ax.set_title("norms: signal vs noise patches")
    ax.set_xlabel("Euclidean norm")
    ax.legend(fontsize=8)
    ax = axes[2]
    noise = [(xi @ (mu / mu.norm())).cpu().numpy()]
    if data.xi_tilde is not None:
        mu_t = data.mu_tilde[index].double()
        noise.append((data.xi_tilde[index].double() @ (mu_t / mu_t.norm())).cpu().numpy())
    ax.hist(
        np.concatenate(noise),
        bins=20,
        color="0.5",
        alpha=0.8,
        label=r"noise: $\langle\xi_i, \mu\rangle/\|\mu\|$, $\langle\tilde\xi_i, \tilde\mu\rangle/\|\tilde\mu\|$",
    )
    reach = max(16.0, 1.1 * float(max(mu.norm(), data.mu_tilde[index].norm())))  # 16 covers Figure 1's ‖μ̃‖ = 15
    bins = np.linspace(-reach, reach, 65)
    ax.hist((y * mu.norm()).cpu().numpy(), bins=bins, color=COLORS["single"], label=r"signal $y_i\|\mu\|$")
    ax.hist(
        (y * data.mu_tilde[index].norm()).cpu().numpy(),
        bins=bins,
        color=COLORS["multi"],
        label=r"signal $y_i\|\tilde\mu\|$",
    )
    ax.set_title("each modality along its signal direction")
    ax.legend(fontsize=8)
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def positive_pairs(
    data: SyntheticData, w: torch.Tensor, w_tilde: torch.Tensor, index: int = 0, neuron: int = 0
) -> plt.Figure:
    """What a positive pair shares at initialization: neuron ``r``'s noise pre-activation on ``ξ_i`` against that
    on the augmented ``ξ_i + ε_i`` (single-modal, eq. 5) and against modality 2's ``⟨w̃_r, ξ̃_i⟩`` (multi-modal)."""
    data = data.to("cpu", torch.float64)
    xi, w_r = data.xi[index], w[index, neuron].detach().cpu().double()
    a = (xi @ w_r).cpu().numpy()
    b = ((xi + data.eps[index].double()) @ w_r).cpu().numpy()
    c = (data.xi_tilde[index] @ w_tilde[index, neuron].detach().cpu().double()).cpu().numpy()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.8), sharex=True, sharey=True)
    for ax, other, title, color in (
        (axes[0], b, r"single-modal positive: $\langle w_r, \xi_i + \epsilon_i\rangle$", COLORS["single"]),
        (axes[1], c, r"multi-modal positive: $\langle \tilde w_r, \tilde\xi_i\rangle$", COLORS["multi"]),
    ):
        ax.scatter(a, other, s=12, color=color, alpha=0.8)
        ax.set_xlabel(r"$\langle w_r, \xi_i\rangle$")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def snr_window(config: SyntheticConfig | None = None, c_mu_range: tuple[float, float] = (1.0, 6.0)) -> plt.Figure:
    """The ``(C_μ, n·SNR²)`` region where the scale-gap arguments of Lemmas 5.2 and 5.4 both go through with the
    paper's constants (NOTES §5.2), with ``C_μ ≥ 2.66`` marked and, if given, the configuration's point."""
    from ..theory.predictions import n_snr2_window

    low_c, high_c = c_mu_range
    if not 0 < low_c < high_c:
        raise ValueError(f"c_mu_range must satisfy 0 < low < high, got {c_mu_range}")
    c_mu = np.linspace(low_c, high_c, 400)
    lower = np.array([n_snr2_window(c)[0] for c in c_mu])
    upper = n_snr2_window()[1]
    fig, ax = plt.subplots(figsize=(6, 3.8))
    ax.plot(
        c_mu, lower, color=COLORS["multi"], label=r"multi-modal proof needs $n\,\mathrm{SNR}^2 \geq 2.21/(0.49\,C_\mu)$"
    )
    ax.axhline(upper, color=COLORS["single"], label=r"single-modal proof needs $n\,\mathrm{SNR}^2 \leq 1.8$")
    ax.fill_between(c_mu, lower, upper, where=lower <= upper, color="0.6", alpha=0.4, label="both proofs go through")
    ax.axvline(2.66, color="0.3", ls="--", lw=1, label=r"$C_\mu = 2.66$ (Assumption 4.1(7))")
    if config is not None:
        ax.plot([config.c_mu], [config.n_snr2], "k*", ms=14, label="this configuration")
    ax.set_xlabel(r"$C_\mu = \|\tilde\mu\| / \|\mu\|$")
    ax.set_ylabel(r"$n\,\mathrm{SNR}^2$")
    ax.set_ylim(0, 3.5)
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def sensitivity(smap: SensitivityMap, highlight: tuple[float, float] | None = (0.1, 0.01)) -> plt.Figure:
    """Heat maps of :func:`mmcl.sweeps.sensitivity.sweep`: mean OOD accuracy of each setting and their gap over the
    ``(τ, σ₀)`` grid. Cells showing Figure 1's picture (:meth:`~mmcl.sweeps.sensitivity.SensitivityMap.claim_holds`) are
    framed; cells where training has not converged are marked "n.c."; ``highlight`` stars one ``(τ, σ₀)`` (this book's
    choice by default)."""
    single, multi = smap.mean_accuracy("single"), smap.mean_accuracy("multi")
    panels = (
        ("single-modal OOD accuracy", single, "Reds_r", (0.5, 1.0)),
        ("multi-modal OOD accuracy", multi, "Blues_r", (0.5, 1.0)),
        ("gap: multi − single", multi - single, "Greens", (0.0, 0.5)),
    )
    holds, converged = smap.claim_holds(), smap.converged()
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for ax, (title, values, cmap, (vmin, vmax)) in zip(axes, panels):
        image = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax, origin="lower", aspect="auto")
        for i in range(len(smap.taus)):
            for j in range(len(smap.sigma0s)):
                note = "" if converged[i, j] else "\nn.c."
                r, g, b, _ = image.cmap(image.norm(values[i, j]))
                ink = "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black"
                ax.text(j, i, f"{values[i, j]:.2f}{note}", ha="center", va="center", fontsize=9, color=ink)
                if holds[i, j]:
                    ax.add_patch(plt.Rectangle((j - 0.48, i - 0.48), 0.96, 0.96, fill=False, lw=2, ec="k"))
        if highlight is not None:
            i, j = smap.index(*highlight)
            ax.plot([j + 0.35], [i + 0.3], "k*", ms=10)
        ax.set_xticks(range(len(smap.sigma0s)), [f"{s:g}" for s in smap.sigma0s])
        ax.set_yticks(range(len(smap.taus)), [f"{t:g}" for t in smap.taus])
        ax.set_xlabel(r"initialization scale $\sigma_0$")
        ax.set_ylabel(r"temperature $\tau$")
        ax.set_title(title)
    fig.tight_layout()
    return fig
