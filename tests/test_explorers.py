"""The chapter explorers: the numbers they report, their validation, and widgets that redraw from the sliders."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mmcl import FIGURE1  # noqa: E402
from mmcl.model import data
from mmcl.reader import explorers
from mmcl.theory import predictions  # noqa: E402


def teardown_function() -> None:
    plt.close("all")


def test_data_model_config_sets_mu_from_snr() -> None:
    config = explorers.data_model_config(snr=0.2, n=50, d=800)
    assert (config.n, config.d) == (50, 800)
    assert config.snr == pytest.approx(0.2, rel=1e-12)
    assert config.n_snr2 == pytest.approx(50 * 0.04, rel=1e-12)
    assert config.c_mu == pytest.approx(FIGURE1.c_mu)
    assert explorers.data_model_config() == FIGURE1.replace(
        mu_norm=config.sigma_xi * FIGURE1.snr * math.sqrt(FIGURE1.d)
    )


def test_data_model_summary_matches_theory_and_sample() -> None:
    config = explorers.data_model_config()
    summary = explorers.data_model_summary(config, data.sample(config, 0))
    assert summary.snr == pytest.approx(FIGURE1.snr) and summary.n_snr2 == pytest.approx(1.25)
    assert summary.measured_snr == pytest.approx(FIGURE1.snr, rel=0.02)  # ‖ξ_i‖ ≈ σ_ξ√d
    assert summary.window == predictions.n_snr2_window(FIGURE1.c_mu)
    assert not summary.in_window  # Figure 1's 1.25 lies below the window (chapter 3)
    inside = explorers.data_model_config(snr=math.sqrt(1.6 / 100))
    assert explorers.data_model_summary(inside, data.sample(inside, 0)).in_window


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"snr": 0.0}, "snr must be in"),
        ({"n": 5}, "n must be in"),
        ({"d": 100.5}, "d must be an integer"),
        ({"snr": "high"}, "snr must be a number"),
    ],
)
def test_data_model_rejects_out_of_range(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        explorers.data_model_config(**kwargs)


def test_training_config_and_validation() -> None:
    config = explorers.training_config(tau=0.2, c_mu=2.0, mu_norm=4.0, epochs=30)
    assert (config.tau, config.mu_norm, config.mu_tilde_norm, config.epochs) == (0.2, 4.0, 8.0, 30)
    assert explorers.training_config() == FIGURE1
    with pytest.raises(ValueError, match="tau must be in"):
        explorers.training_config(tau=5.0)
    with pytest.raises(ValueError, match="epochs must be an integer"):
        explorers.training_config(epochs=20.5)


def test_training_runs_share_seed_and_config() -> None:
    single, multi = explorers.training_runs(explorers.training_config(epochs=20))
    assert (single.mode, multi.mode) == ("single", "multi")
    assert single.config == multi.config and single.seeds == multi.seeds == (0,)
    assert single.history["train_loss"].shape == (1, 21)


def test_figures_have_their_panels() -> None:
    fig = explorers.data_model_figure(snr=0.3, n=40, d=300)
    assert len(fig.axes) == 3
    assert "n·SNR² = 3.6, above the proofs' window" in fig._suptitle.get_text()
    fig = explorers.training_figure(epochs=20)
    assert len(fig.axes) == 4
    assert "final OOD accuracy single" in fig._suptitle.get_text()


def test_explorer_widgets_redraw_from_the_sliders() -> None:
    widgets = pytest.importorskip("ipywidgets")
    box = explorers.data_model_explorer()
    assert isinstance(box, widgets.VBox)
    sliders = {s.description: s for s in box.children[0].children}
    assert set(sliders) == {"SNR", "n", "d"}
    assert all(not s.continuous_update for s in sliders.values())
    assert sliders["SNR"].value == pytest.approx(FIGURE1.snr, rel=1e-3)
    training = explorers.training_explorer()
    names = [s.description for s in training.children[0].children]
    assert names == ["τ", "σ₀", "‖μ‖", "C_μ", "σ_ε", "epochs"]
    for slider in training.children[0].children:  # every slider's range lies inside RANGES
        key = {"τ": "tau", "σ₀": "sigma0", "‖μ‖": "mu_norm", "C_μ": "c_mu", "σ_ε": "sigma_eps", "epochs": "epochs"}[
            slider.description
        ]
        low, high = explorers.RANGES[key]
        lo, hi = (
            (10**slider.min, 10**slider.max) if isinstance(slider, widgets.FloatLogSlider) else (slider.min, slider.max)
        )
        assert low - 1e-9 <= lo and hi <= high + 1e-9, (key, lo, hi)


def test_moving_a_slider_redraws_and_bad_settings_are_reported(capsys: pytest.CaptureFixture[str]) -> None:
    widgets = pytest.importorskip("ipywidgets")
    calls = []

    def draw(a: int) -> plt.Figure:
        calls.append(a)
        if a > 5:
            raise ValueError("a must be in [0, 5]")
        return plt.figure()

    slider = widgets.IntSlider(value=1, min=0, max=10)
    explorers._explorer(draw, {"a": slider}, "note")
    slider.value = 3
    slider.value = 7
    assert calls == [1, 3, 7]
    assert "Cannot draw this setting: a must be in [0, 5]" in capsys.readouterr().out
    assert plt.get_fignums() == []  # a failed setting leaves no half-drawn figure behind


def test_explorers_start_where_asked_and_refuse_bad_starts() -> None:
    pytest.importorskip("ipywidgets")
    box = explorers.data_model_explorer(snr=0.3, n=200)
    values = {s.description: s.value for s in box.children[0].children}
    assert values["SNR"] == pytest.approx(0.3) and values["n"] == 200 and values["d"] == FIGURE1.d
    training = explorers.training_explorer(c_mu=1.0, epochs=50)
    values = {s.description: s.value for s in training.children[0].children}
    assert values["C_μ"] == 1.0 and values["epochs"] == 50 and values["τ"] == pytest.approx(FIGURE1.tau)
    with pytest.raises(ValueError, match="c_mu must be in"):
        explorers.training_explorer(c_mu=10.0)
    with pytest.raises(ValueError, match="d must be in"):
        explorers.data_model_explorer(d=50)


def _fake_phase_surface():
    from mmcl.sweeps.phase import Surface

    gap = np.array([[[0.1, 0.3], [0.2, 0.2]], [[0.0, 0.2], [0.5, 0.7]]])  # (c_mu, n_snr2, seeds)
    return Surface("n_snr2", "c_mu", np.array([0.5, 1.25]), np.array([1.0, 3.0]), {"gap": gap}, "test_accuracy")


def test_phase_config_is_the_sweeps_grid_point() -> None:
    from mmcl.sweeps.grid import resolve_config

    config = explorers.phase_config(0.5, 6.0)
    assert config == resolve_config({"n_snr2": 0.5, "c_mu": 6.0})
    assert config.n_snr2 == pytest.approx(0.5) and config.c_mu == pytest.approx(6.0)
    assert explorers.phase_config() == FIGURE1
    with pytest.raises(ValueError, match="n_snr2 must be in"):
        explorers.phase_config(n_snr2=50.0)


def test_phase_point_quotes_the_stored_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    surface = _fake_phase_surface()
    stored = explorers._stored_gap(surface, 1.25, 3.0)
    assert stored == f"; stored grid (2 seeds): gap +0.600 ± {np.std([0.5, 0.7], ddof=1) / math.sqrt(2):.3f}"
    assert explorers._stored_gap(surface, 0.7, 3.0) == "; not a point of the stored grid"
    assert explorers._stored_gap(None, 1.25, 3.0) == ""
    monkeypatch.setattr(explorers, "training_runs", _short_runs)
    fig = explorers.phase_point_figure(1.25, 3.0, surface=surface)
    title = fig._suptitle.get_text()
    assert title.startswith("n·SNR² = 1.25, C_μ = 3 (outside the proofs' region)") and title.endswith(stored[2:])
    assert "(inside the proofs' region)" in explorers.phase_point_figure(1.75, 3.0)._suptitle.get_text()


def _short_runs(config):
    from mmcl import train

    short = config.replace(epochs=5)
    return tuple(train(short, mode, 1, device="cpu") for mode in ("single", "multi"))


def test_phase_explorer_needs_the_phase_surface_and_a_grid_start(monkeypatch: pytest.MonkeyPatch) -> None:
    widgets = pytest.importorskip("ipywidgets")
    monkeypatch.setattr(explorers, "training_runs", _short_runs)
    surface = _fake_phase_surface()
    box = explorers.phase_explorer(surface, 1.25, 3.0)
    sliders = box.children[0].children
    assert [type(s) for s in sliders] == [widgets.SelectionSlider] * 2
    assert list(sliders[0].options) == [0.5, 1.25] and sliders[1].value == 3.0
    with pytest.raises(ValueError, match="c_mu must be a value of the stored grid"):
        explorers.phase_explorer(surface, 1.25, 2.0)
    with pytest.raises(ValueError, match="must be the \\(n_snr2, c_mu\\) phase diagram"):
        explorers.phase_explorer(object())
