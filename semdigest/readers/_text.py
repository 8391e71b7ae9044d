"""Text clean-up shared by the readers: line endings, damaged control characters, lone surrogates,
generator fallbacks, dates in file names."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

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
_LONE_CR = re.compile(r"\r(?!\n)")
# Half of a UTF-16 pair that JSON escaped alone ("\ud800"): no character, and unwritable as UTF-8.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def line_ends(text: str) -> str:
    """Text whose lines end in "\n": a file saved with CR-only line endings (classic Mac, some
    editors' "old Mac" option) has a lone CR where every other file has "\n". A few lone CRs
    among many newlines are no line ends: bad JSON escaping of LaTeX (\\rightarrow) leaves them
    inside lines, and ``clean`` repairs them there."""
    lone = text.count("\r") - text.count("\r\n")
    return _LONE_CR.sub("\n", text) if lone > text.count("\n") else text


def clean(text: str | None) -> str:
    """One line of readable text: LaTeX commands mangled into control characters restored,
    other control characters dropped, lone surrogates replaced by U+FFFD (as undecodable bytes
    are), runs of whitespace (wrapping, indentation) collapsed."""
    if not text:
        return ""
    flat = text.replace("\n", " ")
    if flat.isprintable():  # the common case: no control character, and no whitespace but " "
        while "  " in flat:  # (wrapped, indented lines) quicker than splitting into words
            flat = flat.replace("  ", " ")
        return flat.strip(" ")
    text = _SURROGATE.sub("\ufffd", text)
    if _DAMAGE.search(text):  # rare: most text has no control character but line breaks
        text = _ESCAPED_LATEX.sub(lambda m: _JSON_ESCAPES[m.group()], text)
        text = _CONTROL.sub(" ", text.replace("\x00", ""))
    # split() and a regex's \s agree on what whitespace is; split() is several times faster.
    return " ".join(text.split())


def clean_all(texts: list[str]) -> list[str]:
    """``clean`` of each text, the empty ones left out. A snapshot record's authors and
    categories are nearly always clean already: one check of them all, joined, says so."""
    joined = "|".join(texts)
    if (joined.isprintable() and "  " not in joined and "| " not in joined and " |" not in joined
            and "||" not in joined and joined[:1] not in " |" and joined[-1:] not in " |"):
        return texts if joined else []
    return [text for text in map(clean, texts) if text]


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
