"""Similarities (eq. 4, §3.2) and the InfoMax losses (eq. 6 single-modal, eq. 9 multi-modal).

Both similarities are un-normalised inner products computed patch by patch and averaged over the ``m`` neurons,
with a stop-gradient on the second argument (implemented with ``detach``):

* eq. (4): ``Sim_h(x, x') = (1/m) Σ_r h_r(x⁽¹⁾)·sg(h_r(x'⁽¹⁾)) + (1/m) Σ_r h_r(x⁽²⁾)·sg(h_r(x'⁽²⁾))``;
* §3.2: ``Sim_{h,g}(x, x̃)`` pairs neuron ``r`` of ``h`` with neuron ``r`` of ``g``.

Negatives are *hard*: for anchor ``i`` they are all samples ``j`` with ``y_j ≠ y_i`` (``M_i`` of them, about
``n/2``), as the proofs assume (NOTES §3.3). The losses are evaluated with ``logsumexp``, so they stay finite for
large similarities. These functions are the autograd reference that the closed-form updates of
:mod:`mmcl.model.dynamics` are tested against.
"""

from __future__ import annotations

import torch

from .data import SyntheticData
from .encoder import noise_preactivation, signal_activation, signal_preactivation

__all__ = ["negative_mask", "info_nce", "single_modal_loss", "multi_modal_loss"]


def negative_mask(y: torch.Tensor) -> torch.Tensor:
    """Hard negatives ``y_j ≠ y_i`` as a boolean ``(R, n, n)`` mask (row ``i`` = anchor).

    Raises ``ValueError`` when a run's labels hold one class only, since then no anchor has a negative.
    """
    if y.dim() != 2:
        raise ValueError(f"labels must have shape (runs, n), got {tuple(y.shape)}")
    mask = y[:, :, None] != y[:, None, :]
    if not bool(mask.any(dim=2).all()):
        raise ValueError("labels y must contain both classes in every run: with one class there are no negatives")
    return mask


def info_nce(pos: torch.Tensor, neg: torch.Tensor, mask: torch.Tensor, tau: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Per-anchor InfoNCE terms and the softmax "loss derivatives" of eq. (8).

    ``pos (R, n)`` holds ``Sim(x_i, x_i⁺)``, ``neg (R, n, n)`` holds ``Sim(x_i, x_j)`` (only entries where
    ``mask`` is true count), ``tau (R,)``. Returns ``(loss (R, n), ℓ'_i (R, n), ℓ'_{i,j} (R, n, n))`` with
    ``loss_i = −log(e^{pos/τ} / (e^{pos/τ} + Σ_j e^{neg_ij/τ}))``.
    """
    t = tau[:, None]
    logits_neg = torch.where(mask, neg / t[:, :, None], torch.full_like(neg, -torch.inf))
    logit_pos = pos / t
    top = torch.maximum(logit_pos, logits_neg.amax(2))  # the positive's logit is finite, so is the maximum
    weight_pos = torch.exp(logit_pos - top)
    weight_neg = torch.exp(logits_neg - top[:, :, None])
    total = weight_pos + weight_neg.sum(2)
    loss = top + torch.log(total) - logit_pos  # log-sum-exp minus the positive's logit
    return loss, weight_pos / total, weight_neg / total[:, :, None]


def _as_runs(value: float | torch.Tensor, runs: int, like: torch.Tensor) -> torch.Tensor:
    t = torch.as_tensor(value, dtype=like.dtype, device=like.device)
    return t.expand(runs) if t.dim() == 0 else t


def single_modal_loss(w: torch.Tensor, data: SyntheticData, tau: float | torch.Tensor) -> torch.Tensor:
    """Eq. (6), the single-modal InfoMax loss per run, shape ``(R,)``.

    Anchor ``x_i``, positive its augmentation ``x̂_i = [y_i μ, ξ_i + ε_i]`` (eq. 5; ``[0, ξ_i + ε_i]`` where
    ``data.signal_keep`` is 0), negatives the opposite-label training samples. Only the anchor's branch carries
    gradient (stop-gradient of eq. 4).
    """
    if data.eps is None:
        raise ValueError("single_modal_loss needs data sampled for the single-modal setting (data.eps is None)")
    mask = negative_mask(data.y)
    a = signal_activation(signal_preactivation(w, data.mu), data.y)  # (R, m, n)
    p = torch.relu(noise_preactivation(w, data.xi))
    p_hat = torch.relu(noise_preactivation(w, data.xi + data.eps))
    m = w.shape[1]
    a_hat = a.detach() if data.signal_keep is None else a.detach() * data.signal_keep[:, None, :]  # view's signal patch
    pos = (a * a_hat + p * p_hat.detach()).sum(1) / m
    neg = (torch.bmm(a.transpose(1, 2), a.detach()) + torch.bmm(p.transpose(1, 2), p.detach())) / m
    loss, _, _ = info_nce(pos, neg, mask, _as_runs(tau, w.shape[0], w))
    return loss.mean(1)


def multi_modal_loss(
    w: torch.Tensor, w_tilde: torch.Tensor, data: SyntheticData, tau: float | torch.Tensor
) -> torch.Tensor:
    """Eq. (9), the multi-modal loss per run, shape ``(R,)``: the ``h``-anchored term plus the ``g``-anchored term.

    ``Sim_{h,g}(x_i, x̃_j)`` gives ``W`` its gradient (``g`` under stop-gradient) and ``Sim_{g,h}(x̃_i, x_j)`` gives
    ``W̃`` its gradient, so the loss decomposes as ``L_S(W) + L_S(W̃)`` (Appendix D.2). The modality-2 signal
    patches carry the labels ``ỹ`` (``data.labels_tilde``, equal to ``y`` in the paper); negatives are those of ``y``.
    """
    if data.xi_tilde is None:
        raise ValueError("multi_modal_loss needs data sampled for the multi-modal setting (data.xi_tilde is None)")
    if data.xi.shape[:2] != data.xi_tilde.shape[:2]:
        raise ValueError(
            f"the two modalities must hold the same runs and samples, got {tuple(data.xi.shape[:2])} "
            f"and {tuple(data.xi_tilde.shape[:2])}"
        )
    if w.shape[:2] != w_tilde.shape[:2]:
        raise ValueError(
            f"W and W̃ must have the same runs and neurons, got {tuple(w.shape)} and {tuple(w_tilde.shape)}"
        )
    mask = negative_mask(data.y)
    a = signal_activation(signal_preactivation(w, data.mu), data.y)
    at = signal_activation(signal_preactivation(w_tilde, data.mu_tilde), data.labels_tilde)  # ỹ_i μ̃
    p = torch.relu(noise_preactivation(w, data.xi))
    pt = torch.relu(noise_preactivation(w_tilde, data.xi_tilde))
    m = w.shape[1]
    tau_r = _as_runs(tau, w.shape[0], w)
    # h-anchored: S[i, j] = Sim_{h,g}(x_i, x̃_j)
    s_h = (torch.bmm(a.transpose(1, 2), at.detach()) + torch.bmm(p.transpose(1, 2), pt.detach())) / m
    # g-anchored: S̃[i, j] = Sim_{g,h}(x̃_i, x_j)
    s_g = (torch.bmm(at.transpose(1, 2), a.detach()) + torch.bmm(pt.transpose(1, 2), p.detach())) / m
    loss_h, _, _ = info_nce(torch.diagonal(s_h, dim1=1, dim2=2), s_h, mask, tau_r)
    loss_g, _, _ = info_nce(torch.diagonal(s_g, dim1=1, dim2=2), s_g, mask, tau_r)
    return loss_h.mean(1) + loss_g.mean(1)
