"""Interactive explorers for the chapters: a static figure for the page and a live widget for Jupyter/Binder/Colab.

Each explorer is a pair:

* ``*_figure(...)`` computes and draws one setting (the chapter calls it once with the defaults, so the HTML page,
  which has no kernel, shows a real figure);
* ``*_explorer()`` wraps the same function in ipywidgets sliders (``interactive_output``), so that a reader with a
  kernel can move the sliders and see the figure recomputed. In the static page the sliders render from the stored
  widget state but cannot recompute anything.

Explorers:

* data model (§3, eqs. 1 and 5; NOTES §2): :func:`data_model_figure` / :func:`data_model_explorer`, sliders for
  ``SNR``, ``n`` and ``d`` (with ``σ_ξ = 1``, so ``‖μ‖ = SNR·√d``);
* training (§6, Figure 1): :func:`training_figure` / :func:`training_explorer`, sliders for ``τ``, ``σ₀``,
  ``‖μ‖``, ``C_μ``, ``σ_ε`` and the number of epochs. It trains one seed of each setting at the full Figure 1 size
  (``n = 100``, ``d = 2000``, ``m = 50``): about 2–3 CPU seconds for 200 epochs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from . import plot, theory
from .config import FIGURE1, SyntheticConfig
from .data import sample
from .trainer import Run, TrainingDiverged, train

__all__ = [
    "DataModelSummary",
    "data_model_config",
    "data_model_summary",
    "data_model_figure",
    "data_model_explorer",
    "training_config",
    "training_runs",
    "training_figure",
    "training_explorer",
    "RANGES",
]

RANGES: dict[str, tuple[float, float]] = {
    "snr": (0.01, 0.5),
    "n": (10, 500),
    "d": (100, 5000),
    "tau": (0.02, 1.0),
    "sigma0": (0.001, 0.1),
    "mu_norm": (1.0, 15.0),
    "c_mu": (0.5, 6.0),
    "sigma_eps": (0.0, 1.0),
    "epochs": (10, 400),
}
"""Allowed range of every explorer parameter (the sliders span exactly these)."""


def _check_range(name: str, value: float) -> None:
    low, high = RANGES[name]
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number in [{low}, {high}], got {value!r}")
    slack = 1e-9 * max(abs(low), abs(high))  # slider round-off, e.g. 10**log10(0.5)
    if not (low - slack <= float(value) <= high + slack):
        raise ValueError(f"{name} must be in [{low}, {high}], got {value}")


def _check_int(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        low, high = RANGES[name]
        raise ValueError(f"{name} must be an integer in [{low}, {high}], got {value!r}")
    _check_range(name, value)


# --- data model ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataModelSummary:
    """What the data model explorer reports for one draw of the training set (NOTES §2.3, §5.2).

    ``snr`` and ``n_snr2`` are the configuration's values; ``empirical_snr = ‖μ‖ / mean_i ‖ξ_i‖`` is what the drawn
    sample shows; ``max_noise_cosine = max_{i≠j} |cos(ξ_i, ξ_j)|`` measures how far the noise vectors are from
    orthogonal (of order ``√(log n / d)``); ``window`` is the ``n·SNR²`` range in which the proofs' explicit
    constants hold for both settings (:func:`mmcl.theory.n_snr2_window`).
    """

    snr: float
    n_snr2: float
    empirical_snr: float
    max_noise_cosine: float
    window: tuple[float, float]


def data_model_config(snr: float = FIGURE1.snr, n: int = FIGURE1.n, d: int = FIGURE1.d) -> SyntheticConfig:
    """The Figure 1 configuration with ``n``, ``d`` and ``‖μ‖ = SNR·σ_ξ·√d`` set from the sliders (``C_μ`` kept)."""
    _check_range("snr", snr)
    _check_int("n", n)
    _check_int("d", d)
    mu_norm = float(snr) * FIGURE1.sigma_xi * math.sqrt(d)
    return FIGURE1.replace(n=int(n), d=int(d), mu_norm=mu_norm, mu_tilde_norm=FIGURE1.c_mu * mu_norm)


def _noise_cosines(xi: np.ndarray) -> np.ndarray:
    unit = xi / np.linalg.norm(xi, axis=1, keepdims=True)
    gram = unit @ unit.T
    return gram[np.triu_indices(len(xi), k=1)]


def data_model_summary(config: SyntheticConfig, seed: int = 0) -> DataModelSummary:
    """Draw the training set of ``config`` (eq. 1) and summarise its signal-to-noise picture."""
    data = sample(config, seed, ("single",))
    xi = data.xi[0].numpy()
    return DataModelSummary(
        snr=config.snr,
        n_snr2=config.n_snr2,
        empirical_snr=config.mu_norm / float(np.linalg.norm(xi, axis=1).mean()),
        max_noise_cosine=float(np.abs(_noise_cosines(xi)).max()),
        window=theory.n_snr2_window(config.c_mu),
    )


def data_model_figure(snr: float = FIGURE1.snr, n: int = FIGURE1.n, d: int = FIGURE1.d, seed: int = 0) -> plt.Figure:
    """Three panels on the data model of eq. (1) for ``(SNR, n, d)``, ``σ_ξ = 1``.

    (a) One sample ``x = [yμ, ξ]``: the signal patch is a single spike of height ``‖μ‖`` along ``e₁``, the noise
    patch ``d`` standard normal coordinates. (b) The cosines between the noise vectors of different samples: close
    to 0 when ``d ≫ n``, which is what lets an encoder memorise each ``ξ_i`` separately. (c) ``n·SNR²`` on a log
    axis: the signal energy the whole training set carries (``n‖μ‖²``) relative to the noise energy of one sample
    (``σ_ξ²d``), with the window in which the proofs' constants hold and the Figure 1 value.
    """
    config = data_model_config(snr, n, d)
    summary = data_model_summary(config, seed)
    data = sample(config, seed, ("single",))
    y0, xi0 = float(data.y[0, 0]), data.xi[0, 0].numpy()

    fig, axes = plt.subplots(1, 3, figsize=(15, 3.8), gridspec_kw={"width_ratios": [1.6, 1, 1.2]})
    ax = axes[0]
    signal = np.zeros(d)
    signal[0] = y0 * config.mu_norm
    ax.plot(np.arange(d), signal, color=plot.COLORS["multi"], lw=1.5, label=r"signal patch $y\mu$ (along $e_1$)")
    ax.plot([0], [signal[0]], "o", color=plot.COLORS["multi"], ms=6)
    ax.plot(np.arange(d, 2 * d), xi0, color="0.6", lw=0.5, label=r"noise patch $\xi$")
    ax.axvline(d, color="0.3", lw=0.8, ls=":")
    ax.set_xlim(-0.03 * d, 2 * d)
    ax.set_xticks([d / 2, 1.5 * d], [r"$x^{(1)} = y\mu$", r"$x^{(2)} = \xi$"])
    ax.set_title(rf"(a) one sample ($y = {y0:+.0f}$): $\|\mu\| = {config.mu_norm:.2f}$, $\|\xi\| = {np.linalg.norm(xi0):.1f}$")
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)

    ax = axes[1]
    cosines = _noise_cosines(data.xi[0].numpy())
    ax.hist(cosines, bins=40, color="0.5")
    for sign in (-1, 1):
        ax.axvline(sign / math.sqrt(d), color=plot.COLORS["single"], lw=1, ls="--")
    ax.set_title(rf"(b) $\cos(\xi_i, \xi_j)$, $i \neq j$; dashed: $\pm 1/\sqrt{{d}}$")
    ax.set_xlabel(f"max |cos| = {summary.max_noise_cosine:.3f}")
    ax.grid(alpha=0.3)

    ax = axes[2]
    low, high = summary.window
    ax.axvspan(low, high, color=plot.COLORS["multi"], alpha=0.35, label=f"proofs' window [{low:.2f}, {high:.2f}]")
    ax.axvline(FIGURE1.n_snr2, color="0.3", ls="--", lw=1, label=f"Figure 1: {FIGURE1.n_snr2:.2f}")
    ax.plot([summary.n_snr2], [0.5], "o", color=plot.COLORS["single"], ms=10, label=f"this setting: {summary.n_snr2:.3g}")
    ax.set_xscale("log")
    ax.set_xlim(1e-2, 1e3)
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.text(0.012, 0.9, "noise dominates", fontsize=8, color="0.3")
    ax.text(80, 0.9, "signal\ndominates", fontsize=8, color="0.3", va="top")
    ax.set_title(rf"(c) $n\,\mathrm{{SNR}}^2$ with SNR = {summary.snr:.4f} (sample: {summary.empirical_snr:.4f})")
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig


# --- training ------------------------------------------------------------------------------------------------------


def training_config(
    tau: float = FIGURE1.tau,
    sigma0: float = FIGURE1.sigma0,
    mu_norm: float = FIGURE1.mu_norm,
    c_mu: float = FIGURE1.c_mu,
    sigma_eps: float = FIGURE1.sigma_eps,
    epochs: int = FIGURE1.epochs,
) -> SyntheticConfig:
    """The Figure 1 configuration with the explorer's six parameters (``‖μ̃‖ = C_μ‖μ‖``, eq. 2 and 4.1(7))."""
    for name, value in (("tau", tau), ("sigma0", sigma0), ("mu_norm", mu_norm), ("c_mu", c_mu), ("sigma_eps", sigma_eps)):
        _check_range(name, value)
    _check_int("epochs", epochs)
    return FIGURE1.replace(
        tau=float(tau), sigma0=float(sigma0), mu_norm=float(mu_norm), mu_tilde_norm=float(c_mu) * float(mu_norm),
        sigma_eps=float(sigma_eps), epochs=int(epochs),
    )


def training_runs(config: SyntheticConfig, seeds: int = 1) -> tuple[Run, Run]:
    """Train the single-modal (eq. 6/7) and the multi-modal (eq. 9/10) encoders on the same seeds, on the CPU."""
    return tuple(train(config, mode, seeds, device="cpu", eval_every=max(1, config.epochs // 20)) for mode in ("single", "multi"))  # type: ignore[return-value]


def training_figure(
    tau: float = FIGURE1.tau,
    sigma0: float = FIGURE1.sigma0,
    mu_norm: float = FIGURE1.mu_norm,
    c_mu: float = FIGURE1.c_mu,
    sigma_eps: float = FIGURE1.sigma_eps,
    epochs: int = FIGURE1.epochs,
    seeds: int = 1,
) -> plt.Figure:
    """Figure 1's four panels (loss, OOD accuracy, signal learning, noise memorisation) for one setting of the
    explorer's parameters, single- vs multi-modal, with the final OOD accuracies in the title."""
    runs = training_runs(training_config(tau, sigma0, mu_norm, c_mu, sigma_eps, epochs), seeds)
    fig = plot.figure1(list(runs))
    single, multi = (float(r.test_accuracy.mean()) for r in runs)
    fig.suptitle(
        rf"$\tau$ = {tau:.3g}, $\sigma_0$ = {sigma0:.3g}, $\|\mu\|$ = {mu_norm:.3g}, $C_\mu$ = {c_mu:.3g}, "
        rf"$\sigma_\epsilon$ = {sigma_eps:.3g}: final OOD accuracy single {single:.3f}, multi {multi:.3f}",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


# --- widgets -------------------------------------------------------------------------------------------------------


def _widgets() -> Any:
    try:
        import ipywidgets
    except ImportError as exc:  # pragma: no cover - ipywidgets is part of the "book" extra
        raise ImportError("the explorers need ipywidgets: pip install 'mmcl[book]'") from exc
    return ipywidgets


def _explorer(draw: Callable[..., plt.Figure], controls: dict[str, Any], note: str) -> Any:
    """Sliders above an output area that shows ``draw(**values)``; recomputed when a slider is released."""
    w = _widgets()

    def show(**values: Any) -> None:
        try:
            draw(**values)
        except (ValueError, TrainingDiverged) as exc:
            plt.close("all")
            print(f"Cannot draw this setting: {exc}")
            return
        plt.show()

    output = w.interactive_output(show, controls)
    layout = w.Layout(display="flex", flex_flow="row wrap")
    return w.VBox([w.Box(list(controls.values()), layout=layout), w.HTML(f"<small>{note}</small>"), output])


def _slider_style() -> dict[str, Any]:
    return {"continuous_update": False, "style": {"description_width": "initial"}}


def data_model_explorer() -> Any:
    """Sliders for ``SNR``, ``n`` and ``d`` over :func:`data_model_figure` (needs a running kernel to recompute)."""
    w = _widgets()
    kw = _slider_style()
    controls = {
        "snr": w.FloatLogSlider(value=round(FIGURE1.snr, 4), base=10, min=math.log10(RANGES["snr"][0]), max=math.log10(RANGES["snr"][1]),
                                step=0.05, readout_format=".4f", description="SNR", **kw),
        "n": w.IntSlider(value=FIGURE1.n, min=int(RANGES["n"][0]), max=int(RANGES["n"][1]), step=10, description="n", **kw),
        "d": w.IntSlider(value=FIGURE1.d, min=int(RANGES["d"][0]), max=int(RANGES["d"][1]), step=100, description="d", **kw),
    }
    return _explorer(data_model_figure, controls, "σ_ξ = 1, so ‖μ‖ = SNR·√d. The figure is redrawn when a slider is released.")


def training_explorer() -> Any:
    """Sliders for ``τ``, ``σ₀``, ``‖μ‖``, ``C_μ``, ``σ_ε`` and the epochs over :func:`training_figure` (one seed of
    each setting at the Figure 1 size; a few seconds per setting on a laptop CPU)."""
    w = _widgets()
    kw = _slider_style()
    controls = {
        "tau": w.FloatLogSlider(value=FIGURE1.tau, base=10, min=math.log10(RANGES["tau"][0]), max=0.0, step=0.05, readout_format=".3f", description="τ", **kw),
        "sigma0": w.FloatLogSlider(value=FIGURE1.sigma0, base=10, min=-3.0, max=-1.0, step=0.1, readout_format=".4f", description="σ₀", **kw),
        "mu_norm": w.FloatSlider(value=FIGURE1.mu_norm, min=RANGES["mu_norm"][0], max=RANGES["mu_norm"][1], step=0.5, description="‖μ‖", **kw),
        "c_mu": w.FloatSlider(value=FIGURE1.c_mu, min=RANGES["c_mu"][0], max=RANGES["c_mu"][1], step=0.1, description="C_μ", **kw),
        "sigma_eps": w.FloatSlider(value=FIGURE1.sigma_eps, min=RANGES["sigma_eps"][0], max=RANGES["sigma_eps"][1], step=0.05, description="σ_ε", **kw),
        "epochs": w.IntSlider(value=FIGURE1.epochs, min=int(RANGES["epochs"][0]), max=int(RANGES["epochs"][1]), step=10, description="epochs", **kw),
    }
    return _explorer(training_figure, controls, "One seed per setting at the Figure 1 size (n = 100, d = 2000, m = 50); "
                                                "retrained when a slider is released (a few seconds).")
