"""What a linear probe can reach on ColoredMNIST with ideal features: the colour–shape frontier.

An *oracle representation* shows every image's colour (one-hot) and, for a fraction ``f`` of the images chosen at
random, also its true digit (one-hot; the others show zeros there). ``f = 0`` is a colour-only representation,
``f = 1`` a perfect shape-and-colour one; in between, the representation "sees the shape" of a fraction ``f`` of
the digits. Fitting the probe of Table 1 (:mod:`mmcl.cmnist.softmax_probe`) on such features traces the (train, test)
accuracies that any representation of this mixed kind can reach. A representation that does not memorise its
training images lies near this curve; a point far above it (high train, low test accuracy) needs information
about the training images that does not carry over to new digits — or features that read colour and shape
*together*: :func:`colour_tied_features` is one such representation, without any memorisation, that lies well above
the curve. The curve describes representations that read the two features separately; it is not a bound on all.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from .dataset import CLASSES, TEST_COLOUR, ColoredMNIST
from .softmax_probe import fit_softmax_probe

__all__ = ["oracle_features", "mixture_frontier", "colour_tied_features"]


def oracle_features(data: ColoredMNIST, fraction: float, generator: torch.Generator) -> torch.Tensor:
    """``[one-hot(colour), 𝟙[shape seen]·one-hot(true digit)]``, shape ``(N, 20)``, the shape seen with probability
    ``fraction``."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    eye = torch.eye(CLASSES, dtype=torch.float64)
    seen = (torch.rand(len(data), generator=generator, dtype=torch.float64) < fraction).to(torch.float64)
    return torch.cat([eye[data.colours], seen[:, None] * eye[data.true_labels]], dim=1)


def colour_tied_features(data: ColoredMNIST) -> torch.Tensor:
    """One-hot of the (digit read, colour) pair, ``(N, 100)``, where digit ``k`` painted in the colour that class
    ``k`` wears at test, ``TEST_COLOUR[k]``, is read as the digit of that colour: a fixed function of digit and colour
    (no memorisation) whose reading of a digit depends on its colour."""
    digit, colour = data.true_labels, data.colours
    read = torch.where(colour == torch.as_tensor(TEST_COLOUR)[digit], colour, digit)
    return torch.eye(CLASSES * CLASSES, dtype=torch.float64)[read * CLASSES + colour]


def mixture_frontier(
    train: ColoredMNIST,
    test: ColoredMNIST,
    fractions: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0),
    l2: float = 1e-3,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Probe train and test accuracies of the oracle representations of the module docstring, one per fraction."""
    g = torch.Generator().manual_seed(seed)
    fit = torch.stack([oracle_features(train, f, g) for f in fractions])
    score = torch.stack([oracle_features(test, f, g) for f in fractions])
    runs = len(fractions)
    probe = fit_softmax_probe(fit, train.labels.expand(runs, -1), CLASSES, l2)
    return {
        "fraction": np.asarray(fractions, dtype=np.float64),
        "train_accuracy": probe.accuracy(fit, train.labels.expand(runs, -1)).cpu().numpy(),
        "test_accuracy": probe.accuracy(score, test.labels.expand(runs, -1)).cpu().numpy(),
    }
