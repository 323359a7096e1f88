"""The grader's side of a grading kernel: reference traps, a clean slate per exercise, the instructor's check.

:mod:`mmcl.grading.runner` starts a fresh ``python3`` kernel per submitted chapter, runs the chapter's set-up cells,
then calls, through cells of its own:

* :func:`start` once: every ``mmcl`` function that an exercise's check names (``snr.augmented_snr``), and every
  object its metadata lists under ``references``, is replaced, wherever a loaded ``mmcl`` module (or the
  notebook's namespace) binds it, by a **trap**. A trap called from ``mmcl``'s own code or from the instructor's check
  behaves as the original; called from anything else (the student's answer, directly, through a helper, an alias or
  an import) it records the exercise as using the reference and raises :class:`ReferenceUsed`;
* :func:`begin` before the answer cells of each exercise: the notebook's namespace and the ``mmcl`` and ``numpy``
  modules go back to their state after the set-up, so each answer runs on its own;
* :func:`finish` after them: the check's code, taken from the instructor's notebook, runs in a namespace that holds
  the set-up's names and the answer's; the real checkers of :mod:`mmcl.exercises` are put back first. The result
  (passed or not, the checker's message, any use of the reference) is sent to the grader as a display message of
  type :data:`MIMETYPE` carrying the grader's one-time token.

An answer counts as passed only when the instructor's check ran to the end, one of the real checkers completed,
and no trap fired. This resists the easy forgeries (printing the success line, editing the check cells, assigning
the reference); code that sets out to subvert the grading process itself is beyond what an in-process check can
rule out, which is why each failure message names what happened, for a human to look at.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any

import mmcl
from mmcl.reader import exercises as _exercises

__all__ = ["MIMETYPE", "ReferenceUsed", "start", "begin", "finish"]

MIMETYPE = "application/vnd.mmcl.grading+json"
PACKAGE = str(Path(mmcl.__file__).resolve().parent)
_SELF = str(Path(__file__).resolve())
_INTERNAL = re.compile(r"_+|_i+|_i?\d+|_dh|_oh|In|Out|get_ipython|exit|quit|_mmcl_grading")
_MISSING = object()


class ReferenceUsed(Exception):
    """An answer called the implementation in ``mmcl`` that its check compares against."""


class _State:
    def __init__(self) -> None:
        self.traps: dict[int, str] = {}
        self.exercise: str | None = None
        self.violations: dict[str, list[str]] = {}
        self.check_file = ""
        self.namespace: dict[str, Any] = {}
        self.modules: dict[str, tuple[ModuleType, dict[str, Any]]] = {}


_STATE = _State()


def _user_ns() -> dict[str, Any]:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("mmcl.grading.sandbox runs inside a grading kernel")
    return shell.user_ns


def _allowed(filename: str) -> bool:
    """Whether code in ``filename`` may call a reference: ``mmcl``'s own modules (not this one) and the check."""
    if filename == _STATE.check_file:
        return True
    return filename.startswith(PACKAGE) and filename != _SELF


def _trap(original: Callable[..., Any], path: str) -> Callable[..., Any]:
    def trap(*args: Any, **kwargs: Any) -> Any:
        if not _allowed(sys._getframe(1).f_code.co_filename):
            exercise = _STATE.exercise or "?"
            _STATE.violations.setdefault(exercise, []).append(path)
            raise ReferenceUsed(
                f"{path} is the implementation that the check of exercise {exercise} compares against; "
                "an answer must compute the result itself"
            )
        return original(*args, **kwargs)

    for attribute in ("__name__", "__qualname__", "__doc__", "__module__"):
        with contextlib.suppress(AttributeError, TypeError):
            setattr(trap, attribute, getattr(original, attribute))
    _STATE.traps[id(trap)] = path
    return trap


def _is_reference(value: Any, depth: int = 0) -> str | None:
    """The reference that ``value`` is, or wraps (``functools.partial``, ``__wrapped__``, bound methods)."""
    if depth > 8 or value is None:
        return None
    if id(value) in _STATE.traps:
        return _STATE.traps[id(value)]
    for attribute in ("__wrapped__", "func", "__func__"):
        inner = getattr(value, attribute, None) if not isinstance(value, ModuleType) else None
        if inner is not None and inner is not value:
            found = _is_reference(inner, depth + 1)
            if found:
                return found
    return None


def _mmcl_modules() -> list[ModuleType]:
    return [m for n, m in list(sys.modules.items()) if (n == "mmcl" or n.startswith("mmcl.")) and m is not None]


def _resolve(dotted: str, namespace: dict[str, Any]) -> tuple[Any, Any, str] | None:
    """``(owner, value, attribute)`` for ``a.b.c`` looked up in ``namespace`` (or imported when it starts with
    ``mmcl``); ``None`` when it does not resolve. ``owner`` is the object holding the last attribute."""
    parts = dotted.split(".")
    if parts[0] in namespace:
        owner, value = None, namespace[parts[0]]
    elif parts[0] == "mmcl":
        owner, value = None, mmcl
    else:
        return None
    for part in parts[1:]:
        owner = value
        if isinstance(value, type) and isinstance(value.__dict__.get(part), property):
            value = value.__dict__[part]
            continue
        try:
            value = getattr(value, part)
        except AttributeError:
            if isinstance(owner, ModuleType):
                import importlib

                try:
                    value = importlib.import_module(f"{owner.__name__}.{part}")
                    continue
                except ImportError:
                    return None
            return None
    return owner, value, parts[-1]


def _defined_in_mmcl(value: Any) -> bool:
    module = getattr(value, "__module__", "") or ""
    return (module == "mmcl" or module.startswith("mmcl.")) and module != _exercises.__name__


def _install(dotted: str, namespace: dict[str, Any], explicit: bool) -> None:
    resolved = _resolve(dotted, namespace)
    if resolved is None:
        if explicit:
            raise ValueError(f"reference {dotted!r} does not resolve in the grading kernel")
        return
    owner, value, attribute = resolved
    if isinstance(value, property) and isinstance(owner, type):
        if explicit and value.fget is not None and id(value.fget) not in _STATE.traps:
            setattr(owner, attribute, property(_trap(value.fget, dotted), value.fset, value.fdel, value.__doc__))
        return
    if isinstance(owner, type) and explicit and isinstance(owner.__dict__.get(attribute), FunctionType):
        setattr(owner, attribute, _trap(owner.__dict__[attribute], dotted))
        return
    if not isinstance(value, FunctionType) or not _defined_in_mmcl(value) or id(value) in _STATE.traps:
        if explicit and id(value) not in _STATE.traps:
            raise ValueError(f"reference {dotted!r} must name an mmcl function, method or property")
        return
    trap = _trap(value, f"{value.__module__}.{value.__qualname__}")
    for module in _mmcl_modules():
        for key, bound in list(vars(module).items()):
            if bound is value:
                setattr(module, key, trap)
    for key, bound in list(namespace.items()):
        if bound is value:
            namespace[key] = trap


def start(names: list[str], references: list[str]) -> None:
    """Install the traps (after the set-up cells) and remember the state that :func:`begin` returns to."""
    namespace = _user_ns()
    for dotted in references:
        _install(dotted, namespace, explicit=True)
    for dotted in names:
        _install(dotted, namespace, explicit=False)
    _STATE.namespace = {k: v for k, v in namespace.items() if not _INTERNAL.fullmatch(k)}
    import numpy

    modules = _mmcl_modules() + [numpy]
    _STATE.modules = {m.__name__: (m, dict(vars(m))) for m in modules}


def _restore_modules() -> None:
    for module, saved in _STATE.modules.values():
        current = vars(module)
        for key, value in saved.items():
            if current.get(key, _MISSING) is not value:
                current[key] = value


def begin(exercise: str) -> None:
    """Before an exercise's answer cells: the namespace and modules as they were after the set-up."""
    namespace = _user_ns()
    for key in [k for k in namespace if not _INTERNAL.fullmatch(k) and k not in _STATE.namespace]:
        del namespace[key]
    for key, value in _STATE.namespace.items():
        if namespace.get(key, _MISSING) is not value:
            namespace[key] = value
    _restore_modules()
    _STATE.exercise = exercise
    _STATE.violations.pop(exercise, None)


def _answer_names(namespace: dict[str, Any]) -> list[str]:
    return [
        k for k, v in namespace.items() if not _INTERNAL.fullmatch(k) and _STATE.namespace.get(k, _MISSING) is not v
    ]


def _run_check(source: str, namespace: dict[str, Any], exercise: str) -> tuple[bool, str]:
    """Run the instructor's check; ``(passed, message)``."""
    completed: list[str] = []
    originals = {name: getattr(_exercises, name) for name in ("check_function", "check_value", "check_choice")}

    def counted(checker: Callable[..., None]) -> Callable[..., None]:
        def call(*args: Any, **kwargs: Any) -> None:
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                checker(*args, **kwargs)
            completed.append(buffer.getvalue().strip())

        return call

    for name, checker in originals.items():
        setattr(_exercises, name, counted(checker))
    code = compile(source, _STATE.check_file, "exec")
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(code, namespace)  # noqa: S102 - the instructor's own check code
    except _exercises.ExerciseCheckFailed as exc:
        return False, str(exc)
    except ReferenceUsed as exc:
        return False, str(exc)
    except (Exception, SystemExit) as exc:  # the answer (or a missing name) broke the check
        return False, f"Exercise {exercise}: the check stopped with {type(exc).__name__}: {exc}"
    finally:
        for name, checker in originals.items():
            setattr(_exercises, name, checker)
    if not completed:
        return False, f"Exercise {exercise}: the check did not run to the end"
    return True, completed[-1] or f"Exercise {exercise}: correct."


def finish(exercise: str, check_source: str, token: str) -> None:
    """After an exercise's answer cells: run the instructor's check and send the result to the grader."""
    from IPython.display import display

    namespace = _user_ns()
    names = _answer_names(namespace)
    for name in names:
        found = _is_reference(namespace[name])
        if found:
            _STATE.violations.setdefault(exercise, []).append(found)
    _restore_modules()
    check_namespace = dict(namespace)
    check_namespace.update({k: v for k, v in _STATE.namespace.items() if k not in names})
    _STATE.check_file = f"<instructor check {exercise} {token}>"
    passed, message = False, ""
    if not _STATE.violations.get(exercise):
        passed, message = _run_check(check_source, check_namespace, exercise)
    _STATE.check_file = ""
    used = sorted(set(_STATE.violations.get(exercise, [])))
    if used:
        passed = False
        message = (
            f"Exercise {exercise}: your answer calls {', '.join(used)}, the implementation in mmcl that the check "
            "compares against; write the computation yourself."
        )
    _STATE.exercise = None
    result = {"token": token, "exercise": exercise, "passed": passed, "message": message, "references_used": used}
    display({MIMETYPE: result}, raw=True)
