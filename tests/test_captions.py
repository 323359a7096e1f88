"""Captions in words: the generator's variety and noise rates (measured from the text), the tokenizer's
out-of-vocabulary handling, the bag-of-words encoder, the ``multi_text`` pipeline end to end on a tiny stand-in for
MNIST, the recorded-grid runner and its resume, and the errors for bad input."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
import torch

import mmcl.cmnist.grids as grids
import mmcl.cmnist.table1 as t1
import mmcl.cmnist.training as ct
from mmcl.cli import main
from mmcl.cmnist.captions import (
    COLOUR_WORDS,
    CaptionNoise,
    generate_captions,
    named_colour,
    named_digit,
    wrong_digit_rate,
)
from mmcl.cmnist.models import BatchedConv
from mmcl.cmnist.text import PAD, UNK, BatchedBagEncoder, Vocabulary

N = 4000
RNG = np.random.default_rng(0)
DIGITS, COLOURS = RNG.integers(0, 10, N), RNG.integers(0, 10, N)


def _binomial_ok(rate: float, p: float, n: int) -> bool:
    return abs(rate - p) <= 5 * np.sqrt(max(p * (1 - p), 1e-12) / n) + 1e-12


def test_clean_captions_name_the_digit_and_colour_with_variety_and_are_deterministic():
    captions = generate_captions(DIGITS, COLOURS, seed=3)
    assert captions == generate_captions(DIGITS, COLOURS, seed=3)
    assert captions != generate_captions(DIGITS, COLOURS, seed=4)
    assert [named_digit(c) for c in captions] == list(DIGITS)
    assert [named_colour(c) for c in captions] == list(COLOURS)
    # numerals and words, several templates, every colour synonym in use
    assert sum(any(ch.isdigit() for ch in c) for c in captions) / N == pytest.approx(0.6, abs=0.05)
    shapes = Counter(" ".join("D" if named_digit(w) is not None else w for w in c.split()) for c in captions)
    assert len(shapes) >= 20
    used = {w for c in captions for w in c.replace(",", "").split()}
    assert all(name in used for names in COLOUR_WORDS for name in names)
    first = Counter(c.split()[0] for c in captions)  # different word orders: the caption does not always open alike
    assert max(first.values()) < 0.4 * N


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5])
def test_wrong_digit_rate_is_measured_from_the_text(p):
    captions = generate_captions(DIGITS, COLOURS, seed=1, noise=CaptionNoise(wrong_digit=p))
    named = np.array([named_digit(c) for c in captions])
    assert _binomial_ok(float((named != DIGITS).mean()), p, N)
    assert [named_colour(c) for c in captions] == list(COLOURS)  # the colour is untouched


def test_wrong_digit_rate_counts_only_captions_that_name_a_digit():
    assert wrong_digit_rate(["a red 7", "seven in blue", "something red", "digit 2"], [7, 1, 3, 2]) == 1 / 3
    assert wrong_digit_rate(["something red"], [0]) == 0.0
    captions = generate_captions(DIGITS, COLOURS, seed=7, noise=CaptionNoise(wrong_digit=0.2, omit_digit=0.5))
    assert _binomial_ok(wrong_digit_rate(captions, DIGITS), 0.2, N // 2)
    with pytest.raises(ValueError, match="one length"):
        wrong_digit_rate(["a"], [1, 2])


def test_omission_rates_and_filler_words():
    noise = CaptionNoise(omit_digit=0.3, omit_colour=0.6, filler=0.5)
    captions = generate_captions(DIGITS, COLOURS, seed=2, noise=noise)
    digit_named = np.array([named_digit(c) is not None for c in captions])
    colour_named = np.array([named_colour(c) is not None for c in captions])
    assert _binomial_ok(1 - digit_named.mean(), 0.3, N) and _binomial_ok(1 - colour_named.mean(), 0.6, N)
    assert _binomial_ok(float((~digit_named & ~colour_named).mean()), 0.3 * 0.6, N)  # independent omissions
    clean = generate_captions(DIGITS, COLOURS, seed=2, noise=CaptionNoise(omit_digit=0.3, omit_colour=0.6))
    longer = np.array([len(a.split()) > len(b.split()) for a, b in zip(captions, clean)])
    assert _binomial_ok(longer.mean(), 0.5, N)  # one to three filler words in half of the captions


def test_noise_is_layered_on_the_same_clean_caption():
    clean = generate_captions(DIGITS, COLOURS, seed=6)
    wrong = generate_captions(DIGITS, COLOURS, seed=6, noise=CaptionNoise(wrong_digit=0.5))
    same_digit = np.array([named_digit(b) for b in wrong]) == DIGITS
    assert 0.4 < same_digit.mean() < 0.6
    assert all(a == b for a, b, s in zip(clean, wrong, same_digit) if s)  # only the digit changed, where it did


def test_typo_rate_per_eligible_word():
    clean = generate_captions(DIGITS, COLOURS, seed=5)
    noisy = generate_captions(DIGITS, COLOURS, seed=5, noise=CaptionNoise(typo=0.2))
    eligible = changed = 0
    for a, b in zip(clean, noisy):
        for wa, wb in zip(a.split(" "), b.split(" ")):  # a typo never adds or removes a word
            if wa.isalpha() and len(wa) >= 3:
                eligible += 1
                changed += wa != wb
            else:
                assert wa == wb  # numerals and short words are left alone
    assert _binomial_ok(changed / eligible, 0.2, eligible)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"wrong_digit": 1.5}, r"wrong_digit must be a probability in \[0, 1\]"),
        ({"typo": -0.1}, r"typo must be a probability in \[0, 1\]"),
        ({"filler": True}, r"filler must be a probability"),
    ],
)
def test_caption_noise_rejects_bad_rates(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CaptionNoise(**kwargs)


def test_generator_rejects_bad_input():
    with pytest.raises(ValueError, match=r"digits must lie in \[0, 9\]"):
        generate_captions([10], [0], seed=0)
    with pytest.raises(ValueError, match="one length"):
        generate_captions([1, 2], [0], seed=0)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        generate_captions([1], [0], seed=-1)


def test_vocabulary_handles_out_of_vocabulary_words_and_padding():
    vocab = Vocabulary(["a red seven", "a red 7", "seven in blue", "blue blue zebra"], min_count=2)
    assert vocab.words[:2] == ("<pad>", "<unk>") and "zebra" not in vocab.ids and "blue" in vocab.ids
    ids = vocab.encode(["a red zebra", "blue"])
    assert ids.shape == (2, 3) and ids.dtype == torch.int64
    assert ids[0, 2] == UNK and ids[1, 1] == PAD and ids[1, 0] == vocab.ids["blue"]
    assert vocab.encode(["a red seven in blue"], length=2).shape == (1, 2)
    assert vocab.oov_rate(["zebra red", "quagga"]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="min_count must be an integer >= 1"):
        Vocabulary(["a"], min_count=0)
    with pytest.raises(ValueError, match="length must be an integer >= 1"):
        vocab.encode(["a"], length=0)


def test_bag_encoder_is_the_mean_word_embedding_and_keeps_runs_apart():
    gens = [torch.Generator().manual_seed(s) for s in (0, 1)]
    enc = BatchedBagEncoder(gens, vocab=6, width=4, embed=3)
    tokens = torch.tensor([[[2, 3, PAD], [4, PAD, PAD]], [[2, 2, 5], [UNK, 3, PAD]]])
    z = enc(tokens)
    assert z.shape == (2, 2, 3)
    expected = (enc.embedding[0, 2] + enc.embedding[0, 3]) / 2 @ enc.out.weight[0]
    torch.testing.assert_close(z[0, 0], expected)
    z[1].sum().backward()
    assert enc.embedding.grad[0].abs().sum() == 0 and enc.embedding.grad[1, PAD].abs().sum() == 0
    with pytest.raises(ValueError, match="vocab must be >= 3"):
        BatchedBagEncoder(gens, vocab=2, width=4, embed=3)


def test_conv_encoder_runs_are_independent():
    gens = [torch.Generator().manual_seed(s) for s in (0, 1)]
    enc = BatchedConv(gens, size=28, hidden=8, embed=4)
    x = torch.rand(2, 5, 3, 28, 28)
    z = enc(x)
    assert z.shape == (2, 5, 4)
    x2 = x.clone()
    x2[1] = torch.rand(5, 3, 28, 28)
    torch.testing.assert_close(enc(x2)[0], z[0])


# --- the pipeline, on a tiny stand-in for MNIST (random pixels: the machinery, not the accuracies) ---

TINY = ct.CMNISTConfig(n_train=256, n_test=128, hidden=16, embed=8, epochs=2, batch_size=64)


def test_multi_text_pipeline_end_to_end(fake_mnist, tmp_path):
    config = ct.CMNISTConfig(**(TINY.to_dict() | {"text": "words", "typo": 0.1}))
    a = ct.train_cmnist(config, "multi", [0, 3], device="cpu")
    b = ct.train_cmnist(config, "multi", [0, 3], device="cpu")
    np.testing.assert_array_equal(a.loss, b.loss)
    assert a.loss.shape == (2, 2) and np.isfinite(a.loss).all()
    ideal = ct.train_cmnist(TINY, "multi", [0, 3], device="cpu")
    assert not np.array_equal(a.loss, ideal.loss)  # another second modality
    conv = ct.CMNISTConfig(**(TINY.to_dict() | {"encoder": "conv", "size": 28}))
    assert np.isfinite(ct.train_cmnist(conv, "single", 1, device="cpu").loss).all()


def test_table1_runs_multi_text_like_the_other_pipelines(fake_mnist, tmp_path, monkeypatch):
    monkeypatch.setitem(ct.SIZES, "quick", TINY)
    monkeypatch.setitem(grids.SIZES, "quick", TINY)
    assert main(["table1", "--size", "quick", "--seeds", "2", "--pipelines", "multi_text,multi", "--out",
                 str(tmp_path), "--quiet", "--device", "cpu"]) == 0  # fmt: skip
    record = json.loads((tmp_path / "table1.json").read_text())
    assert set(record["results"]) == {"multi_text", "multi"}
    assert record["config"]["pipelines"]["multi_text"] == {"mode": "multi", "changes": {"text": "words"}}
    assert "multi_text" in t1.markdown(record)


def test_grid_runs_resumes_and_reads_back(fake_mnist, tmp_path, monkeypatch):
    monkeypatch.setitem(grids.SIZES, "quick", TINY)
    grid_file = tmp_path / "grid.yaml"
    grid_file.write_text(
        "name: tiny\nsize: quick\nseeds: 2\ncases:\n"
        "  - {pipeline: multi_text}\n  - {pipeline: multi_text, wrong_digit: 0.5}\n  - {pipeline: single, epochs: 1}\n"
    )
    out = tmp_path / "cells.jsonl"
    grid = grids.load_grid(grid_file)
    seen: list[dict] = []
    with pytest.raises(KeyboardInterrupt):

        def stop_after_one(line: dict) -> None:
            seen.append(line)
            raise KeyboardInterrupt

        grids.run_grid(grid, out, device="cpu", on_case=stop_after_one)
    assert len(grids.load_grid_results(out)) == 1
    with pytest.raises(ValueError, match="lacks 2 case"):
        grids.load_grid_results(out, grid)
    assert main(["table1", "--grid", str(grid_file), "--out", str(out), "--device", "cpu", "--quiet"]) == 0
    cells = grids.load_grid_results(out, grid)
    assert [c["case"] for c in cells] == list(grid.cases)
    assert cells[0]["test_accuracy"] == seen[0]["test_accuracy"]  # the first case was not trained again
    assert cells[1]["config"]["wrong_digit"] == 0.5
    assert cells[2]["config"]["epochs"] == 1 and cells[2]["mode"] == "single"
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["kind"] for x in lines] == ["header", "cell", "header", "cell", "cell"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    ("case", "match"),
    [
        ({"pipeline": "nope"}, "each case needs a pipeline"),
        ({"pipeline": "multi", "colour": 1}, r"unknown setting\(s\) \['colour'\]"),
        ({"pipeline": "multi", "wrong_digit": 0.2}, "must be 0 unless text='words'"),
        ({"pipeline": "multi_text", "typo": 2}, r"typo must be a probability in \[0, 1\]"),
        ({"pipeline": "single", "encoder": "vit"}, "encoder must be 'mlp' or 'conv'"),
    ],
)
def test_bad_grid_cases_name_the_setting(case, match):
    with pytest.raises(ValueError, match=match):
        grids.CMNISTGrid("g", "", "quick", (0,), (case,))


def test_bad_config_values_name_the_parameter():
    with pytest.raises(ValueError, match="text must be 'ideal' or 'words'"):
        ct.CMNISTConfig(text="sentences")
    with pytest.raises(ValueError, match="size must be one of"):
        grids.CMNISTGrid("g", "", "huge", (0,), ({"pipeline": "multi"},))
