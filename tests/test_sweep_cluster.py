"""Sweeps on executors: a Dask cluster of worker processes gives the in-process results, survives a dying worker,
and a failed batch is reported and redone by the resumed sweep; the ``--workers`` / ``--scheduler`` flags."""

from __future__ import annotations

import concurrent.futures
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

from mmcl.cli import main
from mmcl.sweeps.grid import Grid
from mmcl.sweeps.runner import SweepError, run_sweep, train_grid

distributed = pytest.importorskip("distributed")

BASE = {"n": 12, "d": 40, "m": 6, "n_test": 30, "epochs": 12, "sigma0": 0.3, "tau": 0.5, "lr": 0.05}
SPEC = {"base": BASE, "grid": {"n_snr2": [0.5, 2.0], "c_mu": [1.0, 3.0]}, "seeds": 2, "modes": ["single", "multi"]}
VOLATILE = ("batch_seconds",)  # timing; everything else of a cell line must be equal


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A local Dask cluster of two worker processes (one thread each), shared by the tests of this module."""
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this test module
    try:
        with (
            distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
            ) as cluster,
            distributed.Client(cluster) as c,
        ):
            yield c
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The grid swept in this process, at one torch thread like a Dask worker: cell lines by key."""
    out = tmp_path_factory.mktemp("reference") / "r.jsonl"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        run_sweep(Grid.from_dict(SPEC), out, device="cpu", batch_runs=2)
    finally:
        torch.set_num_threads(threads)
    return cells(out)


def cells(path: Path) -> dict[str, dict]:
    """The cell lines of a results file by key, without timing fields; fails on a duplicate line."""
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    out: dict[str, dict] = {}
    for line in lines:
        if line["kind"] == "cell":
            assert line["key"] not in out, f"cell {line['key']} written twice"
            out[line["key"]] = {k: v for k, v in line.items() if k not in VOLATILE}
    return out


class Sabotage:
    """An executor that submits to ``client`` but wraps the batch whose first cell is ``key`` in ``wrapper``."""

    def __init__(self, client: Any, key: str, wrapper: Callable[..., Any], marker: Path) -> None:
        self.client, self.key, self.wrapper, self.marker = client, key, wrapper, marker

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        if args[0][0].key == self.key:
            return self.client.submit(self.wrapper, str(self.marker), fn, *args)
        return self.client.submit(fn, *args)


def die_on_first_attempt(marker: str, fn: Callable[..., Any], *args: Any) -> Any:
    """Kill this worker process (no clean-up) the first time; train normally when Dask reruns the task."""
    if not os.path.exists(marker):
        Path(marker).write_text(str(os.getpid()))
        os._exit(1)
    return fn(*args)


def always_fail(marker: str, fn: Callable[..., Any], *args: Any) -> Any:
    """A batch whose task always raises."""
    Path(marker).write_text("failed")
    raise RuntimeError("injected failure")


# -- the same results -------------------------------------------------------------------------------------------------
def test_cluster_and_thread_pool_give_the_in_process_results(
    client: Any, reference: dict[str, dict], tmp_path: Path
) -> None:
    grid = Grid.from_dict(SPEC)
    finished: list[dict] = []
    summary = run_sweep(
        grid, tmp_path / "dask.jsonl", device="cpu", batch_runs=2, executor=client, on_cell=finished.append
    )
    assert (summary.trained, summary.runs, len(finished)) == (6, 12, 6)
    assert cells(tmp_path / "dask.jsonl") == reference  # every field of every cell, bit for bit
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        run_sweep(grid, tmp_path / "threads.jsonl", device="cpu", batch_runs=2, executor=pool)
    assert cells(tmp_path / "threads.jsonl") == reference
    rows = train_grid(grid, device="cpu", batch_runs=2, executor=client)
    assert [r["mode"] for r in rows] == [c.mode for c in grid.cells()]
    with pytest.raises(ValueError, match="executor must be"):
        run_sweep(grid, tmp_path / "x.jsonl", executor=object())


# -- failures ---------------------------------------------------------------------------------------------------------
def test_a_dying_worker_does_not_lose_or_duplicate_cells(
    client: Any, reference: dict[str, dict], tmp_path: Path
) -> None:
    grid = Grid.from_dict(SPEC)
    target = grid.unique_cells()[2].key  # with batch_runs=2 every cell is its own batch
    marker = tmp_path / "died"
    executor = Sabotage(client, target, die_on_first_attempt, marker)
    summary = run_sweep(grid, tmp_path / "r.jsonl", device="cpu", batch_runs=2, executor=executor)
    assert marker.exists()  # a worker really died in the middle of the sweep; Dask reran its batch elsewhere
    assert int(marker.read_text()) not in client.run(os.getpid).values()
    assert summary.trained == 6
    assert cells(tmp_path / "r.jsonl") == reference


def test_a_failed_batch_is_reported_and_the_resumed_sweep_writes_exactly_the_missing_cells(
    client: Any, reference: dict[str, dict], tmp_path: Path
) -> None:
    grid = Grid.from_dict(SPEC)
    target = grid.unique_cells()[4].key
    out = tmp_path / "r.jsonl"
    executor = Sabotage(client, target, always_fail, tmp_path / "failed")
    with pytest.raises(SweepError, match=f"1 of 6 batches failed.*{target}.*injected failure") as error:
        run_sweep(grid, out, device="cpu", batch_runs=2, executor=executor)
    assert [keys for keys, _ in error.value.failures] == [[target]]
    assert set(cells(out)) == set(reference) - {target}  # every other batch was written
    resumed = run_sweep(grid, out, device="cpu", batch_runs=2, executor=client)
    assert (resumed.skipped, resumed.trained) == (5, 1)
    assert cells(out) == {k: {**v, "header": 1 if k == target else 0} for k, v in reference.items()}


# -- the command line -------------------------------------------------------------------------------------------------
def test_cli_workers_and_scheduler(client: Any, reference: dict[str, dict], tmp_path: Path) -> None:
    spec = tmp_path / "g.json"
    spec.write_text(json.dumps(SPEC))
    args = ["sweep", "--grid", str(spec), "--device", "cpu", "--batch-runs", "2", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "w.jsonl"), "--workers", "2"]) == 0
    assert cells(tmp_path / "w.jsonl") == reference
    assert main([*args, "--out", str(tmp_path / "s.jsonl"), "--scheduler", client.scheduler.address]) == 0
    assert cells(tmp_path / "s.jsonl") == reference
    header = json.loads((tmp_path / "s.jsonl").read_text().splitlines()[0])
    assert "--scheduler" in header["provenance"]["command"]


@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        (["--workers", "0"], "argument --workers: must be an integer >= 1"),
        (["--workers", "-3"], "argument --workers: must be an integer >= 1"),
        (["--workers", "two"], "argument --workers: must be an integer >= 1"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "not allowed with argument"),
    ],
)
def test_cli_flag_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], needle: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["sweep", "--grid", "g.json", "--out", str(tmp_path / "r.jsonl"), *flags])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0]
    assert not (tmp_path / "r.jsonl").exists()


def test_cli_without_dask_says_how_to_install_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "g.json"
    spec.write_text(json.dumps(SPEC))
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now raises ImportError
    assert main(["sweep", "--grid", str(spec), "--out", str(tmp_path / "r.jsonl"), "--workers", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and 'pip install "mmcl[cluster]"' in err[0]
    assert not (tmp_path / "r.jsonl").exists()


def test_cli_reports_failed_batches_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import mmcl.cli.sweep

    def failing(*args: Any, **kwargs: Any) -> None:
        raise SweepError("1 of 3 batches failed (2 cell(s) not written); run the same command again", [])

    spec = tmp_path / "g.json"
    spec.write_text(json.dumps(SPEC))
    monkeypatch.setattr(mmcl.cli.sweep, "run_sweep", failing)
    assert main(["sweep", "--grid", str(spec), "--out", str(tmp_path / "r.jsonl"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "1 of 3 batches failed" in err[0]
