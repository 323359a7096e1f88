"""How much the paper's synthetic result depends on the two values it does not state: ``τ`` and ``σ₀``.

The paper's Figure 1 gives every setting except the temperature ``τ`` of eqs. (6)/(9) and the initialization
scale ``σ₀`` (§6). :func:`sweep` trains both settings on a grid of ``(τ, σ₀)`` — all cells and seeds of
one mode in a single batched :func:`mmcl.train` call, every cell with the same seeds (so cells differ only in
``τ`` and ``σ₀``) — and records the OOD accuracy of the downstream probe (§3.3) and the final training loss.

The paper's claim, made concrete with the thresholds of this book's Figure 1 checks: after the given number of
epochs both training losses are below ``loss_max`` (0.05), the multi-modal OOD accuracy is at least ``multi_min``
(0.9) and the single-modal one at most ``single_max`` (0.75).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..model.config import FIGURE1, SyntheticConfig
from ..model.data import parse_seeds
from ..model.trainer import MODES, train

__all__ = ["SensitivityMap", "sweep"]


@dataclass(frozen=True)
class SensitivityMap:
    """Results of :func:`sweep`. Arrays are indexed ``[τ index, σ₀ index, seed index]``."""

    base: SyntheticConfig
    taus: tuple[float, ...]
    sigma0s: tuple[float, ...]
    seeds: tuple[int, ...]
    accuracy: dict[str, np.ndarray]
    final_loss: dict[str, np.ndarray]

    def mean_accuracy(self, mode: str) -> np.ndarray:
        """Mean OOD accuracy over seeds, ``(len(taus), len(sigma0s))``."""
        return self.accuracy[self._mode(mode)].mean(2)

    def claim_holds(self, multi_min: float = 0.9, single_max: float = 0.75, loss_max: float = 0.05) -> np.ndarray:
        """Cells showing Figure 1's picture: both settings converged (:meth:`converged`), mean multi-modal accuracy
        ≥ ``multi_min`` and mean single-modal accuracy ≤ ``single_max``."""
        accuracies = (self.mean_accuracy("multi") >= multi_min) & (self.mean_accuracy("single") <= single_max)
        return accuracies & self.converged(loss_max)

    def converged(self, loss_max: float = 0.05) -> np.ndarray:
        """Cells where the mean final training loss of *both* settings is below ``loss_max``."""
        return (self.final_loss["single"].mean(2) < loss_max) & (self.final_loss["multi"].mean(2) < loss_max)

    def index(self, tau: float, sigma0: float) -> tuple[int, int]:
        """Grid position of a ``(τ, σ₀)`` pair (``ValueError`` if it is not on the grid)."""
        if tau not in self.taus or sigma0 not in self.sigma0s:
            raise ValueError(
                f"(tau={tau}, sigma0={sigma0}) is not on the grid taus={self.taus}, sigma0s={self.sigma0s}"
            )
        return self.taus.index(tau), self.sigma0s.index(sigma0)

    def table(self) -> str:
        """Mean accuracies (single / multi) per cell, rounded, as plain text."""
        single, multi = self.mean_accuracy("single"), self.mean_accuracy("multi")
        head = "τ \\ σ₀  " + "".join(f"{s:>14g}" for s in self.sigma0s)
        rows = [head]
        for i, tau in enumerate(self.taus):
            rows.append(
                f"{tau:<8g}" + "".join(f"{single[i, j]:>7.2f}/{multi[i, j]:<6.2f}" for j in range(len(self.sigma0s)))
            )
        return "\n".join(r.rstrip() for r in rows)

    def _mode(self, mode: str) -> str:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        return mode


def sweep(
    taus: Sequence[float],
    sigma0s: Sequence[float],
    seeds: int | Sequence[int] = 3,
    base: SyntheticConfig = FIGURE1,
    *,
    device: str = "auto",
    dtype: str = "float32",
) -> SensitivityMap:
    """Train single- and multi-modal runs on every ``(τ, σ₀)`` of the grid (one batched call per mode).

    ``seeds`` is a count ``K`` (seeds ``0 … K−1``) or a list, reused in every cell. Invalid ``τ`` or ``σ₀`` raise
    ``ValueError`` from :class:`SyntheticConfig`.
    """
    taus, sigma0s = tuple(float(t) for t in taus), tuple(float(s) for s in sigma0s)
    if not taus or not sigma0s:
        raise ValueError("taus and sigma0s must each hold at least one value")
    seed_list = tuple(parse_seeds(seeds))
    cells = [(t, s) for t in taus for s in sigma0s]
    configs = [base.replace(tau=t, sigma0=s) for t, s in cells for _ in seed_list]
    run_seeds = [k for _ in cells for k in seed_list]
    shape = (len(taus), len(sigma0s), len(seed_list))
    accuracy, final_loss = {}, {}
    for mode in MODES:
        run = train(configs, mode, run_seeds, device=device, dtype=dtype, eval_every=max(base.epochs, 1))
        accuracy[mode] = run.test_accuracy.reshape(shape)
        final_loss[mode] = run.history["train_loss"][:, -1].reshape(shape)
    return SensitivityMap(base, taus, sigma0s, seed_list, accuracy, final_loss)
