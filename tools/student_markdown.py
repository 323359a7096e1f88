"""Plain Markdown for the student edition: MyST directives, roles and the book's TeX macros rewritten.

The site is built by Jupyter Book, which reads MyST: ```` ```{exercise} ```` and ```` ```{prf:lemma} ```` blocks,
``{prf:ref}`lem-5-1``` and ``{cite:p}`key``` roles, and the TeX macros of ``_config.yml`` (``\\bmu``, ``\\SNR``…).
JupyterLab, Colab and VS Code render CommonMark with ``$…$`` math and know none of these: a directive shows as a raw
fenced code block and a macro as an error. :func:`plain_markdown` rewrites one markdown cell into what they all
render:

* an exercise, lemma, theorem, proposition, assumption, proof, note or admonition block becomes a bold heading line
  (``**Exercise 5.1: Noise against signal**``, ``**Lemma 5.1** (Coefficient recursions, single-modal).``) followed by
  its body, with an HTML anchor for its label; the directive's options (``:label:``, ``:class:``…) are dropped;
* ``{prf:ref}`lem-c-3``` becomes "Lemma C.3" (the number is read from the label, as the book names its labels:
  ``lem-`` / ``thm-`` / ``prop-`` / ``asm-`` / ``ex-`` followed by the number with dashes), and ``{prf:ref}`text
  <label>``` becomes "text";
* ``{doc}`execution_statistics``` becomes "*Execution statistics* (a page of the book's site)";
* ``{cite:p}`key``` becomes "(Huang et al., 2024)" and ``{cite:t}`key``` "Huang et al. (2024)", from
  ``references.bib``;
* every macro of ``_config.yml`` is expanded in place (``\\bmu`` → ``\\boldsymbol{\\mu}``), so that no cell depends
  on the definitions of another.

:func:`leftover_myst` lists what is left of MyST in a text; the student-edition tests require it to be empty.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path

import yaml

__all__ = ["KINDS", "book_macros", "bibliography", "plain_markdown", "leftover_myst", "label_name"]

ROOT = Path(__file__).resolve().parent.parent

KINDS = {
    "exercise": "Exercise",
    "prf:lemma": "Lemma",
    "prf:theorem": "Theorem",
    "prf:proposition": "Proposition",
    "prf:assumption": "Assumption",
    "prf:proof": "Proof",
    "prf:definition": "Definition",
    "prf:corollary": "Corollary",
    "note": "Note",
    "admonition": "",
}
"""The directives that the book uses, with the word that heads them in plain Markdown (an admonition's title is its
own heading)."""

_PREFIXES = {"lem": "Lemma", "thm": "Theorem", "prop": "Proposition", "asm": "Assumption", "ex": "Exercise"}
_FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<kind>[\w:-]+)\}[ \t]*(?P<title>.*)$")
_OPTION = re.compile(r"^:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")
_ROLE = re.compile(r"\{(?P<role>prf:ref|cite:p|cite:t|cite|ref|numref|eq|doc|download)\}`(?P<body>[^`]*)`")


@functools.cache
def book_macros(config: Path = ROOT / "_config.yml") -> dict[str, str]:
    """The TeX macros that the site's MathJax defines (``sphinx.config.mathjax3_config.tex.macros``), read once per
    file (do not modify the result)."""
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    macros = data["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]
    return {str(name): str(body) for name, body in macros.items()}


@functools.cache
def bibliography(bib: Path = ROOT / "references.bib") -> dict[str, tuple[str, str]]:
    """``key → (authors as cited, year)`` for every entry of ``references.bib`` ("Huang et al.", "Chen and Cao")."""
    out: dict[str, tuple[str, str]] = {}
    for match in re.finditer(r"@\w+\{(?P<key>[^,\s]+),(?P<body>.*?)\n\}", bib.read_text(encoding="utf-8"), re.S):
        fields = dict(re.findall(r"(\w+)\s*=\s*\{(.*?)\}\s*,?\s*$", match["body"], re.M))
        surnames = [name.split(",")[0].strip() for name in fields.get("author", "").split(" and ") if name.strip()]
        if len(surnames) > 2:
            authors = f"{surnames[0]} et al."
        else:
            authors = " and ".join(surnames)
        out[match["key"]] = (authors or match["key"], fields.get("year", "n.d."))
    return out


def label_name(label: str) -> str | None:
    """``"lem-c-3"`` → ``"Lemma C.3"``, ``"thm-4-2"`` → ``"Theorem 4.2"``; ``None`` for a label of another form."""
    prefix, _, rest = label.partition("-")
    if prefix not in _PREFIXES or not rest:
        return None
    parts = rest.split("-")
    number = ".".join(p.upper() if p.isalpha() and len(p) == 1 else p for p in parts)
    return f"{_PREFIXES[prefix]} {number}"


def _expand(text: str, macros: Mapping[str, str]) -> str:
    if not macros:
        return text
    names = sorted(macros, key=len, reverse=True)
    pattern = re.compile(r"\\(" + "|".join(map(re.escape, names)) + r")(?![A-Za-z])")
    return pattern.sub(lambda m: macros[m.group(1)], text)  # the book's macros expand to plain TeX: one pass


def _roles(text: str, cites: Mapping[str, tuple[str, str]]) -> str:
    def replace(match: re.Match[str]) -> str:
        role, body = match["role"], match["body"]
        if role in ("prf:ref", "ref", "numref"):
            explicit = re.fullmatch(r"(?P<text>.+?)\s*<(?P<label>[^>]+)>", body)
            if explicit:
                return explicit["text"]
            return label_name(body) or body
        if role == "eq":
            return f"({body})"
        if role in ("doc", "download"):  # a page or file of the site: its title-like name, in italics
            explicit = re.fullmatch(r"(?P<text>.+?)\s*<(?P<target>[^>]+)>", body)
            if explicit:
                return explicit["text"]
            return "*" + Path(body).stem.replace("_", " ").capitalize() + "* (a page of the book's site)"
        keys = [k.strip() for k in body.split(",") if k.strip()]
        found = [cites.get(k, (k, "n.d.")) for k in keys]
        if role == "cite:t":
            return "; ".join(f"{a} ({y})" for a, y in found)
        return "(" + "; ".join(f"{a}, {y}" for a, y in found) + ")"

    return _ROLE.sub(replace, text)


def _heading(kind: str, title: str, options: Mapping[str, str]) -> str:
    word = KINDS.get(kind, kind.split(":")[-1].capitalize())
    label = options.get("label", "")
    anchor = f'<a id="{label}"></a>' if label else ""
    if kind == "exercise":  # the book's exercise titles carry their number: "5.1: Noise against signal"
        return f"{anchor}**{word} {title}**".rstrip() if title else f"{anchor}**{word}**"
    if kind == "prf:proof":
        return f"{anchor}*{word}.*"
    if kind == "admonition":
        return f"{anchor}**{title}**"
    named = label_name(label) if label else None
    head = f"**{named}**" if named else f"**{word}**"
    return f"{anchor}{head}" + (f" ({title})." if title else ".")


def _directives(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            out.append(lines[i])
            i += 1
            continue
        fence, kind, title = match["fence"], match["kind"], match["title"].strip()
        i += 1
        options: dict[str, str] = {}
        while i < len(lines) and _OPTION.match(lines[i]):
            option = _OPTION.match(lines[i])
            assert option is not None
            options[option["key"]] = option["value"].strip()
            i += 1
        body: list[str] = []
        depth = 1
        while i < len(lines):
            line = lines[i]
            inner = _FENCE.match(line)
            if inner and inner["fence"][0] == fence[0]:
                depth += 1
            elif line.strip() == fence and depth == 1:
                i += 1
                break
            elif line.strip() == fence:
                depth -= 1
            body.append(line)
            i += 1
        while body and not body[0].strip():
            body.pop(0)
        out.append(_heading(kind, title, options))
        out.append("")
        out.extend(_directives("\n".join(body)).split("\n"))
    return "\n".join(out)


def plain_markdown(
    text: str,
    macros: Mapping[str, str] | None = None,
    cites: Mapping[str, tuple[str, str]] | None = None,
) -> str:
    """One markdown cell of the book in plain Markdown (see the module's docstring). A cell that defines the macros
    (``\\newcommand``) is left as it is."""
    macros = book_macros() if macros is None else macros
    cites = bibliography() if cites is None else cites
    if "\\newcommand" in text:
        return text
    text = re.sub(r"^\([\w-]+\)=[ \t]*\n", "", text, flags=re.M)  # MyST targets "(label)=" above a heading
    return _expand(_roles(_directives(text), cites), macros)


def leftover_myst(text: str, macros: Mapping[str, str] | None = None) -> list[str]:
    """What is left of MyST in ``text``: directive fences, roles, targets and unexpanded book macros."""
    macros = book_macros() if macros is None else macros
    found = [m.group(0) for m in re.finditer(r"^(`{3,}|:{3,})\{[\w:-]+\}.*$", text, re.M)]
    found += [m.group(0) for m in re.finditer(r"\{[\w:-]+\}`[^`]*`", text)]
    found += [m.group(0) for m in re.finditer(r"^\([\w-]+\)=\s*$", text, re.M)]
    if "\\newcommand" not in text:
        found += [m.group(0) for m in re.finditer(r"\\(" + "|".join(map(re.escape, macros)) + r")(?![A-Za-z])", text)]
    return found
