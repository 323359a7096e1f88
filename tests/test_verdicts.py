"""The verdict type, the lemma catalogue and the summary table (mmcl.theory.verdicts)."""

from __future__ import annotations

import pytest

from mmcl.theory.verdicts import LEMMAS, Check, Verdict, expect, summary_table


def _check(lemma: str, verdict: Verdict, part: str = "") -> Check:
    return Check(lemma, verdict, "measured", "bound", part=part)


def test_catalogue_lists_every_lemma_of_the_paper() -> None:
    numbers = list(LEMMAS)
    assert [k for k in numbers if k.startswith("B.")] == [f"B.{i}" for i in range(1, 6)]
    assert [k for k in numbers if k.startswith("C.")] == [f"C.{i}" for i in range(1, 19)]
    assert [k for k in numbers if k.startswith("D.")] == [f"D.{i}" for i in range(1, 16)]
    assert {"5.1", "5.2", "5.3", "5.4"} <= set(numbers)
    assert len(numbers) == 42


def test_check_rejects_unknown_lemma_and_verdict() -> None:
    with pytest.raises(ValueError, match="lemma"):
        Check("Z.9", Verdict.HOLDS, "m", "b")
    with pytest.raises(ValueError, match="verdict"):
        Check("B.1", "holds", "m", "b")  # type: ignore[arg-type]


def test_expect_passes_matching_and_raises_on_flip() -> None:
    c = _check("C.3", Verdict.FAILS)
    assert expect(c, "fails at these sizes") is None
    with pytest.raises(AssertionError, match="C.3"):
        expect(c, Verdict.HOLDS)
    with pytest.raises(ValueError):
        expect(c, "maybe")


def test_summary_table_requires_every_lemma() -> None:
    checks = [_check(k, Verdict.HOLDS) for k in LEMMAS if k != "D.7"]
    with pytest.raises(ValueError, match="D.7"):
        summary_table(checks)


def test_summary_table_combines_parts_weakest_first() -> None:
    checks = [_check(k, Verdict.HOLDS) for k in LEMMAS]
    checks += [
        _check("C.11", Verdict.FAILS, "(22)"),
        _check("C.4", Verdict.CORRECTED, "statement"),
        _check("D.3", Verdict.NOT_CHECKABLE, "(3)"),
    ]
    table = summary_table(checks)
    assert [r[0] for r in table.rows] == list(LEMMAS)
    assert table.verdict("C.11") is Verdict.FAILS
    assert table.verdict("C.4") is Verdict.CORRECTED
    assert table.verdict("D.3") is Verdict.HOLDS  # a checked part outweighs an uncheckable one
    assert table.verdict("B.1") is Verdict.HOLDS
    counts = table.counts()
    assert sum(counts.values()) == 42 and counts[Verdict.FAILS] == 1 and counts[Verdict.CORRECTED] == 1
    md = table._repr_markdown_()
    assert md.count("\n") == 43 and "| C.11 |" in md
    with pytest.raises(ValueError, match="Z.1"):
        table.verdict("Z.1")


def test_only_uncheckable_parts_give_not_checkable() -> None:
    checks = [_check(k, Verdict.HOLDS) for k in LEMMAS if k != "D.3"] + [_check("D.3", Verdict.NOT_CHECKABLE)]
    assert summary_table(checks).verdict("D.3") is Verdict.NOT_CHECKABLE
