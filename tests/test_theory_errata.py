"""Independent check of Lemma 5.1, the single-modal errata and the verdicts over seeds (mmcl.theory.recursion,
mmcl.theory.errata, mmcl.theory.over_seeds, the bounds of Lemma 5.4 in mmcl.theory.predictions)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import mmcl
from mmcl.model.config import SyntheticConfig
from mmcl.theory import errata, over_seeds, predictions, recursion, stage1_single
from mmcl.theory.trajectory import record
from mmcl.theory.verdicts import Verdict


def test_recursion_replay_matches_autograd_descent_and_the_trainer(tiny: SyntheticConfig) -> None:
    replay = recursion.replay_recursion(tiny, seed=2)
    assert replay.gap < 1e-10
    run = mmcl.train(tiny, "single", seeds=[2], device="cpu", dtype="float64")
    torch.testing.assert_close(replay.w_gd, run.w, rtol=1e-9, atol=1e-12)  # the same descent as the trainer
    check = recursion.lemma_5_1_independent(tiny, seed=2)
    assert check.verdict is Verdict.HOLDS and check.part == "vs plain GD"


def test_recursion_replay_detects_a_wrong_recursion(tiny: SyntheticConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    honest = recursion._coefficient_step

    def scaled(w, data, tau, lr):  # a 1% error in the signal step: not the recursion (12)–(13)
        d_gamma, d_rho = honest(w, data, tau, lr)
        return d_gamma * 1.01, d_rho

    monkeypatch.setattr(recursion, "_coefficient_step", scaled)
    assert recursion.replay_recursion(tiny, seed=2).gap > 1e-4
    assert recursion.lemma_5_1_independent(tiny, seed=2).verdict is Verdict.WRONG


def test_recursion_rejects_bad_arguments(tiny: SyntheticConfig) -> None:
    with pytest.raises(ValueError, match="epochs"):
        recursion.replay_recursion(tiny, epochs=0)
    with pytest.raises(ValueError, match="augmentation"):
        recursion.replay_recursion(tiny.replace(augmentation="mask"))


def test_c10_limit_is_size_free_and_wrong_for_the_constant_checked() -> None:
    assert errata.c10_pair_failure(1.0) == pytest.approx(math.erf(1 / (4 * math.sqrt(math.pi))))
    lim = errata.c10_limit(50, 0.1, 1.0)
    assert lim.n[0] >= errata.c10_stated_n(50, 0.1, 1.0) and lim.wrong
    assert np.all(np.diff(lim.all_pairs_log10) < 0)  # "for all i" only gets less likely as n grows
    c_max = errata.c10_largest_constant(50, 0.1)
    assert not errata.c10_limit(50, 0.1, 0.5 * c_max).wrong and errata.c10_limit(50, 0.1, 2 * c_max).wrong
    with pytest.raises(ValueError, match="constant"):
        errata.c10_pair_failure(0.0)
    with pytest.raises(ValueError, match="multiples"):
        errata.c10_limit(50, 0.1, 1.0, multiples=(0.5,))


def test_c11_base_case_limit_and_scan(tiny: SyntheticConfig) -> None:
    r, log10_p = errata.c11_base_case_limit()
    assert r == pytest.approx(101 / math.sqrt(2 * math.pi)) and log10_p < -300
    assert errata._log10_upper_tail(3.0) == pytest.approx(math.log10(0.5 * math.erfc(3 / math.sqrt(2))))
    assert errata._log10_upper_tail(9.0) == pytest.approx(math.log10(1.1285884059538e-19), abs=1e-3)
    scan = errata.c11_base_case_scan(tiny, [20, 200], trials=5)
    assert (scan.satisfied == 0).all() and scan.smallest_m[1] >= 80
    assert (scan.median_ratio > 20).all()  # B/(M+1)·101 is tens of initial scales: size-free
    with pytest.raises(ValueError, match="c_ell"):
        errata.c11_base_case_limit(0.5)


def test_c11_induction_drift_grows_as_sigma0_falls() -> None:
    c = mmcl.FIGURE1
    assert errata.c11_induction_drift(c) > 1
    assert errata.c11_induction_drift(c.replace(sigma0=c.sigma0 / 100)) > errata.c11_induction_drift(c)


def test_lemma_5_4_bounds_algebra_against_print() -> None:
    c = mmcl.FIGURE1
    algebra, printed = predictions.lemma_5_4_noise_bound(c), predictions.lemma_5_4_noise_bound_printed(c)
    s = c.sigma0 * c.sigma_xi * math.sqrt(c.d)
    assert algebra == pytest.approx(
        math.sqrt(20 / (c.sigma0 * c.mu_norm)) * 2 * math.sqrt(math.log(8 * 50 * 100 / 0.1)) * s
    )
    assert algebra / printed == pytest.approx(math.sqrt(80 / 24) * math.sqrt(c.sigma_xi * math.sqrt(c.d)))
    ns = [10**2, 10**4, 10**6]
    a, p = errata.lemma_5_4_scaling(c, ns)
    slope_a = np.polyfit(np.log(ns), np.log(a), 1)[0]
    slope_p = np.polyfit(np.log(ns), np.log(p), 1)[0]
    assert 0.25 < slope_a < 0.3 and -0.25 < slope_p < -0.2  # n^{1/4}·√log against n^{−1/4}·√log
    assert predictions.lemma_5_4_noise_exponent(c) > 0.5  # Figure 1 has n·SNR² = 1.25 < 1.7
    with pytest.raises(ValueError, match="n_snr2"):
        errata.lemma_5_4_scaling(c, ns, n_snr2=0)


def test_c10_and_c11_verdicts_are_errata(tiny: SyntheticConfig) -> None:
    from mmcl.theory import init_single

    assert init_single.lemma_c10(mmcl.FIGURE1, trials=20).check.verdict is Verdict.WRONG
    _, traj = record(tiny, "single", [0], snapshots=[])
    part23 = next(c for c in stage1_single.lemma_c11(traj) if c.part == "(23)")
    assert part23.verdict is Verdict.WRONG and "base case" in part23.note


def test_verdicts_over_seeds(tiny: SyntheticConfig) -> None:
    rec = over_seeds.stage_verdicts(tiny, [0, 1, 2], chunk=2)
    assert rec["seeds"] == [0, 1, 2] and len(rec["plus"]) == 3
    table = over_seeds.seed_table([rec, rec])
    row = table.row("C.11 (23)")
    assert row.seeds == 3 and row.holds == 0 and not row.seed_dependent and row.high < 1
    for label, (a, b) in table.rows.items():
        words = rec["checks"][label]["verdicts"]
        assert a.holds == sum(Verdict(w) in over_seeds.HOLDING for w in words) == b.holds
    assert "| C.11 (23) |" in table._repr_markdown_()
    lemmas = over_seeds.seed_table([rec], by_lemma=True)
    assert "C.11" in lemmas.rows and lemmas.row("C.11").holds == 0  # the lemma holds only where all its parts do
    assert lemmas.row("C.11").seeds == 3 and set(lemmas.only(["C.11"]).rows) == {"C.11"}
    assert np.all(over_seeds.label_balance(rec) > 0)
    with pytest.raises(ValueError, match="seeds"):
        over_seeds.stage_verdicts(tiny, [0])
    with pytest.raises(ValueError, match="label"):
        table.row("Z.1")


def test_trajectory_select_gives_the_one_run_record(tiny: SyntheticConfig) -> None:
    _, both = record(tiny, "single", [0, 1], snapshots=[0])
    _, one = record(tiny, "single", [1], snapshots=[0])
    sel = both.select(1)
    assert sel.seeds == (1,) and sel.runs == 1
    np.testing.assert_allclose(sel.h.rho, one.h.rho, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sel.snapshots[0][0], one.snapshots[0][0])
    with pytest.raises(ValueError, match="k must"):
        both.select(2)
