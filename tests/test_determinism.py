"""Same seed ⇒ bit-identical history on CPU; K seeds batched equal the K runs done one by one."""

from __future__ import annotations

import numpy as np
import pytest

import mmcl
from mmcl.model.config import SyntheticConfig


@pytest.mark.parametrize("mode", ["single", "multi"])
def test_same_seed_is_bit_identical(tiny: SyntheticConfig, mode: str) -> None:
    a = mmcl.train(tiny, mode, seeds=[3, 4])
    b = mmcl.train(tiny, mode, seeds=[3, 4])
    for key in a.history:
        assert np.array_equal(a.history[key], b.history[key]), key
    assert np.array_equal(a.w.numpy(), b.w.numpy())


@pytest.mark.parametrize("mode", ["single", "multi"])
@pytest.mark.parametrize("dtype, tol", [("float64", 1e-10), ("float32", 1e-4)])
def test_batched_equals_one_by_one(tiny: SyntheticConfig, mode: str, dtype: str, tol: float) -> None:
    seeds = [0, 5, 9]
    batched = mmcl.train(tiny, mode, seeds=seeds, dtype=dtype)
    for k, seed in enumerate(seeds):
        alone = mmcl.train(tiny, mode, seeds=[seed], dtype=dtype)
        for key in ("train_loss", "signal_learning", "noise_memorization", "gamma", "rho_final"):
            np.testing.assert_allclose(batched.history[key][k], alone.history[key][0], rtol=tol, atol=tol, err_msg=key)
        np.testing.assert_array_equal(batched.test_accuracy[k], alone.test_accuracy[0])


def test_mixed_scalar_parameters_in_one_batch(tiny: SyntheticConfig) -> None:
    """Runs differing in τ, η, σ₀ and ‖μ‖ share one batch and equal their solo runs."""
    configs = [tiny, tiny.replace(tau=0.2, lr=0.02), tiny.replace(sigma0=0.05, mu_norm=5.0)]
    batched = mmcl.train(configs, "multi", seeds=[1, 1, 1], dtype="float64")
    for k, config in enumerate(configs):
        alone = mmcl.train(config, "multi", seeds=[1], dtype="float64")
        np.testing.assert_allclose(
            batched.history["train_loss"][k], alone.history["train_loss"][0], rtol=1e-10, atol=1e-10
        )


def test_single_and_multi_share_modality_one(tiny: SyntheticConfig) -> None:
    single = mmcl.train(tiny, "single", seeds=[7])
    multi = mmcl.train(tiny, "multi", seeds=[7])
    assert np.array_equal(single.w0.numpy(), multi.w0.numpy())
    assert np.array_equal(single.data.xi.numpy(), multi.data.xi.numpy())
    assert np.array_equal(single.data.y.numpy(), multi.data.y.numpy())
