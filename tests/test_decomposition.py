"""The γ/ρ decomposition (eq. 11/14): recursion (Lemma 5.1/5.3) and least squares agree and reconstruct W."""

from __future__ import annotations

import pytest
import torch

import mmcl
from mmcl.model.config import SyntheticConfig
from mmcl.model.decomposition import least_squares, reconstruct


@pytest.mark.parametrize("mode", ["single", "multi"])
def test_recursion_and_least_squares_agree(tiny: SyntheticConfig, mode: str) -> None:
    run = mmcl.train(tiny, mode, seeds=[0, 1], dtype="float64")
    encoders = [("", run.w, run.w0, run.data.mu, run.data.xi)]
    if mode == "multi":
        encoders.append(("_tilde", run.w_tilde, run.w0_tilde, run.data.mu_tilde, run.data.xi_tilde))
    for suffix, w, w0, mu, xi in encoders:
        gamma_rec = torch.as_tensor(run.history["gamma" + suffix][:, -1])
        rho_rec = torch.as_tensor(run.history["rho_final" + suffix])
        assert gamma_rec.abs().max() > 1e-3 and rho_rec.abs().max() > 1e-3  # the run moved
        torch.testing.assert_close(reconstruct(w0, gamma_rec, rho_rec, mu, xi), w, rtol=0, atol=1e-8)
        gamma_ls, rho_ls = least_squares(w, w0, mu, xi)
        torch.testing.assert_close(gamma_ls, gamma_rec, rtol=0, atol=1e-8)
        torch.testing.assert_close(rho_ls, rho_rec, rtol=0, atol=1e-8)


def test_recorded_rho_trajectory_ends_at_final(tiny: SyntheticConfig) -> None:
    run = mmcl.train(tiny, "single", seeds=1, dtype="float64", record="coefficients")
    assert run.history["rho"].shape == (1, tiny.epochs + 1, tiny.m, tiny.n)
    torch.testing.assert_close(torch.as_tensor(run.history["rho"][:, -1]), torch.as_tensor(run.history["rho_final"]))
    assert (run.history["rho"][:, 0] == 0).all() and (run.history["gamma"][:, 0] == 0).all()


def test_least_squares_needs_enough_dimensions() -> None:
    xi = torch.randn(1, 5, 4, dtype=torch.float64)
    with pytest.raises(ValueError, match="d >= n \\+ 1"):
        least_squares(torch.zeros(1, 2, 4), torch.zeros(1, 2, 4), torch.ones(1, 4), xi)
