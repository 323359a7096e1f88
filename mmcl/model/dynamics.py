"""Closed-form gradients of the two losses: the updates of eq. (7) (single-modal) and eq. (10) (multi-modal).

Every gradient lies in ``span{μ, ξ_1, …, ξ_n}`` (NOTES §3.5), so it is returned as coefficients:
``∇_{w_r} L = g_r·μ + Σ_i c_{r,i}·ξ_i``. Gradient descent with step ``η`` then moves the signal and noise
coefficients of the decomposition (eq. 11/14) by exactly

``γ_r ← γ_r − η·g_r·‖μ‖²`` and ``ρ_{r,i} ← ρ_{r,i} − η·c_{r,i}·‖ξ_i‖²``,

which is the coefficient recursion of Lemma 5.1 (and of Lemma 5.3 for the multi-modal case). The trainer records
these recursions alongside the weights; :func:`mmcl.model.decomposition.least_squares` recovers the same numbers
from the weights alone.

Notation: the *teacher* activations are the stop-gradient factors of the similarity. For the single-modal loss the
positive's teacher is the augmented view ``h_r(x̂_i)`` and a negative's teacher is ``h_r(x_j)``; for the
multi-modal loss both come from the other modality's encoder (the "cooperation" of §5.2).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .data import SyntheticData
from .encoder import noise_preactivation, signal_preactivation
from .losses import info_nce, negative_mask

__all__ = ["HalfStep", "single_modal_step", "multi_modal_step", "single_modal_terms", "multi_modal_terms"]


@dataclass
class HalfStep:
    """The gradient of one encoder: ``∇_{w_r} L = g[r]·μ + Σ_i c[r, i]·ξ_i``.

    Also holds the per-anchor loss terms and the loss derivatives ``ℓ'_i`` and ``ℓ'_{i,j}`` of eq. (8), and the
    pre-activations ``⟨w_r, μ⟩`` (``signal``) and ``⟨w_r, ξ_i⟩`` (``noise``) at which they were evaluated.
    """

    loss: torch.Tensor  # (R,) mean over anchors
    g: torch.Tensor  # (R, m)
    c: torch.Tensor  # (R, m, n)
    pos_prob: torch.Tensor  # ℓ'_i, (R, n)
    neg_prob: torch.Tensor  # ℓ'_{i,j}, (R, n, n), zero off the negatives
    negatives: torch.Tensor  # (R, n, n) bool, the negatives j of anchor i (hard negatives: y_j ≠ y_i)
    signal: torch.Tensor  # ⟨w_r, μ⟩, (R, m)
    noise: torch.Tensor  # ⟨w_r, ξ_i⟩, (R, m, n)


def _by_label(values: torch.Tensor) -> torch.Tensor:
    """``[σ(v), σ(−v)]`` stacked on a last axis of size 2: a neuron's activation on ``+μ`` and on ``−μ``."""
    return torch.stack([torch.relu(values), torch.relu(-values)], dim=-1)


def _label_onehot(y: torch.Tensor) -> torch.Tensor:
    """``(R, n, 2)`` one-hot of the labels ``y ∈ {±1}``: column 0 for ``+1``, column 1 for ``−1``."""
    plus = (y > 0).to(y.dtype)
    return torch.stack([plus, 1.0 - plus], dim=-1)


def _half_step(
    y: torch.Tensor,
    signal: torch.Tensor,
    noise: torch.Tensor,
    teacher_y: torch.Tensor,
    teacher_signal: torch.Tensor,
    teacher_pos_noise: torch.Tensor,
    teacher_neg_noise: torch.Tensor,
    mask: torch.Tensor,
    tau: torch.Tensor,
    student_noise: torch.Tensor,
    signal_keep: torch.Tensor | None = None,
) -> HalfStep:
    """One encoder's loss and gradient coefficients.

    ``signal (R, m)`` and ``noise (R, m, n)`` are the student's pre-activations ``⟨w_r, μ⟩`` and ``⟨w_r, ξ_i⟩``,
    ``y`` the labels of the student's signal patches (patch ``i`` is ``y_i·μ``) and ``student_noise`` its
    activations ``σ(⟨w_r, ξ_i⟩)``. The teacher's signal patch of sample ``j`` is ``teacher_y_j`` times its signal
    vector, on which neuron ``r`` has pre-activation ``teacher_signal[:, r]``; the two noise teachers hold
    ``sg(h_r(·))`` of the positive of anchor ``i`` and of negative ``j``; ``mask`` marks the negatives.
    ``signal_keep (R, n)``, if given, is 0 where the positive's signal patch was masked. Implements eq. (7)/(10)
    term by term.

    The signal patches are rank one: every activation on them is ``σ(±⟨w_r, μ⟩)``, one of two numbers per
    neuron. The signal parts of the similarities and of the negatives' sums therefore go through the ``2 × 2``
    matrix ``Σ_r σ(±⟨w_r, μ⟩)·σ(±t_r)`` and label indicators, in ``O(m + n²)`` instead of ``O(m·n²)``.
    """
    runs, m, n = noise.shape
    student_by_label, teacher_by_label = _by_label(signal), _by_label(teacher_signal)  # (R, m, 2)
    onehot, teacher_onehot = _label_onehot(y), _label_onehot(teacher_y)  # (R, n, 2)
    pair = torch.bmm(student_by_label.transpose(1, 2), teacher_by_label)  # Σ_r σ(±s_r) σ(±t_r), (R, 2, 2)
    sig_sim = torch.bmm(onehot, torch.bmm(pair, teacher_onehot.transpose(1, 2)))  # Σ_r h_r(y_i μ) h_r(teacher_j)
    pos_sig = torch.diagonal(sig_sim, dim1=1, dim2=2)
    pos_signal = torch.relu(teacher_signal[:, :, None] * teacher_y[:, None, :])  # teacher activation of sample i
    if signal_keep is not None:
        pos_sig = pos_sig * signal_keep
        pos_signal = pos_signal * signal_keep[:, None, :]
    pos = (pos_sig + (student_noise * teacher_pos_noise).sum(1)) / m
    neg = (sig_sim + torch.bmm(student_noise.transpose(1, 2), teacher_neg_noise)) / m
    loss, lp, ln = info_nce(pos, neg, mask, tau)
    scale = (1.0 / (n * m * tau))[:, None, None]
    keep = (1.0 - lp)[:, None, :]
    # Σ_j ℓ'_{i,j} · teacher_{r,j}  →  (R, m, n) indexed [r, i]
    neg_signal = torch.bmm(teacher_by_label, torch.bmm(teacher_onehot.transpose(1, 2), ln.transpose(1, 2)))
    sig_drive = keep * pos_signal - neg_signal
    noise_drive = keep * teacher_pos_noise - torch.bmm(teacher_neg_noise, ln.transpose(1, 2))
    signal_y = signal[:, :, None] * y[:, None, :]  # ⟨w_r, y_i μ⟩
    d_sig = signal_y > 0  # h'_r(y_i μ), as a mask
    d_noise = noise > 0  # h'_r(ξ_i)
    g = -(scale * sig_drive * d_sig * y[:, None, :]).sum(2)
    c = -scale * noise_drive * d_noise
    return HalfStep(loss.mean(1), g, c, lp, ln, mask, signal, noise)


def single_modal_terms(
    y: torch.Tensor,
    signal: torch.Tensor,
    noise: torch.Tensor,
    noise_aug: torch.Tensor,
    tau: torch.Tensor,
    mask: torch.Tensor | None = None,
    signal_keep: torch.Tensor | None = None,
) -> HalfStep:
    """Eq. (6)/(7) from the pre-activations ``⟨w_r, μ⟩ (R, m)``, ``⟨w_r, ξ_i⟩`` and ``⟨w_r, ξ_i + ε_i⟩`` (``R, m, n``).

    The augmentation ``ε_i`` enters only through the teacher activation ``h_r(x̂_i⁽²⁾) = σ(⟨w_r, ξ_i + ε_i⟩)``;
    the update itself moves along ``ξ_i`` and ``μ`` only. ``mask`` is :func:`~mmcl.model.losses.negative_mask` of ``y``
    (computed when omitted; the trainer passes it once for all epochs). ``signal_keep (R, n)``, if given, is 0 for
    the samples whose augmented view lost its signal patch (``augmentation="mask_all"``).
    """
    mask = negative_mask(y) if mask is None else mask
    act_noise = torch.relu(noise)
    # the anchor's own branch is its teacher for the signal patch and for the negatives (eq. 4)
    return _half_step(y, signal, noise, y, signal, torch.relu(noise_aug), act_noise, mask, tau, act_noise, signal_keep)


def multi_modal_terms(
    y: torch.Tensor,
    signal: torch.Tensor,
    noise: torch.Tensor,
    signal_tilde: torch.Tensor,
    noise_tilde: torch.Tensor,
    tau: torch.Tensor,
    y_tilde: torch.Tensor | None = None,
    mask: torch.Tensor | None = None,
) -> tuple[HalfStep, HalfStep]:
    """Eq. (9)/(10) from the pre-activations of both encoders.

    The loss decomposes as ``L_S(W) + L_S(W̃)`` (Appendix D.2): the first half-step is anchored on ``x_i`` with
    teacher ``g``, the second on ``x̃_i`` with teacher ``h``. ``y_tilde`` are the labels of the modality-2 signal
    patches (``ỹ = y`` when omitted, as in eq. 2); negatives are always those of the pair label ``y`` (``mask``,
    computed when omitted). Each encoder's activations serve as its own student term and as the other's teacher.
    """
    y_t = y if y_tilde is None else y_tilde
    mask = negative_mask(y) if mask is None else mask
    act_noise, act_noise_t = torch.relu(noise), torch.relu(noise_tilde)
    h_step = _half_step(y, signal, noise, y_t, signal_tilde, act_noise_t, act_noise_t, mask, tau, act_noise)
    g_step = _half_step(y_t, signal_tilde, noise_tilde, y, signal, act_noise, act_noise, mask, tau, act_noise_t)
    return h_step, g_step


def single_modal_step(w: torch.Tensor, data: SyntheticData, tau: torch.Tensor) -> HalfStep:
    """Loss (eq. 6) and closed-form gradient (eq. 7) of the single-modal encoder ``w (R, m, d)``, for every run."""
    if data.eps is None:
        raise ValueError("single_modal_step needs data sampled for the single-modal setting (data.eps is None)")
    noise = noise_preactivation(w, data.xi)
    return single_modal_terms(
        data.y,
        signal_preactivation(w, data.mu),
        noise,
        noise + noise_preactivation(w, data.eps),
        tau,
        None,
        data.signal_keep,
    )


def multi_modal_step(
    w: torch.Tensor, w_tilde: torch.Tensor, data: SyntheticData, tau: torch.Tensor
) -> tuple[HalfStep, HalfStep]:
    """Loss (eq. 9) and closed-form gradients (eq. 10 and its modality-2 twin) of both encoders, for every run."""
    return multi_modal_terms(
        data.y,
        signal_preactivation(w, data.mu),
        noise_preactivation(w, data.xi),
        signal_preactivation(w_tilde, data.mu_tilde),
        noise_preactivation(w_tilde, data.xi_tilde),
        tau,
        data.labels_tilde,
    )
