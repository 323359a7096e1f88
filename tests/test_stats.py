"""Statistics over seeds (mmcl.sweeps.stats): known values, properties and input checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mmcl.sweeps.stats import (
    benjamini_hochberg,
    beta_cdf,
    beta_quantile,
    binomial_interval,
    bootstrap_interval,
    paired_difference_interval,
    t_cdf,
    t_interval,
    t_quantile,
    t_sf,
    t_test_p_value,
)


# -- the t and beta distributions -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("df", "table"),
    [(1, 12.706), (2, 4.303), (4, 2.776), (19, 2.093), (30, 2.042), (1_000_000, 1.960), (math.inf, 1.960)],
)
def test_t_quantile_matches_the_printed_table(df: float, table: float) -> None:
    assert round(t_quantile(0.975, df), 3) == table


def test_t_quantile_closed_forms_and_the_normal_limit() -> None:
    for p in (0.6, 0.9, 0.975, 0.999):
        assert t_quantile(p, 1) == pytest.approx(math.tan(math.pi * (p - 0.5)), rel=1e-13)  # Cauchy
        assert t_quantile(p, 2) == pytest.approx((2 * p - 1) / math.sqrt(2 * p * (1 - p)), rel=1e-13)
        assert t_quantile(1 - p, 7) == -t_quantile(p, 7)  # symmetric
    z = t_quantile(0.975, math.inf)
    assert z == pytest.approx(1.959963984540054, abs=1e-14)
    for df in (1e3, 1e5):  # Cornish–Fisher: t = z + (z³ + z)/(4ν) + O(ν⁻²)
        assert t_quantile(0.975, df) - z == pytest.approx((z**3 + z) / (4 * df), rel=1e-2)
    assert t_quantile(0.5, 3) == 0.0


def test_t_cdf_closed_form_and_tails() -> None:
    for t in (-3.0, -0.4, 0.0, 1.0, 2.5, 40.0):  # ν = 2: F(t) = ½ + t / (2·√(2 + t²))
        assert t_cdf(t, 2) == pytest.approx(0.5 + t / (2 * math.sqrt(2 + t * t)), rel=1e-13)
    assert t_sf(1e6, 1) == pytest.approx(math.atan(1e-6) / math.pi, rel=1e-12)  # a tiny tail keeps its digits
    assert t_sf(math.inf, 3) == 0.0 and t_cdf(math.inf, 3) == 1.0


def test_against_thirty_digit_references() -> None:
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    for df in (1, 3, 8, 50, 1000):
        for t in (0.1, 1.7, 6.0):
            x = mpmath.mpf(df) / (df + mpmath.mpf(t) ** 2)
            reference = float(mpmath.betainc(mpmath.mpf(df) / 2, 0.5, 0, x, regularized=True) / 2)
            assert t_sf(t, df) == pytest.approx(reference, rel=1e-12)
    for a, b, x in ((0.5, 0.5, 0.3), (3, 15, 0.01), (40, 300, 0.1), (1000, 40, 0.96)):
        reference = float(mpmath.betainc(a, b, 0, x, regularized=True))
        assert beta_cdf(x, a, b) == pytest.approx(reference, rel=1e-12)
        assert beta_cdf(beta_quantile(0.3, a, b), a, b) == pytest.approx(0.3, rel=1e-12)


# -- intervals and tests ----------------------------------------------------------------------------------------------
def test_t_interval_by_hand_and_along_an_axis() -> None:
    mean, half = t_interval([1.0, 2.0, 3.0, 4.0, 5.0])
    assert mean == 3.0
    assert half == pytest.approx(2.7764451051977934 * math.sqrt(2.5) / math.sqrt(5), rel=1e-12)
    rows = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 2.0, 2.0, 2.0, 2.0]])
    interval = t_interval(rows.T, axis=0, level=0.9)
    np.testing.assert_allclose(interval.mean, [3.0, 2.0])
    assert interval.half_width[1] == 0.0
    assert interval.low[0] == pytest.approx(3.0 - t_quantile(0.95, 4) * math.sqrt(0.5))


def test_t_interval_covers_the_mean_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(2024)
    samples = rng.normal(1.5, 2.0, size=(2000, 5))
    interval = t_interval(samples, axis=1)
    covered = np.mean(np.abs(interval.mean - 1.5) <= interval.half_width)
    assert 0.93 <= covered <= 0.97


def test_paired_difference_interval_and_p_values() -> None:
    a = np.array([0.61, 0.70, 0.55, 0.66, 0.72])
    b = np.array([0.50, 0.62, 0.51, 0.60, 0.58])
    mean, half = paired_difference_interval(a, b)
    assert (mean, half) == t_interval(a - b)
    x = [1.0, 2.0, 3.0, 4.0, 5.0]
    p_two = t_test_p_value(x, null=2.0)  # t = (3 − 2)/(√2.5/√5) = √2 on 4 degrees of freedom (R: 0.2302)
    t = math.sqrt(2)
    assert p_two == pytest.approx(1 - t * (t * t + 6) / (t * t + 4) ** 1.5, rel=1e-12)  # ν = 4 in closed form
    assert t_test_p_value(x, null=2.0, alternative="greater") == pytest.approx(p_two / 2, rel=1e-12)
    assert t_test_p_value(x, null=2.0, alternative="less") == pytest.approx(1 - p_two / 2, rel=1e-12)
    assert t_test_p_value(a - b) < 0.01
    assert t_test_p_value([2.0, 2.0, 2.0], null=2.0) == 1.0  # no variation, no difference
    assert t_test_p_value([2.0, 2.0, 2.0], null=1.0) == 0.0
    p = t_test_p_value(np.stack([x, [3.0, 3.1, 2.9, 3.0, 3.0]]), null=3.0, axis=1)
    assert p.shape == (2,) and p[0] == 1.0


def test_t_test_p_values_are_uniform_under_the_null() -> None:
    p = t_test_p_value(np.random.default_rng(7).normal(size=(2000, 6)), axis=1)
    assert 0.04 <= np.mean(p <= 0.05) <= 0.06
    assert 0.45 <= np.mean(p <= 0.5) <= 0.55


def test_bootstrap_is_deterministic_and_vectorised_equals_loop() -> None:
    values = np.random.default_rng(3).normal(size=(8, 4))
    mean_of_first = lambda s: s[..., 0].mean(axis=-1)  # noqa: E731
    a = bootstrap_interval(values, mean_of_first, n_boot=500, seed=1)
    b = bootstrap_interval(values, mean_of_first, n_boot=500, seed=1)
    c = bootstrap_interval(values, lambda s: s[:, 0].mean(), n_boot=500, seed=1, vectorised=False)
    assert a == b
    assert a.estimate == pytest.approx(values[:, 0].mean())
    assert (a.low, a.high) == pytest.approx((c.low, c.high))
    assert a.low < a.estimate < a.high and a.undefined == 0.0
    curves = bootstrap_interval(values, lambda s: s.mean(axis=1), n_boot=300)
    assert curves.low.shape == (4,) and np.all(curves.low <= curves.high)


def test_bootstrap_of_a_break_even_point_reports_undefined_replicates() -> None:
    x = np.array([1.0, 2.0, 4.0, 8.0])
    rng = np.random.default_rng(0)
    curves = (x - 3.0)[None, :] + rng.normal(0, 1.5, size=(6, 4))  # per-seed curves crossing zero near x = 3

    def break_even(sample: np.ndarray) -> float:
        mean = sample.mean(axis=0)
        sign = np.nonzero(np.diff(np.sign(mean)) > 0)[0]
        if not sign.size:
            return math.nan
        i = sign[0]
        return float(x[i] - mean[i] * (x[i + 1] - x[i]) / (mean[i + 1] - mean[i]))

    result = bootstrap_interval(curves, break_even, n_boot=400, vectorised=False)
    assert 1.0 <= result.low <= result.estimate <= result.high <= 8.0
    assert 0.0 <= result.undefined < 0.5


def test_benjamini_hochberg_worked_example() -> None:
    """The 15 p-values of Benjamini & Hochberg (1995), §4.1: four discoveries at q = 0.05 (Bonferroni: three)."""
    p = np.array(
        [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719]
        + [0.6528, 0.7590, 1.0000]
    )
    shuffled = np.random.default_rng(5).permutation(15)
    result = benjamini_hochberg(p[shuffled], q=0.05)
    assert result.discoveries.sum() == 4
    assert set(shuffled[result.discoveries]) == {0, 1, 2, 3}
    adjusted = np.empty(15)
    adjusted[shuffled] = result.adjusted
    by_hand = [0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.0298 * 15 / 7, 0.0298 * 15 / 7, 0.0645, 0.0765]
    np.testing.assert_allclose(adjusted[:9], by_hand, rtol=1e-12)
    assert adjusted[-1] == 1.0 and np.all(np.diff(adjusted) >= 0)
    assert np.array_equal(result.discoveries, result.adjusted <= 0.05)
    none = benjamini_hochberg([[0.5, 0.9], [0.3, 0.07]])
    assert none.discoveries.shape == (2, 2) and not none.discoveries.any()


def test_clopper_pearson_interval() -> None:
    assert binomial_interval(5, 5) == pytest.approx((1.0, 0.025 ** (1 / 5), 1.0, 0.0))
    assert binomial_interval(0, 10) == pytest.approx((0.0, 0.0, 1 - 0.025 ** (1 / 10), 0.0))
    seven = binomial_interval(7, 10)  # R: binom.test(7, 10)$conf.int = 0.3475471 0.9332605
    assert (seven.low, seven.high) == pytest.approx((0.3475471499, 0.9332604888), abs=1e-9)
    assert binomial_interval(7, 10, level=0.5).high < seven.high


# -- input checks -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: t_interval([1.0]), "at least 2"),
        (lambda: t_interval(3.0), "at least 2"),
        (lambda: t_interval([1.0, math.nan, 2.0]), "NaN"),
        (lambda: t_interval([1.0, 2.0], level=1.0), "level"),
        (lambda: t_interval([1.0, 2.0], level=0), "level"),
        (lambda: paired_difference_interval([1.0, 2.0], [1.0, 2.0, 3.0]), "same shape"),
        (lambda: paired_difference_interval([1.0, 2.0], [1.0, math.inf]), "b contain NaN"),
        (lambda: bootstrap_interval([1.0, 2.0], np.mean, n_boot=0), "n_boot"),
        (lambda: bootstrap_interval([[1.0, 2.0]], np.mean), "at least 2"),
        (lambda: bootstrap_interval([1.0, 2.0, 3.0], lambda s: s.mean()), "one value per replicate"),
        (lambda: t_test_p_value([1.0, 2.0], alternative="bigger"), "alternative"),
        (lambda: t_test_p_value([1.0, 2.0], null=math.nan), "null"),
        (lambda: benjamini_hochberg([0.1, 1.2]), r"\[0, 1\]"),
        (lambda: benjamini_hochberg([0.1, math.nan]), "NaN"),
        (lambda: benjamini_hochberg([0.1], q=1.5), "q must"),
        (lambda: benjamini_hochberg([]), "at least one"),
        (lambda: binomial_interval(6, 5), r"\[0, trials\]"),
        (lambda: binomial_interval(1, 0), "trials"),
        (lambda: binomial_interval(1.5, 3), "successes"),
        (lambda: t_quantile(1.0, 3), "strictly between 0 and 1"),
        (lambda: t_quantile(0.9, 0), "degrees of freedom"),
    ],
)
def test_invalid_input_raises_a_clear_error(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_intervals_print_rounded() -> None:
    from mmcl.sweeps.stats import Interval, TInterval

    assert TInterval(0.68349, 0.0196).text() == "0.683 ± 0.020"
    assert Interval(1.6, 1.41, 1.875).text(2) == "1.60 [1.41, 1.88]"
