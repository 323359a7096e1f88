"""The verdict type, the lemma catalogue and the summary table (mmcl.theory.verdicts)."""

from __future__ import annotations

import math

import pytest

from mmcl.theory.verdicts import (
    LEMMAS,
    THEOREMS,
    VACUOUS_SLACK,
    Check,
    CheckTable,
    Verdict,
    expect,
    holds_with_slack,
    summary_table,
)


def _check(lemma: str, verdict: Verdict, part: str = "", slack: float | None = None) -> Check:
    return Check(lemma, verdict, "measured", "bound", part=part, slack=slack)


def test_catalogue_lists_every_lemma_of_the_paper() -> None:
    numbers = list(LEMMAS)
    assert [k for k in numbers if k.startswith("B.")] == [f"B.{i}" for i in range(1, 6)]
    assert [k for k in numbers if k.startswith("C.")] == [f"C.{i}" for i in range(1, 19)]
    assert [k for k in numbers if k.startswith("D.")] == [f"D.{i}" for i in range(1, 16)]
    assert {"5.1", "5.2", "5.3", "5.4"} <= set(numbers)
    assert len(numbers) == 42
    assert list(THEOREMS) == ["4.2", "4.3"]


def test_vocabulary_words_and_legacy_alias() -> None:
    assert [v.value for v in Verdict] == [
        "holds",
        "holds, vacuous",
        "holds by construction",
        "holds once corrected",
        "fails: sizes unmet",
        "wrong as stated",
        "not checkable",
    ]
    assert not hasattr(Verdict, "FAILS")  # the old single word mixed unmet sizes with errata
    with pytest.raises(ValueError):
        Verdict("fails")


def test_check_rejects_unknown_lemma_verdict_and_bad_slack() -> None:
    with pytest.raises(ValueError, match="lemma"):
        Check("Z.9", Verdict.HOLDS, "m", "b")
    with pytest.raises(ValueError, match="verdict"):
        Check("B.1", "holds", "m", "b")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="slack"):
        _check("B.1", Verdict.HOLDS, slack=-1.0)
    with pytest.raises(ValueError, match="vacuous"):
        _check("B.1", Verdict.HOLDS, slack=25.0)  # a slack ≥ 10 is not plain "holds"
    with pytest.raises(ValueError, match="holds"):
        _check("B.1", Verdict.VACUOUS, slack=2.0)


def test_holds_with_slack_picks_holds_or_vacuous() -> None:
    assert holds_with_slack(1.0) is Verdict.HOLDS
    assert holds_with_slack(9.99) is Verdict.HOLDS
    assert holds_with_slack(VACUOUS_SLACK) is Verdict.VACUOUS
    assert holds_with_slack(math.inf) is Verdict.VACUOUS
    for bad in (0.5, math.nan):
        with pytest.raises(ValueError, match="slack"):
            holds_with_slack(bad)
    c = Check.from_slack("C.14", 40.0, "‖∇L‖² = 1", "40")
    assert c.verdict is Verdict.VACUOUS and c.slack == 40.0
    assert "slack 40" in str(c)
    assert "| 40 |" in CheckTable([c])._repr_markdown_()


def test_expect_passes_matching_and_raises_on_flip() -> None:
    c = _check("C.3", Verdict.SIZE_UNMET)
    assert expect(c, "fails: sizes unmet") is None
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
        _check("C.11", Verdict.SIZE_UNMET, "(22)"),
        _check("C.11", Verdict.WRONG, "(23)"),
        _check("C.4", Verdict.CORRECTED, "statement"),
        _check("C.4", Verdict.BY_CONSTRUCTION, "restated"),
        _check("5.1", Verdict.BY_CONSTRUCTION, "least squares"),
        _check("C.14", Verdict.VACUOUS, "bound", slack=120.0),
        _check("C.14", Verdict.HOLDS, "other", slack=3.0),
        _check("D.3", Verdict.NOT_CHECKABLE, "(3)"),
    ]
    table = summary_table(checks)
    assert [r[0] for r in table.rows] == list(LEMMAS)
    assert table.verdict("C.11") is Verdict.WRONG
    assert table.verdict("C.4") is Verdict.CORRECTED
    assert table.verdict("5.1") is Verdict.BY_CONSTRUCTION
    assert table.verdict("C.14") is Verdict.VACUOUS
    assert table.verdict("D.3") is Verdict.HOLDS  # a checked part outweighs an uncheckable one
    assert table.verdict("B.1") is Verdict.HOLDS
    row = next(r for r in table.rows if r[0] == "C.14")
    assert row[5] == 3.0 and "slack 120" in row[4]  # the smallest slack of the parts is the row's
    counts = table.counts()
    assert sum(counts.values()) == 42 and counts[Verdict.WRONG] == 1 and counts[Verdict.CORRECTED] == 1
    assert counts[Verdict.VACUOUS] == 1 and counts[Verdict.BY_CONSTRUCTION] == 1
    md = table._repr_markdown_()
    assert "| C.11 |" in md and "| Slack |" in md and "wrong as stated: 1" in md
    assert "wrong as stated: 1" in repr(table)
    with pytest.raises(ValueError, match="Z.1"):
        table.verdict("Z.1")


def test_theorem_rows_follow_the_lemmas_when_given() -> None:
    checks = [_check(k, Verdict.HOLDS) for k in LEMMAS] + [_check("4.3", Verdict.WRONG, "(2)")]
    table = summary_table(checks)
    assert [r[0] for r in table.rows] == [*LEMMAS, "4.3"] and table.verdict("4.3") is Verdict.WRONG
    assert "Θ(1)" in Check("4.2", Verdict.HOLDS, "m", "b").statement
    assert len(summary_table([_check(k, Verdict.HOLDS) for k in LEMMAS]).rows) == 42


def test_only_uncheckable_parts_give_not_checkable() -> None:
    checks = [_check(k, Verdict.HOLDS) for k in LEMMAS if k != "D.3"] + [_check("D.3", Verdict.NOT_CHECKABLE)]
    assert summary_table(checks).verdict("D.3") is Verdict.NOT_CHECKABLE


def test_summary_table_shows_the_seeds_column() -> None:
    from mmcl.theory.over_seeds import SeedRow, SeedTable, seed_fractions

    table_a = SeedTable(("n=100, d=2000",), {"C.3": (SeedRow("C.3", 0, 20, 0.0, 0.17, ("fails: sizes unmet",)),)})
    table_b = SeedTable(("n=80, d=8000",), {"C.3": (SeedRow("C.3", 2, 20, 0.01, 0.32, ("holds",)),)})
    column = seed_fractions(table_a, table_b)
    assert column == {
        "C.3": "0/20 [0.00, 0.17] at n=100, d=2000; 2/20 [0.01, 0.32] (depends on the seed) at n=80, d=8000"
    }
    checks = [_check(k, Verdict.HOLDS) for k in LEMMAS]
    shown = summary_table(checks, seeds=column)._repr_markdown_()
    assert "| Seeds |" in shown and "(depends on the seed) at n=80, d=8000" in shown
    assert "| Seeds |" not in summary_table(checks)._repr_markdown_()
    with pytest.raises(ValueError, match="not in the table"):
        summary_table(checks, seeds={"Z.9": "1/1"})
