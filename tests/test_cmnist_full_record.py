"""The recorded full-size Table 1 run (``results/table1_full``) re-checked against today's code.

One seed of the two default pipelines is re-trained at the full size (all 60 000 training digits) and must agree
with the record within the machine-to-machine spread that ``tools/isa_spread.py`` measured
(``results/isa_spread.json``: the largest change of one seed's accuracy between instruction sets). Needs the real
MNIST digits; about a minute on one core.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from mmcl.cmnist import table1
from mmcl.cmnist.config import SIZES, CMNISTConfig
from mmcl.storage.records import read_json

RESULTS = Path(__file__).resolve().parent.parent / "results"


def test_isa_tolerance_is_the_largest_per_seed_change():
    spread = {
        "pipelines": ["a"],
        "runs": {
            "x": {"table1": {"a": {"test_accuracy": [0.5, 0.6]}}},
            "y": {"table1": {"a": {"test_accuracy": [0.52, 0.59]}}},
        },
    }
    assert table1.isa_tolerance(spread) == pytest.approx(0.02)
    with pytest.raises(ValueError, match="at least two instruction sets"):
        table1.isa_tolerance({"pipelines": ["a"], "runs": {"x": spread["runs"]["x"]}})


def test_recheck_refuses_a_seed_or_pipeline_the_record_lacks():
    record = read_json(RESULTS / "table1_full" / "table1.json")
    with pytest.raises(ValueError, match="seed must be one of the record's seeds"):
        table1.recheck_record(record, seed=99)
    with pytest.raises(ValueError, match="pipelines must be recorded ones"):
        table1.recheck_record(record, pipelines=("multi_text",))


def test_record_was_made_with_todays_full_size_and_pipelines():
    record = read_json(RESULTS / "table1_full" / "table1.json")
    assert CMNISTConfig.from_dict(record["config"]["base"]) == SIZES["full"]
    for name, spec in record["config"]["pipelines"].items():
        mode, changes = table1.PIPELINES[name]
        assert spec == {"mode": mode, "changes": changes}
        replace(SIZES["full"], **changes)  # still a valid configuration


@pytest.mark.skipif(
    not os.environ.get("MMCL_DATA_DIR"),
    reason="real MNIST needed: set MMCL_DATA_DIR to a folder with the four MNIST files",
)
def test_full_record_agrees_with_todays_code_within_the_isa_spread():
    record = read_json(RESULTS / "table1_full" / "table1.json")
    spread = read_json(RESULTS / "isa_spread.json")
    tolerance = {m: table1.isa_tolerance(spread, m) for m in ("train_accuracy", "test_accuracy")}
    assert 0 < tolerance["test_accuracy"] < 0.05
    found = table1.recheck_record(record, ("single", "multi"), seed=0)
    for name, values in found.items():
        for metric, tol in tolerance.items():
            difference = values[f"{metric}_difference"]
            assert abs(difference) <= tol, (
                f"{name}: {metric} {values[f'{metric}_now']:.4f} today, {values[f'{metric}_recorded']:.4f} in the "
                f"record: {difference:+.4f}, more than the instruction-set spread {tol:.4f}"
            )
