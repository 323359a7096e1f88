"""The closed-form updates (eq. 7 and its multi-modal analogue, eq. 10) equal autograd on the losses (eq. 6, 9)."""

from __future__ import annotations

import pytest
import torch

from mmcl.model.config import SyntheticConfig
from mmcl.model.data import initial_weights, sample, stack
from mmcl.model.dynamics import multi_modal_step, single_modal_step
from mmcl.model.losses import multi_modal_loss, single_modal_loss


def _setup(config: SyntheticConfig, seeds: list[int]):
    data = stack([sample(config, s) for s in seeds])
    w = torch.stack([initial_weights(config, s, 1) for s in seeds])
    wt = torch.stack([initial_weights(config, s, 2) for s in seeds])
    tau = torch.full((len(seeds),), config.tau, dtype=torch.float64)
    return data, w, wt, tau


def _grad(step, mu: torch.Tensor, xi: torch.Tensor) -> torch.Tensor:
    return step.g[:, :, None] * mu[:, None, :] + torch.bmm(step.c, xi)


@pytest.mark.parametrize("seeds", [[0], [1, 2, 3]])
def test_single_modal_gradient_matches_autograd(tiny: SyntheticConfig, seeds: list[int]) -> None:
    data, w, _, tau = _setup(tiny, seeds)
    w = w.requires_grad_(True)
    loss = single_modal_loss(w, data, tau)
    (auto,) = torch.autograd.grad(loss.sum(), w)
    step = single_modal_step(w.detach(), data, tau)
    torch.testing.assert_close(step.loss, loss.detach(), rtol=0, atol=1e-12)
    torch.testing.assert_close(_grad(step, data.mu, data.xi), auto, rtol=0, atol=1e-10)


@pytest.mark.parametrize("seeds", [[0], [4, 5]])
def test_multi_modal_gradients_match_autograd(tiny: SyntheticConfig, seeds: list[int]) -> None:
    data, w, wt, tau = _setup(tiny, seeds)
    w, wt = w.requires_grad_(True), wt.requires_grad_(True)
    loss = multi_modal_loss(w, wt, data, tau)
    auto_w, auto_wt = torch.autograd.grad(loss.sum(), (w, wt))
    h_step, g_step = multi_modal_step(w.detach(), wt.detach(), data, tau)
    torch.testing.assert_close(h_step.loss + g_step.loss, loss.detach(), rtol=0, atol=1e-12)
    torch.testing.assert_close(_grad(h_step, data.mu, data.xi), auto_w, rtol=0, atol=1e-10)
    torch.testing.assert_close(_grad(g_step, data.mu_tilde, data.xi_tilde), auto_wt, rtol=0, atol=1e-10)


def test_stop_gradient_matters(tiny: SyntheticConfig) -> None:
    """Without the stop-gradient the gradient differs: the test above can fail."""
    data, w, _, tau = _setup(tiny, [0])
    w = w.requires_grad_(True)
    from mmcl.model.encoder import noise_preactivation, signal_activation, signal_preactivation
    from mmcl.model.losses import info_nce, negative_mask

    a = signal_activation(signal_preactivation(w, data.mu), data.y)
    p = torch.relu(noise_preactivation(w, data.xi))
    p_hat = torch.relu(noise_preactivation(w, data.xi + data.eps))
    pos = (a * a + p * p_hat).sum(1) / tiny.m
    neg = (torch.bmm(a.transpose(1, 2), a) + torch.bmm(p.transpose(1, 2), p)) / tiny.m
    loss, _, _ = info_nce(pos, neg, negative_mask(data.y), tau)
    (no_sg,) = torch.autograd.grad(loss.mean(1).sum(), w)
    step = single_modal_step(w.detach(), data, tau)
    assert (no_sg - _grad(step, data.mu, data.xi)).abs().max() > 1e-3


def test_hard_negative_mask_is_used(tiny: SyntheticConfig) -> None:
    """Changing a same-label sample's noise does not change the loss of an anchor it is not a negative of."""
    data, w, _, tau = _setup(tiny, [0])
    step = single_modal_step(w, data, tau)
    same = data.y[0, :, None] == data.y[0, None, :]
    assert torch.all(step.neg_prob[0][same] == 0)
    assert torch.all(step.neg_prob[0][~same] > 0)
    m_i = (~same).sum(1).to(torch.float64)
    torch.testing.assert_close(step.pos_prob[0] + step.neg_prob[0].sum(1), torch.ones_like(m_i))
