"""The lemma dependency graph (mmcl.theory.dependencies)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from mmcl.theory import dependencies as D  # noqa: E402
from mmcl.theory.verdicts import LEMMAS, THEOREMS, Verdict  # noqa: E402


def test_graph_covers_every_statement_and_is_acyclic() -> None:
    assert set(D.USES) == set(LEMMAS) | set(THEOREMS)
    assert all(set(used) <= set(D.USES) for used in D.USES.values())
    col = D.layers()  # would recurse forever on a cycle
    assert all(col[u] < col[k] for k, used in D.USES.items() for u in used)
    assert "C.11" in D.upstream("5.2") and "5.2" in D.upstream("4.2") and "D.9" in D.upstream("4.3")
    assert "D.9" not in D.upstream("4.2")


def test_broken_links_and_drawing() -> None:
    verdicts = {k: Verdict.HOLDS for k in D.USES} | {"C.10": Verdict.WRONG, "D.7": Verdict.SIZE_UNMET}
    assert D.broken_links("4.2", verdicts) == ["C.10"]
    assert D.broken_links("4.3", verdicts) == ["D.7"]
    fig, ax = plt.subplots()
    D.draw(ax, verdicts)
    assert sorted(t.get_text() for t in ax.texts if t.get_text()) == sorted(D.USES)
    plt.close(fig)
    with pytest.raises(ValueError, match="missing"):
        D.draw(ax, {"B.1": Verdict.HOLDS})
    with pytest.raises(ValueError, match="node"):
        D.upstream("Z.1")
