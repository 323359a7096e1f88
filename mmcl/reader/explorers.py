"""Interactive explorers for the chapters: a static figure for the page and a live widget for Jupyter/Binder/Colab.

Each explorer is a pair:

* ``*_figure(...)`` computes and draws one setting (the chapter calls it once with the defaults, so the HTML page,
  which has no kernel, shows a real figure);
* ``*_explorer()`` wraps the same function in ipywidgets sliders (``interactive_output``), so that a reader with a
  kernel can move the sliders and see the figure recomputed. In the static page the sliders render from the stored
  widget state but cannot recompute anything.

Explorers:

* data model (§3, eq. 1; NOTES §2): :func:`data_model_figure` / :func:`data_model_explorer`, sliders for
  ``SNR``, ``n`` and ``d`` (with ``σ_ξ = 1``, so ``‖μ‖ = SNR·√d``) over the chapter's data-model figure;
* training (§6, Figure 1): :func:`training_figure` / :func:`training_explorer`, sliders for ``τ``, ``σ₀``,
  ``‖μ‖``, ``C_μ``, ``σ_ε`` and the number of epochs. It trains one seed of each setting at the full Figure 1 size
  (``n = 100``, ``d = 2000``, ``m = 50``): about 2–3 CPU seconds for 200 epochs.
* phase diagram (chapter 11): :func:`phase_point_figure` / :func:`phase_explorer`, one slider per axis of the
  stored ``(n·SNR², C_μ)`` grid; it retrains one seed of both settings at the chosen cell and shows it next to the
  stored result of that cell (all its seeds).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from ..model import data
from ..model import snr as snr_of
from ..model.config import FIGURE1, SyntheticConfig
from ..model.data import SyntheticData
from ..model.trainer import Run, TrainingDiverged, train
from ..theory import predictions
from . import plot

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
    "phase_config",
    "phase_point_figure",
    "phase_explorer",
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
    "n_snr2": (0.01, 10.0),
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

    ``snr`` and ``n_snr2`` are the configuration's values, ``measured_snr`` the SNR measured on the drawn sample
    (:func:`mmcl.model.snr.empirical_snr`), and ``window`` the ``n·SNR²`` range in which the proofs' explicit constants
    hold for both settings at this ``C_μ`` (:func:`mmcl.theory.predictions.n_snr2_window`).
    """

    snr: float
    n_snr2: float
    measured_snr: float
    window: tuple[float, float]

    @property
    def in_window(self) -> bool:
        low, high = self.window
        return low <= self.n_snr2 <= high


def data_model_config(snr: float = FIGURE1.snr, n: int = FIGURE1.n, d: int = FIGURE1.d) -> SyntheticConfig:
    """The Figure 1 configuration with ``n``, ``d`` and ``‖μ‖ = SNR·σ_ξ·√d`` set from the sliders (``C_μ`` kept)."""
    _check_range("snr", snr)
    _check_int("n", n)
    _check_int("d", d)
    mu_norm = float(snr) * FIGURE1.sigma_xi * math.sqrt(d)
    return FIGURE1.replace(n=int(n), d=int(d), mu_norm=mu_norm, mu_tilde_norm=FIGURE1.c_mu * mu_norm)


def data_model_summary(config: SyntheticConfig, sample: SyntheticData) -> DataModelSummary:
    """The SNR picture of ``config`` and of one draw ``sample`` of its training set (eq. 1)."""
    return DataModelSummary(
        snr=config.snr,
        n_snr2=config.n_snr2,
        measured_snr=snr_of.empirical_snr(sample.mu[0], sample.xi[0]),
        window=predictions.n_snr2_window(config.c_mu),
    )


def data_model_figure(snr: float = FIGURE1.snr, n: int = FIGURE1.n, d: int = FIGURE1.d, seed: int = 0) -> plt.Figure:
    """The chapter's picture of the data model (:func:`mmcl.plot.data_model`: one sample's two patches, the noise
    norms against ``‖μ‖`` and ``‖μ̃‖``, every sample along its signal direction) for ``(SNR, n, d)`` with
    ``σ_ξ = 1``, titled with the SNR, the measured SNR and ``n·SNR²`` against the proofs' window."""
    config = data_model_config(snr, n, d)
    sample = data.sample(config, seed)
    summary = data_model_summary(config, sample)
    fig = plot.data_model(sample)
    low, high = summary.window
    where = "inside" if summary.in_window else ("below" if summary.n_snr2 < low else "above")
    fig.suptitle(
        f"n = {n}, d = {d}: SNR = {summary.snr:.4f} (measured on this sample: {summary.measured_snr:.4f}), "
        f"n·SNR² = {summary.n_snr2:.3g}, {where} the proofs' window [{low:.2f}, {high:.2f}] at C_μ = {config.c_mu:.3g}",
        fontsize=10,
    )
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
    for name, value in (
        ("tau", tau),
        ("sigma0", sigma0),
        ("mu_norm", mu_norm),
        ("c_mu", c_mu),
        ("sigma_eps", sigma_eps),
    ):
        _check_range(name, value)
    _check_int("epochs", epochs)
    return FIGURE1.replace(
        tau=float(tau),
        sigma0=float(sigma0),
        mu_norm=float(mu_norm),
        mu_tilde_norm=float(c_mu) * float(mu_norm),
        sigma_eps=float(sigma_eps),
        epochs=int(epochs),
    )


def training_runs(config: SyntheticConfig, seeds: int = 1) -> tuple[Run, Run]:
    """Train the single-modal (eq. 6/7) and the multi-modal (eq. 9/10) encoders on the same seeds, on the CPU."""
    return tuple(
        train(config, mode, seeds, device="cpu", eval_every=max(1, config.epochs // 20)) for mode in ("single", "multi")
    )  # type: ignore[return-value]


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


# --- phase diagram -------------------------------------------------------------------------------------------------


def phase_config(n_snr2: float = FIGURE1.n_snr2, c_mu: float = FIGURE1.c_mu) -> SyntheticConfig:
    """The configuration of one point of chapter 11's grid: Figure 1 with ``‖μ‖ = σ_ξ√(n·SNR²·d/n)`` and
    ``‖μ̃‖ = C_μ‖μ‖`` (:func:`mmcl.sweeps.grid.resolve_config`)."""
    from ..sweeps.grid import resolve_config

    _check_range("n_snr2", n_snr2)
    _check_range("c_mu", c_mu)
    return resolve_config({"n_snr2": float(n_snr2), "c_mu": float(c_mu)})


def _stored_gap(surface: Any, n_snr2: float, c_mu: float) -> str:
    if surface is None:
        return ""
    try:
        gap = np.asarray(surface.at("gap", n_snr2, c_mu), dtype=float)
    except ValueError:
        return "; not a point of the stored grid"
    se = gap.std(ddof=1) / math.sqrt(gap.size) if gap.size > 1 else float("nan")
    return f"; stored grid ({gap.size} seeds): gap {gap.mean():+.3f} ± {se:.3f}"


def phase_point_figure(n_snr2: float = FIGURE1.n_snr2, c_mu: float = FIGURE1.c_mu, surface: Any = None) -> plt.Figure:
    """Figure 1's four panels for one seed of both settings at the grid point ``(n·SNR², C_μ)``, titled with the
    final accuracies, whether the point lies in the proofs' region (``n·SNR² ≤ 1.8``, ``C_μ·n·SNR² ≥ 4.51``,
    ``C_μ ≥ 2.66``; NOTES §5.2) and, given the stored :class:`mmcl.sweeps.phase.Surface`, that cell's stored gap."""
    config = phase_config(n_snr2, c_mu)
    runs = training_runs(config)
    fig = plot.figure1(list(runs))
    single, multi = (float(r.test_accuracy.mean()) for r in runs)
    low, high = predictions.n_snr2_window(c_mu)
    inside = c_mu >= 2.66 and low <= n_snr2 <= high
    fig.suptitle(
        f"n·SNR² = {n_snr2:g}, C_μ = {c_mu:g} ({'inside' if inside else 'outside'} the proofs' region): "
        f"one seed, final OOD accuracy single {single:.3f}, multi {multi:.3f}{_stored_gap(surface, n_snr2, c_mu)}",
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


def _log_slider(w: Any, name: str, value: float, step: float, fmt: str, label: str) -> Any:
    low, high = RANGES[name]
    return w.FloatLogSlider(
        value=value,
        base=10,
        min=math.log10(low),
        max=math.log10(high),
        step=step,
        readout_format=fmt,
        description=label,
        **_slider_style(),
    )


def _slider(w: Any, name: str, value: float, step: float, label: str) -> Any:
    low, high = RANGES[name]
    kind = w.IntSlider if isinstance(value, int) else w.FloatSlider
    return kind(value=value, min=low, max=high, step=step, description=label, **_slider_style())


def data_model_explorer(snr: float = FIGURE1.snr, n: int = FIGURE1.n, d: int = FIGURE1.d) -> Any:
    """Sliders for ``SNR``, ``n`` and ``d``, starting at the given values, over :func:`data_model_figure` (needs a
    running kernel to recompute)."""
    data_model_config(snr, n, d)  # validate the starting point
    w = _widgets()
    controls = {
        "snr": _log_slider(w, "snr", round(float(snr), 4), 0.05, ".4f", "SNR"),
        "n": _slider(w, "n", int(n), 10, "n"),
        "d": _slider(w, "d", int(d), 100, "d"),
    }
    return _explorer(
        data_model_figure, controls, "σ_ξ = 1, so ‖μ‖ = SNR·√d. The figure is redrawn when a slider is released."
    )


def training_explorer(
    tau: float = FIGURE1.tau,
    sigma0: float = FIGURE1.sigma0,
    mu_norm: float = FIGURE1.mu_norm,
    c_mu: float = FIGURE1.c_mu,
    sigma_eps: float = FIGURE1.sigma_eps,
    epochs: int = FIGURE1.epochs,
) -> Any:
    """Sliders for ``τ``, ``σ₀``, ``‖μ‖``, ``C_μ``, ``σ_ε`` and the epochs, starting at the given values, over
    :func:`training_figure` (one seed of each setting at the Figure 1 size; a few seconds per setting on a laptop
    CPU)."""
    training_config(tau, sigma0, mu_norm, c_mu, sigma_eps, epochs)  # validate the starting point
    w = _widgets()
    controls = {
        "tau": _log_slider(w, "tau", float(tau), 0.05, ".3f", "τ"),
        "sigma0": _log_slider(w, "sigma0", float(sigma0), 0.1, ".4f", "σ₀"),
        "mu_norm": _slider(w, "mu_norm", float(mu_norm), 0.5, "‖μ‖"),
        "c_mu": _slider(w, "c_mu", float(c_mu), 0.1, "C_μ"),
        "sigma_eps": _slider(w, "sigma_eps", float(sigma_eps), 0.05, "σ_ε"),
        "epochs": _slider(w, "epochs", int(epochs), 10, "epochs"),
    }
    return _explorer(
        training_figure,
        controls,
        "One seed per setting at the Figure 1 size (n = 100, d = 2000, m = 50); "
        "retrained when a slider is released (a few seconds).",
    )


def phase_explorer(surface: Any, n_snr2: float = FIGURE1.n_snr2, c_mu: float = FIGURE1.c_mu) -> Any:
    """One slider per axis of the stored phase diagram ``surface`` (x: ``n·SNR²``, y: ``C_μ``), starting at the
    given cell, over :func:`phase_point_figure` (one seed of each setting retrained per cell, a few seconds)."""
    if getattr(surface, "x_name", None) != "n_snr2" or getattr(surface, "y_name", None) != "c_mu":
        raise ValueError("surface must be the (n_snr2, c_mu) phase diagram of chapter 11 (mmcl.sweeps.phase.surface)")
    xs, ys = [float(v) for v in surface.x], [float(v) for v in surface.y]
    for name, value, axis in (("n_snr2", n_snr2, xs), ("c_mu", c_mu, ys)):
        if not any(math.isclose(value, v) for v in axis):
            raise ValueError(f"{name} must be a value of the stored grid {axis}, got {value}")
    w = _widgets()
    kw = _slider_style()
    controls = {
        "n_snr2": w.SelectionSlider(
            options=xs, value=next(v for v in xs if math.isclose(v, n_snr2)), description="n·SNR²", **kw
        ),
        "c_mu": w.SelectionSlider(
            options=ys, value=next(v for v in ys if math.isclose(v, c_mu)), description="C_μ", **kw
        ),
    }
    draw = functools.partial(phase_point_figure, surface=surface)
    return _explorer(
        draw,
        controls,
        "The stored grid's cells; each choice retrains one seed of both settings "
        "(a few seconds) and quotes the cell's stored gap over all its seeds.",
    )
