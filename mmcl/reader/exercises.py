"""Automatic checks for the chapters' exercises, with messages that say what was expected and what was got.

Every exercise in a chapter has three cells: the reference solution (tag ``solution``), the student's stub (tag
``student-stub``; it leaves the answer as ``...`` or a function that raises ``NotImplementedError``) and an
auto-check cell (tag ``autocheck``) that calls one of the functions below. A check prints one line when the answer
is right and otherwise raises :class:`ExerciseCheckFailed` whose message names the exercise, the variable, the
expected value (or the reference result on a test input) and what was got. While an answer is still missing (``...``
or a stub that raises ``NotImplementedError``) the message says how to answer and what kind of value is expected,
never the value itself. The expected values are always computed by ``mmcl`` in the check cell, never typed by hand.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

__all__ = ["ExerciseCheckFailed", "check_value", "check_function", "check_choice", "hidden_cases", "GRADING_SEED"]

GRADING_SEED = "MMCL_GRADING_SEED"
"""Environment variable that the grader (``python -m mmcl grade``) sets to a seed drawn at grading time: then
:func:`check_function` also checks :data:`HIDDEN_CASES` inputs drawn from it (see :func:`hidden_cases`)."""
HIDDEN_CASES = 4


class ExerciseCheckFailed(AssertionError):
    """An exercise's answer is missing or wrong; the message explains what was expected."""


def _as_array(value: Any) -> np.ndarray | None:
    """A float array for numbers, sequences of numbers, NumPy arrays and torch tensors; ``None`` otherwise."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # torch.Tensor, without importing torch here
        value = value.detach().cpu().numpy()
    if isinstance(value, (str, bytes)) or value is None or value is Ellipsis:
        return None
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return array


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _show(value: Any) -> str:
    """A short, rounded description of a value for a message."""
    if value is Ellipsis:
        return "... (no answer yet)"
    if isinstance(value, (list, tuple)) and len(value) <= 6 and all(_is_number(v) for v in value):
        inner = ", ".join(f"{float(v):.6g}" for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _show_dataclass(value)
    array = _as_array(value)
    if array is None:
        text = repr(value)
        return text if len(text) <= 80 else text[:77] + "..."
    if array.ndim == 0:
        return f"{float(array):.6g}"
    flat = ", ".join(f"{x:.4g}" for x in array.ravel()[:6])
    more = ", ..." if array.size > 6 else ""
    return f"array of shape {tuple(array.shape)} [{flat}{more}]"


def _show_dataclass(value: Any) -> str:
    """``Name(field=value, …)`` with only the fields that differ from the class defaults (all of them if none do)."""
    changed = []
    for f in dataclasses.fields(value):
        current = getattr(value, f.name)
        if f.default is dataclasses.MISSING or current != f.default:
            changed.append(f"{f.name}={current!r}")
    return f"{type(value).__name__}({', '.join(changed)})" + ("" if changed else " (all defaults)")


def _kind(value: Any) -> str:
    """What kind of answer is expected, without its value: "a number" or "an array of shape (2, 3)"."""
    array = _as_array(value)
    if array is None or array.ndim == 0:
        return "a number"
    return f"an array of shape {tuple(array.shape)}"


def _fail(exercise: str, text: str, hint: str) -> ExerciseCheckFailed:
    message = f"Exercise {exercise}: {text}"
    if hint:
        message += f"\nHint: {hint}"
    return ExerciseCheckFailed(message)


def _band(have: float, want: float) -> str:
    """How far and in which direction a number is off, without its target: "too large, by less than 10%"."""
    direction = "too large" if have > want else "too small"
    scale = abs(want) if want != 0 else 1.0
    off = abs(have - want) / scale
    for limit, text in ((0.01, "less than 1%"), (0.1, "less than 10%"), (1.0, "less than a factor 2")):
        if off < limit:
            return f"{direction}, by {text}"
    return f"{direction}, by more than a factor 2"


def _compare(got: Any, expected: Any, rtol: float, atol: float, reveal: bool = True) -> str | None:
    """``None`` when ``got`` matches ``expected`` within the tolerances, else the reason it does not. With
    ``reveal=False`` the reason never contains the expected values (only shapes, directions and how far off)."""
    want = _as_array(expected)
    if want is None:
        raise ValueError(f"expected must be a number or an array of numbers, got {type(expected).__name__}")
    shown = _show(expected) if reveal else _kind(expected)
    have = _as_array(got)
    if have is None:
        return f"expected a number or an array like {shown}, got {type(got).__name__} {_show(got)}"
    if have.shape != want.shape:
        return f"expected shape {tuple(want.shape)} ({shown}), got shape {tuple(have.shape)} ({_show(got)})"
    if not np.all(np.isfinite(have)):
        return f"expected {shown}, got non-finite values ({_show(got)})"
    close = np.isclose(have, want, rtol=rtol, atol=atol)
    if close.all():
        return None
    tolerance = f"(tolerance: rtol={rtol:g}, atol={atol:g})"
    if want.ndim == 0:
        if not reveal:
            return f"{_show(got)} is {_band(float(have), float(want))} {tolerance}"
        pair = (_show(expected), _show(got))
        if pair[0] == pair[1]:  # equal to 6 digits: show enough digits to see the difference
            pair = (f"{float(want):.15g}", f"{float(have):.15g} (if your result is float32, compute in float64)")
        return f"expected {pair[0]}, got {pair[1]} {tolerance}"
    worst = np.unravel_index(np.argmax(np.abs(have - want) - (atol + rtol * np.abs(want))), want.shape)
    where = f"{int((~close).sum())} of {want.size} entries differ; at index {tuple(int(i) for i in worst)}"
    if not reveal:
        return f"{where} you have {have[worst]:.6g}, {_band(float(have[worst]), float(want[worst]))} {tolerance}"
    return f"{where} expected {want[worst]:.6g}, got {have[worst]:.6g} {tolerance}"


def _check_tolerances(rtol: float, atol: float) -> None:
    if not (rtol >= 0 and atol >= 0):
        raise ValueError(f"rtol and atol must be >= 0, got rtol={rtol}, atol={atol}")


def check_value(
    exercise: str, name: str, got: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 0.0, hint: str = ""
) -> None:
    """Check a numerical answer (number, array or tensor) against ``expected`` within ``rtol``/``atol``.

    Raises :class:`ExerciseCheckFailed` when ``got`` is still ``...``/``None``, has the wrong type or shape, or is
    not close enough; prints ``Exercise <exercise>: correct.`` otherwise.
    """
    _check_tolerances(rtol, atol)
    if got is Ellipsis or got is None:
        raise _fail(
            exercise,
            f"`{name}` has no answer yet (it is {_show(got) if got is Ellipsis else 'None'}); "
            f"expected {_kind(expected)}. Write your solution in the cell above and run it.",
            hint,
        )
    reason = _compare(got, expected, rtol, atol, reveal=False)  # a single answer: never give the value away
    if reason is not None:
        raise _fail(exercise, f"`{name}` is not right: {reason}.", hint)
    print(f"Exercise {exercise}: correct.")


def _call_text(name: str, args: Sequence[Any] | dict[str, Any]) -> str:
    if isinstance(args, dict):
        inner = ", ".join(f"{k}={_show(v)}" for k, v in args.items())
    else:
        inner = ", ".join(_show(v) for v in args)
    return f"{name}({inner})"


def _call(fn: Callable[..., Any], args: Sequence[Any] | dict[str, Any]) -> Any:
    return fn(**args) if isinstance(args, dict) else fn(*args)


def _perturb(value: Any, rng: np.random.Generator) -> Any:
    """``value`` with every float in it moved at random (by a factor in [e^-0.25, e^0.25]; float arrays also get
    Gaussian noise of a tenth of their spread); integers, booleans, strings and other objects are kept, so sizes and
    flags stay valid."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (float, np.floating)):
        return type(value)(value * np.exp(rng.uniform(-0.25, 0.25)))
    if hasattr(value, "detach") and hasattr(value, "cpu") and value.is_floating_point():  # torch.Tensor
        moved = _perturb(value.detach().cpu().numpy(), rng)
        return value.new_tensor(moved)
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating) and value.size:
        spread = float(np.std(value)) or float(np.max(np.abs(value))) or 1.0
        moved = value * np.exp(rng.uniform(-0.25, 0.25, value.shape)) + rng.normal(0, 0.1 * spread, value.shape)
        return moved.astype(value.dtype)
    if isinstance(value, (list, tuple)):
        return type(value)(_perturb(v, rng) for v in value)
    if isinstance(value, dict):
        return {k: _perturb(v, rng) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _perturb(getattr(value, f.name), rng)
            for f in dataclasses.fields(value)
            if f.init and isinstance(getattr(value, f.name), (float, np.floating))
        }
        return dataclasses.replace(value, **changes)
    return value


def hidden_cases(
    cases: Sequence[Sequence[Any] | dict[str, Any]],
    reference: Callable[..., Any],
    rng: np.random.Generator,
    count: int = HIDDEN_CASES,
) -> list[tuple[Sequence[Any] | dict[str, Any], Any]]:
    """``count`` test inputs that no one has seen, with the reference's results: each is one of ``cases`` with its
    floats moved at random (:func:`_perturb`). An input on which the reference raises (a configuration outside its
    valid range, say) or returns no number is drawn again, at most ``4·count`` times in all. Used by
    :func:`check_function` at grading time, so that an answer which matches the visible cases by a lookup table, or
    by reading the reference's results off a failed check, does not pass."""
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    found: list[tuple[Sequence[Any] | dict[str, Any], Any]] = []
    for attempt in range(4 * count):
        if len(found) == count or not cases:
            break
        try:  # a moved configuration may be invalid (a rate above 1, say), or outside the reference's domain
            args = _perturb(cases[attempt % len(cases)], rng)
            expected = _call(reference, args)
        except Exception:  # draw another
            continue
        if _as_array(expected) is not None and np.all(np.isfinite(_as_array(expected))):
            found.append((args, expected))
    return found


def check_function(
    exercise: str,
    name: str,
    fn: Any,
    reference: Callable[..., Any],
    cases: Iterable[Sequence[Any] | dict[str, Any]],
    *,
    rtol: float = 1e-6,
    atol: float = 0.0,
    hint: str = "",
) -> None:
    """Check a function written by the student against ``reference`` on every test input in ``cases``.

    Each case is a tuple of positional arguments or a dict of keyword arguments. The message of a failure gives the
    first input on which the two disagree, the reference result and what the student's function returned (or
    raised; ``NotImplementedError`` means the stub has not been filled in yet). When the grader has set
    :data:`GRADING_SEED`, the function is also checked on :func:`hidden_cases` drawn from that seed, and a failure on
    one of them names the input but never the reference's result.
    """
    _check_tolerances(rtol, atol)
    cases = list(cases)
    if not cases:
        raise ValueError("cases must contain at least one test input")
    if fn is Ellipsis or fn is None or not callable(fn):
        raise _fail(exercise, f"`{name}` should be a function, got {_show(fn)}.", hint)
    for args in cases:
        expected = _call(reference, args)
        try:
            got = _call(fn, args)
        except NotImplementedError:
            raise _fail(
                exercise,
                f"`{name}` is not written yet (it raises NotImplementedError): replace the `raise` line in the cell "
                f"above by your code and run both cells again. The check calls it as, for example, "
                f"{_call_text(name, args)} and compares the result with the reference.",
                hint,
            ) from None
        except Exception as exc:  # the student's code failed: say how, on which input
            raise _fail(
                exercise,
                f"{_call_text(name, args)} raised {type(exc).__name__}: {exc}; expected {_show(expected)}.",
                hint,
            ) from exc
        reason = _compare(got, expected, rtol, atol)
        if reason is not None:
            raise _fail(exercise, f"{_call_text(name, args)} is not right: {reason}.", hint)
    seed = os.environ.get(GRADING_SEED)
    if not seed:
        print(f"Exercise {exercise}: correct ({len(cases)} test inputs).")
        return
    hidden = hidden_cases(cases, reference, np.random.default_rng(int(seed)))
    for args, expected in hidden:
        try:
            got = _call(fn, args)
        except Exception as exc:
            raise _fail(
                exercise, f"on a hidden test input, {_call_text(name, args)} raised {type(exc).__name__}: {exc}.", hint
            ) from exc
        reason = _compare(got, expected, rtol, atol, reveal=False)
        if reason is not None:
            raise _fail(exercise, f"on a hidden test input, {_call_text(name, args)} is not right: {reason}.", hint)
    print(f"Exercise {exercise}: correct ({len(cases)} test inputs and {len(hidden)} hidden ones).")


def check_choice(exercise: str, name: str, got: Any, expected: Any, options: Sequence[Any], *, hint: str = "") -> None:
    """Check a multiple-choice answer: ``got`` must be one of ``options`` and equal to ``expected``."""
    if expected not in options:
        raise ValueError(f"expected must be one of the options {list(options)}, got {expected!r}")
    if got is Ellipsis or got is None:
        raise _fail(exercise, f"`{name}` has no answer yet; choose one of {list(options)}.", hint)
    if got not in options:
        raise _fail(exercise, f"`{name}` must be one of {list(options)}, got {got!r}.", hint)
    if got != expected:
        raise _fail(exercise, f"`{name}` is not right: expected {expected!r}, got {got!r}.", hint)
    print(f"Exercise {exercise}: correct.")
