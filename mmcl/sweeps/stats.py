"""Statistics over seeds, implemented once: t intervals and tests, paired differences, the bootstrap, Benjamini–Hochberg
and binomial intervals.

Every function takes per-seed values (one number per seed, along ``axis``) and checks its input: at least two values,
no NaN or infinity, a confidence ``level`` strictly between 0 and 1; a violation raises ``ValueError`` naming the
parameter and the allowed range.

* :func:`t_interval` — mean and half-width of the Student t interval (``n − 1`` degrees of freedom);
* :func:`paired_difference_interval` — the same for seed-paired differences ``a − b`` (same seeds, same order);
* :func:`bootstrap_interval` — percentile bootstrap over seeds for a derived quantity (a break-even point, a ratio);
* :func:`t_test_p_value` — one-sample (or, on differences, paired) t test;
* :func:`benjamini_hochberg` — the step-up procedure controlling the false discovery rate over many verdicts;
* :func:`binomial_interval` — Clopper–Pearson interval for "the fraction of seeds on which a verdict holds".

The Student t and beta distributions are computed here without SciPy: the regularized incomplete beta function
:math:`I_x(a, b)` by its continued fraction (modified Lentz) with Stirling's series for large arguments of
``log B(a, b)``, its inverse and the t quantile by bisection to full double precision. Against 30-digit references
the t tail probabilities are accurate to a relative 1e-13 up to 10⁴ degrees of freedom (1e-11 up to 10⁶), the beta
CDF to 2e-13 for parameters up to 10³. :func:`t_cdf`, :func:`t_quantile` and :func:`beta_quantile` are
public for the chapters that need them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "TInterval",
    "Interval",
    "BHResult",
    "t_cdf",
    "t_sf",
    "t_quantile",
    "beta_cdf",
    "beta_quantile",
    "t_interval",
    "paired_difference_interval",
    "bootstrap_interval",
    "t_test_p_value",
    "benjamini_hochberg",
    "binomial_interval",
]

_EPS = 1e-15
_TINY = 1e-300
_MAX_TERMS = 200_000
ALTERNATIVES = ("two-sided", "greater", "less")


class TInterval(NamedTuple):
    """A symmetric interval ``mean ± half_width`` (floats for one sample, arrays for several)."""

    mean: Any
    half_width: Any

    @property
    def low(self) -> Any:
        return self.mean - self.half_width

    @property
    def high(self) -> Any:
        return self.mean + self.half_width

    def text(self, digits: int = 3) -> str:
        """``"mean ± half_width"`` rounded to ``digits`` decimals (one sample)."""
        return f"{self.mean:.{digits}f} ± {self.half_width:.{digits}f}"


class Interval(NamedTuple):
    """A point estimate with a (possibly asymmetric) interval ``[low, high]``.

    ``undefined`` is the fraction of bootstrap replicates on which the statistic was NaN (0 for other intervals)."""

    estimate: Any
    low: Any
    high: Any
    undefined: float = 0.0

    def text(self, digits: int = 3) -> str:
        """``"estimate [low, high]"`` rounded to ``digits`` decimals (one quantity)."""
        return f"{self.estimate:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}]"


class BHResult(NamedTuple):
    """The Benjamini–Hochberg verdicts: which hypotheses are discoveries, and the adjusted p-values (same shape)."""

    discoveries: np.ndarray
    adjusted: np.ndarray


# -- checks ---------------------------------------------------------------------------------------------------------
def _check_level(level: float, name: str = "level") -> float:
    if isinstance(level, bool) or not isinstance(level, (int, float, np.floating)) or not 0 < level < 1:
        raise ValueError(f"{name} must be a number strictly between 0 and 1, got {level!r}")
    return float(level)


def _check_values(values: Any, axis: int, name: str = "values") -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if x.ndim == 0:
        raise ValueError(f"{name} must hold at least 2 values along axis {axis}, got a scalar")
    n = x.shape[axis]
    if n < 2:
        raise ValueError(f"{name} must hold at least 2 values (seeds) along axis {axis}, got {n}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contain NaN or infinity; every value must be finite")
    return x


def _plain(x: np.ndarray) -> Any:
    return float(x) if np.ndim(x) == 0 else x


def _check_df(df: float) -> float:
    if isinstance(df, bool) or not isinstance(df, (int, float, np.integer, np.floating)) or not df > 0:
        raise ValueError(f"df (degrees of freedom) must be a number > 0 (or math.inf), got {df!r}")
    return float(df)


# -- the incomplete beta function and the t and beta distributions --------------------------------------------------
def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of :math:`I_x(a, b)` (modified Lentz); converges fast for ``x < (a+1)/(a+b+2)``."""
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, _MAX_TERMS + 1):
        for aa in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + aa / c
            c = c if abs(c) > _TINY else _TINY
            step = c * d
            h *= step
        if abs(step - 1.0) < _EPS:
            return h
    raise RuntimeError(f"the incomplete beta fraction did not converge for a={a}, b={b}, x={x}")  # pragma: no cover


def _stirling_tail(z: float) -> float:
    """``lgamma(z) − [(z − ½)·log z − z + ½·log 2π]`` by Stirling's series (error below 1e-16 for ``z ≥ 30``)."""
    z2 = z * z
    return (1 / 12 - (1 / 360 - (1 / 1260 - 1 / (1680 * z2)) / z2) / z2) / z


def _log_beta(a: float, b: float) -> float:
    """``log B(a, b)``, keeping its absolute accuracy when an argument is large (``lgamma(a + b) − lgamma(a)`` loses
    about ``lgamma(a)·1e-16`` to cancellation; Stirling's series of the difference does not)."""
    if a < b:
        a, b = b, a
    if a < 30:
        return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    s = a + b
    if b < 30:  # lgamma(a + b) − lgamma(a)
        diff = (a - 0.5) * math.log1p(b / a) + b * math.log(s) - b + _stirling_tail(s) - _stirling_tail(a)
        return math.lgamma(b) - diff
    return (
        0.5 * math.log(2 * math.pi)
        - (a - 0.5) * math.log1p(b / a)
        - b * math.log(s)
        + (b - 0.5) * math.log(b)
        + _stirling_tail(a)
        + _stirling_tail(b)
        - _stirling_tail(s)
    )


def _incbeta(a: float, b: float, x: float, y: float) -> float:
    """:math:`I_x(a, b)` with ``y = 1 − x`` given separately (exact when computed as a ratio, e.g. ``t²/(ν+t²)``)."""
    if x <= 0:
        return 0.0
    if y <= 0:
        return 1.0
    log_x = math.log(x) if x < 0.5 else math.log1p(-y)
    log_y = math.log(y) if y < 0.5 else math.log1p(-x)
    log_front = a * log_x + b * log_y - _log_beta(a, b)
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, y) / b


def beta_cdf(x: float, a: float, b: float) -> float:
    """The regularized incomplete beta function :math:`I_x(a, b)`: the CDF of Beta(a, b) at ``x``."""
    if not (a > 0 and b > 0):
        raise ValueError(f"a and b must be > 0, got a={a!r}, b={b!r}")
    if not 0 <= x <= 1:
        raise ValueError(f"x must lie in [0, 1], got {x!r}")
    return _incbeta(float(a), float(b), float(x), 1.0 - float(x))


def _bisect(f: Callable[[float], bool], lo: float, hi: float) -> float:
    """The boundary of a monotone predicate (``f(lo)`` false, ``f(hi)`` true), to full double precision."""
    for _ in range(2000):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if f(mid):
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def beta_quantile(p: float, a: float, b: float) -> float:
    """The ``p`` quantile of Beta(a, b): the ``x`` with :math:`I_x(a, b) = p` (bisection)."""
    if not 0 <= p <= 1:
        raise ValueError(f"p must lie in [0, 1], got {p!r}")
    if p in (0, 1):
        return float(p)
    return _bisect(lambda x: beta_cdf(x, a, b) >= p, 0.0, 1.0)


def t_sf(t: float, df: float) -> float:
    """``P(T > t)`` for Student's t with ``df`` degrees of freedom (``df = math.inf``: the standard normal).

    Computed without cancellation in the tails, so tiny p-values keep their relative accuracy."""
    df = _check_df(df)
    if math.isnan(t):
        raise ValueError("t must not be NaN")
    if math.isinf(df):
        return 0.5 * math.erfc(t / math.sqrt(2.0))
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    tail = 0.5 * _incbeta(df / 2.0, 0.5, df / (df + t * t), t * t / (df + t * t))  # P(T > |t|)
    return tail if t >= 0 else 1.0 - tail


def t_cdf(t: float, df: float) -> float:
    """``P(T ≤ t)`` for Student's t with ``df`` degrees of freedom (``df = math.inf``: the standard normal)."""
    return t_sf(-t, df)


def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom (e.g. ``t_quantile(0.975, 4) = 2.776…``)."""
    if isinstance(p, bool) or not 0 < p < 1:
        raise ValueError(f"p must be a number strictly between 0 and 1, got {p!r}")
    df = _check_df(df)
    if p == 0.5:
        return 0.0
    tail = min(p, 1.0 - p)
    hi = 1.0
    while t_sf(hi, df) > tail:
        hi *= 2.0
    t = _bisect(lambda x: t_sf(x, df) <= tail, 0.0, hi)
    return t if p > 0.5 else -t


# -- intervals and tests over seeds -----------------------------------------------------------------------------------
def t_interval(values: Any, axis: int = -1, level: float = 0.95) -> TInterval:
    """Mean and half-width of the Student t confidence interval of the mean over ``axis`` (the seeds).

    ``half_width = t_{(1+level)/2, n−1} · s / √n`` with ``s`` the sample standard deviation (``ddof=1``). For 1-D
    input both are floats, else arrays without ``axis``.
    """
    level = _check_level(level)
    x = _check_values(values, axis)
    n = x.shape[axis]
    mean = x.mean(axis=axis)
    half = t_quantile((1 + level) / 2, n - 1) * x.std(axis=axis, ddof=1) / math.sqrt(n)
    return TInterval(_plain(mean), _plain(half))


def paired_difference_interval(a: Any, b: Any, axis: int = -1, level: float = 0.95) -> TInterval:
    """The t interval of the seed-paired differences ``a − b`` (entry ``i`` of both from the same seed)."""
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if xa.shape != xb.shape:
        raise ValueError(f"a and b must have the same shape (seed-paired values), got {xa.shape} and {xb.shape}")
    _check_values(xa, axis, "a")
    _check_values(xb, axis, "b")
    return t_interval(xa - xb, axis=axis, level=level)


def bootstrap_interval(
    values: Any,
    statistic: Callable[[np.ndarray], Any],
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
    vectorised: bool = True,
) -> Interval:
    """Percentile bootstrap interval of ``statistic`` over seeds (axis 0 of ``values``).

    ``values`` holds one row per seed (e.g. per-seed curves, shape ``(seeds, points)``). Each of the ``n_boot``
    replicates draws ``seeds`` rows with replacement (``numpy.random.default_rng(seed)``: the same interval for the
    same seed). With ``vectorised=True``, ``statistic`` receives all replicates at once, an array of shape
    ``(n_boot, seeds, …)``, and must return one value (or array) per replicate along its first axis; with
    ``vectorised=False`` it receives one ``(seeds, …)`` sample at a time. The estimate is ``statistic`` of the
    original sample. Replicates on which the statistic is NaN (undefined, e.g. no break-even point) are left out of
    the percentiles; their fraction is reported as ``undefined``.
    """
    level = _check_level(level)
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ValueError(f"n_boot must be an integer >= 1, got {n_boot!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    x = _check_values(values, 0)
    n = x.shape[0]
    index = np.random.default_rng(seed).integers(0, n, size=(int(n_boot), n))
    if vectorised:
        estimate = np.asarray(statistic(x[None]), dtype=float)
        if estimate.shape[:1] != (1,):
            raise ValueError("with vectorised=True, statistic must return one value per replicate along axis 0")
        estimate = estimate[0]
        replicates = np.asarray(statistic(x[index]), dtype=float)
        if replicates.shape[:1] != (n_boot,):
            raise ValueError(
                f"statistic returned shape {replicates.shape} for {n_boot} replicates; it must reduce the seed axis "
                "(axis 1) and keep the replicate axis (axis 0)"
            )
    else:
        estimate = np.asarray(statistic(x), dtype=float)
        replicates = np.stack([np.asarray(statistic(x[i]), dtype=float) for i in index])
    alpha = 1 - level
    with warnings.catch_warnings():  # a statistic undefined on every replicate gives NaN bounds, not a warning
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanquantile(replicates, [alpha / 2, 1 - alpha / 2], axis=0)
    undefined = float(np.isnan(replicates).mean())
    return Interval(_plain(estimate), _plain(np.asarray(low)), _plain(np.asarray(high)), undefined)


def t_test_p_value(values: Any, null: float = 0.0, alternative: str = "two-sided", axis: int = -1) -> Any:
    """p-value of the one-sample t test of ``mean = null`` (on seed-paired differences: the paired t test).

    ``alternative``: ``"two-sided"`` (mean ≠ null), ``"greater"`` (mean > null) or ``"less"`` (mean < null). When
    every value is equal the statistic is ``±∞`` (p = 0 or 1) unless the mean equals ``null`` (t = 0).
    """
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {ALTERNATIVES}, got {alternative!r}")
    if isinstance(null, bool) or not isinstance(null, (int, float, np.floating)) or not math.isfinite(null):
        raise ValueError(f"null must be a finite number, got {null!r}")
    x = _check_values(values, axis)
    n = x.shape[axis]
    diff = x.mean(axis=axis) - null
    se = x.std(axis=axis, ddof=1) / math.sqrt(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(diff == 0, 0.0, diff / se)
    sf = np.vectorize(lambda v: t_sf(v, n - 1), otypes=[float])
    if alternative == "greater":
        p = sf(t)
    elif alternative == "less":
        p = sf(-t)
    else:
        p = np.minimum(1.0, 2 * sf(np.abs(t)))
    return _plain(p)


def benjamini_hochberg(p_values: Any, q: float = 0.05) -> BHResult:
    """The Benjamini–Hochberg step-up procedure at false discovery rate ``q``.

    With the ``m`` p-values sorted, ``p_(1) ≤ … ≤ p_(m)``, the hypotheses of the ``k`` smallest are discoveries,
    ``k`` the largest index with ``p_(k) ≤ k·q/m`` (none when there is no such index). The adjusted p-values are
    ``min_{j ≥ i} min(1, m·p_(j)/j)``, so hypothesis ``i`` is a discovery exactly when its adjusted p-value is
    ``≤ q``. Both outputs have the shape of ``p_values``.
    """
    q = _check_level(q, "q")
    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        raise ValueError("p_values must hold at least one p-value")
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ValueError("p_values must lie in [0, 1] (no NaN)")
    flat = p.ravel()
    m = flat.size
    order = np.argsort(flat, kind="stable")
    ranked = flat[order]
    ranks = np.arange(1, m + 1)
    below = np.nonzero(ranked <= ranks * q / m)[0]
    discoveries = np.zeros(m, dtype=bool)
    if below.size:
        discoveries[order[: below[-1] + 1]] = True
    adjusted_sorted = np.minimum.accumulate(np.minimum(1.0, ranked * m / ranks)[::-1])[::-1]
    adjusted = np.empty(m)
    adjusted[order] = adjusted_sorted
    return BHResult(discoveries.reshape(p.shape), adjusted.reshape(p.shape))


def binomial_interval(successes: int, trials: int, level: float = 0.95) -> Interval:
    """Clopper–Pearson ("exact") interval for a success probability from ``successes`` of ``trials``.

    The bounds are beta quantiles, ``Beta((1−level)/2; k, n−k+1)`` and ``Beta((1+level)/2; k+1, n−k)`` (0 when
    ``k = 0``, 1 when ``k = n``). Its coverage is at least ``level`` for every true probability: conservative, which
    suits claims such as "the verdict holds on 5 of 5 seeds" (interval ``[0.478, 1]`` at 95%).
    """
    level = _check_level(level)
    for name, v in (("successes", successes), ("trials", trials)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ValueError(f"{name} must be an integer, got {v!r}")
    if trials < 1:
        raise ValueError(f"trials must be >= 1, got {trials}")
    if not 0 <= successes <= trials:
        raise ValueError(f"successes must lie in [0, trials] = [0, {trials}], got {successes}")
    k, n = int(successes), int(trials)
    alpha = 1 - level
    low = 0.0 if k == 0 else beta_quantile(alpha / 2, k, n - k + 1)
    high = 1.0 if k == n else beta_quantile(1 - alpha / 2, k + 1, n - k)
    return Interval(k / n, low, high)
