"""Exact sampling of the time-0 inner products (mmcl.theory.montecarlo) and the failure-rate estimate."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mmcl.theory.montecarlo import FailureRate, project, rademacher, sample_vectors


@pytest.mark.parametrize("d", [3, 50, 10_000, 10**12])
def test_gram_law_matches_gaussian_vectors(d: int) -> None:
    """Norms, cross products and products with μ have the moments of independent N(0, s²I_d) vectors."""
    rng = np.random.default_rng(1)
    scales = np.array([1.0, 2.0, 0.5])
    mu, v = sample_vectors(d, scales, 3.0, 4000, rng)
    assert mu.shape[1] == v.shape[2] == min(d, 4)
    sq = (v * v).sum(2)  # E = s² d, Var = 2 s⁴ d
    np.testing.assert_allclose(sq.mean(0) / (scales**2 * d), 1.0, atol=5 * math.sqrt(2 / (d * 4000)))
    cross = (v[:, 0] * v[:, 1]).sum(1)  # E = 0, Var = s0² s1² d
    assert abs(cross.mean()) < 5 * math.sqrt(4 * d / 4000)
    np.testing.assert_allclose(cross.var() / (4.0 * d), 1.0, rtol=0.15)
    dots = v @ mu[:, :, None]  # ⟨v_j, μ⟩ ~ N(0, s² ‖μ‖²)
    np.testing.assert_allclose(dots[:, :, 0].var(0) / (scales**2 * 9.0), 1.0, rtol=0.15)


def test_projections_have_the_initialisation_variance() -> None:
    rng = np.random.default_rng(2)
    mu, v = sample_vectors(5000, np.ones(4), 2.0, 200, rng)
    p = project(np.concatenate([mu[:, None], v], 1), m=30, sigma0=0.1, rng=rng)
    assert p.shape == (200, 30, 5)
    np.testing.assert_allclose(p[:, :, 0].var() / (0.01 * 4.0), 1.0, rtol=0.1)  # σ₀²‖μ‖²
    np.testing.assert_allclose(p[:, :, 1:].var() / (0.01 * 5000), 1.0, rtol=0.1)  # σ₀²σ²d


def test_labels_are_plus_minus_one() -> None:
    y = rademacher(100, 50, np.random.default_rng(0))
    assert set(np.unique(y)) == {-1.0, 1.0} and abs(y.mean()) < 0.05


@given(st.integers(0, 500), st.integers(1, 500))
def test_wilson_interval_brackets_the_rate(failures: int, extra: int) -> None:
    trials = failures + extra
    f = FailureRate(failures, trials)
    assert 0 <= f.low <= f.rate <= f.high <= 1
    assert f.consistent_with(min(0.999, f.high)) and (f.low == 0 or not f.consistent_with(f.low / 2))


def test_failure_rate_sanity_and_errors() -> None:
    assert FailureRate(0, 1000).low == 0 and FailureRate(0, 1000).high < 0.004
    assert FailureRate.of(np.array([True, False, False, False])).rate == 0.25
    with pytest.raises(ValueError, match="failures"):
        FailureRate(5, 3)
    with pytest.raises(ValueError, match="delta"):
        FailureRate(1, 10).consistent_with(1.5)
    with pytest.raises(ValueError, match="trials"):
        sample_vectors(10, np.ones(2), 1.0, 0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="scales"):
        sample_vectors(10, np.array([-1.0]), 1.0, 5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="sigma0"):
        project(np.zeros((1, 2, 3)), 2, -1.0, np.random.default_rng(0))
