"""Figure 1's claims at the paper's settings (d=2000, n=100, m=50, 200 epochs) over 5 seeds, with this book's τ, σ₀."""

from __future__ import annotations

import numpy as np
import pytest

import mmcl


@pytest.fixture(scope="module")
def figure1_runs() -> dict[str, mmcl.Run]:
    return {mode: mmcl.train(mmcl.FIGURE1, mode, seeds=5) for mode in ("single", "multi")}


def test_losses_converge(figure1_runs: dict[str, mmcl.Run]) -> None:
    for run in figure1_runs.values():
        assert run.history["train_loss"][:, -1].mean() < 0.05


def test_initial_losses(figure1_runs: dict[str, mmcl.Run]) -> None:
    """Multi-modal starts at 2·log(1+M) ≈ 7.86; single-modal lower (≈3.25) since positives correlate at σ₀ = 0.01."""
    multi0 = figure1_runs["multi"].history["train_loss"][:, 0]
    single0 = figure1_runs["single"].history["train_loss"][:, 0]
    assert np.all(np.abs(multi0 - 2 * np.log(51)) < 0.2)
    assert np.all((single0 > 2.5) & (single0 < np.log(51)))


def test_ood_accuracy_gap(figure1_runs: dict[str, mmcl.Run]) -> None:
    assert figure1_runs["multi"].test_accuracy.mean() >= 0.90
    assert figure1_runs["single"].test_accuracy.mean() <= 0.75


def test_signal_and_noise(figure1_runs: dict[str, mmcl.Run]) -> None:
    single, multi = figure1_runs["single"].history, figure1_runs["multi"].history
    assert multi["signal_learning"][:, -1].mean() > 3 * single["signal_learning"][:, -1].mean()
    assert single["noise_memorization"][:, -1].mean() > multi["noise_memorization"][:, -1].mean()
