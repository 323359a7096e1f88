"""Linear probe for multi-class downstream tasks: L2-regularised multinomial logistic regression, batched over runs.

Protocol (*ours*; the paper says only that Table 1 reports train and test accuracy):

1. Standardise every feature with the mean and standard deviation of the fit set (a constant feature stays zero).
2. Minimise the mean cross-entropy plus ``λ/2·‖W‖²`` (no penalty on the bias) by L-BFGS with a strong-Wolfe line
   search in float64; the objective is strictly convex in ``W``, so the result does not depend on the start.
3. Predict the arg-max class.

The runs of a batch are independent problems; their objectives are summed and minimised jointly (the sum of
independent convex problems has the same minimiser in each block).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

__all__ = ["SoftmaxProbe", "fit_softmax_probe"]


@dataclass(frozen=True)
class SoftmaxProbe:
    """A fitted probe for ``R`` runs: ``weight (R, k, C)``, ``bias (R, 1, C)``, standardisation
    ``mean, std (R, 1, k)``."""

    weight: torch.Tensor
    bias: torch.Tensor
    mean: torch.Tensor
    std: torch.Tensor

    def logits(self, features: torch.Tensor) -> torch.Tensor:
        """Class scores ``(R, N, C)`` of features ``(R, N, k)``."""
        x = (features.to(torch.float64) - self.mean) / self.std
        return torch.baddbmm(self.bias, x, self.weight)

    def accuracy(self, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Fraction of correct arg-max predictions per run, ``(R,)`` float64."""
        return (self.logits(features).argmax(-1) == labels).to(torch.float64).mean(1)


def fit_softmax_probe(
    features: torch.Tensor, labels: torch.Tensor, classes: int, l2: float = 1e-3, max_iter: int = 100
) -> SoftmaxProbe:
    """Fit the probe of the module docstring to ``features (R, N, k)`` and integer ``labels (R, N)`` in
    ``[0, classes)``."""
    if l2 <= 0:
        raise ValueError(f"l2 must be > 0, got {l2}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}")
    if features.ndim != 3 or labels.shape != features.shape[:2]:
        raise ValueError(
            f"features must be (R, N, k) and labels (R, N), got {tuple(features.shape)} and {tuple(labels.shape)}"
        )
    x = features.to(torch.float64)
    mean = x.mean(1, keepdim=True)
    std = x.std(1, unbiased=False, keepdim=True)
    std = torch.where(std > 1e-12, std, torch.ones_like(std))
    x = (x - mean) / std
    runs, count, dim = x.shape
    weight = torch.zeros(runs, dim, classes, dtype=torch.float64, device=x.device, requires_grad=True)
    bias = torch.zeros(runs, 1, classes, dtype=torch.float64, device=x.device, requires_grad=True)
    flat_labels = labels.reshape(-1)
    optimiser = torch.optim.LBFGS(
        [weight, bias],
        lr=1,
        max_iter=max_iter,
        tolerance_grad=1e-7,
        tolerance_change=1e-10,
        history_size=20,
        line_search_fn="strong_wolfe",
    )

    def objective() -> torch.Tensor:
        optimiser.zero_grad()
        logits = torch.baddbmm(bias, x, weight)
        loss = (
            F.cross_entropy(logits.reshape(-1, classes), flat_labels, reduction="sum") / count
            + l2 / 2 * (weight * weight).sum()
        )
        loss.backward()
        return loss

    optimiser.step(objective)
    return SoftmaxProbe(weight.detach(), bias.detach(), mean, std)
