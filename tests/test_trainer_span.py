"""The trainer's span formulation (pre-activations from ``W_0·F`` and the Gram matrix ``B·F``) against plain gradient
descent on the full weights, and its smaller promises: both probe routes, ``on_epoch``, concurrent drawing."""

from __future__ import annotations

import pytest
import torch

import mmcl
from mmcl.model.config import SyntheticConfig
from mmcl.model.data import initial_weights, sample
from mmcl.model.dynamics import multi_modal_step, single_modal_step
from mmcl.model.probe import probe_accuracy
from mmcl.model.trainer import matmul_flops


def _dense_descent(config: SyntheticConfig, mode: str, seed: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Gradient descent on the d-dimensional weights themselves, one epoch after another (float64)."""
    data = sample(config, seed, (mode,))
    tau = torch.tensor([config.tau], dtype=torch.float64)
    w = initial_weights(config, seed, 1)[None].clone()
    w_t = initial_weights(config, seed, 2)[None].clone() if mode == "multi" else None
    basis = torch.cat([data.xi, data.mu[:, None, :]], dim=1)
    for _ in range(config.epochs):
        if mode == "single":
            steps = [single_modal_step(w, data, tau)]
            pairs = [(w, basis)]
        else:
            steps = list(multi_modal_step(w, w_t, data, tau))
            pairs = [(w, basis), (w_t, torch.cat([data.xi_tilde, data.mu_tilde[:, None, :]], dim=1))]
        for (weights, b), step in zip(pairs, steps):
            weights -= config.lr * torch.bmm(torch.cat([step.c, step.g[:, :, None]], dim=2), b)
    return w, w_t


@pytest.mark.parametrize(
    "mode,extra",
    [
        ("single", {}),
        ("multi", {}),
        ("single", {"augmentation": "mask_all"}),
        ("multi", {"label_agreement": 0.8, "d_tilde": 30}),
    ],
)
def test_span_trainer_equals_dense_gradient_descent(tiny: SyntheticConfig, mode: str, extra: dict) -> None:
    config = tiny.replace(**extra)
    run = mmcl.train(config, mode, seeds=[3], device="cpu", dtype="float64")
    w, w_t = _dense_descent(config, mode, 3)
    torch.testing.assert_close(run.w, w, rtol=1e-9, atol=1e-12)
    if mode == "multi":
        torch.testing.assert_close(run.w_tilde, w_t, rtol=1e-9, atol=1e-12)


def test_both_probe_routes_give_the_probe_of_the_final_weights(tiny: SyntheticConfig) -> None:
    often = mmcl.train(tiny, "single", seeds=[0, 1], device="cpu", dtype="float64", eval_every=1)  # from the factors
    once = mmcl.train(tiny, "single", seeds=[0, 1], device="cpu", dtype="float64", eval_every=tiny.epochs)  # from W
    direct = probe_accuracy(once.w, once.data)
    assert torch.equal(torch.as_tensor(often.test_accuracy), torch.as_tensor(once.test_accuracy))
    assert torch.equal(torch.as_tensor(once.test_accuracy), direct.cpu())


def test_on_epoch_sees_every_epoch(tiny: SyntheticConfig) -> None:
    seen: list[int] = []
    mmcl.train(tiny, "multi", seeds=2, device="cpu", on_epoch=seen.append)
    assert seen == list(range(tiny.epochs + 1))


def test_concurrent_drawing_gives_the_same_runs(tiny: SyntheticConfig) -> None:
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        alone = mmcl.train(tiny, "single", seeds=4, device="cpu")
        torch.set_num_threads(2)
        together = mmcl.train(tiny, "single", seeds=4, device="cpu")
    finally:
        torch.set_num_threads(threads)
    assert torch.equal(alone.data.xi, together.data.xi) and torch.equal(alone.w0, together.w0)


def test_matmul_flops_counts_less_than_the_dense_algorithm() -> None:
    c = mmcl.FIGURE1
    dense = (c.epochs + 1) * 2 * c.m * c.d * (2 * c.n + 1) + c.epochs * 2 * c.m * (c.n + 1) * c.d
    assert 0 < matmul_flops(c, "single") < dense / 5
    assert matmul_flops(c, "single", eval_every=1) > matmul_flops(c, "single", eval_every=c.epochs)
    with pytest.raises(ValueError, match="mode"):
        matmul_flops(c, "both")
