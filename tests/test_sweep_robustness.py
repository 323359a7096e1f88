"""Statistics on sweep surfaces (paired t tests with Benjamini–Hochberg), the (τ, σ₀) sensitivity map read from a
recorded sweep, and the robustness analysis over the nine (τ, σ₀) settings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mmcl.sweeps import robustness, stats
from mmcl.sweeps.grid import Grid
from mmcl.sweeps.phase import surface
from mmcl.sweeps.results import load_results
from mmcl.sweeps.runner import run_sweep
from mmcl.sweeps.sensitivity import SensitivityMap

SMALL = {"n": 12, "d": 40, "m": 6, "n_test": 30, "epochs": 12, "lr": 0.05}


def rows_1d(single: np.ndarray, multi: np.ndarray, x: list[float]) -> list[dict]:
    seeds = np.arange(single.shape[1])
    out = []
    for k, xv in enumerate(x):
        out.append({"x": xv, "mode": "single", "seeds": seeds, "status": "ok", "test_accuracy": single[k]})
        out.append({"x": xv, "mode": "multi", "seeds": seeds, "status": "ok", "test_accuracy": multi[k]})
    return out


def test_surface_verdicts_are_benjamini_hochberg_over_paired_t_tests() -> None:
    rng = np.random.default_rng(0)
    single = 0.6 + 0.02 * rng.standard_normal((4, 20))
    shift = np.array([[0.1], [0.0], [-0.1], [0.004]])
    multi = single + shift + 0.01 * rng.standard_normal((4, 20))
    s = surface(rows_1d(single, multi, [1.0, 2.0, 3.0, 4.0]), "x")
    p = stats.t_test_p_value(multi - single, axis=-1)
    np.testing.assert_allclose(s.p_values()[0], p)
    expected = np.where(stats.benjamini_hochberg(p).discoveries, np.sign((multi - single).mean(1)), 0)
    np.testing.assert_array_equal(s.verdicts()[0], expected)
    assert list(s.verdicts()[0][:3]) == [1, 0, -1]
    assert list(s.significant()[0][:3]) == [True, False, False]
    assert list(s.significantly_negative()[0][:3]) == [False, False, True]
    iv = s.interval("gap")
    ref = stats.paired_difference_interval(multi, single, axis=-1)
    np.testing.assert_allclose(iv.mean[0], ref.mean)
    np.testing.assert_allclose(iv.half_width[0], ref.half_width)
    # a NaN seed (a diverged cell) is never a discovery and has no interval
    s.values["gap"][0, 0, 3] = np.nan
    assert s.p_values()[0, 0] == 1.0 and s.verdicts()[0, 0] == 0 and np.isnan(s.interval("gap").mean[0, 0])


def test_crossing_interval_covers_the_true_break_even() -> None:
    rng = np.random.default_rng(1)
    x = [0.5, 1.0, 2.0, 4.0, 8.0]
    truth = 2.0 * np.log(np.asarray(x) / 2.0)  # crosses zero at x = 2 (in log x)
    values = truth[:, None] + 0.05 * rng.standard_normal((5, 20))
    iv = robustness.crossing_interval(x, values)
    assert iv.low < 2.0 < iv.high and iv.high - iv.low < 0.5 and iv.undefined == 0
    noisy = robustness.crossing_interval(x, truth[:, None] + 0.5 * rng.standard_normal((5, 20)))
    assert noisy.high - noisy.low > iv.high - iv.low  # more seed noise, a wider interval
    never = robustness.crossing_interval(x, np.ones((5, 20)) + 0.01 * rng.standard_normal((5, 20)))
    assert never.undefined == 1.0 and np.isnan(never.estimate)
    with pytest.raises(ValueError, match="shape"):
        robustness.crossing_interval(x, np.ones((4, 20)))


def test_levels_at_equal_averages_seed_by_seed() -> None:
    single = np.zeros((3, 4))
    multi = np.arange(12.0).reshape(3, 4)
    s = surface(rows_1d(single, multi, [1.0, 2.0, 3.0]), "x")
    levels, values = robustness.levels_at_equal(s, "gap", lambda x, _: min(x, 2.0))
    np.testing.assert_array_equal(levels, [1.0, 2.0])
    np.testing.assert_array_equal(values, [multi[0], (multi[1] + multi[2]) / 2])


def sensitivity_rows(single: np.ndarray, multi: np.ndarray, loss: float = 0.01) -> list[dict]:
    taus, sigma0s = (0.05, 0.1), (0.01, 0.03)
    rows = []
    for i, tau in enumerate(taus):
        for j, sigma0 in enumerate(sigma0s):
            for mode, acc in (("single", single), ("multi", multi)):
                rows.append(
                    {
                        "tau": tau,
                        "sigma0": sigma0,
                        "mode": mode,
                        "seeds": np.arange(acc.shape[-1]),
                        "status": "ok",
                        "test_accuracy": acc[i, j],
                        "final_train_loss": np.full(acc.shape[-1], loss),
                    }
                )
    return rows


def test_sensitivity_map_from_rows_decides_with_intervals() -> None:
    rng = np.random.default_rng(2)
    noise = 0.005 * rng.standard_normal((2, 2, 20))
    single = np.array([[0.55, 0.70], [0.74, 0.90]])[..., None] + noise
    multi = np.array([[0.97, 0.95], [0.95, 0.95]])[..., None] + noise
    smap = SensitivityMap.from_rows(sensitivity_rows(single, multi))
    assert smap.taus == (0.05, 0.1) and smap.sigma0s == (0.01, 0.03) and len(smap.seeds) == 20
    np.testing.assert_allclose(smap.mean_accuracy("single"), single.mean(-1))
    # (0.1, 0.01): single 0.74 ± a few thousandths straddles nothing; (0.1, 0.03): single 0.9 refutes
    assert smap.picture().tolist() == [[1, 1], [1, -1]]
    assert smap.picture(single_max=0.6).tolist() == [[1, -1], [-1, -1]]
    wide = single.copy()
    wide[1, 0] = 0.75 + 0.05 * rng.standard_normal(20)  # an interval around the threshold: undecided
    assert SensitivityMap.from_rows(sensitivity_rows(wide, multi)).picture()[1, 0] == 0
    assert smap.nearest()[:2] == (0.05, 0.01)
    assert (SensitivityMap.from_rows(sensitivity_rows(single, multi, loss=0.5)).picture() == -1).all()
    with pytest.raises(ValueError, match="every"):
        SensitivityMap.from_rows(sensitivity_rows(single, multi)[:-1])


def test_setting_surfaces_combine_the_full_grid_and_the_robustness_grid(tmp_path: Path) -> None:
    axes = {"n_snr2": [0.5, 2.0], "c_mu": [1.0, 3.0]}
    full = Grid.from_dict({"base": {**SMALL, "tau": 0.1, "sigma0": 0.01}, "grid": axes, "seeds": 3})
    cases = [{"tau": t, "sigma0": s} for t, s in robustness.SETTINGS if (t, s) != robustness.BASE]
    robust = Grid.from_dict({"base": SMALL, "grid": {"n_snr2": [2.0, 0.5], "c_mu": [3.0]}, "cases": cases, "seeds": 2})
    run_sweep(full, tmp_path / "full.jsonl", device="cpu")
    run_sweep(robust, tmp_path / "robust.jsonl", device="cpu")
    surfaces = robustness.setting_surfaces(
        load_results(tmp_path / "robust.jsonl"), load_results(tmp_path / "full.jsonl"), "n_snr2", "c_mu"
    )
    assert list(surfaces) == list(robustness.SETTINGS)
    for s in surfaces.values():
        assert s.values["gap"].shape == (1, 2, 2) and list(s.x) == [0.5, 2.0]
    base = load_results(tmp_path / "full.jsonl").table()
    picked = [r for r in base if r["c_mu"] == 3.0 and r["mode"] == "multi"]
    np.testing.assert_array_equal(
        surfaces[robustness.BASE].values["multi"][0, :, :], [r["test_accuracy"][:2] for r in picked]
    )
    table = robustness.verdicts(
        surfaces, [robustness.Conclusion("any", "", lambda s: bool(np.isfinite(s.mean("gap")).all()))]
    )
    assert table == {"any": {k: True for k in robustness.SETTINGS}}
    other = Grid.from_dict({"base": SMALL, "grid": {"n_snr2": [1.0], "c_mu": [3.0]}, "cases": cases, "seeds": 2})
    run_sweep(other, tmp_path / "other.jsonl", device="cpu")
    with pytest.raises(ValueError, match="subset"):  # a point that the full grid does not hold
        robustness.setting_surfaces(
            load_results(tmp_path / "other.jsonl"), load_results(tmp_path / "full.jsonl"), "n_snr2", "c_mu"
        )


def test_the_chapter_conclusions_read_the_right_cells() -> None:
    x, c = [0.25, 0.5, 1.25, 3.0, 5.0], [0.5, 1.0, 1.5, 3.0]
    gap = {(a, b): 0.0 for a in x for b in c}
    gap |= {(1.25, 3.0): 0.2, (1.25, 1.5): 0.1, (0.5, 3.0): 0.1, (3.0, 3.0): 0.1, (1.25, 0.5): -0.1}
    rng = np.random.default_rng(3)
    rows = []
    for (a, b), g in gap.items():
        base = 0.6 + 0.01 * rng.standard_normal(20)
        for mode, acc in (("single", base), ("multi", base + g + 0.005 * rng.standard_normal(20))):
            rows.append(
                {"n_snr2": a, "c_mu": b, "mode": mode, "seeds": np.arange(20), "status": "ok", "test_accuracy": acc}
            )
    s = surface(rows, "n_snr2", "c_mu")
    assert all(conclusion.test(s) for conclusion in robustness.PHASE)
    s.values["gap"][robustness.at(s, 5.0, 1.0)] += 0.2  # multi now wins at n·SNR² = 5
    assert not robustness.PHASE[-1].test(s) and robustness.PHASE[0].test(s)
