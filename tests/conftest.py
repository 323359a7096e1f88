"""Shared fixtures: small float64 problems for exact checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mmcl.model.config import SyntheticConfig


@pytest.fixture(autouse=True)
def _deterministic() -> None:
    torch.use_deterministic_algorithms(True)


@pytest.fixture
def tiny() -> SyntheticConfig:
    """A small configuration with lively dynamics (large σ₀ so activations are non-trivial)."""
    return SyntheticConfig(
        n=12,
        d=40,
        m=6,
        n_test=30,
        mu_norm=3.0,
        mu_tilde_norm=6.0,
        sigma_eps=0.3,
        sigma0=0.3,
        tau=0.5,
        lr=0.05,
        epochs=20,
    )


@pytest.fixture
def fake_mnist(monkeypatch: pytest.MonkeyPatch) -> None:
    """Random 28×28 "digits" in place of MNIST (512 for training, 256 for testing), for ColoredMNIST tests that need
    no real data."""
    import mmcl.cmnist.dataset as cm

    rng = np.random.default_rng(0)
    split = {
        "train": (rng.integers(0, 256, (512, 28, 28), dtype=np.uint8), rng.integers(0, 10, 512).astype(np.uint8)),
        "test": (rng.integers(0, 256, (256, 28, 28), dtype=np.uint8), rng.integers(0, 10, 256).astype(np.uint8)),
    }
    monkeypatch.setattr(cm, "load_mnist", lambda name: split[name])
