"""The ColoredMNIST trainer, its checkpoints and resume, and the ``table1`` command, on a tiny stand-in for MNIST.

The stand-in has the real shapes (28×28 uint8 digits, labels 0–9) but random pixels, so these tests check the
machinery (determinism, checkpoints, resume, records), not the accuracies; the accuracies are checked by the
assertions of chapter 10, which strict nbval re-runs.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch

import mmcl.cmnist.table1 as t1
import mmcl.cmnist.training as ct
from mmcl.cli import main

TINY = ct.CMNISTConfig(n_train=256, n_test=128, hidden=16, embed=8, epochs=3, batch_size=64)


@pytest.fixture(autouse=True)
def _fake(fake_mnist: None) -> None:
    """Every test of this file runs on random digits (the shared ``fake_mnist`` fixture)."""


@pytest.mark.parametrize("mode", ["single", "multi"])
def test_training_is_deterministic_and_returns_one_result_per_seed(mode):
    a = ct.train_cmnist(TINY, mode, [0, 4], device="cpu")
    b = ct.train_cmnist(TINY, mode, [0, 4], device="cpu")
    assert a.seeds == (0, 4) and a.train_accuracy.shape == (2,) and a.loss.shape == (2, 3)
    np.testing.assert_array_equal(a.loss, b.loss)
    np.testing.assert_array_equal(a.test_accuracy, b.test_accuracy)
    assert np.isfinite(a.loss).all() and a.loss[:, -1].mean() < a.loss[:, 0].mean()  # it learns something
    assert set(a.summary()) == {"train_accuracy_mean", "train_accuracy_std", "test_accuracy_mean", "test_accuracy_std"}


class Interrupt(Exception):
    pass


@pytest.mark.parametrize("mode", ["single", "multi"])
def test_interrupted_run_resumes_to_the_uninterrupted_result(mode, tmp_path):
    config = TINY if mode == "multi" else ct.CMNISTConfig(**(TINY.to_dict() | {"colour_jitter": True}))
    reference = ct.train_cmnist(config, mode, 2, device="cpu")
    path = tmp_path / "run.pt"

    def stop_after_two(epoch: int) -> None:
        if epoch == 2:
            raise Interrupt

    with pytest.raises(Interrupt):
        ct.train_cmnist(config, mode, 2, device="cpu", checkpoint=path, on_epoch=stop_after_two)
    state = torch.load(path, weights_only=True)
    assert state["epoch"] == 2 and state["mode"] == mode and state["config"] == config.to_dict()
    epochs_seen = []
    resumed = ct.train_cmnist(config, mode, 2, device="cpu", checkpoint=path, resume=True, on_epoch=epochs_seen.append)
    assert epochs_seen == [3]
    np.testing.assert_array_equal(resumed.loss, reference.loss)
    np.testing.assert_array_equal(resumed.train_accuracy, reference.train_accuracy)
    np.testing.assert_array_equal(resumed.test_accuracy, reference.test_accuracy)
    assert torch.load(path, weights_only=True)["epoch"] == 3
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_resume_refuses_a_foreign_or_broken_checkpoint(tmp_path):
    path = tmp_path / "run.pt"
    ct.train_cmnist(TINY, "multi", 1, device="cpu", checkpoint=path)
    with pytest.raises(ValueError, match="was written for config"):
        ct.train_cmnist(
            ct.CMNISTConfig(**(TINY.to_dict() | {"epochs": 4})), "multi", 1, device="cpu", checkpoint=path, resume=True
        )
    with pytest.raises(ValueError, match="was written for mode"):
        ct.train_cmnist(TINY, "single", 1, device="cpu", checkpoint=path, resume=True)
    path.write_bytes(b"truncated")
    with pytest.raises(ValueError, match="cannot read checkpoint"):
        ct.train_cmnist(TINY, "multi", 1, device="cpu", checkpoint=path, resume=True)


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="mode"):
        ct.train_cmnist(TINY, "triple", 1, device="cpu")
    with pytest.raises(ValueError, match="seeds"):
        ct.train_cmnist(TINY, "single", 0, device="cpu")
    with pytest.raises(ValueError, match="resume"):
        ct.train_cmnist(TINY, "single", 1, device="cpu", resume=True)
    for bad in (
        {"tau": 0},
        {"caption": "maybe"},
        {"max_shift": 7},
        {"n_train": 70_000},
        {"batch_size": 1},
        {"epochs": 0},
    ):
        with pytest.raises(ValueError, match=next(iter(bad))):
            ct.CMNISTConfig(**bad)


def test_table1_command_writes_json_markdown_and_resumes(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(ct.SIZES, "quick", TINY)
    out = tmp_path / "t1"
    assert main(["table1", "--size", "quick", "--seeds", "2", "--device", "cpu", "--out", str(out), "--quiet"]) == 0
    record = json.loads((out / "table1.json").read_text())
    assert set(record["results"]) == set(t1.PIPELINES)
    for stats in record["results"].values():
        for key in ("train_accuracy_mean", "train_accuracy_std", "test_accuracy_mean", "test_accuracy_std"):
            assert 0 <= stats[key] <= 1
        assert len(stats["test_accuracy"]) == 2
    assert record["config"]["base"] == TINY.to_dict() and record["config"]["seeds"] == [0, 1]
    assert record["provenance"]["command"].startswith("python -m mmcl table1 --size quick")
    assert record["paper"]["multi"]["test_accuracy"] == 0.8213
    table = (out / "table1.md").read_text()
    assert "| single |" in table and "| multi |" in table and "82.13" in table
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == sorted(f"{p}.pt" for p in t1.PIPELINES)
    assert capsys.readouterr().err == ""  # --quiet: nothing on stderr

    assert (
        main(["table1", "--size", "quick", "--seeds", "2", "--device", "cpu", "--out", str(out), "--quiet", "--resume"])
        == 0
    )
    again = json.loads((out / "table1.json").read_text())
    for name in t1.PIPELINES:  # every pipeline was complete: resume only re-evaluates, with the same numbers
        assert again["results"][name]["test_accuracy"] == record["results"][name]["test_accuracy"]


def test_table1_command_reports_bad_input_in_one_line(tmp_path, capsys):
    assert main(["table1", "--seeds", "0", "--out", str(tmp_path)]) == 2
    assert "--seeds must be >= 1" in capsys.readouterr().err
    assert main(["table1", "--pipelines", "single,quadruple", "--out", str(tmp_path)]) == 2
    assert "pipelines must be" in capsys.readouterr().err


def test_augmentation_grid_trains_every_setting_like_the_single_pipeline(monkeypatch):
    monkeypatch.setitem(ct.SIZES, "quick", TINY)
    grid = t1.augmentation_grid("quick", shifts=(0, 3), noise_stds=(0.4,), seeds=2, device="cpu")
    assert grid["train_accuracy"].shape == grid["test_accuracy"].shape == (2, 1, 2)
    assert grid["shifts"] == (0, 3) and grid["noise_stds"] == (0.4,) and grid["seeds"] == [0, 1]
    alone = ct.train_cmnist(dataclasses.replace(TINY, max_shift=3), "single", [0, 1], device="cpu")
    np.testing.assert_array_equal(grid["test_accuracy"][1, 0], alone.test_accuracy)


def test_augmentation_grid_rejects_bad_settings(monkeypatch):
    monkeypatch.setitem(ct.SIZES, "quick", TINY)
    with pytest.raises(ValueError, match="max_shift"):
        t1.augmentation_grid("quick", shifts=(7,), noise_stds=(0.4,), seeds=1, device="cpu")
    with pytest.raises(ValueError, match="noise_std"):
        t1.augmentation_grid("quick", shifts=(0,), noise_stds=(-1.0,), seeds=1, device="cpu")
    with pytest.raises(ValueError, match="size"):
        t1.augmentation_grid("huge")
    with pytest.raises(ValueError, match="at least one"):
        t1.augmentation_grid("quick", shifts=())
