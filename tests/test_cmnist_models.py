"""Encoders, contrastive losses, augmentations and the softmax probe of the ColoredMNIST experiment."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from mmcl.cmnist.augment import colour_jitter, hue_rotation, shift
from mmcl.cmnist.models import BatchedLinear, BatchedMLP, clip_loss, nt_xent
from mmcl.cmnist.softmax_probe import fit_softmax_probe


def _gens(*seeds: int) -> list[torch.Generator]:
    return [torch.Generator().manual_seed(s) for s in seeds]


def test_nt_xent_matches_a_per_run_reference():
    z1, z2 = torch.randn(2, 6, 5, dtype=torch.float64), torch.randn(2, 6, 5, dtype=torch.float64)
    got = nt_xent(z1, z2, 0.3)
    for r in range(2):
        z = F.normalize(torch.cat([z1[r], z2[r]]), dim=1)
        sim = z @ z.T / 0.3
        expected = []
        for i in range(12):
            partner = (i + 6) % 12
            others = torch.cat([sim[i, :i], sim[i, i + 1 :]])
            expected.append(torch.logsumexp(others, 0) - sim[i, partner])
        torch.testing.assert_close(got[r], torch.stack(expected).mean())


def test_clip_loss_matches_a_reference_and_is_symmetric():
    a, b = torch.randn(3, 4, 5, dtype=torch.float64), torch.randn(3, 4, 5, dtype=torch.float64)
    got = clip_loss(a, b, 0.5)
    for r in range(3):
        logits = F.normalize(a[r], dim=1) @ F.normalize(b[r], dim=1).T / 0.5
        target = torch.arange(4)
        torch.testing.assert_close(got[r], (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2)
    torch.testing.assert_close(clip_loss(b, a, 0.5), got)
    aligned = torch.eye(4, dtype=torch.float64).expand(2, 4, 4)
    assert float(clip_loss(aligned, aligned, 0.01).max()) < 1e-10


def test_losses_keep_runs_independent():
    z1 = torch.randn(2, 8, 4, requires_grad=True)
    z2 = torch.randn(2, 8, 4)
    nt_xent(z1, z2, 0.1)[0].backward()
    assert z1.grad[1].abs().max() == 0 and z1.grad[0].abs().max() > 0


def test_batched_init_depends_only_on_each_runs_generator():
    pair = BatchedMLP(_gens(5, 7), 12, 6, 3)
    alone = BatchedMLP(_gens(7), 12, 6, 3)
    for p, q in zip(pair.parameters(), alone.parameters()):
        torch.testing.assert_close(p[1], q[0])
    x = torch.rand(2, 4, 3, 2, 2)
    assert pair(x).shape == (2, 4, 3)
    text = BatchedLinear(_gens(1, 2), 20, 3, bias=False)
    assert text.bias is None and text(torch.rand(2, 5, 20)).shape == (2, 5, 3)
    bound = 1 / math.sqrt(12)
    assert float(pair.hidden.weight.detach().abs().max()) <= bound


def test_shift_moves_the_digit_and_fills_with_zeros():
    digits = torch.arange(1, 26, dtype=torch.float32).reshape(1, 5, 5)
    torch.testing.assert_close(shift(digits, 2, torch.zeros(1, 2, dtype=torch.long)), digits)
    down_right = shift(digits, 2, torch.tensor([[-1, -2]]))  # crop starts one row up and two columns left
    assert down_right[0, 0].eq(0).all() and down_right[0, :, :2].eq(0).all()
    torch.testing.assert_close(down_right[0, 1:, 2:], digits[0, :-1, :-2])
    assert shift(digits, 0, torch.tensor([[1, 1]])) is digits


@given(st.floats(-10, 10))
@settings(max_examples=30, deadline=None)
def test_hue_rotation_is_a_rotation_about_the_grey_axis(angle):
    rot = hue_rotation(torch.tensor(angle, dtype=torch.float32))
    torch.testing.assert_close(rot @ rot.T, torch.eye(3), atol=1e-5, rtol=0)
    torch.testing.assert_close(rot @ torch.ones(3), torch.ones(3), atol=1e-5, rtol=0)


def test_a_third_of_a_turn_cycles_the_primaries():
    rot = hue_rotation(torch.tensor(2 * math.pi / 3))
    torch.testing.assert_close(rot @ torch.tensor([1.0, 0, 0]), torch.tensor([0.0, 1, 0]), atol=1e-6, rtol=0)


def test_colour_jitter_is_seeded_bounded_and_changes_colours():
    rgb = torch.tensor([[1.0, 0, 0]]).expand(2000, 3)
    a = colour_jitter(rgb, torch.Generator().manual_seed(0))
    b = colour_jitter(rgb, torch.Generator().manual_seed(0))
    assert a.equal(b) and a.shape == rgb.shape
    assert float(a.min()) >= 0 and float(a.max()) <= 1
    grey = (a.max(1).values - a.min(1).values) < 1e-6
    assert abs(grey.double().mean().item() - 0.2) < 0.05  # grey-scale with probability 0.2
    unchanged = (a == rgb).all(1).double().mean().item()
    assert abs(unchanged - 0.2 * 0.8) < 0.04  # P(no distortion and no grey-scale)
    hue = torch.atan2(math.sqrt(3) * (a[:, 1] - a[:, 2]), 2 * a[:, 0] - a[:, 1] - a[:, 2])
    assert float(hue[~grey].abs().max()) > 0.5  # hues move away from red (up to 0.2 turn ≈ 1.26 rad)


def test_softmax_probe_separates_separable_data_and_reaches_a_stationary_point():
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 4, (2, 400), generator=g)
    centres = torch.randn(4, 6, generator=g) * 4
    features = centres[labels] + torch.randn(2, 400, 6, generator=g)
    probe = fit_softmax_probe(features, labels, 4, l2=1e-2)
    assert probe.accuracy(features, labels).min() > 0.97
    weight = probe.weight.clone().requires_grad_(True)
    x = (features.double() - probe.mean) / probe.std
    loss = (
        F.cross_entropy(torch.baddbmm(probe.bias, x, weight).reshape(-1, 4), labels.reshape(-1), reduction="sum") / 400
    )
    (loss + 1e-2 / 2 * (weight**2).sum()).backward()
    assert float(weight.grad.abs().max()) < 1e-5
    constant = torch.cat([features, torch.ones(2, 400, 1)], dim=2)  # a constant feature must not break it
    assert fit_softmax_probe(constant, labels, 4).accuracy(constant, labels).min() > 0.97
    with pytest.raises(ValueError, match="l2"):
        fit_softmax_probe(features, labels, 4, l2=0)
