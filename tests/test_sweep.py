"""The sweep runner: grid expansion, batching, the append-only results file, resuming and crash recovery."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import mmcl
from mmcl.cli import main
from mmcl.sweeps.grid import Grid, load_grid
from mmcl.sweeps.results import ResultsFile, compare, load_results
from mmcl.sweeps.runner import run_sweep, train_grid

ROOT = Path(__file__).resolve().parents[1]
BASE = {"n": 12, "d": 40, "m": 6, "n_test": 30, "epochs": 12, "sigma0": 0.3, "tau": 0.5, "lr": 0.05}


def small_grid(**changes: object) -> Grid:
    spec = {"base": BASE, "grid": {"n_snr2": [0.5, 2.0], "c_mu": [1.0, 3.0]}, "seeds": 2, "modes": ["single", "multi"]}
    spec.update(changes)
    return Grid.from_dict(spec)


def cell_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if json.loads(line)["kind"] == "cell"]


# -- grid expansion ----------------------------------------------------------------------------------------------------
def test_grid_expansion_derived_coordinates_and_deduplication() -> None:
    grid = small_grid()
    cells = grid.cells()
    assert len(cells) == 2 * 2 * 2
    for cell in cells:
        point = cell.coordinates
        assert math.isclose(cell.config.n_snr2, point["n_snr2"], rel_tol=1e-12)
        if cell.mode == "multi":
            assert math.isclose(cell.config.c_mu, point["c_mu"], rel_tol=1e-12)
        else:  # the single-modal setting never reads modality 2: stored at the default
            assert cell.config.mu_tilde_norm == mmcl.SyntheticConfig().mu_tilde_norm
    unique = grid.unique_cells()
    assert len(unique) == 2 + 4  # single-modal cells do not depend on c_mu
    assert grid.runs == 6 * 2
    assert len({c.key for c in unique}) == len(unique)


def test_cases_multiply_the_grid_and_ints_equal_floats() -> None:
    grid = Grid.from_dict(
        {
            "base": BASE,
            "grid": {"tau": [1, 0.2]},
            "cases": [{"lr": 0.01}, {"lr": 0.02, "sigma_eps": 0.5}],
            "seeds": [3, 7],
            "modes": "single",
        }
    )
    cells = grid.cells()
    assert [(c.config.tau, c.config.lr, c.config.sigma_eps) for c in cells] == [
        (1.0, 0.01, 0.1),
        (1.0, 0.02, 0.5),
        (0.2, 0.01, 0.1),
        (0.2, 0.02, 0.5),
    ]
    assert all(c.seeds == (3, 7) for c in cells)
    same = Grid.from_dict(
        {"base": BASE, "grid": {"tau": [1.0]}, "cases": [{"lr": 0.01}], "seeds": [3, 7], "modes": "single"}
    )
    assert same.cells()[0].key == cells[0].key


def test_mode_canonicalisation_ignores_unread_fields_only() -> None:
    grid = Grid.from_dict({"base": BASE, "grid": {"sigma_eps": [0.1, 0.5], "label_agreement": [1.0, 0.5]}, "seeds": 1})
    keys = {(c.mode, c.key) for c in grid.cells()}
    assert len({k for m, k in keys if m == "single"}) == 2  # σ_ε matters, label agreement does not
    assert len({k for m, k in keys if m == "multi"}) == 2  # the reverse
    mask = Grid.from_dict(
        {
            "base": {**BASE, "augmentation": "mask"},
            "grid": {"sigma_eps": [0.1, 0.5], "mask_rate": [0.2, 0.4]},
            "seeds": 1,
            "modes": ["single"],
        }
    )
    assert len(mask.unique_cells()) == 2  # masking does not read σ_ε


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"grid": {"bogus": [1]}}, "bogus"),
        ({"grid": {"tau": []}}, "grid.tau"),
        ({"grid": {"tau": 0.1}}, "grid.tau"),
        ({"grid": {"tau": [0.1, -1.0]}}, "tau"),
        ({"grid": {"n_snr2": [1.0]}, "base": {"mu_norm": 2.0}}, "n_snr2 or mu_norm"),
        ({"grid": {"n_snr2": [-1.0]}}, "n_snr2"),
        ({"grid": {"label_agreement": [0.0]}}, "label_agreement"),
        ({"seeds": 0}, "seeds"),
        ({"seeds": [1, 1]}, "seeds"),
        ({"seeds": [-1]}, "seeds"),
        ({"modes": ["both"]}, "modes"),
        ({"dtype": "float16"}, "dtype"),
        ({"extra": 1}, "extra"),
        ({"cases": {"tau": 0.1}}, "cases"),
    ],
)
def test_invalid_grids_raise_a_clear_error(spec: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Grid.from_dict({"base": BASE, **spec})


def test_grid_files_yaml_and_json(tmp_path: Path) -> None:
    spec = {"base": BASE, "grid": {"tau": [0.5, 0.25]}, "seeds": 2, "modes": ["multi"]}
    (tmp_path / "g.json").write_text(json.dumps(spec))
    import yaml

    (tmp_path / "g.yaml").write_text(yaml.safe_dump(spec))
    assert [c.key for c in load_grid(tmp_path / "g.json").cells()] == [
        c.key for c in load_grid(tmp_path / "g.yaml").cells()
    ]
    (tmp_path / "g.txt").write_text("{}")
    with pytest.raises(ValueError, match="yaml"):
        load_grid(tmp_path / "g.txt")
    with pytest.raises(ValueError, match="does not exist"):
        load_grid(tmp_path / "missing.yaml")


# -- batching ----------------------------------------------------------------------------------------------------------
def test_batched_mixed_scalar_parameters_equal_one_by_one_runs(tmp_path: Path) -> None:
    grid = Grid.from_dict(
        {
            "base": BASE,
            "grid": {"tau": [0.5, 0.3], "n_snr2": [0.5, 3.0]},
            "cases": [{"sigma_xi_tilde": 1.0}, {"lr": 0.02, "sigma_xi_tilde": 2.0, "label_agreement": 0.7}],
            "seeds": [0, 5],
            "dtype": "float64",
        }
    )
    out = tmp_path / "r.jsonl"
    summary = run_sweep(grid, out, device="cpu", batch_runs=64)
    assert summary.trained == len(grid.unique_cells())
    lines = {line["key"]: line for line in cell_lines(out)}
    assert max(line["batch_runs"] for line in lines.values()) >= 8  # several cells really shared a batch
    for cell in grid.unique_cells():
        alone = mmcl.train(
            cell.config, cell.mode, list(cell.seeds), device="cpu", dtype="float64", eval_every=BASE["epochs"]
        )
        got = lines[cell.key]["results"]
        np.testing.assert_allclose(got["final_train_loss"], alone.history["train_loss"][:, -1], rtol=1e-7, atol=1e-8)
        np.testing.assert_allclose(
            got["signal_learning"], alone.history["signal_learning"][:, -1], rtol=1e-7, atol=1e-8
        )
        np.testing.assert_allclose(got["test_accuracy"], alone.test_accuracy, atol=1e-8)


def test_batches_respect_batch_runs(tmp_path: Path) -> None:
    grid = small_grid()
    run_sweep(grid, tmp_path / "r.jsonl", device="cpu", batch_runs=4)
    assert max(line["batch_runs"] for line in cell_lines(tmp_path / "r.jsonl")) <= 4
    with pytest.raises(ValueError, match="batch_runs"):
        run_sweep(grid, tmp_path / "x.jsonl", batch_runs=0)


# -- the results file: append, skip, resume, recover -------------------------------------------------------------------
def test_rerun_skips_finished_cells_and_header_records_provenance(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    grid = small_grid()
    first = run_sweep(grid, out, device="cpu", command="python -m mmcl sweep --grid g.yaml --out r.jsonl")
    assert (first.trained, first.skipped) == (6, 0)
    text = out.read_text()
    second = run_sweep(grid, out, device="cpu")
    assert (second.trained, second.skipped) == (0, 6)
    assert out.read_text() == text  # nothing appended, not even a header
    results = load_results(out)
    assert len(results.headers) == 1
    assert results.provenance[0]["command"] == "python -m mmcl sweep --grid g.yaml --out r.jsonl"
    assert results.provenance[0]["mmcl_version"] == mmcl.__version__
    assert results.grid.to_dict() == grid.to_dict()
    rows = results.table()
    assert len(rows) == 8 and {r["mode"] for r in rows} == {"single", "multi"}
    assert all(r["test_accuracy"].shape == (2,) for r in rows)


def test_interrupted_sweep_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    grid = small_grid()
    written = []

    def stop_after_two(record: dict) -> None:
        written.append(record)
        if len(written) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(grid, out, device="cpu", batch_runs=2, on_cell=stop_after_two)
    assert len(cell_lines(out)) == 2
    resumed = run_sweep(grid, out, device="cpu", batch_runs=2)
    assert (resumed.skipped, resumed.trained) == (2, 4)
    keys = [line["key"] for line in cell_lines(out)]
    assert len(keys) == len(set(keys)) == 6
    results = load_results(out)
    assert len(results.headers) == 2 and [c["header"] for c in cell_lines(out)] == [0, 0, 1, 1, 1, 1]
    # the resumed file holds the same numbers as an uninterrupted sweep
    clean = tmp_path / "clean.jsonl"
    run_sweep(grid, clean, device="cpu", batch_runs=2)
    a = {line["key"]: line["results"] for line in cell_lines(out)}
    b = {line["key"]: line["results"] for line in cell_lines(clean)}
    assert a == b


def test_truncated_last_line_is_cut_off_and_redone(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    grid = small_grid()
    run_sweep(grid, out, device="cpu", batch_runs=2)
    lines = out.read_text().splitlines(keepends=True)
    lost = json.loads(lines[-1])["key"]
    damaged = "".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2]  # a crash in the middle of the last write
    out.write_text(damaged)
    assert lost not in load_results(out).cells  # reading ignores the partial line
    summary = run_sweep(grid, out, device="cpu", batch_runs=2)
    assert summary.repaired and summary.trained == 1
    keys = [line["key"] for line in cell_lines(out)]  # every line parses again
    assert len(keys) == len(set(keys)) == 6 and keys[-1] == lost


def test_damaged_line_in_the_middle_is_an_error(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    run_sweep(small_grid(), out, device="cpu")
    lines = out.read_text().splitlines(keepends=True)
    lines[2] = "{not json\n"
    out.write_text("".join(lines))
    with pytest.raises(ValueError, match="line 3"):
        run_sweep(small_grid(), out, device="cpu")
    other = tmp_path / "other.jsonl"
    other.write_text('{"kind": "cell", "key": "x"}\n{"kind": "cell", "key": "y"}\n')
    with pytest.raises(ValueError, match="header"):
        load_results(other)


def test_results_file_is_locked_while_a_sweep_writes(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    with ResultsFile(out):
        with pytest.raises(ValueError, match="another sweep"):
            run_sweep(small_grid(), out, device="cpu")


def test_diverging_cell_is_recorded_and_does_not_stop_the_others(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    grid = Grid.from_dict({"base": BASE, "grid": {"lr": [0.05, 1e30]}, "seeds": 2, "modes": ["single"]})
    summary = run_sweep(grid, out, device="cpu")
    assert (summary.trained, summary.diverged) == (1, 1)
    status = {line["config"]["lr"]: line["status"] for line in cell_lines(out)}
    assert status == {0.05: "ok", 1e30: "diverged"}
    assert run_sweep(grid, out, device="cpu").skipped == 2


def test_extending_the_seeds_trains_only_the_new_seeds(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    first = run_sweep(small_grid(seeds=2, dtype="float64"), out, device="cpu")
    assert (first.trained, first.runs) == (6, 12)
    grid = small_grid(seeds=4, dtype="float64")
    second = run_sweep(grid, out, device="cpu")
    assert (second.trained, second.skipped, second.runs) == (6, 0, 12)  # seeds 2 and 3 of each cell, nothing else
    assert [line["seeds"] for line in cell_lines(out)] == [[0, 1]] * 6 + [[2, 3]] * 6
    assert run_sweep(grid, out, device="cpu").skipped == 6  # nothing left
    results = load_results(out)
    stored, fresh = results.table(), train_grid(grid, device="cpu")
    assert len(stored) == len(fresh) == 8
    for a, b in zip(stored, fresh):  # assembled from two lines = trained in one go
        assert list(a["seeds"]) == [0, 1, 2, 3]
        np.testing.assert_array_equal(a["test_accuracy"], b["test_accuracy"])
        np.testing.assert_allclose(a["final_train_loss"], b["final_train_loss"], rtol=1e-9)
    picked = results.table(grid.subset(seeds=[3, 0]))  # any subset, in the order asked for
    np.testing.assert_array_equal(picked[0]["test_accuracy"], stored[0]["test_accuracy"][[3, 0]])
    with pytest.raises(ValueError, match="no result"):
        results.table(small_grid(seeds=5, dtype="float64"))


def test_config_key_ignores_seeds_and_reads_stored_configurations() -> None:
    from mmcl.sweeps.grid import config_key

    a, b = small_grid(seeds=2).cells()[0], small_grid(seeds=[5, 7]).cells()[0]
    assert a.key != b.key and a.config_key == b.config_key
    assert config_key(a.mode, a.config.to_dict(), a.dtype) == a.config_key
    assert config_key("multi", a.config, a.dtype) != a.config_key


def test_unfinished_sweep_table_says_so(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    run_sweep(small_grid(seeds=1), out, device="cpu")
    with pytest.raises(ValueError, match="no result"):
        load_results(out).table(small_grid(seeds=2))


# -- the command line --------------------------------------------------------------------------------------------------
def test_cli_sweep_writes_and_resumes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "g.json"
    spec.write_text(json.dumps({"base": BASE, "grid": {"tau": [0.5, 0.25]}, "seeds": 2}))
    out = tmp_path / "r.jsonl"
    assert main(["sweep", "--grid", str(spec), "--out", str(out), "--device", "cpu", "--quiet"]) == 0
    assert len(cell_lines(out)) == 4
    assert main(["sweep", "--grid", str(spec), "--out", str(out), "--device", "cpu"]) == 0
    assert "4 already done" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"grid": {"tau": [-1]}}))
    assert main(["sweep", "--grid", str(bad), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "tau" in err[0]


def test_killed_sweep_process_resumes(tmp_path: Path) -> None:
    """Kill a real sweep process (SIGKILL, no clean-up) after it wrote some cells, then finish it."""
    spec = tmp_path / "g.json"
    spec.write_text(
        json.dumps(
            {
                "base": {**BASE, "epochs": 40},
                "grid": {"tau": [0.5, 0.4, 0.3, 0.25, 0.2, 0.15]},
                "seeds": 2,
                "modes": ["single"],
            }
        )
    )
    out = tmp_path / "r.jsonl"
    command = [
        sys.executable,
        "-m",
        "mmcl",
        "sweep",
        "--grid",
        str(spec),
        "--out",
        str(out),
        "--device",
        "cpu",
        "--batch-runs",
        "2",
        "--quiet",
    ]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "OMP_NUM_THREADS": "1",
    }
    proc = subprocess.Popen(command, env=env, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if out.exists() and out.read_text().count('"kind":"cell"') >= 2:
                break
            time.sleep(0.01)
        killed = proc.poll() is None
        if killed:
            proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    before = len(cell_lines(out)) if out.read_text().endswith("\n") else None
    subprocess.run(command, env=env, cwd=tmp_path, check=True, timeout=300)
    keys = [line["key"] for line in cell_lines(out)]
    assert len(keys) == len(set(keys)) == 6
    if killed and before is not None:
        assert before < 6  # it really was interrupted before the end


# -- in-memory grids and comparison with stored results ----------------------------------------------------------------
def test_subset_train_grid_and_compare(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    grid = small_grid(seeds=3)
    run_sweep(grid, out, device="cpu")
    results = load_results(out)
    sub = results.grid.subset(n_snr2=[2.0], seeds=[2, 0])
    assert len(sub.cells()) == 2 * 2 and all(c.seeds == (2, 0) for c in sub.cells())
    rows = train_grid(sub, device="cpu")
    assert [r["mode"] for r in rows] == ["single", "multi"] * 2
    agreement = compare(rows, results)
    assert agreement.runs == 8 and agreement.max_abs_diff <= 0.02
    # a changed result is noticed
    rows[1]["test_accuracy"] = rows[1]["test_accuracy"] + 0.25
    assert compare(rows, results).max_abs_diff >= 0.25 - 1e-12
    with pytest.raises(ValueError, match="not a non-empty subset"):
        results.grid.subset(n_snr2=[7.0])
    with pytest.raises(ValueError, match="not an axis"):
        results.grid.subset(tau=[0.1])
    with pytest.raises(ValueError, match="seeds"):
        results.grid.subset(seeds=[9])
    other = Grid.from_dict({"base": {**BASE, "tau": 0.3}, "grid": {"n_snr2": [2.0]}, "seeds": [0]})
    with pytest.raises(ValueError, match="holds no"):
        compare(train_grid(other, device="cpu"), results)


def test_crossing_rejects_repeated_x_and_interpolates_in_log_x() -> None:
    from mmcl.sweeps.phase import crossing

    with pytest.raises(ValueError, match="distinct"):
        crossing([1.0, 2.0, 2.0, 4.0], [-1.0, -0.5, 0.5, 1.0])
    assert crossing([1.0, 4.0], [-1.0, 1.0]) == pytest.approx(2.0)  # the geometric midpoint
    assert crossing([1.0, 4.0], [-1.0, 1.0], log=False) == pytest.approx(2.5)
