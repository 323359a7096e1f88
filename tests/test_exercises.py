"""The exercise checks: silent agreement is impossible, every failure says what was expected and what was got."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from mmcl.reader.exercises import ExerciseCheckFailed, check_choice, check_function, check_value


def test_value_right_prints_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    check_value("2.1", "snr", 0.1118034, 5 / 2000**0.5, rtol=1e-6)
    assert capsys.readouterr().out == "Exercise 2.1: correct.\n"


@pytest.mark.parametrize("missing", [..., None])
def test_value_missing_answer_says_what_is_expected_but_not_the_value(missing: object) -> None:
    with pytest.raises(ExerciseCheckFailed, match=r"Exercise 2\.1: `snr` has no answer yet.*expected a number") as info:
        check_value("2.1", "snr", missing, 5 / 2000**0.5)
    assert "0.1118" not in str(info.value)
    with pytest.raises(ExerciseCheckFailed, match=r"expected an array of shape \(2, 3\)\.") as info:
        check_value("9.1", "acc", missing, np.full((2, 3), 0.625))
    assert "0.625" not in str(info.value)


def test_value_wrong_number_says_how_far_off_but_not_the_value() -> None:
    with pytest.raises(ExerciseCheckFailed) as info:
        check_value("3.2", "t1", 12.0, 17.5, rtol=1e-3, hint="use log, not log10")
    message = str(info.value)
    assert "Exercise 3.2" in message and "12 is too small, by less than a factor 2" in message
    assert "17.5" not in message and message.endswith("Hint: use log, not log10")
    for got, band in ((17.6, "too large, by less than 1%"), (19.0, "by less than 10%"), (40.0, "more than a factor 2")):
        with pytest.raises(ExerciseCheckFailed, match=band):
            check_value("3.2", "t1", got, 17.5, rtol=1e-3)


def test_value_wrong_type_and_shape() -> None:
    with pytest.raises(ExerciseCheckFailed, match="expected a number or an array.*got str"):
        check_value("1.1", "x", "0.5", 0.5)
    with pytest.raises(ExerciseCheckFailed, match=r"expected shape \(3,\).*got shape \(2,\)"):
        check_value("1.1", "x", [1.0, 2.0], np.arange(3.0))
    with pytest.raises(ExerciseCheckFailed, match="non-finite"):
        check_value("1.1", "x", float("nan"), 0.5)


def test_value_arrays_and_tensors_report_the_worst_entry() -> None:
    expected = np.arange(6.0).reshape(2, 3)
    check_value("9.1", "acc", torch.tensor(expected), expected)
    got = expected.copy()
    got[1, 2] += 1.0
    with pytest.raises(ExerciseCheckFailed, match=r"1 of 6 entries differ; at index \(1, 2\) you have 6, too large"):
        check_value("9.1", "acc", got, expected)


def test_value_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="rtol and atol"):
        check_value("1", "x", 1.0, 1.0, rtol=-1)
    with pytest.raises(ValueError, match="expected must be a number"):
        check_value("1", "x", 1.0, "one")


@given(st.floats(-1e6, 1e6, allow_nan=False), st.floats(1e-6, 0.5))
def test_value_tolerance_is_relative(value: float, rtol: float) -> None:
    check_value("p", "x", value * (1 + rtol / 2), value, rtol=rtol, atol=1e-12)
    if value != 0:
        with pytest.raises(ExerciseCheckFailed):
            check_value("p", "x", value * (1 + 2 * rtol) + np.sign(value) * 1e-9, value, rtol=rtol)


def _square(x: float) -> float:
    return x * x


def test_function_right_and_stub() -> None:
    check_function("2.2", "square", lambda x: x**2, _square, [(1.0,), (3.0,), {"x": -2.0}])

    def stub(x: float) -> float:
        raise NotImplementedError("Exercise 2.2")

    with pytest.raises(ExerciseCheckFailed, match=r"`square` is not written yet.*for example, square\(7\)") as info:
        check_function("2.2", "square", stub, _square, [(7.0,)])
    assert "49" not in str(info.value), "an unwritten stub must not be told the expected value"


def test_function_wrong_or_crashing_names_the_input() -> None:
    with pytest.raises(ExerciseCheckFailed, match=r"square\(3\) is not right: expected 9, got 6"):
        check_function("2.2", "square", lambda x: 2 * x if x > 2 else x * x, _square, [(1.0,), (3.0,)])
    with pytest.raises(ExerciseCheckFailed, match=r"square\(x=2\) raised ZeroDivisionError"):
        check_function("2.2", "square", lambda x: 1 / 0, _square, [{"x": 2.0}])
    with pytest.raises(ExerciseCheckFailed, match="should be a function"):
        check_function("2.2", "square", ..., _square, [(1.0,)])
    with pytest.raises(ValueError, match="at least one test input"):
        check_function("2.2", "square", _square, _square, [])


def test_choice() -> None:
    check_choice("9.3", "winner", "multi", "multi", ["single", "multi"])
    with pytest.raises(ExerciseCheckFailed, match="expected 'multi', got 'single'"):
        check_choice("9.3", "winner", "single", "multi", ["single", "multi"])
    with pytest.raises(ExerciseCheckFailed, match="must be one of"):
        check_choice("9.3", "winner", "both", "multi", ["single", "multi"])
    with pytest.raises(ExerciseCheckFailed, match="no answer yet"):
        check_choice("9.3", "winner", ..., "multi", ["single", "multi"])
    with pytest.raises(ValueError, match="one of the options"):
        check_choice("9.3", "winner", "multi", "neither", ["single", "multi"])


def test_short_lists_and_tuples_are_shown_as_written() -> None:
    with pytest.raises(
        ExerciseCheckFailed,
        match=r"f\(\[1, -1\]\) is not right: expected shape \(2,\) \(\(0\.5, 2\)\), got shape \(\) \(3\)",
    ):
        check_function("0", "f", lambda labels: 3.0, lambda labels: (0.5, 2.0), [([1, -1],)])
