"""A tiny Sphinx extension: number the paper's statements as the paper does.

sphinx-proof numbers its blocks in reading order ("Theorem 1", "Lemma 7"), which hides which statement of the paper
a block restates. A block whose label follows ``<kind>-<paper number>`` — ``thm-4-2``, ``asm-4-1``, ``lem-5-2``,
``lem-c-4``, ``prop-c-13`` (an appendix letter, then numbers) — is shown and referenced with the paper's number
instead: "Theorem 4.2", "Lemma C.4". Blocks with other labels keep sphinx-proof's numbering.
"""

from __future__ import annotations

import re
from typing import Any

PAPER_LABEL = re.compile(r"[a-z]+-((?:[a-z]|\d+)(?:-\d+)+)")


def paper_number(label: str) -> tuple[str, ...] | None:
    """``"lem-c-4"`` → ``("C", "4")``; ``None`` for a label that does not carry a paper number."""
    match = PAPER_LABEL.fullmatch(label)
    if match is None:
        return None
    return tuple(part.upper() for part in match.group(1).split("-"))


def renumber(app: Any, env: Any) -> list[str]:
    """``env-get-updated`` handler, run after Sphinx has assigned figure numbers: apply the paper's numbers."""
    proofs = getattr(env, "proof_list", {})
    for label, entry in proofs.items():
        number = paper_number(label)
        if number is None or entry.get("nonumber"):
            continue
        numbers = env.toc_fignumbers.get(entry["docname"], {}).get(entry["countertype"])
        if numbers is not None and label in numbers:
            numbers[label] = number
    return []


def setup(app: Any) -> dict[str, Any]:
    app.connect("env-get-updated", renumber, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
