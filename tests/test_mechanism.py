"""The initialisation strategies (mmcl.model.initialization, SyntheticConfig.init) and the synchronisation measures
of mmcl.mechanism (chapter 13)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

import mmcl
from mmcl.mechanism import explorer, initialisation, sign_classes
from mmcl.model.config import SyntheticConfig
from mmcl.model.data import initial_weights
from mmcl.model.initialization import initial_pair, mixed_probability
from mmcl.sweeps import grid as sweep_grid
from mmcl.sweeps import results as sweep_results
from mmcl.sweeps import runner, stats
from mmcl.theory.stage1 import sync_times
from mmcl.theory.trajectory import Recorder

ROOT = Path(__file__).resolve().parent.parent
SMALL = SyntheticConfig(n=20, d=300, m=12, epochs=40, n_test=40)


# -- the strategies -------------------------------------------------------------------------------------------------
def test_defaults_are_the_paper_draws_and_leave_the_dictionary_unchanged() -> None:
    w, w_t = initial_pair(SMALL, 3)
    assert torch.equal(w, initial_weights(SMALL, 3, 1)) and torch.equal(w_t, initial_weights(SMALL, 3, 2))
    assert not {"init", "init_rho", "sigma0_tilde"} & set(SMALL.to_dict())
    assert SyntheticConfig.from_dict(SMALL.to_dict()) == SMALL
    changed = SMALL.replace(init="correlated", init_rho=0.5).to_dict()
    assert changed["init"] == "correlated" and changed["init_rho"] == 0.5


@pytest.mark.parametrize("name", ["phase", "richer_model", "unequal_modalities", "augmentation"])
def test_recorded_cells_keep_their_keys(name: str) -> None:
    """Every recorded cell, rebuilt from its stored configuration with today's fields, has its stored key (the new
    initialisation fields at their defaults enter neither the dictionary nor the hash)."""
    stored = sweep_results.load_results(ROOT / "results" / f"{name}.jsonl")
    assert stored.cells
    for key, line in stored.cells.items():
        config = SyntheticConfig.from_dict(line["config"])
        assert config.to_dict() == line["config"]
        cell = sweep_grid.Cell(
            line["mode"], sweep_grid.canonical(config, line["mode"]), tuple(line["seeds"]), line["dtype"], ()
        )
        assert cell.key == key, f"{name}: the cell {key} now hashes to {cell.key}"


def test_sign_strategies_change_only_the_signal_sign_of_modality_2() -> None:
    w, w_t = initial_pair(SMALL, 1)
    for init, same in (("sign_sync", True), ("anti_sync", False)):
        v, v_t = initial_pair(SMALL.replace(init=init), 1)
        assert torch.equal(v, w)  # modality 1 untouched: paired with the Gaussian start
        assert torch.equal(v_t[:, 1].abs(), w_t[:, 1].abs())  # magnitudes kept
        assert torch.equal(torch.cat([v_t[:, :1], v_t[:, 2:]], 1), torch.cat([w_t[:, :1], w_t[:, 2:]], 1))
        agree = torch.sign(v[:, 0]) == torch.sign(v_t[:, 1])
        assert bool(agree.all()) if same else not bool(agree.any())


def test_correlated_start_mixes_as_the_orthant_probability_says() -> None:
    config = SyntheticConfig(n=4, d=4, m=4000, n_test=4, init="correlated", init_rho=0.6)
    mixed = trials = 0
    for seed in range(5):
        w, w_t = initial_pair(config, seed)
        mixed += int((torch.sign(w[:, 0]) != torch.sign(w_t[:, 1])).sum())
        trials += config.m
        assert abs(float(w_t[:, 1].std()) / config.sigma0 - 1) < 0.05  # the marginal scale is kept
    ci = stats.binomial_interval(mixed, trials, level=0.999)
    assert ci.low <= mixed_probability(config) <= ci.high
    assert math.isclose(mixed_probability(config), 0.5 - math.asin(0.6) / math.pi)


def test_orthogonal_rows_and_scales() -> None:
    config = SMALL.replace(init="orthogonal", sigma0_tilde=0.05)
    w, w_t = initial_pair(config, 2)
    for v, scale, dim in ((w, config.sigma0, config.d), (w_t, 0.05, config.dim_tilde)):
        gram = v @ v.T
        assert torch.allclose(gram, torch.eye(config.m, dtype=v.dtype) * scale**2 * dim, atol=1e-12)
    g, g_t = initial_pair(SMALL.replace(sigma0_tilde=0.05), 2)
    assert torch.allclose(g_t, initial_weights(SMALL, 2, 2) * 5)


def test_warm_start_begins_where_the_single_modal_run_ends() -> None:
    single = mmcl.train(SMALL, "single", [4, 5], device="cpu", dtype="float64")
    warm = mmcl.train(SMALL.replace(init="warm_single"), "multi", [4, 5], device="cpu", dtype="float64")
    assert torch.equal(warm.w0, single.w)
    gaussian = mmcl.train(SMALL, "multi", [4, 5], device="cpu", dtype="float64")
    assert torch.equal(warm.w0_tilde, gaussian.w0_tilde)
    with pytest.raises(ValueError, match="warm_single"):
        mmcl.train(SMALL.replace(init="warm_single"), "single", 1, device="cpu")


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"init": "uniform"}, "init must be one of"),
        ({"init": "correlated", "init_rho": 1.5}, r"init_rho must be in \[-1, 1\]"),
        ({"init_rho": 0.3}, "init_rho is read only by init='correlated'"),
        ({"sigma0_tilde": 0.0}, "sigma0_tilde must be > 0"),
        ({"init": "orthogonal", "m": 400}, "init='orthogonal' needs m <= d"),
    ],
)
def test_invalid_initialisations_name_the_field(changes: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SMALL.replace(**changes)


def test_single_modal_cells_of_modality_2_strategies_are_the_gaussian_cell() -> None:
    base = sweep_grid.canonical(SMALL, "single")
    for changes in ({"init": "sign_sync"}, {"init": "correlated", "init_rho": 0.2}, {"sigma0_tilde": 0.02}):
        assert sweep_grid.canonical(SMALL.replace(**changes), "single") == base
    assert sweep_grid.canonical(SMALL.replace(init="orthogonal"), "single") != base


# -- the measures ---------------------------------------------------------------------------------------------------
def test_sign_classes_and_fractions() -> None:
    a = np.array([[1.0, -2.0, 3.0, -0.5]])
    b = np.array([[2.0, -1.0, -3.0, 0.5]])
    codes = sign_classes.sign_classes(a, b)
    assert codes.tolist() == [[0, 3, 1, 2]]
    assert sign_classes.class_fractions(codes).tolist() == [[0.25, 0.25, 0.25, 0.25]]
    with pytest.raises(ValueError, match="same shape"):
        sign_classes.sign_classes(a, b[:, :2])


def test_record_agrees_with_the_trajectory_of_the_theory_chapters() -> None:
    recorder = Recorder(snapshots=[])
    run = mmcl.train(SMALL, "multi", [0, 1], device="cpu", dtype="float64", record="coefficients", callback=recorder)
    expected = sync_times(recorder.trajectory(run))  # chapter 7's reading, from the full per-epoch record
    record = sign_classes.SyncRecord.from_run(run)
    assert np.array_equal(record.sync_time, expected)
    assert np.array_equal(record.mixed, expected > 0) or np.array_equal(record.mixed, (expected != 0))
    over_time = record.mixed_over_time()
    assert np.allclose(over_time[:, 0], record.mixed_fraction)
    codes = sign_classes.sign_classes(run.history["signal_pre"], run.history["signal_pre_tilde"])
    live = sign_classes.class_fractions(codes)[..., 1:3].sum(-1)  # the mixed classes, epoch by epoch
    exact = record.stays.all(1)
    assert np.allclose(over_time[exact], live[exact])
    half = record.flip_half
    assert ((half > 0) == record.synced).all()


def test_record_by_hand() -> None:
    arrays = {
        "sign0": np.array([[1, 1, -1]]),
        "sign0_tilde": np.array([[1, -1, 1]]),
        "first_flip": np.array([[-1, 5, -1]]),
        "first_flip_tilde": np.array([[-1, -1, -1]]),
        "flips": np.array([[0, 1, 0]]),
        "flips_tilde": np.array([[0, 0, 0]]),
        "sync_time": np.array([[0, 5, -1]]),
    }
    record = sign_classes.SyncRecord(np.array([0]), 10, arrays)
    assert record.mixed.tolist() == [[False, True, True]]
    assert record.synced_fraction.tolist() == [0.5]
    assert record.presync_length.tolist() == [10]  # one mixed neuron never synchronises
    assert record.flip_half.tolist() == [[0, 1, 0]]
    assert record.median_sync_time.tolist() == [5.0]
    assert record.mixed_over_time()[0, [0, 4, 5, 10]].tolist() == [2 / 3, 2 / 3, 1 / 3, 1 / 3]


def test_flip_prediction() -> None:
    pred = sign_classes.flip_prediction(np.array([0.5, 3.0]), np.array([-3.0, -3.0]), 5.0, 15.0)
    assert pred.tolist() == [1, 2]  # 0.5/5 < 3/15, 3/5 > 3/15
    with pytest.raises(ValueError, match="mu_norm"):
        sign_classes.flip_prediction(np.ones(1), np.ones(1), 0.0, 1.0)


def test_sweep_records_synchronisation_in_multi_cells() -> None:
    spec = {"base": SMALL.to_dict() | {"epochs": 20}, "cases": [{}, {"init": "anti_sync"}], "seeds": 2}
    plain = sweep_grid.Grid.from_dict(spec)
    asked = sweep_grid.Grid.from_dict(spec | {"record": ["synchronisation"]})
    assert [c.key for c in plain.cells()] == [c.key for c in asked.cells()]  # the record is not the cell's identity
    assert not any("sync_time" in r for r in runner.train_grid(plain, device="cpu"))  # only when asked for
    rows = runner.train_grid(asked, device="cpu")
    multi = [r for r in rows if r["mode"] == "multi"]
    assert len(multi) == 2 and all("sync_time" in r for r in multi)
    anti = sign_classes.SyncRecord.from_row(multi[1], 20)
    assert anti.mixed.all()
    with pytest.raises(ValueError, match="multi-modal"):
        sign_classes.SyncRecord.from_row([r for r in rows if r["mode"] == "single"][0], 20)


def test_paired_contrasts_and_labels() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(0, 1, 20)
    cells = {"a": {"x": base + 1.0}, "b": {"x": base}, "c": {"x": base + rng.normal(0, 1, 20)}}
    out = initialisation.paired_contrasts(cells, [("a", "b"), ("c", "b")], ["x"])
    assert out[0].significant and math.isclose(out[0].mean, 1.0) and out[0].half_width < 1e-12
    assert out[1].low < out[1].mean < out[1].high
    with pytest.raises(ValueError, match="undefined"):
        initialisation.paired_contrasts(
            {"a": {"x": np.array([np.nan, 1.0])}, "b": {"x": np.ones(2)}}, [("a", "b")], ["x"]
        )
    assert initialisation.strategy_label(SMALL.replace(init="correlated", init_rho=-0.5)) == "correlated ρ = -0.5"
    assert initialisation.strategy_label(SMALL.replace(sigma0=0.003)) == "Gaussian, σ₀ = 0.003"


def test_grid_record_is_validated_and_stored() -> None:
    spec = {"base": {"epochs": 1}, "seeds": 1, "record": ["synchronisation"]}
    assert sweep_grid.Grid.from_dict(spec).to_dict()["record"] == ["synchronisation"]
    assert "record" not in sweep_grid.Grid.from_dict(spec | {"record": []}).to_dict()
    for bad in ("synchronisation", ["coefficients"], ["synchronisation", "synchronisation"]):
        with pytest.raises(ValueError, match="record must be a list drawn from"):
            sweep_grid.Grid.from_dict(spec | {"record": bad})


def test_explorer_validates() -> None:
    with pytest.raises(ValueError, match="strategy must be one of"):
        explorer.strategy_config("uniform")
    assert explorer.strategy_config("sign-synchronised").init == "sign_sync"


def test_cell_measures_slopes_and_costs() -> None:
    spec = {"base": SMALL.to_dict() | {"epochs": 20}, "cases": [{}, {"init": "sign_sync"}], "seeds": 3}
    spec["record"] = ["synchronisation"]
    grid = sweep_grid.Grid.from_dict(spec)
    rows = runner.train_grid(grid, device="cpu")
    record = sign_classes.SyncRecord.from_row([r for r in rows if r["mode"] == "multi"][0], 20)
    values = initialisation.measures(record, SMALL.replace(epochs=20))
    assert set(values) == set(initialisation.MEASURES)
    assert np.allclose(values["mixed_epochs"], record.mixed_over_time()[:, :-1].sum(1))  # the area under the curve
    summary = initialisation.summarise("x", values)
    assert summary.mean["test_accuracy"] == pytest.approx(values["test_accuracy"].mean())
    x = np.array([0.0, 1.0, 2.0])
    assert np.allclose(initialisation.per_seed_slope(x, np.outer(2 * x, np.ones(4)) + 1), 2.0)
    assert np.allclose(initialisation.per_seed_slope(np.outer(x, [1.0, 2.0]), np.outer(x, [1.0, 1.0])), [1.0, 0.5])
    with pytest.raises(ValueError, match="two different values"):
        initialisation.per_seed_slope(np.zeros(3), np.ones((3, 2)))
    lines = {"a": {"header": 0, "batch_runs": 6, "batch_seconds": 2.0, "seeds": [0, 1, 2]}}
    lines["b"] = {"header": 0, "batch_runs": 6, "batch_seconds": 2.0, "seeds": [0, 1, 2]}
    assert initialisation.recorded_cost(lines) == (2, 6, 2.0)  # one batch, counted once


def test_reading_a_recorded_sweep_back(tmp_path: Path) -> None:
    spec = {"base": SMALL.to_dict() | {"epochs": 15}, "cases": [{}, {"init": "anti_sync"}], "seeds": 2}
    spec["record"] = ["synchronisation"]
    grid = sweep_grid.Grid.from_dict(spec)
    runner.run_sweep(grid, tmp_path / "r.jsonl", device="cpu")
    stored = sweep_results.load_results(tmp_path / "r.jsonl")
    cells = initialisation.read_cells(stored)
    assert [c.config.init for c in cells] == ["gaussian", "anti_sync"]
    assert cells[1].record.mixed.all() and np.array_equal(cells[0].single, cells[1].single)
    live = runner.train_grid(grid.subset(seeds=[1]), device="cpu")
    equal, total = initialisation.sync_agreement(live, stored)
    assert total == 2 * SMALL.m and equal == total  # trained again: the same synchronisation times


def test_rank_correlation() -> None:
    assert sign_classes.rank_correlation(np.arange(5.0), np.arange(5.0) ** 3) == pytest.approx(1.0)
    assert sign_classes.rank_correlation(np.array([1.0, 2, 2, 3]), np.array([4.0, 3, 3, 1])) == pytest.approx(-1.0)
    assert math.isnan(sign_classes.rank_correlation(np.ones(3), np.arange(3.0)))
    with pytest.raises(ValueError, match="1-D"):
        sign_classes.rank_correlation(np.ones((2, 2)), np.ones((2, 2)))


def test_figures_and_the_replay() -> None:
    import matplotlib.pyplot as plt

    from mmcl.mechanism import figures

    run = mmcl.train(SMALL, "multi", [0, 1, 2], device="cpu")
    record = sign_classes.SyncRecord.from_run(run)
    codes = sign_classes.sign_classes(run.history["signal_pre"], run.history["signal_pre_tilde"])
    fig = figures.sign_class_figure(sign_classes.class_fractions(codes), record, until=20)
    assert len(fig.axes) == 2
    summary = initialisation.summarise("a", initialisation.measures(record, SMALL))
    other = initialisation.summarise("b", initialisation.measures(record, SMALL))
    names = ["mixed_fraction", "test_accuracy"]
    assert (
        len(figures.measure_panels([1, 2], {"s": [summary, other]}, names, "x", {"test_accuracy": summary}).axes) == 2
    )
    assert len(figures.strategies_figure([summary, other], names + ["stage1_ratio"]).axes) == 3
    deviations = (np.zeros(3), np.zeros(3))
    advantage = {"a": np.array([0.1, 0.2, 0.15])}
    assert len(figures.link_figure([summary], advantage, deviations).axes) == 3
    plt.close("all")
    fig = explorer.replay_figure("sign-synchronised", seed=0, epoch=5)
    assert "sign-synchronised, seed 0" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="epoch must be an integer"):
        explorer.replay_figure("sign-synchronised", seed=0, epoch=500)
    plt.close("all")
