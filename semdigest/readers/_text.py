"""Text clean-up shared by the readers: arXiv ids, damaged control characters, generator fallbacks."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from ..records import ARXIV_ID

# Strings the generator writes when a summary failed or was withheld; such a field is no summary.
FALLBACKS = frozenset(
    s.casefold()
    for s in (
        "Summary generation failed",
        "Motivation analysis unavailable",
        "Method extraction failed",
        "Result analysis unavailable",
        "Conclusion extraction failed",
        "Processing failed",
        "This content has not passed the compliance test and has been hidden",
    )
)

# Bad JSON escaping turned LaTeX such as \frac, \rightarrow, \times, \beta into control characters.
_JSON_ESCAPES = {"\b": "\\b", "\f": "\\f", "\r": "\\r", "\t": "\\t"}
_ESCAPED_LATEX = re.compile(r"[\b\f\r\t](?=[A-Za-z])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_DAMAGE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")  # what the two above look for
_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_arxiv_id(text: str) -> tuple[str, int | None] | None:
    """The bare id and the version (or None) of the first arXiv id in ``text``."""
    match = ARXIV_ID.search(text)
    if not match:
        return None
    return match.group(1), int(match.group(2)) if match.group(2) else None


def clean(text: str | None) -> str:
    """One line of readable text: LaTeX commands mangled into control characters restored,
    other control characters dropped, runs of whitespace (wrapping, indentation) collapsed."""
    if not text:
        return ""
    flat = text.replace("\n", " ")
    if flat.isprintable():  # the common case: no control character, and no whitespace but " "
        while "  " in flat:  # (wrapped, indented lines) quicker than splitting into words
            flat = flat.replace("  ", " ")
        return flat.strip(" ")
    if _DAMAGE.search(text):  # rare: most text has no control character but line breaks
        text = _ESCAPED_LATEX.sub(lambda m: _JSON_ESCAPES[m.group()], text)
        text = _CONTROL.sub(" ", text.replace("\x00", ""))
    # split() and a regex's \s agree on what whitespace is; split() is several times faster.
    return " ".join(text.split())


def summary_field(text: str | None) -> tuple[str | None, bool]:
    """A cleaned summary field and whether it was a generator fallback (then the field is None)."""
    value = clean(text)
    if not value:
        return None, False
    if value.rstrip(". ").casefold() in FALLBACKS:
        return None, True
    return value, False


def date_from_name(path: str | Path) -> dt.date | None:
    """The digest date written in a file name as YYYY-MM-DD, if any."""
    match = _DATE_IN_NAME.search(Path(path).name)
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        return None
