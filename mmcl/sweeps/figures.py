"""The figures of chapter 11: the phase diagram over ``(n·SNR², C_μ)`` and the panels of the three open questions.

Each figure draws a :class:`~mmcl.sweeps.phase.Surface` (seed means of one metric over two grid coordinates) and the
theory's boundaries (:data:`~mmcl.sweeps.phase.C_MU_THEORY`, :data:`~mmcl.sweeps.phase.WINDOW`,
:data:`~mmcl.sweeps.phase.EXPERIMENT`; NOTES §5).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import TwoSlopeNorm

from ..model.snr import n_snr2_window
from .phase import C_MU_THEORY, EXPERIMENT, WINDOW, Surface, axis_index
from .stats import t_interval

__all__ = ["phase_diagram", "line_panel", "unequal_modalities_figure", "augmentation_figure", "richer_model_figure"]


def _position(grid: np.ndarray, value: float) -> float:
    """Where ``value`` falls on a categorical axis whose cell ``k`` is centred at ``k`` (log-linear in between)."""
    g = np.log(grid.astype(float))
    v = math.log(value)
    if v <= g[0]:
        return float((v - g[0]) / (g[1] - g[0]))
    if v >= g[-1]:
        return float(len(g) - 1 + (v - g[-1]) / (g[-1] - g[-2]))
    k = int(np.searchsorted(g, v)) - 1
    return float(k + (v - g[k]) / (g[k + 1] - g[k]))


def phase_diagram(s: Surface, title: str | None = None) -> plt.Figure:
    """Three heat maps over ``(n·SNR², C_μ)``: single-modal and multi-modal OOD accuracy and their gap.

    One cell per grid point (categorical axes, equal cell sizes; positions between grid values are interpolated
    in ``log``), each showing the seed mean. Drawn on every panel: the theory's ``C_μ ≥ 2.66`` (dashed, below the
    first row it admits), the proof window ``n·SNR² ∈ [1.7, 1.8]`` (hatched band), the region where both proofs'
    inequalities hold (``n·SNR² ≤ 1.8`` and ``C_μ·n·SNR² ≥ 4.51``, orange outline) and Figure 1's point (star) on
    the experiment's ``n·SNR² = 1.25`` (dotted). A dot marks a gap shown positive by the paired t test with the
    Benjamini–Hochberg correction over the grid at false discovery rate 0.05 (:meth:`.phase.Surface.significant`).
    """
    if (s.x_name, s.y_name) != ("n_snr2", "c_mu"):
        raise ValueError(f"phase_diagram needs a surface over (n_snr2, c_mu), got ({s.x_name}, {s.y_name})")
    x, y = s.x.astype(float), s.y.astype(float)
    px = lambda v: _position(x, v)  # noqa: E731
    py = lambda v: _position(y, v)  # noqa: E731
    fig, axes = plt.subplots(1, 3, figsize=(17, 5.2), sharey=True)
    panels = (
        ("single", "Single-modal OOD accuracy"),
        ("multi", "Multi-modal OOD accuracy"),
        ("gap", "Gap: multi − single"),
    )
    product = n_snr2_window(1.0)[0]  # the multi-modal proof's C_μ·n·SNR² ≥ 4.51
    curve_x = np.geomspace(product / y[-1] * 0.999, WINDOW[1], 100)
    top = len(y) - 0.5
    for ax, (key, name) in zip(axes, panels):
        mean = s.mean(key)
        if key == "gap":
            lim = max(0.05, float(np.nanmax(np.abs(mean))))
            mesh = ax.imshow(mean, origin="lower", aspect="auto", cmap="RdBu", norm=TwoSlopeNorm(0.0, -lim, lim))
        else:
            mesh = ax.imshow(mean, origin="lower", aspect="auto", cmap="viridis", vmin=0.5, vmax=1.0)
        fig.colorbar(mesh, ax=ax, fraction=0.046, pad=0.03)
        for j in range(len(y)):
            for i in range(len(x)):
                if np.isfinite(mean[j, i]):
                    dark = key != "gap" and mean[j, i] < 0.75
                    ax.text(
                        i,
                        j,
                        f"{mean[j, i]:.2f}",
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if dark else "black",
                    )
        if key == "gap":
            jj, ii = np.nonzero(s.significant("gap"))
            ax.plot(ii, jj + 0.3, ".", color="black", ms=3)
        ax.axhline(py(C_MU_THEORY) - 0.5, color="black", ls="--", lw=1.2, label="$C_\\mu \\geq 2.66$ (Assumption 4.1)")
        ax.axvspan(
            px(WINDOW[0]),
            px(WINDOW[1]),
            facecolor="none",
            edgecolor="black",
            hatch="///",
            lw=0.0,
            label="proof window at $C_\\mu = 2.66$: $n\\cdot$SNR$^2 \\in$ [1.7, 1.8]",
        )
        ax.axvline(
            px(EXPERIMENT[0]),
            color="grey" if key == "gap" else "white",
            ls=":",
            lw=1.5,
            label="experiment: $n\\cdot$SNR$^2$ = 1.25",
        )
        ax.plot(
            [px(v) for v in curve_x],
            [py(product / v) for v in curve_x],
            color="orange",
            lw=1.8,
            label="proofs: $n$SNR$^2 \\leq 1.8$ and $C_\\mu n$SNR$^2 \\geq 4.51$",
        )
        ax.plot([px(WINDOW[1])] * 2, [py(product / WINDOW[1]), top], color="orange", lw=1.8)
        ax.plot(
            px(EXPERIMENT[0]),
            py(EXPERIMENT[1]),
            marker="*",
            color="red",
            ms=13,
            mec="white",
            ls="none",
            label="Figure 1",
        )
        ax.set_xlim(-0.5, len(x) - 0.5)
        ax.set_ylim(-0.5, top)
        ax.set_xticks(range(len(x)), [f"{v:g}" for v in x], fontsize=8)
        ax.set_yticks(range(len(y)), [f"{v:g}" for v in y], fontsize=8)
        ax.set_xlabel("$n\\cdot\\mathrm{SNR}^2$")
        ax.set_title(name, fontsize=10)
    axes[0].set_ylabel("$C_\\mu = \\|\\tilde\\mu\\| / \\|\\mu\\|$")
    handles, labels = axes[2].get_legend_handles_labels()  # the gap panel draws the experiment's line in grey
    fig.legend(handles, labels, loc="lower center", ncol=5, fontsize=8, frameon=False)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def line_panel(
    ax: plt.Axes,
    s: Surface,
    key: str,
    label_of: Any = None,
    colors: Sequence[str] | None = None,
    marker: str = "o",
    logx: bool = False,
) -> None:
    """Seed mean of ``key`` with its 95% t interval against ``s.x``, one line per ``s.y`` value."""
    cmap = plt.get_cmap("viridis")
    for j, yv in enumerate(s.y):
        color = colors[j] if colors is not None else cmap(j / max(len(s.y) - 1, 1))
        mean, half = s.mean(key)[j], s.interval(key).half_width[j]
        label = label_of(yv) if label_of is not None else (None if yv is None else f"{s.y_name} = {yv}")
        ax.errorbar(
            s.x.astype(float), mean, yerr=half, marker=marker, color=color, label=label, capsize=2, lw=1.5, ms=4
        )
    if logx:
        ax.set_xscale("log")
        ax.set_xticks(s.x.astype(float), [f"{v:g}" for v in s.x])
        ax.set_xticks([], minor=True)
    ax.set_xlabel(s.x_name)
    ax.grid(True, alpha=0.3)


def _single_band(ax: plt.Axes, values: np.ndarray) -> None:
    """The single-modal mean (``values``: one per seed) with its 95% t interval as a band."""
    mean, half = t_interval(values)
    ax.axhspan(mean - half, mean + half, color="#d62728", alpha=0.15, lw=0)
    ax.axhline(mean, color="#d62728", lw=1.5, label="single-modal")


def unequal_modalities_figure(s: Surface, n: int, mu_tilde_norm: float, n_snr2: float | None = None) -> plt.Figure:
    """Open question 1: multi-modal OOD accuracy against ``σ̃_ξ`` (one line per ``d̃``), and the gap against ``n·SNR̃²``.

    ``s`` is a surface over ``(sigma_xi_tilde, d_tilde)``; ``n·SNR̃² = n‖μ̃‖²/(σ̃_ξ² d̃)``. ``n_snr2``, if given,
    marks modality 1's own ``n·SNR²`` on the second panel.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    line_panel(left, s, "multi", label_of=lambda v: f"$\\tilde d$ = {v}", logx=True)
    _single_band(left, s.values["single"][0, 0])  # the single-modal setting never sees modality 2: one cell
    left.set_xlabel("$\\sigma_{\\tilde\\xi}$ (modality 1: $\\sigma_\\xi = 1$)")
    left.set_ylabel("OOD test accuracy")
    left.set_title("Multi-modal accuracy as modality 2 gets noisier", fontsize=10)
    left.legend(fontsize=8)
    cmap = plt.get_cmap("viridis")
    for j, d_t in enumerate(s.y):
        snr = n * mu_tilde_norm**2 / (s.x.astype(float) ** 2 * float(d_t))
        right.errorbar(
            snr,
            s.mean("gap")[j],
            yerr=s.interval("gap").half_width[j],
            fmt="o",
            color=cmap(j / max(len(s.y) - 1, 1)),
            capsize=2,
            ms=4,
            label=f"$\\tilde d$ = {d_t}",
        )
    right.axhline(0, color="black", lw=0.8)
    if n_snr2 is not None:
        right.axvline(n_snr2, color="#d62728", ls="--", lw=1, label="modality 1's $n\\cdot\\mathrm{SNR}^2$")
        right.legend(fontsize=8)
    right.set_xscale("log")
    right.set_xlabel(
        "$n\\cdot\\widetilde{\\mathrm{SNR}}^2 = n\\|\\tilde\\mu\\|^2 / (\\sigma_{\\tilde\\xi}^2 \\tilde d)$"
    )
    right.set_ylabel("gap: multi − single")
    right.set_title("The same cells against the second modality's SNR", fontsize=10)
    right.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def augmentation_figure(
    gaussian: Surface,
    mask: Surface,
    gaussian_loss: Surface,
    mask_loss: Surface,
    mask_all: Surface | None = None,
    mask_all_loss: Surface | None = None,
) -> plt.Figure:
    """Open question 2: single-modal OOD accuracy against the augmentation strength, and the training loss it costs.

    The surfaces are 1-D, over ``sigma_eps`` (Gaussian) and ``mask_rate`` (masking the noise patch; ``mask_all``:
    masking both patches), holding both modes (the multi-modal cell, which ignores the augmentation, is the
    reference).
    """
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
    multi = gaussian.values["multi"][0, 0]
    if mask_all is not None:
        line_panel(
            axes[1],
            mask_all,
            "single",
            colors=["#9467bd"],
            label_of=lambda _: "single-modal, masking both patches",
            marker="s",
        )
    for ax, s, name in (
        (axes[0], gaussian, "Gaussian augmentation: $\\sigma_\\epsilon$"),
        (axes[1], mask, "masking: rate $p$"),
    ):
        label = "single-modal" if s is gaussian or mask_all is None else "single-modal, masking the noise patch"
        line_panel(ax, s, "single", colors=["#d62728"], label_of=lambda _, label=label: label)
        band = t_interval(multi)
        ax.axhspan(band.low, band.high, color="#1f77b4", alpha=0.15, lw=0)
        ax.axhline(multi.mean(), color="#1f77b4", lw=1.5, label="multi-modal (no augmentation)")
        ax.set_xlabel(name)
        ax.set_ylim(0.5, 1.0)
        ax.set_ylabel("OOD test accuracy")
        ax.legend(fontsize=8, loc="lower right" if s is mask else "center right")
    sigmas = gaussian.x.astype(float)
    axes[0].set_xscale("symlog", linthresh=0.1)
    axes[0].set_xlim(-0.02, sigmas.max() * 1.2)
    axes[0].set_xticks(sigmas, [f"{v:g}" for v in sigmas])
    axes[0].set_xticks([], minor=True)
    loss = axes[2]
    loss.errorbar(
        mask_loss.x.astype(float),
        mask_loss.mean("single")[0],
        yerr=mask_loss.interval("single").half_width[0],
        marker="o",
        color="#d62728",
        capsize=2,
        ms=4,
        label="single-modal, masking",
    )
    if mask_all_loss is not None:
        loss.errorbar(
            mask_all_loss.x.astype(float),
            mask_all_loss.mean("single")[0],
            yerr=mask_all_loss.interval("single").half_width[0],
            marker="s",
            color="#9467bd",
            capsize=2,
            ms=4,
            label="single-modal, masking both patches",
        )
    reference = gaussian_loss.at("single", 0.1)
    loss.axhline(
        reference.mean(), color="#d62728", ls="--", lw=1.2, label="single-modal, Gaussian $\\sigma_\\epsilon$ = 0.1"
    )
    loss.axhline(gaussian_loss.values["multi"][0, 0].mean(), color="#1f77b4", lw=1.5, label="multi-modal")
    loss.axhline(0.05, color="grey", ls=":", lw=1, label="0.05")
    loss.set_yscale("log")
    loss.set_xlabel("masking: rate $p$")
    loss.set_ylabel("final training loss")
    loss.set_title("The cost: positives that agree less", fontsize=10)
    loss.legend(fontsize=8, loc="upper left")
    loss.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def richer_model_figure(s: Surface) -> plt.Figure:
    """Open question 3: OOD accuracy against the label agreement (``ν ∥ μ``) and against the test-shift angle."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    j0 = axis_index(s.y, 0, s.y_name)
    x = s.x.astype(float)
    left.errorbar(
        x,
        s.mean("multi")[j0],
        yerr=s.interval("multi").half_width[j0],
        marker="o",
        color="#1f77b4",
        capsize=2,
        label="multi-modal",
    )
    _single_band(left, s.values["single"][j0, 0])  # nor the label agreement
    left.set_xlabel("label agreement of modality 2")
    left.set_ylabel("OOD test accuracy ($\\nu \\parallel \\mu$)")
    left.set_title("A partly shared signal", fontsize=10)
    left.legend(fontsize=8)
    left.grid(True, alpha=0.3)
    angles = s.y.astype(float)
    i1 = axis_index(s.x, 1.0, s.x_name)
    for key, color, label in (("single", "#d62728", "single-modal"), ("multi", "#1f77b4", "multi-modal (agreement 1)")):
        right.errorbar(
            angles,
            s.mean(key)[:, i1],
            yerr=s.interval(key).half_width[:, i1],
            marker="o",
            color=color,
            capsize=2,
            label=label,
        )
    right.axvspan(86.8, 90, color="grey", alpha=0.2, lw=0, label="theory's near-orthogonal shift")
    right.axhline(0.5, color="black", lw=0.8, ls=":")
    right.set_xlabel("angle between $\\nu$ and $\\mu$ (degrees)")
    right.set_ylabel("OOD test accuracy")
    right.set_title("Turning the test signal away from $\\mu$", fontsize=10)
    right.legend(fontsize=8)
    right.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig
