"""The data model beyond the paper: unequal modalities, partly shared signal, masking augmentation, test-shift angle."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import mmcl
from mmcl.model.config import SyntheticConfig
from mmcl.model.data import initial_weights, sample
from mmcl.model.dynamics import multi_modal_step, single_modal_step
from mmcl.model.losses import multi_modal_loss, single_modal_loss

SMALL = SyntheticConfig(
    n=12, d=40, m=6, n_test=30, mu_norm=3.0, mu_tilde_norm=6.0, sigma_eps=0.3, sigma0=0.3, tau=0.5, lr=0.05, epochs=15
)


# -- validation ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("label_agreement", 0.0),
        ("label_agreement", -0.1),
        ("label_agreement", 1.5),
        ("label_agreement", float("nan")),
        ("label_agreement", "high"),
        ("augmentation", "cutout"),
        ("augmentation", "MASK"),
        ("augmentation", None),
        ("mask_rate", -0.01),
        ("mask_rate", 1.01),
        ("mask_rate", float("inf")),
        ("d_tilde", 1),
        ("d_tilde", 0),
        ("d_tilde", 2.5),
        ("sigma_xi_tilde", -1.0),
        ("sigma_xi_tilde", float("nan")),
        ("nu_angle", float("nan")),
    ],
)
def test_new_fields_are_validated(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        SyntheticConfig(**{field: value})


def test_valid_extremes_accepted() -> None:
    SyntheticConfig(label_agreement=1e-3, augmentation="mask", mask_rate=0.0)
    SyntheticConfig(label_agreement=1.0, augmentation="mask", mask_rate=1.0)


# -- closed-form updates still equal autograd (eq. 7, 10) on the generalised model --------------------------------
def _closed_form_matches_autograd(config: SyntheticConfig, seed: int = 4) -> None:
    data = sample(config, seed)
    w = initial_weights(config, seed, 1)[None].requires_grad_(True)
    wt = initial_weights(config, seed, 2)[None].requires_grad_(True)
    tau = torch.tensor([config.tau], dtype=torch.float64)

    loss = single_modal_loss(w, data, tau).sum()
    loss.backward()
    step = single_modal_step(w.detach(), data, tau)
    closed = step.g[:, :, None] * data.mu[:, None, :] + torch.bmm(step.c, data.xi)
    assert torch.allclose(closed, w.grad, atol=1e-10, rtol=0)
    assert torch.allclose(step.loss, loss.detach(), atol=1e-12, rtol=0)

    w.grad = None
    loss = multi_modal_loss(w, wt, data, tau).sum()
    loss.backward()
    h, g = multi_modal_step(w.detach(), wt.detach(), data, tau)
    assert torch.allclose(h.g[:, :, None] * data.mu[:, None, :] + torch.bmm(h.c, data.xi), w.grad, atol=1e-10, rtol=0)
    assert torch.allclose(
        g.g[:, :, None] * data.mu_tilde[:, None, :] + torch.bmm(g.c, data.xi_tilde), wt.grad, atol=1e-10, rtol=0
    )
    assert torch.allclose(h.loss + g.loss, loss.detach(), atol=1e-12, rtol=0)


@pytest.mark.parametrize(
    "changes",
    [
        {"d_tilde": 17, "sigma_xi_tilde": 2.5},
        {"d_tilde": 90, "sigma_xi_tilde": 0.4},
        {"label_agreement": 0.6},
        {"augmentation": "mask", "mask_rate": 0.3},
        {"augmentation": "mask_all", "mask_rate": 0.5},
        {"nu_angle": 90.0, "label_agreement": 0.8, "d_tilde": 25},
    ],
)
def test_closed_form_equals_autograd(changes: dict) -> None:
    _closed_form_matches_autograd(SMALL.replace(**changes))


# -- the data -------------------------------------------------------------------------------------------------------
def test_unequal_modalities_shapes_and_scales() -> None:
    config = SyntheticConfig(n=200, d=50, d_tilde=400, sigma_xi_tilde=3.0, n_test=10)
    data = sample(config, 1)
    assert data.xi_tilde.shape == (1, 200, 400) and data.mu_tilde.shape == (1, 400)
    assert data.xi.shape == (1, 200, 50)
    assert abs(float(data.xi_tilde.std()) - 3.0) < 0.05
    assert abs(float(data.xi.std()) - 1.0) < 0.05
    assert initial_weights(config, 1, 2).shape == (config.m, 400)
    assert math.isclose(config.snr_tilde, 15.0 / (3.0 * 20.0))


def test_label_agreement_one_reproduces_the_paper_exactly() -> None:
    default = mmcl.train(SMALL, "multi", [0, 3], device="cpu", dtype="float64")
    explicit = mmcl.train(SMALL.replace(label_agreement=1.0), "multi", [0, 3], device="cpu", dtype="float64")
    data = sample(SMALL, 3)
    assert torch.equal(data.y_tilde, data.y)
    for key, value in default.history.items():
        assert np.array_equal(value, explicit.history[key]), key


def test_label_agreement_flips_the_expected_fraction() -> None:
    config = SyntheticConfig(n=4000, d=3, n_test=10, label_agreement=0.7)
    data = sample(config, 2, ("multi",))
    agree = float((data.y_tilde == data.y).double().mean())
    assert abs(agree - 0.7) < 0.03
    # the flips have their own stream: modality 1 and the noises are those of the paper's model
    paper = sample(config.replace(label_agreement=1.0), 2, ("multi",))
    assert (
        torch.equal(paper.y, data.y) and torch.equal(paper.xi, data.xi) and torch.equal(paper.xi_tilde, data.xi_tilde)
    )


def test_label_agreement_changes_multi_modal_training() -> None:
    paper = mmcl.train(SMALL, "multi", 1, device="cpu", dtype="float64")
    partly = mmcl.train(SMALL.replace(label_agreement=0.5), "multi", 1, device="cpu", dtype="float64")
    assert not np.allclose(paper.history["train_loss"], partly.history["train_loss"])
    # the single-modal setting never sees modality 2
    single = [
        mmcl.train(c, "single", 1, device="cpu", dtype="float64") for c in (SMALL, SMALL.replace(label_agreement=0.5))
    ]
    assert np.array_equal(single[0].history["train_loss"], single[1].history["train_loss"])


def test_mask_augmentation_keeps_or_zeroes_each_coordinate() -> None:
    config = SyntheticConfig(n=50, d=400, n_test=10, augmentation="mask", mask_rate=0.25)
    data = sample(config, 0, ("single",))
    augmented = data.xi + data.eps
    kept = augmented == data.xi
    assert bool((kept | (augmented == 0)).all())
    assert abs(float((augmented == 0).double().mean()) - 0.25) < 0.01
    # no masking: the augmented view is the anchor itself; full masking: an empty noise patch
    assert bool((sample(config.replace(mask_rate=0.0), 0, ("single",)).eps == 0).all())
    full = sample(config.replace(mask_rate=1.0), 0, ("single",))
    assert bool(((full.xi + full.eps) == 0).all())


def test_mask_all_also_masks_the_signal_patch() -> None:
    config = SyntheticConfig(n=4000, d=30, n_test=10, augmentation="mask_all", mask_rate=0.3)
    data = sample(config, 5, ("single",))
    assert abs(float(data.signal_keep.mean()) - 0.7) < 0.03
    assert set(data.signal_keep.unique().tolist()) == {0.0, 1.0}
    noise_only = sample(config.replace(augmentation="mask"), 5, ("single",))
    assert torch.equal(data.eps, noise_only.eps)  # the same noise mask as "mask"
    assert bool((noise_only.signal_keep == 1).all())
    # masking no signal patch is exactly the noise-only masking
    a = mmcl.train(SMALL.replace(augmentation="mask", mask_rate=0.4), "single", 1, device="cpu", dtype="float64")
    b = mmcl.train(SMALL.replace(augmentation="mask_all", mask_rate=0.4), "single", 1, device="cpu", dtype="float64")
    assert not np.array_equal(a.history["train_loss"], b.history["train_loss"])
    full = SMALL.replace(augmentation="mask_all", mask_rate=1.0)
    assert bool((sample(full, 0, ("single",)).signal_keep == 0).all())


def test_gaussian_augmentation_ignores_mask_rate_and_mask_ignores_sigma_eps() -> None:
    a = mmcl.train(SMALL, "single", 1, device="cpu", dtype="float64")
    b = mmcl.train(SMALL.replace(mask_rate=0.9), "single", 1, device="cpu", dtype="float64")
    assert np.array_equal(a.history["train_loss"], b.history["train_loss"])
    m1 = mmcl.train(SMALL.replace(augmentation="mask"), "single", 1, device="cpu", dtype="float64")
    m2 = mmcl.train(SMALL.replace(augmentation="mask", sigma_eps=2.0), "single", 1, device="cpu", dtype="float64")
    assert np.array_equal(m1.history["train_loss"], m2.history["train_loss"])
    assert not np.allclose(a.history["train_loss"], m1.history["train_loss"])


def test_nu_angle_sets_the_test_signal_direction() -> None:
    for angle in (0.0, 30.0, 90.0):
        config = SyntheticConfig(d=10, n_test=10, nu_angle=angle)
        data = sample(config, 0)
        cosine = float(data.nu[0] @ data.mu[0] / (data.nu[0].norm() * data.mu[0].norm()))
        assert math.isclose(cosine, math.cos(math.radians(angle)), abs_tol=1e-12)
        assert math.isclose(float(data.nu[0].norm()), config.nu_norm, rel_tol=1e-12)


@pytest.mark.parametrize(
    "changes", [{"d_tilde": 30, "sigma_xi_tilde": 2.0}, {"d_tilde": 120}, {"label_agreement": 0.7}]
)
def test_generalised_multi_modal_training_runs_end_to_end(changes: dict) -> None:
    config = SMALL.replace(**changes)
    run = mmcl.train(config, "multi", 3, device="cpu", dtype="float64")
    assert run.w_tilde.shape == (3, config.m, config.dim_tilde)
    assert np.isfinite(run.history["train_loss"]).all()
    assert run.history["train_loss"][:, -1].mean() < run.history["train_loss"][:, 0].mean()
    assert ((run.test_accuracy >= 0) & (run.test_accuracy <= 1)).all()


def test_batching_mixed_generalised_configs_equals_one_by_one() -> None:
    configs = [
        SMALL,
        SMALL.replace(label_agreement=0.6, sigma_xi_tilde=2.0),
        SMALL.replace(tau=0.3, lr=0.02, mu_norm=1.0, nu_angle=60.0),
    ]
    for mode in ("single", "multi"):
        cs = (
            configs
            if mode == "multi"
            else configs + [SMALL.replace(augmentation=a, mask_rate=0.4) for a in ("mask", "mask_all")]
        )
        batch = mmcl.train(cs, mode, list(range(len(cs))), device="cpu", dtype="float64")
        for k, c in enumerate(cs):
            alone = mmcl.train(c, mode, [k], device="cpu", dtype="float64")
            for key in ("train_loss", "signal_learning", "noise_memorization", "test_accuracy"):
                np.testing.assert_allclose(batch.history[key][k], alone.history[key][0], rtol=1e-10, atol=1e-12)


def test_multi_modal_training_depends_on_the_signal_norms_only_through_their_product() -> None:
    """(‖μ‖, ‖μ̃‖) → (a‖μ‖, ‖μ̃‖/a) leaves W, W̃, the loss and the OOD accuracy unchanged (chapter 11).

    With a = 2 every rescaling is exact in floating point, so the runs agree bit for bit.
    """
    config = SMALL.replace(epochs=25)
    a = mmcl.train(config, "multi", [0, 1], device="cpu", dtype="float64")
    b = mmcl.train(
        config.replace(mu_norm=2 * config.mu_norm, mu_tilde_norm=config.mu_tilde_norm / 2),
        "multi",
        [0, 1],
        device="cpu",
        dtype="float64",
    )
    assert torch.equal(a.w, b.w) and torch.equal(a.w_tilde, b.w_tilde)
    assert np.array_equal(a.history["train_loss"], b.history["train_loss"])
    assert np.array_equal(a.test_accuracy, b.test_accuracy)
    c = mmcl.train(
        config.replace(mu_norm=1.7 * config.mu_norm, mu_tilde_norm=config.mu_tilde_norm / 1.7),
        "multi",
        [0, 1],
        device="cpu",
        dtype="float64",
    )  # any factor: equal up to rounding
    np.testing.assert_allclose(c.w.numpy(), a.w.numpy(), rtol=0, atol=1e-10)
    # the single-modal setting has no such symmetry: a stronger μ changes it
    s1 = mmcl.train(config, "single", 1, device="cpu", dtype="float64")
    s2 = mmcl.train(config.replace(mu_norm=2 * config.mu_norm), "single", 1, device="cpu", dtype="float64")
    assert not torch.equal(s1.w, s2.w)
