"""Monte Carlo checks of the time-0 lemmas (mmcl.theory.appendix_b, .init_single, .init_multi and the verdicts of
.init_lemmas): sane failure rates and verdict logic."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest

from mmcl.model.config import SyntheticConfig
from mmcl.theory import appendix_b as B
from mmcl.theory import init_lemmas
from mmcl.theory import init_multi as D
from mmcl.theory import init_single as C
from mmcl.theory.verdicts import Verdict

SMALL = SyntheticConfig(n=20, d=400, m=10, sigma0=0.02)


def test_b1_exact_probability_and_the_spurious_factor_two() -> None:
    r = B.lemma_b1(np.array([0.5, 1.0, 2.0]), samples=100_000)
    np.testing.assert_allclose(r.monte_carlo, r.exact, atol=0.01)
    assert abs(r.exact[1] - 0.682689) < 1e-6
    assert (r.exact <= r.bound_without_2).all() and (r.printed_identity > 1).any()
    assert r.check.verdict is Verdict.CORRECTED


def test_b3_failure_rate_is_below_delta_and_grows_when_the_interval_is_too_narrow() -> None:
    ok = B.lemma_b3(100, delta=0.1, trials=5000)
    assert ok.verdict is Verdict.HOLDS and ok.printed[next(iter(ok.printed))].rate < 0.1
    tight = B.lemma_b3(100, delta=0.99, trials=5000)  # interval ±√(50 log(4/0.99)) ≈ ±8.4: fails ~9% of draws
    rate = next(iter(tight.printed.values())).rate
    assert 0.03 < rate < 0.2


def test_b5_fails_at_tiny_dimension_and_holds_at_large() -> None:
    assert B.lemma_b5(SMALL.replace(d=4), trials=200).verdict is Verdict.SIZE_UNMET
    assert B.lemma_b5(SMALL.replace(d=4000), trials=100).verdict is Verdict.HOLDS


def test_b2_holds_at_its_dimension_and_fails_below() -> None:
    c = SyntheticConfig()
    assert B.lemma_b2(c, trials=2000).verdict is Verdict.SIZE_UNMET
    assert B.lemma_b2(c.replace(d=math.ceil(B.dimension_b2(c))), trials=2000).verdict is Verdict.HOLDS


def test_c9_printed_fails_and_corrected_holds() -> None:
    r = C.lemma_c9(SyntheticConfig(n=100, d=2000, m=20), trials=100)
    assert r.verdict is Verdict.CORRECTED


def test_positive_part_bound_dominates_its_mean() -> None:
    rng = np.random.default_rng(0)
    xi = rng.standard_normal((50, 30, 200))
    members = np.ones((50, 30), dtype=bool)
    w = rng.standard_normal((50, 5, 200)) * 0.1
    total = np.maximum(w @ xi.transpose(0, 2, 1), 0).sum(2)
    bound = C.positive_part_sum_bound(xi, members, members, m=5, sigma0=0.1, delta=0.1)
    assert bound.shape == (50, 1) and (total <= bound).mean() > 0.95


def test_d10_and_c8_hold_at_the_figure1_size() -> None:
    c = SyntheticConfig()
    assert D.lemma_d10(c, trials=4000).verdict is Verdict.HOLDS
    assert C.lemma_c8(c, trials=200).verdict is Verdict.HOLDS


@pytest.mark.parametrize("fn", [B.lemma_b2, B.lemma_b4, C.lemma_c9, D.lemma_d10])
def test_bad_delta_and_trials_are_rejected(fn) -> None:
    with pytest.raises(ValueError, match="delta"):
        fn(SMALL, delta=1.5)
    with pytest.raises(ValueError, match="trials"):
        fn(SMALL, trials=0)


def test_checks_collects_one_verdict_per_time0_lemma() -> None:
    out = init_lemmas.checks(SMALL, trials=5)
    assert [c.lemma for c in out] == [
        "B.1",
        "B.2",
        "B.3",
        "B.4",
        "B.5",
        "C.6",
        "C.8",
        "C.9",
        "C.10",
        "C.12",
        "D.5",
        "D.6",
        "D.7",
        "D.10",
    ]


def test_every_public_name_lives_in_exactly_one_module() -> None:
    owners: dict[str, list[str]] = {}
    for name in ("probability", "appendix_b", "init_single", "init_multi", "init_lemmas"):
        module = importlib.import_module(f"mmcl.theory.{name}")
        for public in module.__all__:
            obj = getattr(module, public)
            if callable(obj):  # defined here, not re-exported
                assert obj.__module__ == module.__name__, public
            owners.setdefault(public, []).append(name)
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}
