"""mmcl — the computations behind the book *Multi-modal vs single-modal contrastive learning*.

The package mirrors the paper (Huang et al., NeurIPS 2024): :mod:`mmcl.config` and :mod:`mmcl.data` hold the data
model of §3 (eqs. 1, 2, 5), :mod:`mmcl.encoder` the ReLU encoder (eq. 3), :mod:`mmcl.losses` the InfoMax losses
(eqs. 4, 6, 9), :mod:`mmcl.dynamics` their closed-form gradient-descent updates (eqs. 7, 10), :mod:`mmcl.trainer`
the batched full-batch trainer, :mod:`mmcl.probe` the downstream evaluation (§3.3) and :mod:`mmcl.plot` the figures.
For readers and courses, :mod:`mmcl.explorers` holds the chapters' interactive explorers and :mod:`mmcl.exercises`
the automatic checks of their exercises.
"""

from . import exercises, explorers, notebook, plot
from .config import FIGURE1, SyntheticConfig
from .trainer import Run, TrainingDiverged, train

__all__ = ["FIGURE1", "Run", "SyntheticConfig", "TrainingDiverged", "train", "exercises", "explorers", "notebook", "plot"]
__version__ = "0.1.0"
