"""Per-epoch record of a training run: everything the stage lemmas of Appendices C and D are stated in.

Pass a :class:`Recorder` as the ``callback`` of :func:`mmcl.train` (with ``record="coefficients"``) and call
:meth:`Recorder.trajectory` on the returned run::

    rec = mmcl.theory.trajectory.Recorder()
    run = mmcl.train(config, "single", seeds=1, dtype="float64", record="coefficients", callback=rec)
    traj = rec.trajectory(run)

For every encoder (one in the single-modal setting, ``h`` and ``g`` in the multi-modal one) the
:class:`EncoderTrace` holds, at every epoch ``t = 0 … T`` (the state *before* update ``t``):

* the pre-activations ``⟨w_r⁽ᵗ⁾, μ⟩`` (``signal``) and ``⟨w_r⁽ᵗ⁾, ξ_i⟩`` (``noise``) at which the trainer evaluated
  the update — the sign sets ``U_±⁽ᵗ⁾`` and ``I_{r,±}⁽ᵗ⁾`` of Lemmas C.3, C.7 and D.3 are read from them;
* the coefficients ``γ_r⁽ᵗ⁾``, ``ρ_{r,i}⁽ᵗ⁾`` of eq. (11)/(14), from the trainer's exact recursions (Lemma 5.1/5.3);
* the loss derivatives ``ℓ'_i`` and, per anchor, the smallest and largest ``ℓ'_{i,j}`` over its negatives (eq. 8);
* the gradient ``∇_{w_r}L = g_r μ + Σ_i c_{r,i} ξ_i`` (eq. 7/10) and the loss ``L_S(W⁽ᵗ⁾)``;
* the Gram matrix of ``[μ, ξ_1, …, ξ_n]`` and, single-modal, ``⟨w_r⁽ᵗ⁾, ε_i⟩`` (from the coefficients, eq. 11).

Weights themselves are kept only at the ``snapshots`` epochs (for the least-squares check of Lemma 5.1/5.3).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from ..model.config import SyntheticConfig
from ..model.dynamics import HalfStep
from ..model.trainer import Run

__all__ = ["Recorder", "Trajectory", "EncoderTrace", "record"]


def _np(x: torch.Tensor) -> np.ndarray:
    return x.detach().to(torch.float64).cpu().numpy().copy()


@dataclass
class EncoderTrace:
    """One encoder's per-epoch record; leading axes ``(R, T+1)`` (runs, epochs 0…T)."""

    signal: np.ndarray  # ⟨w_r, μ⟩ (R, T+1, m)
    noise: np.ndarray  # ⟨w_r, ξ_i⟩ (R, T+1, m, n)
    gamma: np.ndarray  # γ_r (R, T+1, m)
    rho: np.ndarray  # ρ_{r,i} (R, T+1, m, n)
    pos_prob: np.ndarray  # ℓ'_i (R, T+1, n)
    neg_min: np.ndarray  # min_j ℓ'_{i,j} over negatives (R, T+1, n)
    neg_max: np.ndarray  # max_j ℓ'_{i,j} over negatives (R, T+1, n)
    g: np.ndarray  # gradient coefficient on μ (R, T+1, m)
    c: np.ndarray  # gradient coefficients on ξ_i (R, T+1, m, n)
    loss: np.ndarray  # L_S(W⁽ᵗ⁾) (R, T+1)
    gram: np.ndarray  # Gram matrix of [μ, ξ_1, …, ξ_n] (R, n+1, n+1)
    eps_noise: np.ndarray | None = None  # ⟨w_r, ε_i⟩ (R, T+1, m, n), single-modal only

    def grad_norm_sq(self) -> np.ndarray:
        """``‖∇L_S(W⁽ᵗ⁾)‖_F²`` from the gradient coefficients and the Gram matrix, ``(R, T+1)``."""
        coef = np.concatenate([self.g[..., None], self.c], axis=3)  # (R, T+1, m, n+1)
        return ((coef @ self.gram[:, None]) * coef).sum((2, 3))


@dataclass
class Trajectory:
    """The record of one batch of runs (same configuration) produced by :class:`Recorder`."""

    config: SyntheticConfig
    mode: str
    seeds: tuple[int, ...]
    y: np.ndarray  # (R, n)
    negatives: np.ndarray  # (R, n, n) boolean, y_j ≠ y_i
    encoders: list[EncoderTrace]
    snapshots: dict[int, list[np.ndarray]] = field(default_factory=dict)  # epoch → [W (R, m, d), (W̃)]
    w0: list[np.ndarray] = field(default_factory=list)  # [W⁽⁰⁾ (R, m, d), (W̃⁽⁰⁾)]
    basis: list[np.ndarray] = field(default_factory=list)  # [[μ; ξ] (R, n+1, d), (modality 2)]

    @property
    def epochs(self) -> int:
        return self.encoders[0].signal.shape[1] - 1

    @property
    def runs(self) -> int:
        return self.y.shape[0]

    @property
    def negative_counts(self) -> np.ndarray:
        """``M_i``, the number of negatives of anchor ``i`` (opposite labels), ``(R, n)``."""
        return self.negatives.sum(2)

    def select(self, k: int) -> Trajectory:
        """The record of run ``k`` alone (a one-run :class:`Trajectory`; the arrays are views, not copies)."""
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < self.runs:
            raise ValueError(f"k must be a run index in [0, {self.runs - 1}], got {k!r}")
        part = slice(k, k + 1)
        encoders = [
            EncoderTrace(**{f: (None if v is None else v[part]) for f, v in vars(e).items()}) for e in self.encoders
        ]
        return Trajectory(
            config=self.config,
            mode=self.mode,
            seeds=(self.seeds[k],),
            y=self.y[part],
            negatives=self.negatives[part],
            encoders=encoders,
            snapshots={t: [w[part] for w in ws] for t, ws in self.snapshots.items()},
            w0=[w[part] for w in self.w0],
            basis=[b[part] for b in self.basis],
        )

    @property
    def h(self) -> EncoderTrace:
        """The modality-1 encoder (the only one in the single-modal setting)."""
        return self.encoders[0]

    @property
    def g(self) -> EncoderTrace:
        """The modality-2 encoder (multi-modal only)."""
        if len(self.encoders) < 2:
            raise ValueError("a single-modal trajectory has no second encoder")
        return self.encoders[1]


def _check_paper_model(config: SyntheticConfig) -> None:
    """The trajectory tools follow the paper's data model; refuse the generalisations they do not account for."""
    if config.label_agreement != 1 or config.augmentation != "gaussian":
        raise ValueError(
            "the trajectory analysis follows the paper's data model (label_agreement = 1, augmentation = "
            f"'gaussian'), got label_agreement={config.label_agreement}, augmentation={config.augmentation!r}"
        )


class Recorder:
    """``callback`` for :func:`mmcl.train` that keeps the per-epoch quantities of :class:`EncoderTrace`.

    ``snapshots`` lists the epochs at which the full weights are kept (default: first, last and every 50th).
    """

    def __init__(self, snapshots: Iterable[int] | None = None) -> None:
        if snapshots is not None:
            snapshots = sorted({int(t) for t in snapshots})
            if any(t < 0 for t in snapshots):
                raise ValueError(f"snapshots must be epochs >= 0, got {snapshots}")
        self._snap_request = snapshots
        self._rows: list[list[dict[str, torch.Tensor]]] = []
        self._snapshots: dict[int, list[np.ndarray]] = {}
        self._mask: torch.Tensor | None = None

    def __call__(self, t: int, w: torch.Tensor, w_tilde: torch.Tensor | None, steps: Sequence[HalfStep]) -> None:
        if t != len(self._rows):
            raise ValueError(
                f"Recorder received epoch {t} after {len(self._rows)} epochs; use a fresh Recorder per run"
            )
        if self._mask is None:
            self._mask = steps[0].negatives
        mask = self._mask
        big = torch.tensor(torch.inf, dtype=steps[0].neg_prob.dtype)
        row = []
        for s in steps:
            row.append(
                {
                    "signal": s.signal.detach().to("cpu", torch.float64).clone(),
                    "noise": s.noise.detach().to("cpu", torch.float64).clone(),
                    "pos_prob": s.pos_prob.detach().to("cpu", torch.float64).clone(),
                    "neg_min": torch.where(mask, s.neg_prob, big).amin(2).to("cpu", torch.float64),
                    "neg_max": torch.where(mask, s.neg_prob, -big).amax(2).to("cpu", torch.float64),
                    "g": s.g.detach().to("cpu", torch.float64).clone(),
                    "c": s.c.detach().to("cpu", torch.float64).clone(),
                    "loss": s.loss.detach().to("cpu", torch.float64).clone(),
                }
            )
        self._rows.append(row)
        wanted = self._snap_request
        if wanted is None or t in wanted:
            self._snapshots[t] = [_np(w)] + ([_np(w_tilde)] if w_tilde is not None else [])

    def trajectory(self, run: Run) -> Trajectory:
        """Assemble the record of ``run`` (the run this recorder was passed to)."""
        if not self._rows:
            raise ValueError("the recorder holds no epochs: pass it as callback= to mmcl.train first")
        _check_paper_model(run.configs[0])
        if "rho" not in run.history:
            raise ValueError('the run must be trained with record="coefficients"')
        epochs = run.configs[0].epochs
        if len(self._rows) != epochs + 1:
            raise ValueError(f"the recorder holds {len(self._rows)} epochs, the run has {epochs + 1}")
        data = run.data
        y = _np(data.y)
        negatives = y[:, :, None] != y[:, None, :]
        if not np.array_equal(negatives, self._mask.cpu().numpy()):
            raise ValueError("this recorder was used with another run (its negatives differ)")
        suffixes = ("",) if run.mode == "single" else ("", "_tilde")
        bases = [torch.cat([data.mu[:, None, :], data.xi], 1)]
        if run.mode == "multi":
            bases.append(torch.cat([data.mu_tilde[:, None, :], data.xi_tilde], 1))
        bases_np = [_np(b) for b in bases]
        w0s = [_np(run.w0)] + ([_np(run.w0_tilde)] if run.mode == "multi" else [])
        encoders = []
        for k, suffix in enumerate(suffixes):
            stack = {key: np.stack([_np(r[k][key]) for r in self._rows], 1) for key in self._rows[0][k]}
            gram = bases_np[k] @ bases_np[k].swapaxes(1, 2)
            trace = EncoderTrace(
                gamma=run.history["gamma" + suffix].astype(np.float64),
                rho=run.history["rho" + suffix].astype(np.float64),
                gram=gram,
                **stack,
            )
            encoders.append(trace)
        if run.mode == "single":
            encoders[0].eps_noise = self._eps_projection(encoders[0], w0s[0], bases_np[0], _np(data.eps))
        snapshots = dict(self._snapshots)
        if self._snap_request is None:
            keep = {0, epochs} | set(range(0, epochs + 1, 50))
            snapshots = {t: v for t, v in snapshots.items() if t in keep}
        return Trajectory(
            config=run.config,
            mode=run.mode,
            seeds=run.seeds,
            y=y,
            negatives=negatives,
            encoders=encoders,
            snapshots=snapshots,
            w0=w0s,
            basis=bases_np,
        )

    @staticmethod
    def _eps_projection(trace: EncoderTrace, w0: np.ndarray, basis: np.ndarray, eps: np.ndarray) -> np.ndarray:
        """``⟨w_r⁽ᵗ⁾, ε_i⟩ = ⟨w_r⁽⁰⁾, ε_i⟩ + γ_r⟨μ, ε_i⟩/‖μ‖² + Σ_j ρ_{r,j}⟨ξ_j, ε_i⟩/‖ξ_j‖²`` (eq. 11)."""
        init = w0 @ eps.swapaxes(1, 2)
        cross = (basis @ eps.swapaxes(1, 2)) / (basis * basis).sum(2)[:, :, None]  # (R, n+1, n)
        coef = np.concatenate([trace.gamma[..., None], trace.rho], axis=3)  # (R, T+1, m, n+1)
        return init[:, None] + coef @ cross[:, None]


def record(
    config: SyntheticConfig,
    mode: str,
    seeds: int | Sequence[int] = 1,
    *,
    snapshots: Iterable[int] | None = None,
    eval_every: int = 10,
    dtype: str = "float64",
) -> tuple[Run, Trajectory]:
    """Train on the CPU (float64 by default) with a :class:`Recorder` attached; return the run and its
    :class:`Trajectory`."""
    from ..model.trainer import train

    _check_paper_model(config)  # before training, not after
    rec = Recorder(snapshots)
    run = train(
        config, mode, seeds, device="cpu", dtype=dtype, record="coefficients", callback=rec, eval_every=eval_every
    )
    return run, rec.trajectory(run)
