"""The explorer of chapter 13: one run's neuron sign classes over training, for a chosen initialisation strategy.

:func:`replay_figure` trains one multi-modal run at the Figure 1 size (about a second on a CPU) and draws every
neuron's sign class at every epoch, neurons sorted by their class at ``t = 0`` and their synchronisation time, with
the class counts at the chosen epoch. :func:`replay_explorer` puts it under ipywidgets controls (strategy, seed,
epoch); the chapter calls :func:`replay_figure` once so that the page, which has no kernel, shows a real figure.
"""

from __future__ import annotations

import functools
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from ..model.config import FIGURE1, SyntheticConfig
from ..model.trainer import Run, train
from ..reader.explorers import _explorer, _slider_style, _widgets
from .figures import CLASS_COLORS
from .sign_classes import SIGN_CLASSES, SyncRecord, class_fractions, sign_classes

__all__ = ["STRATEGIES", "strategy_config", "replay_run", "replay_figure", "replay_explorer"]

STRATEGIES: dict[str, dict[str, Any]] = {
    "Gaussian": {},
    "sign-synchronised": {"init": "sign_sync"},
    "anti-synchronised": {"init": "anti_sync"},
    "correlated ρ = 0.5": {"init": "correlated", "init_rho": 0.5},
    "correlated ρ = −0.5": {"init": "correlated", "init_rho": -0.5},
    "orthogonal rows": {"init": "orthogonal"},
    "warm start (modality 1)": {"init": "warm_single"},
    "σ̃₀ = 0.003": {"sigma0_tilde": 0.003},
    "σ̃₀ = 0.03": {"sigma0_tilde": 0.03},
}
"""The strategies the explorer offers, as changes to the Figure 1 configuration."""


def strategy_config(strategy: str, base: SyntheticConfig = FIGURE1) -> SyntheticConfig:
    """``base`` with the initialisation of ``strategy`` (a key of :data:`STRATEGIES`)."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {list(STRATEGIES)}, got {strategy!r}")
    return base.replace(**STRATEGIES[strategy])


@functools.lru_cache(maxsize=16)
def replay_run(strategy: str, seed: int = 0) -> Run:
    """One multi-modal run of ``strategy`` at the Figure 1 size (kept, so that moving the epoch is instant)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    return train(strategy_config(strategy), "multi", [seed], device="cpu", eval_every=FIGURE1.epochs)


def replay_figure(strategy: str = "Gaussian", seed: int = 0, epoch: int = 10) -> plt.Figure:
    """Every neuron's sign class (rows) at every epoch (columns) of one run, and the class counts at ``epoch``."""
    run = replay_run(strategy, seed)
    epochs = run.configs[0].epochs
    if isinstance(epoch, bool) or not isinstance(epoch, int) or not 0 <= epoch <= epochs:
        raise ValueError(f"epoch must be an integer in [0, {epochs}], got {epoch!r}")
    h = run.history
    classes = sign_classes(h["signal_pre"][0], h["signal_pre_tilde"][0])  # (T+1, m)
    record = SyncRecord.from_run(run)
    order = np.lexsort((record.sync_time[0], classes[0]))
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [3, 1]})
    cmap = ListedColormap([CLASS_COLORS[c] for c in SIGN_CLASSES])
    ax.imshow(classes[:, order].T, aspect="auto", cmap=cmap, vmin=-0.5, vmax=3.5, interpolation="nearest")
    ax.axvline(epoch, color="k", lw=1)
    ax.set(
        xlabel="epoch t",
        ylabel="neuron (sorted by class at t = 0, then sync time)",
        title=f"{strategy}, seed {seed}: OOD accuracy {run.test_accuracy[0]:.3f}",
    )
    counts = class_fractions(classes[epoch]) * classes.shape[1]
    bx.barh(range(4), counts, color=[CLASS_COLORS[c] for c in SIGN_CLASSES])
    bx.set_yticks(range(4), [f"U{c[0]}∩Ũ{c[1]}" for c in SIGN_CLASSES])
    bx.invert_yaxis()
    bx.set(xlabel="neurons", title=f"at t = {epoch}")
    fig.tight_layout()
    return fig


def replay_explorer(strategy: str = "Gaussian", seed: int = 0, epoch: int = 10) -> Any:
    """Controls for the strategy, the seed and the epoch over :func:`replay_figure` (needs a running kernel)."""
    strategy_config(strategy)  # validate the starting point
    w = _widgets()
    kw = _slider_style()
    controls = {
        "strategy": w.Dropdown(options=list(STRATEGIES), value=strategy, description="start"),
        "seed": w.IntSlider(value=seed, min=0, max=19, step=1, description="seed", **kw),
        "epoch": w.IntSlider(value=epoch, min=0, max=FIGURE1.epochs, step=1, description="epoch", **kw),
    }
    return _explorer(
        replay_figure,
        controls,
        "One multi-modal run at the Figure 1 size, trained when the strategy or the seed changes (about a second).",
    )
