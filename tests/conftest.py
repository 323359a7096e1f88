"""Shared fixtures: small float64 problems for exact checks."""

from __future__ import annotations

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
