"""Property-based: random small configurations give either a valid result or a clear ValueError."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mmcl
from mmcl.model.config import SyntheticConfig

numbers = st.one_of(st.floats(-2, 20), st.sampled_from([math.nan, math.inf, -math.inf, 0.0]), st.integers(-3, 5))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(-1, 8),
    d=st.integers(-1, 12),
    m=st.integers(-1, 4),
    n_test=st.integers(0, 8),
    mu_norm=numbers,
    sigma_xi=numbers,
    sigma_eps=numbers,
    tau=numbers,
    sigma0=numbers,
    lr=numbers,
    epochs=st.integers(-1, 3),
    mode=st.sampled_from(["single", "multi"]),
)
def test_valid_result_or_clear_error(
    n, d, m, n_test, mu_norm, sigma_xi, sigma_eps, tau, sigma0, lr, epochs, mode
) -> None:
    values = dict(
        n=n,
        d=d,
        m=m,
        n_test=n_test,
        mu_norm=mu_norm,
        sigma_xi=sigma_xi,
        sigma_eps=sigma_eps,
        tau=tau,
        sigma0=sigma0,
        lr=lr,
        epochs=epochs,
    )
    try:
        config = SyntheticConfig(**values)
    except ValueError as exc:
        assert any(name in str(exc) for name in values), str(exc)
        return
    try:
        run = mmcl.train(config, mode, seeds=[0, 1], dtype="float64")
    except mmcl.TrainingDiverged as exc:
        assert "epoch" in str(exc)
        return
    assert all(np.isfinite(v).all() for v in run.history.values())
    assert run.history["train_loss"].shape == (2, epochs + 1)
    assert ((run.test_accuracy >= 0) & (run.test_accuracy <= 1)).all()
    assert math.isfinite(run.summary()["final_train_loss_mean"])
