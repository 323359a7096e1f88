"""An answer that only reproduces the visible cases of a check, shared by the grading tests (``test_grade``,
``test_otter``): it must pass the book's own check and fail the hidden inputs drawn at grading time."""

from __future__ import annotations


def stage_one_lengths_table() -> str:
    """Exercise 3.1 answered by a table: the reference's results on the check's four visible inputs, typed in."""
    from mmcl import FIGURE1 as c
    from mmcl.theory import predictions

    visible = [c, c.replace(tau=0.2), c.replace(sigma0=0.001, d=4000), c.replace(n=50, m=20, mu_tilde_norm=10.0)]
    table = {repr(v): (predictions.t1_single(v), predictions.t1_multi(v)) for v in visible}
    return f"_TABLE = {table!r}\n\n\ndef stage_one_lengths(config):\n    return _TABLE[repr(config)]\n"
