"""Trajectory recording and the stage quantities (mmcl.theory.trajectory, mmcl.theory.stage1,
mmcl.theory.stage1_single, mmcl.theory.stage1_multi, mmcl.theory.stage2, mmcl.model.scaling)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import mmcl
from mmcl.model.config import SyntheticConfig
from mmcl.model.scaling import at_dimension
from mmcl.theory import predictions, reference, stage1, stage1_multi, stage1_single
from mmcl.theory.trajectory import Recorder, record
from mmcl.theory.verdicts import Verdict


@pytest.fixture(scope="module")
def small() -> SyntheticConfig:
    return SyntheticConfig(
        n=12,
        d=60,
        m=6,
        n_test=30,
        mu_norm=3.0,
        mu_tilde_norm=9.0,
        sigma_eps=0.3,
        sigma0=0.05,
        tau=0.5,
        lr=0.05,
        epochs=15,
    )


@pytest.fixture(scope="module")
def single(small: SyntheticConfig):
    return record(small, "single", [0, 1], snapshots=[0, 7, 15])


@pytest.fixture(scope="module")
def multi(small: SyntheticConfig):
    return record(small, "multi", [0, 1], snapshots=[0, 15])


def test_trace_shapes_and_consistency(single) -> None:
    run, traj = single
    h = traj.h
    assert h.noise.shape == (2, 16, 6, 12) and h.signal.shape == (2, 16, 6) and h.eps_noise.shape == (2, 16, 6, 12)
    np.testing.assert_allclose(h.signal[:, 0], torch.einsum("rmd,rd->rm", run.w0, run.data.mu).numpy(), atol=1e-12)
    np.testing.assert_allclose(h.loss[:, :], run.history["train_loss"], atol=1e-12)
    # eq. (11): the recorded pre-activations equal ⟨w0, ξ⟩ + the coefficient expansion
    expand = np.einsum(
        "rtmk,rkl->rtml",
        np.concatenate([h.gamma[..., None], h.rho], 3),
        h.gram / np.einsum("rkk->rk", h.gram)[:, :, None],
    )
    np.testing.assert_allclose(h.noise, h.noise[:, :1] + expand[..., 1:], atol=1e-10)
    np.testing.assert_allclose(h.signal, h.signal[:, :1] + expand[..., 0], atol=1e-10)
    eps_direct = np.einsum("rmd,rnd->rmn", run.w.numpy(), run.data.eps.numpy())
    np.testing.assert_allclose(h.eps_noise[:, -1], eps_direct, atol=1e-10)
    assert traj.negative_counts.shape == (2, 12) and (traj.negative_counts > 0).all()


def test_gradient_norm_matches_autograd(small: SyntheticConfig, single) -> None:
    run, traj = single
    w = run.w0.clone().requires_grad_(True)
    loss = mmcl.model.losses.single_modal_loss(w, run.data, small.tau).sum()
    (grad,) = torch.autograd.grad(loss, w)
    np.testing.assert_allclose(traj.h.grad_norm_sq()[:, 0], (grad**2).sum((1, 2)).numpy(), rtol=1e-9)


def test_sign_sets_and_auxiliary_quantities(single) -> None:
    _, traj = single
    h = traj.h
    up, um = stage1.signal_sets(h)
    assert not (up & um).any() and (up | um).all()
    a = stage1.signal_strength(h)
    np.testing.assert_allclose(a[:, 0], np.abs(h.signal[:, 0]))
    psi = stage1.noise_strength(h)
    np.testing.assert_allclose(psi[:, 0], h.noise[:, 0])
    bp, bm = stage1.class_totals(h, traj.y)
    direct = (np.maximum(h.noise[:, 0], 0) * (traj.y[:, None, :] > 0)).sum(2)
    np.testing.assert_allclose(bp[:, 0], direct)
    assert (bp >= 0).all() and (bm >= 0).all()


def test_cross_totals_and_sync_times(multi) -> None:
    _, traj = multi
    tot = stage1.cross_totals(traj.h, traj.g, traj.y)
    b_plus, b_minus = stage1.class_totals(traj.h, traj.y)
    np.testing.assert_allclose(tot[(1, 1)] + tot[(1, -1)], b_plus, atol=1e-12)  # every pair has a modality-2 sign
    np.testing.assert_allclose(tot[(-1, 1)] + tot[(-1, -1)], b_minus, atol=1e-12)
    times = stage1.sync_times(traj)
    aligned = np.sign(traj.h.signal[:, 0]) == np.sign(traj.g.signal[:, 0])
    assert (times[aligned] == 0).all() and (times[~aligned] != 0).all()


def test_recursions_hold_on_a_small_run(single, multi) -> None:
    assert stage1_single.lemma_5_1(single[1]).verdict is Verdict.BY_CONSTRUCTION
    assert stage1_multi.lemma_5_3(multi[1]).verdict is Verdict.BY_CONSTRUCTION
    with pytest.raises(ValueError, match="5.3"):
        stage1_single.lemma_5_1(multi[1])


def test_growth_rate_estimators() -> None:
    q = 1.0384
    x = 0.2 * q ** np.arange(60)
    assert abs(stage1.fitted_rate(x) - q) < 1e-12
    assert abs(stage1.fitted_rate(x, 10, 30) - q) < 1e-12
    np.testing.assert_allclose(stage1.growth_factors(x[None], axis=1), q, rtol=1e-12)
    assert np.isnan(stage1.growth_factors(np.array([0.0, 1.0]), axis=0)[0])
    with pytest.raises(ValueError, match="positive"):
        stage1.fitted_rate(np.array([1.0, -1.0, 2.0]))
    with pytest.raises(ValueError, match="start"):
        stage1.fitted_rate(x, 30, 10)


def test_first_failure() -> None:
    v = np.zeros((2, 5, 3), dtype=bool)
    assert stage1.first_failure(v) == -1
    v[1, 3, 2] = True
    assert stage1.first_failure(v) == 3


def test_distance_to_reference_matches_explicit_weights(small: SyntheticConfig, single, multi) -> None:
    for run, traj in (single, multi):
        eps = 0.1
        k = reference.kappa(traj, eps)
        basis = torch.as_tensor(traj.basis[0])
        if traj.mode == "single":
            step = k * (basis[:, 1:] / (basis[:, 1:] ** 2).sum(2, keepdim=True)).sum(1)  # (R, d)
            w_star = run.w0 + step[:, None, :]
        else:
            theta = torch.sign(torch.einsum("rmd,rd->rm", run.w0, basis[:, 0]))
            w_star = (
                run.w0 + k * theta[:, :, None] * (basis[:, 0] / (basis[:, 0] ** 2).sum(1, keepdim=True))[:, None, :]
            )
        direct = ((run.w - w_star) ** 2).sum((1, 2)).numpy()
        np.testing.assert_allclose(reference.distance_sq(traj, 0, eps)[:, -1], direct, rtol=1e-9)
        drop, target = reference.descent_terms(traj, eps)
        assert drop.shape == target.shape == (2, small.epochs)


def test_margin_matches_autograd(small: SyntheticConfig, single) -> None:
    """⟨∇F₀(W), W*⟩ from :func:`mmcl.theory.reference.margins` equals the autograd gradient of F₀ paired with W*."""
    run, traj = single
    eps, i = 0.1, 3
    f0, fj = reference.margins(traj, 0, eps)
    data = run.data
    w = run.w0.clone().requires_grad_(True)
    a = torch.relu(torch.einsum("rmd,rd->rm", w, data.mu)[:, :, None] * data.y[:, None, :])
    p = torch.relu(torch.einsum("rmd,rnd->rmn", w, data.xi))
    p_hat = torch.relu(torch.einsum("rmd,rnd->rmn", w, data.xi + data.eps))
    f = ((a * a.detach() + p * p_hat.detach()).sum(1) / (small.m * small.tau))[:, i].sum()
    (grad,) = torch.autograd.grad(f, w, retain_graph=True)
    basis = torch.as_tensor(traj.basis[0])
    k = reference.kappa(traj, eps)
    w_star = run.w0 + k * (basis[:, 1:] / (basis[:, 1:] ** 2).sum(2, keepdim=True)).sum(1)[:, None, :]
    np.testing.assert_allclose(f0[:, 0, i], (grad * w_star).sum((1, 2)).numpy(), rtol=1e-9)
    j = int(np.nonzero(traj.negatives[0, i])[0][0])
    g = ((torch.bmm(a.transpose(1, 2), a.detach()) + torch.bmm(p.transpose(1, 2), p.detach())) / (small.m * small.tau))[
        0, i, j
    ]
    (grad_j,) = torch.autograd.grad(g, w)
    np.testing.assert_allclose(fj[0, 0, i, j], float((grad_j[0] * w_star[0]).sum()), rtol=1e-9)
    assert np.isneginf(fj[0, 0, i, i])


def test_stage_checks_return_verdicts(single, multi) -> None:
    from mmcl.theory import audit

    for c in audit.stage_checks_single(single[1]) + audit.stage_checks_multi(multi[1]):
        assert isinstance(c.verdict, Verdict) and c.measured and c.bound


def test_recorder_misuse_is_reported(small: SyntheticConfig) -> None:
    rec = Recorder()
    run = mmcl.train(small, "single", seeds=1, dtype="float64", callback=rec)
    with pytest.raises(ValueError, match="coefficients"):
        rec.trajectory(run)
    with pytest.raises(ValueError, match="epoch"):
        mmcl.train(small, "single", seeds=1, dtype="float64", record="coefficients", callback=rec)
    with pytest.raises(ValueError, match="no epochs"):
        Recorder().trajectory(run)
    with pytest.raises(ValueError, match="snapshots"):
        Recorder(snapshots=[-1])


def test_at_dimension_keeps_the_stage1_picture() -> None:
    c = SyntheticConfig()
    big = at_dimension(c, 8000)
    assert math.isclose(big.n_snr2, c.n_snr2) and math.isclose(big.c_mu, c.c_mu)
    for f in (
        predictions.t1_single,
        predictions.t1_multi,
        predictions.noise_rate_single,
        predictions.signal_rate_single,
        predictions.signal_rate_multi,
        predictions.noise_rate_multi,
    ):
        assert math.isclose(f(big), f(c), rel_tol=1e-12)
    with pytest.raises(ValueError, match="d must be"):
        at_dimension(c, 1)


def test_stage2_eps_is_validated(single) -> None:
    with pytest.raises(ValueError, match="eps"):
        reference.kappa(single[1], 0.0)


def test_recorder_negatives_come_from_the_labels_not_the_probabilities() -> None:
    # large σ₀ in float32: some negatives' softmax probabilities underflow to exactly 0 at initialisation
    config = SyntheticConfig(n=20, m=8, epochs=2, sigma0=0.1)
    run, traj = record(config, "single", [0], dtype="float32")
    assert np.array_equal(traj.negatives, traj.y[:, :, None] != traj.y[:, None, :])
    assert np.isfinite(traj.h.neg_min).all() and np.isfinite(traj.h.neg_max).all()
    assert (traj.h.neg_min <= traj.h.neg_max).all()


def test_stage1_end_rejects_an_initialisation_past_stage_1() -> None:
    config = SyntheticConfig(n=6, d=400, m=3, n_test=6, sigma0=1.5, tau=200.0, epochs=3)
    _, traj = record(config, "single", [0])
    assert predictions.t1_single(config) < 0
    with pytest.raises(ValueError, match="sigma0"):
        stage1.stage1_end(traj)


def test_lemma_d4_checks_the_printed_41_and_the_form_the_one_step_bounds_give(multi) -> None:
    checks = stage1_multi.lemma_d4(multi[1])
    assert [c.part for c in checks] == [
        "(43)–(44)",
        "(43)–(44) with ½",
        "(41)",
        "(42)",
        "(41) from the one-step bounds",
    ]
    assert "qᵗ(A⁽⁰⁾ + Ã⁽⁰⁾)" in checks[2].bound and "qᵗ(C_μA⁽⁰⁾ + Ã⁽⁰⁾)" in checks[4].bound
