"""The downstream consequence of training (Appendices C.3 and D.3): the frozen embedding of the test points.

At test time a point is ``x = [yν, ζ]``: the signal patch ``yν`` (``ν`` shifted from the training signal ``μ``) and a
noise patch ``ζ``. The downstream arguments of Theorems 4.2 and 4.3 split the frozen modality-1 embedding into its
signal part ``h_r(yν)`` and its noise part ``h_r(ζ)`` and show that one dominates the other: the noise part after
single-modal training (C.3), the signal part after multi-modal training (D.3). :func:`embedding_split` measures both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..model.encoder import noise_preactivation, signal_activation, signal_preactivation
from ..model.trainer import Run

__all__ = ["EmbeddingSplit", "embedding_split"]


# ----------------------------------------------------------------------------------------------- downstream
@dataclass(frozen=True)
class EmbeddingSplit:
    """The frozen modality-1 embedding of the probe's score set, split by patch (C.3 / D.3).

    ``signal`` is ``h_r(y·ν)`` and ``noise`` is ``h_r(ζ)``, both ``(R, n_test, m)``; ``accuracy`` the OOD probe
    accuracy of each run.
    """

    signal: np.ndarray
    noise: np.ndarray
    accuracy: np.ndarray

    @property
    def signal_scale(self) -> float:
        """Root-mean-square signal-patch activation."""
        return float(np.sqrt((self.signal**2).mean()))

    @property
    def noise_scale(self) -> float:
        """Root-mean-square noise-patch activation."""
        return float(np.sqrt((self.noise**2).mean()))

    @property
    def ratio(self) -> float:
        """Signal scale over noise scale: above 1 the embedding is signal-dominated."""
        return self.signal_scale / self.noise_scale


def embedding_split(run: Run) -> EmbeddingSplit:
    """Split the frozen encoder's embedding of the score set ``x = [yν, ζ]`` into signal and noise activations."""
    w, data = run.w.to(torch.float64).cpu(), run.data.to("cpu", torch.float64)
    sig = signal_activation(signal_preactivation(w, data.nu), data.y_score).transpose(1, 2)
    noise = torch.relu(noise_preactivation(w, data.zeta_score)).transpose(1, 2)
    return EmbeddingSplit(sig.cpu().numpy(), noise.cpu().numpy(), np.asarray(run.test_accuracy, dtype=np.float64))
