"""Theorems 4.2/4.3 measured (mmcl.theory.theorems) and Lemma 5.2's signal bounds (mmcl.theory.errata)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import mmcl
from mmcl.model.config import SyntheticConfig
from mmcl.model.data import sample
from mmcl.theory import errata, predictions, theorems
from mmcl.theory.verdicts import Verdict


def test_scaled_config_keeps_what_the_theorems_are_stated_in() -> None:
    base = mmcl.FIGURE1
    for n, d in [(50, None), (64, 4096)]:
        c = theorems.scaled_config(base, n, d)
        assert c.n == n and c.d == (d or base.d)
        assert c.n_snr2 == pytest.approx(base.n_snr2) and c.c_mu == pytest.approx(base.c_mu)
        assert predictions.t1_single(c) == pytest.approx(predictions.t1_single(base))
        assert predictions.signal_rate_single(c) == pytest.approx(predictions.signal_rate_single(base))
        assert c.nu_norm / c.mu_norm == pytest.approx(base.nu_norm / base.mu_norm)
    with pytest.raises(ValueError, match="n must"):
        theorems.scaled_config(base, 2)
    with pytest.raises(ValueError, match="d must"):
        theorems.scaled_config(base, 10, 1)


def test_near_orthogonal_angle_meets_the_condition_on_nu() -> None:
    c = mmcl.FIGURE1
    data = sample(c.replace(nu_angle=theorems.near_orthogonal_angle(c)), 0, ("single",))
    inner = float((data.nu * data.mu).sum())
    assert inner == pytest.approx(c.mu_norm**2 / math.sqrt(c.d), rel=1e-9)
    with pytest.raises(ValueError, match="‖μ‖"):
        theorems.near_orthogonal_angle(c.replace(mu_norm=1000.0))


def test_embedding_parts_split_the_preactivations(tiny: SyntheticConfig) -> None:
    run = mmcl.train(tiny, "single", seeds=2, device="cpu", dtype="float64")
    parts = theorems.embedding_parts(run)
    assert set(parts) == {*theorems.PARTS, "test error", "train loss"}
    w0, data = run.w0.double(), run.data.to("cpu", torch.float64)
    init = torch.einsum("rmd,rd->rm", w0, data.nu)
    np.testing.assert_allclose(parts["signal init"], torch.sqrt((init**2).mean(1)).numpy(), rtol=1e-10)
    assert (parts["test error"] >= 0).all() and (parts["test error"] <= 1).all()
    turned = theorems.embedding_parts(run, 90.0)
    np.testing.assert_allclose(turned["noise"], parts["noise"])  # ν does not touch the noise patch
    assert not np.allclose(turned["signal"], parts["signal"])


def test_slope_interval_recovers_a_power_law() -> None:
    ns = [10, 20, 40, 80]
    rng = np.random.default_rng(0)
    values = np.array(ns, dtype=float) ** -1.5 * np.exp(0.01 * rng.standard_normal((20, 4)))
    slope, low, high = theorems.slope_interval(ns, values)
    assert low <= -1.5 <= high and high - low < 0.05 and slope == pytest.approx(-1.5, abs=0.02)
    with pytest.raises(ValueError, match="positive"):
        theorems.slope_interval(ns, -values)
    with pytest.raises(ValueError, match="shape"):
        theorems.slope_interval(ns, values[:, :3])


def _point(n: int, error: float, noise: float) -> theorems.TheoremPoint:
    seeds = np.ones(20)
    vals = {q: seeds * 0.01 * n**-1.0 for q in theorems.PARTS}
    vals.update({"noise": seeds * noise * n**-2.0, "noise init": seeds * 1e-3, "noise learned": seeds * n**-2.0})
    vals.update(
        {"signal": seeds * n**-2.0, "test error": error + 0.01 * np.arange(20) / 20, "train loss": seeds * 0.01}
    )
    values = {(m, nu): dict(vals) for m in ("single", "multi") for nu in ("parallel", "near-orthogonal")}
    return theorems.TheoremPoint(mmcl.FIGURE1.replace(n=n), values)


def test_theorem_checks_follow_the_scans() -> None:
    good = {"fixed d": [_point(100, 0.3, 1.0)], "d = n²": [_point(16, 0.3, 1.0), _point(64, 0.2, 1.0)]}
    checks = theorems.theorem_checks(good, eps=0.05, noise_bound_slope=0.25)
    by = {f"{c.lemma} {c.part}": c for c in checks}
    assert by["4.2 (1) training loss"].verdict is Verdict.HOLDS and by["4.2 (1) training loss"].slack == 5
    assert by["4.3 (2) theory's ν"].verdict is Verdict.HOLDS  # the error falls from 0.3 to 0.2
    assert by["4.2 (2) theory's ν"].verdict is Verdict.HOLDS
    assert by["4.3 D.3 noise"].verdict is Verdict.HOLDS  # slope −2 ≤ −1.5
    bad = {"fixed d": [_point(100, 0.3, 1.0)], "d = n²": [_point(16, 0.2, 1.0), _point(64, 0.4, 1.0)]}
    by = {f"{c.lemma} {c.part}": c for c in theorems.theorem_checks(bad, 0.05, noise_bound_slope=0.25)}
    assert by["4.3 (2) theory's ν"].verdict is Verdict.WRONG  # rises, and the proof's noise step is invalid
    by = {f"{c.lemma} {c.part}": c for c in theorems.theorem_checks(bad, 0.05, noise_bound_slope=-1.0)}
    assert by["4.3 (2) theory's ν"].verdict is Verdict.SIZE_UNMET


def test_with_small_init_lengthens_training() -> None:
    c = theorems.with_small_init(mmcl.FIGURE1, 100.0)
    assert c.sigma0 == pytest.approx(1e-4) and c.epochs >= 2 * predictions.t1_single(c)
    assert theorems.with_small_init(mmcl.FIGURE1, 1.0) == mmcl.FIGURE1
    with pytest.raises(ValueError, match="factor"):
        theorems.with_small_init(mmcl.FIGURE1, 0.5)


def test_lemma_5_2_signal_bounds() -> None:
    c = mmcl.FIGURE1
    b = errata.lemma_5_2_signal_bounds(c)
    assert b["from chain"] / b["printed"] == pytest.approx(1.5)
    edge = c.replace(mu_norm=math.sqrt((0.99 / 0.55) * c.sigma_xi**2 * c.d / c.n))  # exponent exactly 1
    e = errata.lemma_5_2_signal_bounds(edge)
    assert e["chain"] == pytest.approx(e["from chain"])
    assert b["chain"] < b["printed"]  # below the edge the chain gives less than either constant
