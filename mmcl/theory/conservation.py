"""The conserved quantity of synchronisation (Lemma D.3, chapter 7).

In normalised coordinates ``a_r = ⟨w_r, μ⟩/‖μ‖`` and ``ã_r = ⟨w̃_r, μ̃⟩/‖μ̃‖`` the signal part of the updates (10)
(eqs. (15) and (17) with the hard negatives of Lemma D.3) reads ``a ← a + k_a·ã`` and ``ã ← ã + k_ã·a``, for aligned
and for mixed-sign neurons alike: the anchors that move ``w_r`` are those of the class ``sign(a)`` and, whether the
teacher term comes from the positive or from the negatives, it carries ``ã`` (the softmax weights of the negatives
add up to ``1 − ℓ'_i``). With ``k_a = η‖μ‖‖μ̃‖/(nmτ)·Σ_{i: y_i = sign a}(1 − ℓ'_i)`` (and ``k_ã`` with the other
modality's ``ℓ'`` over the class ``sign ã``), ``Q = k_ã·a² − k_a·ã²`` satisfies ``Q' = (1 − k_a k_ã)·Q``: it is
conserved up to ``O(η²)`` per step, ``O(η)`` over a fixed stretch ``η·t`` of training. The trajectories are
hyperbolae, ``C_μ`` drops out, and the half that flips is the one with the smaller weighted normalised alignment.
With balanced labels and ``ℓ' ≈ ℓ̃'`` the weights are equal and ``Q ∝ a² − ã²`` (:func:`hyperbola`).

:func:`flip_prediction` predicts which half of each mixed neuron flips from its initial ``(a, ã)`` and
:func:`flipped_half` reads which one did.
"""

from __future__ import annotations

import numpy as np

from .stage1 import sync_times
from .trajectory import Trajectory

__all__ = [
    "normalised_alignment",
    "class_weights",
    "hyperbola",
    "conservation_drift",
    "flip_prediction",
    "flipped_half",
]


def _multi(traj: Trajectory) -> None:
    if traj.mode != "multi":
        raise ValueError(f"synchronisation is about the multi-modal setting, got a {traj.mode!r} trajectory")


def normalised_alignment(traj: Trajectory) -> tuple[np.ndarray, np.ndarray]:
    """``(a, ã)``: ``⟨w_r⁽ᵗ⁾, μ⟩/‖μ‖`` and ``⟨w̃_r⁽ᵗ⁾, μ̃⟩/‖μ̃‖``, each ``(R, T+1, m)`` (norms from the Gram matrices)."""
    _multi(traj)
    norm = np.sqrt(traj.h.gram[:, 0, 0])[:, None, None]
    norm_t = np.sqrt(traj.g.gram[:, 0, 0])[:, None, None]
    return traj.h.signal / norm, traj.g.signal / norm_t


def class_weights(traj: Trajectory) -> tuple[np.ndarray, np.ndarray]:
    """``(k_a, k_ã)`` of the module docstring per epoch and neuron, ``(R, T+1, m)``, in units of
    ``η‖μ‖‖μ̃‖/(nmτ)``: ``Σ_{i: y_i = sign a}(1 − ℓ'_i)`` with the modality-1 ``ℓ'`` and the same over
    ``sign ã`` with the modality-2 ``ℓ'``."""
    a, at = normalised_alignment(traj)
    y = traj.y[:, None, None, :]  # (R, 1, 1, n)
    out = []
    for trace, side in ((traj.h, a), (traj.g, at)):
        free = (1 - trace.pos_prob)[:, :, None, :]  # (R, T+1, 1, n)
        out.append((free * (y == np.sign(side)[..., None])).sum(3))
    return out[0], out[1]


def hyperbola(traj: Trajectory, weighted: bool = True) -> np.ndarray:
    """``Q = k_ã·a² − k_a·ã²`` with the weights of :func:`class_weights` frozen at ``t = 0`` (``weighted``), or the
    plain ``a² − ã²``; ``(R, T+1, m)``. The weights switch when ``a`` or ``ã`` changes sign, so the weighted ``Q``
    is conserved on each side of a crossing and the plain one across it when the two classes weigh the same."""
    a, at = normalised_alignment(traj)
    if not weighted:
        return a**2 - at**2
    ka, kat = class_weights(traj)
    return kat[:, :1] * a**2 - ka[:, :1] * at**2


def conservation_drift(traj: Trajectory, until: int, weighted: bool = False) -> np.ndarray:
    """Per neuron, ``max_{t ≤ until} |Q⁽ᵗ⁾ − Q⁽⁰⁾|`` relative to ``a⁽⁰⁾² + ã⁽⁰⁾²`` (times the weights when
    ``weighted``), ``(R, m)``: the drift of the conserved quantity of :func:`hyperbola`."""
    if isinstance(until, bool) or not isinstance(until, (int, np.integer)) or not 0 <= until <= traj.epochs:
        raise ValueError(f"until must be an epoch in [0, {traj.epochs}], got {until!r}")
    q = hyperbola(traj, weighted)[:, : until + 1]
    a, at = normalised_alignment(traj)
    if weighted:
        ka, kat = class_weights(traj)
        scale = kat[:, 0] * a[:, 0] ** 2 + ka[:, 0] * at[:, 0] ** 2
    else:
        scale = a[:, 0] ** 2 + at[:, 0] ** 2
    return np.abs(q - q[:, :1]).max(1) / scale


def flip_prediction(traj: Trajectory, weighted: bool = True) -> np.ndarray:
    """For every neuron, which half the hyperbola predicts to flip: ``1`` (modality 1, ``a``) when ``Q⁽⁰⁾ < 0``,
    ``2`` when ``Q⁽⁰⁾ > 0``, ``0`` for neurons aligned at ``t = 0``; ``(R, m)``."""
    a, at = normalised_alignment(traj)
    q0 = hyperbola(traj, weighted)[:, 0]
    mixed = np.sign(a[:, 0]) != np.sign(at[:, 0])
    return np.where(mixed, np.where(q0 < 0, 1, 2), 0)


def flipped_half(traj: Trajectory) -> np.ndarray:
    """For every neuron, the half whose sign changed when it synchronised (:func:`~mmcl.theory.stage1.sync_times`):
    ``1`` or ``2``; ``0`` for neurons aligned at ``t = 0``, ``−1`` for neurons that never synchronise; ``(R, m)``."""
    _multi(traj)
    times = sync_times(traj)
    runs, m = times.shape
    out = np.zeros((runs, m), dtype=np.int64)
    for r in range(runs):
        for k in range(m):
            t = times[r, k]
            if t < 0:
                out[r, k] = -1
            elif t > 0:
                out[r, k] = 1 if np.sign(traj.h.signal[r, t, k]) != np.sign(traj.h.signal[r, 0, k]) else 2
    return out
