"""The downstream evaluation of §3.3: a linear head on the frozen modality-1 embedding.

Protocol (the paper says only "logistic regression on the learned features", NOTES §8.1; these choices are ours):

1. Draw two *disjoint* labelled samples of the test distribution ``x = [y·ν, ζ]``, ``ζ ~ N(0, σ_ξ² I)``:
   a *fit* sample and a *score* sample, each of ``n_test`` points (independent random streams of the run's seed).
2. Embed both with the frozen encoder ``h`` of eq. (3) (the modality-1 encoder in the multi-modal case).
3. Standardise each feature with the fit sample's mean and standard deviation (a dead feature stays zero).
4. Fit logistic regression with an L2 penalty ``λ/2·‖w‖²`` on the weights (not the bias), ``λ = 10⁻²``, by
   Newton's method (the objective is strictly convex, so this is the exact minimiser, and it is deterministic).
5. Report the accuracy ``P[y·f(x) > 0]`` on the score sample: the empirical counterpart of ``1 − L_D_test``.

All runs are fitted at once: the Newton systems are solved as one batch of ``(m+1) × (m+1)`` linear systems.
"""

from __future__ import annotations

import torch

from .data import SyntheticData
from .encoder import embedding

__all__ = ["fit_logistic", "probe_accuracy", "probe_accuracy_from", "probe_preactivations", "PROBE_L2"]

PROBE_L2 = 1e-2
"""Default L2 penalty of the downstream logistic regression."""


def fit_logistic(
    features: torch.Tensor, labels: torch.Tensor, l2: float = PROBE_L2, iterations: int = 50
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Batched L2-regularised logistic regression by Newton's method.

    ``features (R, N, k)``, ``labels (R, N)`` in ``{−1, +1}``. Returns ``(coef (R, k+1), mean (R, k), std (R, k))``:
    the decision function is ``[(x − mean)/std, 1] @ coef`` (the last entry of ``coef`` is the bias).
    """
    if l2 <= 0:
        raise ValueError(f"l2 must be > 0, got {l2}")
    mean = features.mean(1)
    std = features.std(1, unbiased=False)
    std = torch.where(std > 1e-12, std, torch.ones_like(std))
    x = torch.cat([(features - mean[:, None]) / std[:, None], torch.ones_like(features[:, :, :1])], dim=2)
    runs, count, k1 = x.shape
    coef = torch.zeros(runs, k1, dtype=x.dtype, device=x.device)
    penalty = torch.full((k1,), l2, dtype=x.dtype, device=x.device)
    penalty[-1] = 0.0
    ridge = torch.diag(penalty) + 1e-10 * torch.eye(k1, dtype=x.dtype, device=x.device)
    xt = x.transpose(1, 2)
    for _ in range(iterations):
        margin = labels * torch.bmm(x, coef[:, :, None]).squeeze(2)
        p = torch.sigmoid(-margin)  # derivative of log(1 + e^{−margin}) w.r.t. −margin
        grad = -torch.bmm(xt, (labels * p)[:, :, None]).squeeze(2) / count + coef * penalty
        weight = p * (1 - p)
        hess = torch.bmm(xt * weight[:, None, :], x) / count + ridge
        step = torch.linalg.solve(hess, grad.unsqueeze(-1)).squeeze(-1)
        coef = coef - step
        if float(step.abs().max()) < 1e-10:
            break
    return coef, mean, std


def _predict(features: torch.Tensor, coef: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    x = (features - mean[:, None]) / std[:, None]
    return torch.einsum("rnk,rk->rn", x, coef[:, :-1]) + coef[:, -1:]


def probe_preactivations(w: torch.Tensor, data: SyntheticData) -> torch.Tensor:
    """``⟨w_r, v⟩`` for the probe's vectors ``v ∈ [ν, ζ_fit, ζ_score]``: ``(R, k, d) → (R, k, 1 + 2·n_test)``.

    ``w`` holds any ``k`` vectors per run: the weights, or (for the trainer) the basis of their span.
    """
    parts = [
        torch.bmm(w, data.nu[:, :, None]),
        torch.bmm(w, data.zeta_fit.transpose(1, 2)),
        torch.bmm(w, data.zeta_score.transpose(1, 2)),
    ]
    return torch.cat(parts, dim=2)


def probe_accuracy_from(pre: torch.Tensor, data: SyntheticData, l2: float = PROBE_L2) -> torch.Tensor:
    """The probe of :func:`probe_accuracy` from the pre-activations :func:`probe_preactivations` of the weights."""
    count = data.zeta_fit.shape[1]
    signal, fit_noise, score_noise = pre[:, :, 0], pre[:, :, 1 : 1 + count], pre[:, :, 1 + count :]
    fit, score = (
        embedding(signal, fit_noise, data.y_fit),
        embedding(signal, score_noise, data.y_score),
    )  # h(x) of eq. (3)
    coef, mean, std = fit_logistic(fit.to(torch.float64), data.y_fit.to(torch.float64), l2)
    f = _predict(score.to(torch.float64), coef, mean, std)
    return (data.y_score.to(torch.float64) * f > 0).to(torch.float64).mean(1)


def probe_accuracy(w: torch.Tensor, data: SyntheticData, l2: float = PROBE_L2) -> torch.Tensor:
    """OOD test accuracy of each run's frozen encoder ``w (R, m, d)`` under the protocol above, shape ``(R,)``."""
    return probe_accuracy_from(probe_preactivations(w, data), data, l2)
