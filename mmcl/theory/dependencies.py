"""Which lemma the proofs use where: the dependency graph of Appendices B–D and the two theorems (Chapter 12).

:data:`USES` maps every statement of :data:`~mmcl.theory.verdicts.LEMMAS` and the theorems 4.2/4.3 to the statements
its proof uses, as the proof structure reads (the roles of the lemmas in Appendices B–D: e.g. the base case C.10 and
the balance B.3 feed the noise induction C.11, which feeds Lemma 5.2). It is this book's reading of the proofs, not a
quotation. :func:`upstream` lists everything a conclusion rests on, :func:`broken_links` those of its links whose
verdict is a failure, and :func:`draw` lays the graph out in layers (each statement one column to the right of the
last statement it uses) coloured by verdict.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt

from .verdicts import THEOREMS, Verdict

__all__ = ["USES", "FAILED", "upstream", "broken_links", "layers", "draw", "COLOURS"]

USES: dict[str, tuple[str, ...]] = {
    "B.1": (),
    "B.2": ("B.1",),
    "B.3": (),
    "B.4": (),
    "B.5": (),
    "5.1": (),
    "C.1": ("5.1", "B.5"),
    "C.2": ("B.4", "B.5"),
    "C.3": ("B.2", "C.1", "C.2"),
    "C.4": ("C.2", "C.3", "B.3"),
    "C.5": ("B.4",),
    "C.6": ("B.1",),
    "C.7": ("C.1", "C.6"),
    "C.8": ("B.3",),
    "C.9": ("B.5",),
    "C.10": ("C.9",),
    "C.11": ("C.2", "C.5", "C.7", "C.8", "C.9", "C.10", "B.3"),
    "C.12": ("B.4",),
    "5.2": ("C.4", "C.11", "C.12"),
    "C.13": ("5.2",),
    "C.14": ("C.13",),
    "C.15": ("5.2",),
    "C.16": ("C.13",),
    "C.17": ("C.14", "C.16"),
    "C.18": ("C.15", "C.17"),
    "5.3": (),
    "D.1": ("B.4", "B.5"),
    "D.2": ("5.3", "B.5"),
    "D.3": ("B.2", "D.1", "D.2"),
    "D.4": ("D.1", "D.3", "B.3"),
    "D.5": ("B.5",),
    "D.6": ("B.1",),
    "D.7": ("D.5",),
    "D.8": ("D.1", "D.5"),
    "D.9": ("D.6", "D.7", "D.8"),
    "D.10": ("B.4",),
    "5.4": ("D.4", "D.9", "D.10"),
    "D.11": ("5.4",),
    "D.12": ("5.4",),
    "D.13": ("5.4", "D.3"),
    "D.14": ("D.11", "D.13"),
    "D.15": ("D.12", "D.14"),
    "4.2": ("5.2", "C.18"),
    "4.3": ("5.4", "D.15"),
}
"""Statement → the statements its proof uses (every lemma of the catalogue and both theorems)."""

FAILED = frozenset({Verdict.WRONG, Verdict.SIZE_UNMET})
"""The verdicts that make a link of a proof fail."""

COLOURS = {
    Verdict.HOLDS: "#2e7d32",
    Verdict.VACUOUS: "#9ccc65",
    Verdict.BY_CONSTRUCTION: "#80cbc4",
    Verdict.CORRECTED: "#fdd835",
    Verdict.SIZE_UNMET: "#fb8c00",
    Verdict.WRONG: "#c62828",
    Verdict.NOT_CHECKABLE: "#bdbdbd",
}
"""The colour of each verdict in :func:`draw`."""


def _check_node(node: str) -> None:
    if node not in USES:
        raise ValueError(f"node must be one of {list(USES)}, got {node!r}")


def upstream(node: str) -> list[str]:
    """Every statement the proof of ``node`` rests on, directly or through others, in catalogue order."""
    _check_node(node)
    seen: set[str] = set()
    stack = list(USES[node])
    while stack:
        k = stack.pop()
        if k not in seen:
            seen.add(k)
            stack.extend(USES[k])
    return [k for k in USES if k in seen]


def broken_links(node: str, verdicts: Mapping[str, Verdict]) -> list[str]:
    """The statements upstream of ``node`` whose verdict (``verdicts``: statement → verdict) is a failure."""
    return [k for k in upstream(node) if verdicts.get(k) in FAILED]


def layers() -> dict[str, int]:
    """The column of every statement: 0 for those that use nothing, else one more than the largest column used."""
    out: dict[str, int] = {}

    def depth(k: str) -> int:
        if k not in out:
            out[k] = 1 + max((depth(u) for u in USES[k]), default=-1)
        return out[k]

    for k in USES:
        depth(k)
    return out


def draw(ax: plt.Axes, verdicts: Mapping[str, Verdict]) -> plt.Axes:
    """The graph on ``ax``: one box per statement coloured by its verdict, an arrow from each statement to those that
    use it, single-modal statements above the multi-modal ones."""
    missing = [k for k in USES if k not in verdicts]
    if missing:
        raise ValueError(f"verdicts missing for {missing}")
    col = layers()
    rows: dict[int, list[str]] = {}
    for k in USES:
        rows.setdefault(col[k], []).append(k)
    pos = {}
    for c, names in rows.items():
        single = [k for k in names if not k.startswith("D.") and k not in ("5.3", "5.4", "4.3")]
        multi = [k for k in names if k not in single]
        for j, k in enumerate(single):
            pos[k] = (c, 1 + j)
        for j, k in enumerate(multi):
            pos[k] = (c, -1 - j)
    for k, used in USES.items():
        for u in used:
            (x0, y0), (x1, y1) = pos[u], pos[k]
            bad = verdicts[u] in FAILED
            ax.annotate(
                "",
                xy=(x1, y1),
                xytext=(x0, y0),
                arrowprops=dict(arrowstyle="->", color="#c62828" if bad else "#9e9e9e", lw=0.8, shrinkA=9, shrinkB=9),
            )
    for k, (x, y) in pos.items():
        ax.text(
            x,
            y,
            k,
            ha="center",
            va="center",
            fontsize=7,
            fontweight="bold" if k in THEOREMS else "normal",
            bbox=dict(boxstyle="round,pad=0.25", fc=COLOURS[Verdict(verdicts[k])], ec="black", lw=0.5),
        )
    for verdict, colour in COLOURS.items():
        ax.scatter([], [], color=colour, marker="s", s=40, label=str(verdict))
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_xlim(-0.6, max(col.values()) + 0.6)
    ys = [y for _, y in pos.values()]
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.axhline(0, color="#e0e0e0", lw=0.8)
    ax.set_axis_off()
    return ax
