"""Bad input raises a clear ValueError naming the parameter; a diverging run stops with the epoch named."""

from __future__ import annotations

import math

import pytest
import torch

import mmcl
from mmcl.model.config import SyntheticConfig
from mmcl.model.data import sample
from mmcl.model.losses import multi_modal_loss, negative_mask


@pytest.mark.parametrize(
    "field, value",
    [
        ("n", 1),
        ("n", 0),
        ("d", 0),
        ("m", 0),
        ("n_test", 1),
        ("epochs", -1),
        ("n", 2.5),
        ("m", True),
        ("sigma_xi", -1.0),
        ("sigma_eps", math.nan),
        ("sigma0", -0.1),
        ("mu_norm", math.inf),
        ("nu_norm", -2.0),
        ("lr", 0.0),
        ("lr", -0.01),
        ("tau", 0.0),
        ("tau", -1.0),
        ("tau", math.nan),
        ("d_tilde", 0),
        ("sigma_xi_tilde", -1.0),
    ],
)
def test_invalid_config_names_the_parameter(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        SyntheticConfig(**{field: value})


def test_unknown_keys_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown configuration keys"):
        SyntheticConfig.from_dict({"n": 10, "temperature": 0.1})


def test_one_class_labels_have_no_negatives() -> None:
    with pytest.raises(ValueError, match="both classes"):
        negative_mask(torch.ones(1, 5, dtype=torch.float64))


def test_mismatched_modalities(tiny: SyntheticConfig) -> None:
    data = sample(tiny, 0)
    data.xi_tilde = data.xi_tilde[:, :-1]
    w = torch.zeros(1, tiny.m, tiny.d, dtype=torch.float64)
    with pytest.raises(ValueError, match="same runs and samples"):
        multi_modal_loss(w, torch.zeros(1, tiny.m, tiny.d, dtype=torch.float64), data, 0.1)
    with pytest.raises(ValueError, match="same runs and neurons"):
        multi_modal_loss(w, torch.zeros(1, tiny.m + 1, tiny.d, dtype=torch.float64), sample(tiny, 0), 0.1)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"device": "tpu"}, "device"),
        ({"dtype": "float16"}, "dtype"),
        ({"mode": "triple"}, "mode"),
        ({"seeds": 0}, "seeds"),
        ({"seeds": []}, "seeds"),
        ({"seeds": [-1]}, "seed"),
        ({"record": "everything"}, "record"),
        ({"eval_every": 0}, "eval_every"),
    ],
)
def test_invalid_train_arguments(tiny: SyntheticConfig, kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        mmcl.train(tiny, **kwargs)


def test_cuda_requested_without_gpu(tiny: SyntheticConfig) -> None:
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    with pytest.raises(ValueError, match="cuda"):
        mmcl.train(tiny, device="cuda")


def test_batched_configs_must_share_shapes(tiny: SyntheticConfig) -> None:
    with pytest.raises(ValueError, match="share d"):
        mmcl.train([tiny, tiny.replace(d=41)], seeds=[0, 1])
    with pytest.raises(ValueError, match="one per seed"):
        mmcl.train([tiny, tiny], seeds=[0, 1, 2])


def test_divergence_names_the_epoch() -> None:
    config = SyntheticConfig(n=10, d=30, m=4, n_test=10, sigma0=1.0, tau=1e-3, lr=1e3, epochs=50)
    with pytest.raises(mmcl.TrainingDiverged, match=r"non-finite at epoch \d+"):
        mmcl.train(config, "single", seeds=1)


@pytest.mark.parametrize(
    "field, value, match", [("sigma0", 0.0, "sigma0 must be > 0"), ("nu_angle", 180.0, "nu_angle must be 0 when d < 2")]
)
def test_degenerate_configs_are_rejected(field: str, value: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SyntheticConfig(**{field: value, "d": 1 if field == "nu_angle" else 10})


def test_losses_name_the_missing_modality(tiny: SyntheticConfig) -> None:
    from mmcl.model.dynamics import single_modal_step
    from mmcl.model.losses import single_modal_loss

    w = torch.zeros(1, tiny.m, tiny.d, dtype=torch.float64)
    multi_only, single_only = sample(tiny, 0, ("multi",)), sample(tiny, 0, ("single",))
    with pytest.raises(ValueError, match="single-modal setting"):
        single_modal_loss(w, multi_only, 0.1)
    with pytest.raises(ValueError, match="single-modal setting"):
        single_modal_step(w, multi_only, torch.tensor([0.1], dtype=torch.float64))
    with pytest.raises(ValueError, match="multi-modal setting"):
        multi_modal_loss(w, w, single_only, 0.1)


def test_tools_of_the_paper_model_refuse_its_generalisations() -> None:
    from mmcl.model.snr import augmented_snr
    from mmcl.theory.trajectory import record

    with pytest.raises(ValueError, match="augmentation='gaussian'"):
        augmented_snr(SyntheticConfig(augmentation="mask"))
    with pytest.raises(ValueError, match="label_agreement"):
        record(SyntheticConfig(n=6, d=20, m=3, n_test=6, epochs=1, label_agreement=0.8), "multi", [0])


def test_parse_seeds_is_the_one_rule_for_seed_arguments() -> None:
    from mmcl.model.data import parse_seeds

    assert parse_seeds(3) == [0, 1, 2] and parse_seeds([4, 4]) == [4, 4]
    for bad in (0, -1, [], [1, -2], [1.5], True, "3", None):
        with pytest.raises(ValueError, match="seeds"):
            parse_seeds(bad)
    with pytest.raises(ValueError, match="repeat"):
        parse_seeds([1, 1], distinct=True)
