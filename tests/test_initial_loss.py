"""With σ₀ → 0 every similarity vanishes, so the initial loss is mean_i log(1 + M_i) (single) and twice that (multi)."""

from __future__ import annotations

import numpy as np
import pytest

import mmcl
from mmcl.model.config import SyntheticConfig


@pytest.mark.parametrize("mode, factor", [("single", 1), ("multi", 2)])
def test_initial_loss_is_log_one_plus_negatives(mode: str, factor: int) -> None:
    config = SyntheticConfig(n=20, d=60, m=8, n_test=20, sigma0=1e-7, epochs=0)
    run = mmcl.train(config, mode, seeds=[0, 1, 2], dtype="float64")
    y = run.data.y.numpy()
    negatives = (y[:, :, None] != y[:, None, :]).sum(2)
    expected = factor * np.log1p(negatives).mean(1)
    np.testing.assert_allclose(run.history["train_loss"][:, 0], expected, rtol=0, atol=1e-8)


def test_figure1_initial_loss_near_log51() -> None:
    """At the Figure 1 size (M ≈ 50) this is ≈ 3.93 single-modal and ≈ 7.86 multi-modal."""
    config = mmcl.FIGURE1.replace(sigma0=1e-6, epochs=0)
    single = mmcl.train(config, "single", seeds=2).history["train_loss"][:, 0]
    multi = mmcl.train(config, "multi", seeds=2).history["train_loss"][:, 0]
    assert np.all(np.abs(single - np.log(51)) < 0.05)
    assert np.all(np.abs(multi - 2 * np.log(51)) < 0.1)
