"""mmcl — the computations behind the book on multi-modal vs single-modal contrastive learning."""
from .config import FIGURE1, SyntheticConfig
from .trainer import Run, TrainingDiverged, train

__all__ = ["FIGURE1", "Run", "SyntheticConfig", "TrainingDiverged", "train"]
__version__ = "0.1.0"
