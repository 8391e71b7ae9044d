"""A BibTeX field value as one line of plain text: LaTeX accents and commands decoded, math kept
as written (as the library's own titles and abstracts keep it), whitespace collapsed.

pylatexenc decodes any LaTeX, at about 5 ms a field: 10 minutes for the titles and abstracts of
a 60,000-entry export. Most values carry no command outside their math, only braces, dashes,
quotes and ties; those are converted here in one pass, as pylatexenc converts them
(tests/test_interests.py compares the two on every real title and abstract), and only the rest
go through pylatexenc.
"""

from __future__ import annotations

import functools
import re

_SPACES = re.compile(r"\s+")
_UNESCAPED_PERCENT = re.compile(r"(?<!\\)%")  # a comment to LaTeX, a percent sign in a title
# pylatexenc's text specials, longest first (it reads "---" before "--"); "&" is an alignment.
_SPECIALS = {"---": "\N{EM DASH}", "--": "\N{EN DASH}", "``": "\N{LEFT DOUBLE QUOTATION MARK}",
             "''": "\N{RIGHT DOUBLE QUOTATION MARK}", "~": "\N{NO-BREAK SPACE}",
             "!`": "\N{INVERTED EXCLAMATION MARK}", "?`": "\N{INVERTED QUESTION MARK}", "&": "   "}
_SPECIAL = re.compile("|".join(re.escape(s) for s in _SPECIALS))
# Outside math: text, a brace, an escaped character (\& is "&"), or math ($$...$$ or $...$, where
# a backslash escapes the next character). Any other backslash is a command: left to pylatexenc.
_PIECE = re.compile(r"(?P<text>[^\\${}]+)|(?P<brace>[{}])|\\(?P<escaped>[&%_#${} ])"
                    r"|\$\$(?P<display>(?:[^\\$]|\\.)*)\$\$|\$(?P<inline>(?:[^\\$]|\\.)+)\$", re.DOTALL)


def latex_text(value) -> str:
    """``value`` (a field as bibtexparser gives it) as plain text; "" for an empty one."""
    if not value:
        return ""
    value = str(value)
    text = _plain(value)
    if text is None:
        text = _pylatexenc(_UNESCAPED_PERCENT.sub(r"\\%", value))
    return _SPACES.sub(" ", text).strip()


def _plain(value: str) -> str | None:
    """What pylatexenc makes of ``value``, or None where it holds more than this reads."""
    out, depth, position = [], 0, 0
    while position < len(value):
        match = _PIECE.match(value, position)
        if match is None:
            return None  # a command, or a $ that opens math it does not close
        position = match.end()
        if match["text"] is not None:
            out.append(_SPECIAL.sub(lambda m: _SPECIALS[m[0]], match["text"]))
        elif match["escaped"]:
            out.append(match["escaped"])
        elif match["brace"]:
            depth += 1 if match["brace"] == "{" else -1
            if depth < 0:
                return None
        else:
            math = match["display"] if match["display"] is not None else match["inline"]
            if "%" in math or not _balanced(math):
                return None  # pylatexenc would read a comment, or end the math elsewhere
            out.append(f"\n{match[0]}\n" if match["display"] is not None else match[0])
    return "".join(out) if depth == 0 else None


def _balanced(math: str) -> bool:
    depth = 0
    for char in re.sub(r"\\.", "", math):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _pylatexenc(value: str) -> str:
    try:
        return _converter().latex_to_text(value)
    except Exception:  # pylatexenc gives up on some malformed LaTeX: the raw text still reads
        return value


@functools.cache
def _converter():
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="verbatim")
