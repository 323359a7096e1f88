"""The multi-modal errata and the synchronisation invariant (mmcl.theory.errata_multi, .conservation, the scans of
mmcl.theory.init_multi and the θ_r option of mmcl.theory.reference)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mmcl.model.config import SyntheticConfig
from mmcl.theory import conservation, errata_multi, init_multi, reference, stage1_multi, stage2
from mmcl.theory.trajectory import record
from mmcl.theory.verdicts import Verdict


@pytest.fixture(scope="module")
def small() -> SyntheticConfig:
    return SyntheticConfig(
        n=16, d=120, m=8, n_test=20, mu_norm=2.0, mu_tilde_norm=6.0, sigma0=0.05, tau=0.5, lr=0.05, epochs=120
    )


@pytest.fixture(scope="module")
def multi(small: SyntheticConfig):
    return record(small, "multi", [0, 1], snapshots=[])[1]


def test_d4_extremal_meets_the_one_step_bounds_with_equality() -> None:
    a0, at0, cm, c = np.array([0.02, 0.05]), np.array([0.3, 0.1]), 3.0, 0.02
    a, at = a0.copy(), at0.copy()
    for t in range(1, 30):
        a, at = a + c * at, at + c * cm**2 * a
        ea, eat = errata_multi.d4_extremal(a0, at0, cm, c, t)
        np.testing.assert_allclose([ea, eat], [a, at], rtol=1e-12)
        ha, hat = errata_multi.d4_half_bounds(a0, at0, cm, 1 + c * cm, t)
        assert (a >= ha - 1e-15).all() and (at >= hat - 1e-15).all()  # the corrected bounds follow


def test_d4_printed_bound_fails_once_q_t_x_exceeds_two_when_the_gap_is_zero() -> None:
    cm, c = 3.0, 0.02
    q = 1 + c * cm
    a0, at0 = 0.1, 0.3  # C_μA⁽⁰⁾ = Ã⁽⁰⁾
    t = np.arange(200)
    ea, _ = errata_multi.d4_extremal(a0, at0, cm, c, t)
    pa, _ = errata_multi.d4_printed_bounds(a0, at0, cm, q, t)
    x = q**t * (a0 + at0 / cm)
    np.testing.assert_array_equal(ea < pa - 1e-12, x > 2 + 1e-9)
    assert (x > 2).any()


def test_d4_arguments_are_validated() -> None:
    with pytest.raises(ValueError, match="c_mu"):
        errata_multi.d4_extremal(1.0, 1.0, 0.0, 0.1, 1)
    with pytest.raises(ValueError, match="small learning rate"):
        errata_multi.d4_extremal(1.0, 1.0, 3.0, 0.5, 1)


def test_multi_errata_checks_return_verdicts(multi) -> None:
    checks = [
        *errata_multi.lemma_d4_43(multi),
        *errata_multi.lemma_d9_from_47(multi),
        *errata_multi.lemma_d13_theta(multi, 0.1),
        *errata_multi.lemma_d15_noise(multi),
    ]
    for c in checks:
        assert isinstance(c.verdict, Verdict) and c.measured and c.bound
    assert checks[0].part == "(43)–(44)" and checks[1].part == "(43)–(44) with ½"
    with pytest.raises(ValueError, match="multi-modal"):
        errata_multi.lemma_d4_43(record(multi.config.replace(epochs=2), "single", [0])[1])


def test_theta_at_t0_is_the_papers_reference_point(multi) -> None:
    np.testing.assert_array_equal(reference.margins(multi, 0, 0.1)[0], reference.margins(multi, 0, 0.1, theta_at=0)[0])
    gs, _ = reference.reference_coefficients(multi, 0, 0.1, theta_at=5)
    np.testing.assert_array_equal(np.sign(gs), np.sign(multi.h.signal[:, 5]))
    with pytest.raises(ValueError, match="theta_at"):
        reference.distance_sq(multi, 0, 0.1, theta_at=multi.epochs + 1)


def test_theta_change_only_moves_the_flipped_neurons_contribution(multi) -> None:
    """With θ_r from T₁ the margin differs from θ_r from 0 by 2κ/(mτ)·Σ_{flipped r} σ(teacher)·σ'·y_iθ_r(T₁)."""
    t1 = 10
    f0a, _ = reference.margins(multi, 0, 0.1, 0)
    f0b, _ = reference.margins(multi, 0, 0.1, t1)
    flipped = np.sign(multi.h.signal[:, 0]) != np.sign(multi.h.signal[:, t1])
    if not flipped.any():
        np.testing.assert_allclose(f0a, f0b)
    else:
        c = multi.config
        k = reference.kappa(multi, 0.1)
        y = multi.y
        own = multi.h.signal[:, :, :, None] * y[:, None, None, :] > 0
        teach = np.maximum(multi.g.signal[:, :, :, None] * y[:, None, None, :], 0)
        theta = np.sign(multi.h.signal[:, t1])
        dtheta = (theta - np.sign(multi.h.signal[:, 0]))[:, None, :, None]
        cross = (multi.h.gram[:, 0, 1:] / multi.h.gram[:, 0, 0, None])[:, None, None, :]  # ⟨μ, ξ_i⟩/‖μ‖²
        noise = (multi.h.noise > 0) * np.maximum(multi.g.noise, 0) * k * dtheta * cross
        expected = ((teach * own * y[:, None, None, :] * k * dtheta) + noise).sum(2) / (c.m * c.tau)
        np.testing.assert_allclose(f0b - f0a, expected, atol=1e-10)


def test_stage_checks_use_the_new_vocabulary(multi) -> None:
    d13 = stage2.lemma_d13(multi, 0.1)
    d15 = stage2.lemma_d15(multi, 0.1)
    assert [c.part for c in d15] == ["mean loss", "noise", "noise ≤ 3× its T₁ value"]
    for c in [*d13, *d15, *stage1_multi.lemma_d9(multi), *stage1_multi.lemma_5_4(multi)]:
        if c.verdict in (Verdict.HOLDS, Verdict.VACUOUS) and c.slack is not None:
            assert c.slack >= 1


def test_gap_decay_rate_of_an_exact_geometric_gap(multi) -> None:
    k = errata_multi.gap_decay_rate(multi)
    assert math.isfinite(k)
    with pytest.raises(ValueError, match="steps"):
        errata_multi.gap_decay_rate(multi, steps=0)


def test_hyperbola_is_conserved_by_the_two_coordinate_recursion() -> None:
    """Q' = (1 − k_a k_ã)·Q for a ← a + k_a ã, ã ← ã + k_ã a: conserved to O(k²) per step."""
    ka, kat = 0.004, 0.006
    a, at = 0.3, -0.5
    q0 = kat * a**2 - ka * at**2
    for _ in range(50):
        q = kat * a**2 - ka * at**2
        a, at = a + ka * at, at + kat * a
        assert math.isclose(kat * a**2 - ka * at**2, (1 - ka * kat) * q, rel_tol=1e-10)
    assert abs(kat * a**2 - ka * at**2 - q0) <= 50 * ka * kat * abs(q0) * 1.01


def test_flip_prediction_and_observed_flips(multi) -> None:
    pred, obs = conservation.flip_prediction(multi), conservation.flipped_half(multi)
    a, at = conservation.normalised_alignment(multi)
    mixed = np.sign(a[:, 0]) != np.sign(at[:, 0])
    assert ((pred > 0) == mixed).all() and ((obs != 0) == mixed).all()
    assert set(np.unique(obs)) <= {-1, 0, 1, 2}
    drift = conservation.conservation_drift(multi, 10)
    assert drift.shape == a[:, 0].shape and (drift >= 0).all()
    ka, kat = conservation.class_weights(multi)
    assert (ka >= 0).all() and (ka <= multi.config.n).all() and kat.shape == ka.shape
    with pytest.raises(ValueError, match="until"):
        conservation.conservation_drift(multi, -1)


def test_d7_and_d46_limits() -> None:
    assert math.isclose(init_multi.d7_limit(), math.erf(1 / (8 * math.sqrt(math.pi))))
    assert math.isclose(init_multi.d9_46_limit(), 101 / math.sqrt(2 * math.pi))
    with pytest.raises(ValueError, match="c_ell"):
        init_multi.d9_46_limit(0.5)


def test_scan_d7_d9_approaches_the_limits() -> None:
    c = SyntheticConfig(d=2000, m=20, sigma0=0.01)
    scan = init_multi.scan_d7_d9(c, (20, 200), trials=30)
    assert abs(scan.d7_pairs[-1] - init_multi.d7_limit()) < 0.02
    assert abs(scan.d46_rhs[-1] / init_multi.d9_46_limit() - 1) < 0.1
    assert (scan.d46_holds < 0.1).all()
    assert init_multi.lemma_d7_verdict(scan).verdict is Verdict.WRONG
    with pytest.raises(ValueError, match="ns"):
        init_multi.scan_d7_d9(c, (), trials=3)


def test_verdicts_over_seeds_records_every_check_per_seed(small: SyntheticConfig, tmp_path) -> None:
    from mmcl.storage.records import write_json
    from mmcl.theory import over_seeds, seeds_multi

    rec = seeds_multi.verdicts_over_seeds(small, [0, 1], eps=0.1, chunk=1)
    assert rec["seeds"] == [0, 1] and len(rec["plus"]) == 2
    for entry in rec["checks"].values():
        assert len(entry["verdicts"]) == len(entry["slack"]) == 2
        assert all(Verdict(v) for v in entry["verdicts"])
    write_json(tmp_path / "r.json", {"records": [rec], "provenance": {}})
    table = over_seeds.seed_table(seeds_multi.load(tmp_path / "r.json"))
    assert "D.13 F₀" in table.rows
    with pytest.raises(ValueError, match="distinct"):
        seeds_multi.verdicts_over_seeds(small, [0, 0])
    write_json(tmp_path / "bad.json", {"x": 1})
    with pytest.raises(ValueError, match="seeds_multi"):
        seeds_multi.load(tmp_path / "bad.json")
