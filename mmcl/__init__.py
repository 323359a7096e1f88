"""mmcl — the computations behind the book *Multi-modal vs single-modal contrastive learning*.

The package mirrors the paper (Huang et al., NeurIPS 2024): :mod:`mmcl.model.config` and :mod:`mmcl.model.data` hold the
data model of §3 (eqs. 1, 2, 5), :mod:`mmcl.model.encoder` the ReLU encoder (eq. 3), :mod:`mmcl.model.losses` the
InfoMax losses (eqs. 4, 6, 9), :mod:`mmcl.model.dynamics` their closed-form gradient-descent updates (eqs. 7, 10),
:mod:`mmcl.model.trainer` the batched full-batch trainer, :mod:`mmcl.model.probe` the downstream evaluation (§3.3) and
:mod:`mmcl.plot` the figures. For readers and courses, :mod:`mmcl.explorers` holds the chapters' interactive explorers
and :mod:`mmcl.exercises` the automatic checks of their exercises.
"""

from .model.config import FIGURE1, SyntheticConfig
from .model.trainer import Run, TrainingDiverged, train
from .reader import exercises, explorers, notebook, plot

__all__ = [
    "FIGURE1",
    "Run",
    "SyntheticConfig",
    "TrainingDiverged",
    "train",
    "exercises",
    "explorers",
    "notebook",
    "plot",
]
__version__ = "0.1.0"
