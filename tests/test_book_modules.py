"""Unit tests of the modules behind chapters 2, 3 and 9: SNR, the loss at initialization, the gradient check,
the (τ, σ₀) sensitivity sweep and the book's figures."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import mmcl
from mmcl.model import checks, data, initialization, snr
from mmcl.sweeps import sensitivity

matplotlib.use("Agg")
SMALL = mmcl.SyntheticConfig(n=12, d=60, m=6, n_test=20, epochs=15, mu_norm=2.0, mu_tilde_norm=6.0)


@given(sigma_xi=st.floats(0.1, 5), sigma_eps=st.floats(0, 5), mu=st.floats(0.1, 10))
def test_augmentation_never_raises_the_snr(sigma_xi: float, sigma_eps: float, mu: float) -> None:
    c = SMALL.replace(sigma_xi=sigma_xi, sigma_eps=sigma_eps, mu_norm=mu)
    assert snr.augmented_snr(c) <= c.snr * (1 + 1e-12)
    assert math.isclose(snr.augmented_snr(c.replace(sigma_eps=0.0)), c.snr)


def test_empirical_snr_estimates_the_population_snr() -> None:
    c = mmcl.FIGURE1
    sample = data.sample(c, 3, ("single",))
    assert abs(snr.empirical_snr(sample.mu[0], sample.xi[0]) / c.snr - 1) < 0.02
    cosine = snr.noise_cosine(sample.xi[0], sample.xi[0] + sample.eps[0])
    expected = c.sigma_xi / math.hypot(c.sigma_xi, c.sigma_eps)
    assert abs(float(cosine.mean()) - expected) < 0.005


def test_snr_functions_reject_bad_shapes() -> None:
    with pytest.raises(ValueError, match="shape"):
        snr.empirical_snr(torch.zeros(3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="equal shape"):
        snr.noise_cosine(torch.zeros(2, 3), torch.zeros(3, 3))


@pytest.mark.parametrize("mode", ["single", "multi"])
def test_loss_at_tiny_initialization_is_the_chance_level(mode: str) -> None:
    c = SMALL.replace(sigma0=1e-7, epochs=0)
    run = mmcl.train(c, mode, seeds=[0, 1], dtype="float64")
    expected = initialization.chance_loss(run.data.y.cpu(), mode).numpy()
    np.testing.assert_allclose(run.history["train_loss"][:, 0], expected, atol=1e-8)


def test_chance_loss_counts_the_opposite_label_samples() -> None:
    y = torch.tensor([[1.0, 1.0, -1.0, -1.0, -1.0]])
    expected = (2 * math.log(4) + 3 * math.log(3)) / 5
    assert math.isclose(float(initialization.chance_loss(y)[0]), expected)
    assert math.isclose(float(initialization.chance_loss(y, "multi")[0]), 2 * expected)
    with pytest.raises(ValueError, match="mode"):
        initialization.chance_loss(y, "triple")


def test_head_start_explains_the_single_modal_initial_loss() -> None:
    c = mmcl.FIGURE1.replace(epochs=0)
    run = mmcl.train(c, "single", seeds=[0, 1], dtype="float64")
    estimate = initialization.initial_loss_estimate(c, run.data.y.cpu()).numpy()
    np.testing.assert_allclose(run.history["train_loss"][:, 0], estimate, atol=0.03)
    assert abs(initialization.single_modal_head_start(c.replace(sigma0=1e-12))) < 1e-12


@pytest.mark.parametrize("multi", [False, True])
def test_closed_form_gradient_equals_autograd(multi: bool) -> None:
    c = SMALL
    sample = data.sample(c, 0)
    run = mmcl.train(c, "multi" if multi else "single", seeds=[0], dtype="float64")
    gap = checks.gradient_gap(sample, c.tau, run.w, run.w_tilde if multi else None)
    assert gap < 1e-10


def test_gradient_gap_detects_a_wrong_temperature() -> None:
    c = SMALL
    sample = data.sample(c, 0)
    run = mmcl.train(c, "single", seeds=[0], dtype="float64")
    w = run.w.detach().requires_grad_(True)
    (auto,) = torch.autograd.grad(mmcl.model.losses.single_modal_loss(w, sample, 2 * c.tau).sum(), w)
    closed = checks.full_gradient(
        mmcl.model.dynamics.single_modal_step(run.w, sample, torch.tensor([c.tau], dtype=torch.float64)),
        sample.mu,
        sample.xi,
    )
    assert float((closed - auto).abs().max()) > 1e-3 * float(auto.abs().max())


def test_gradient_gap_needs_the_right_data() -> None:
    c = SMALL
    only_multi = data.sample(c, 0, ("multi",))
    with pytest.raises(ValueError, match="augmentation"):
        checks.gradient_gap(only_multi, c.tau, data.initial_weights(c, 0)[None])


def test_sensitivity_sweep_matches_individual_runs() -> None:
    grid = sensitivity.sweep((0.1, 0.3), (0.01, 0.02), seeds=2, base=SMALL)
    assert grid.accuracy["single"].shape == (2, 2, 2)
    run = mmcl.train(SMALL.replace(tau=0.3, sigma0=0.02), "multi", seeds=[0, 1], eval_every=SMALL.epochs)
    np.testing.assert_allclose(grid.accuracy["multi"][1, 1], run.test_accuracy)
    np.testing.assert_allclose(grid.final_loss["multi"][1, 1], run.history["train_loss"][:, -1], rtol=1e-6)
    assert grid.index(0.3, 0.01) == (1, 0)
    holds = grid.claim_holds(multi_min=0.0, single_max=1.0, loss_max=np.inf)
    assert holds.all() and not grid.claim_holds(multi_min=1.01).any()
    assert "τ" in grid.table()


def test_sensitivity_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="at least one"):
        sensitivity.sweep((), (0.01,), base=SMALL)
    with pytest.raises(ValueError, match="tau"):
        sensitivity.sweep((-1.0,), (0.01,), base=SMALL)
    grid = sensitivity.sweep((0.1,), (0.01,), seeds=1, base=SMALL)
    with pytest.raises(ValueError, match="not on the grid"):
        grid.index(0.2, 0.01)


def test_figures_draw() -> None:
    import matplotlib.pyplot as plt

    sample = data.sample(SMALL, 0)
    w, wt = data.initial_weights(SMALL, 0)[None], data.initial_weights(SMALL, 0, 2)[None]
    grid = sensitivity.sweep((0.1, 0.2), (0.01, 0.02), seeds=1, base=SMALL)
    for fig in (
        mmcl.plot.data_model(sample),
        mmcl.plot.positive_pairs(sample, w, wt),
        mmcl.plot.snr_window(SMALL),
        mmcl.plot.sensitivity(grid, highlight=(0.1, 0.01)),
    ):
        assert fig.axes
        plt.close(fig)
    with pytest.raises(ValueError, match="c_mu_range"):
        mmcl.plot.snr_window(SMALL, (3.0, 1.0))
