"""arXiv's own metadata fields, shared by the snapshot and OAI-PMH readers: ids, submission
dates, version lists, author lists, and the optional bibliographic fields. The snapshot runs
every record of its millions through here: the common case takes the short path."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import cache

from ..arxiv_ids import ARXIV_ID
from ..records import Version
from ._build import EntryError
from ._text import clean

_UTC = dt.timezone.utc
_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
_SURROGATE = re.compile("[\ud800-\udfff]")
# Author lists are split at commas and "and" outside parentheses; parentheses hold affiliations.
_PARENS = re.compile(r"\([^()]*\)")
_AND = re.compile(r",?\s+and\s+|,|;")
# The bibliographic fields: (the key arXiv writes, Paper's field).
OPTIONAL = (("submitter", "submitter"), ("comments", "comments"), ("journal-ref", "journal_ref"),
            ("doi", "doi"), ("report-no", "report_no"), ("license", "license"))


def arxiv_id(value, field: str = "id") -> str:
    """The bare arXiv id a metadata record names exactly (new style 0704.0001 / 2606.04092,
    old style hep-th/9108001, math.GT/0309136), else EntryError."""
    value = (text(value, field) or "").strip()
    match = ARXIV_ID.fullmatch(value)
    if not match or match.group("version"):
        raise EntryError(f"{field}: {value!r} is not an arXiv id without version (0704.0001, hep-th/9108001)")
    return value


def text(value, field: str) -> str | None:
    """A field that must be text (or absent); valid Unicode only (a lone surrogate is damage)."""
    if value is None:
        return None
    if type(value) is not str:
        raise EntryError(f"{field}: expected text, found {type(value).__name__}")
    if not value.isascii() and _SURROGATE.search(value):
        raise _surrogate(value, field)
    return value


def _surrogate(value: str, field: str) -> EntryError:
    return EntryError(f"{field}: holds a lone surrogate ({_SURROGATE.search(value).group()!a}), "
                      "which is not Unicode text")


def optional(get, names=OPTIONAL) -> dict:
    """The bibliographic fields, each one line or None: ``get(key)`` gives arXiv's value."""
    return {field: None if (value := get(key)) is None else clean(text(value, key)) or None for key, field in names}


def submitted(value: str) -> dt.datetime:
    """A version's submission time, in UTC, from arXiv's RFC 2822 date."""
    try:  # the way arXiv writes them all: "Mon, 2 Apr 2007 19:18:42 GMT"
        _, day, month, year, clock, zone = value.split(" ")
        hour, minute, second = clock.split(":")
        if zone == "GMT":
            return dt.datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=_UTC)
    except (ValueError, KeyError):
        pass
    from email.utils import parsedate_to_datetime  # anything else: slower, and lenient

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        raise EntryError(f"{value!r} is not a date (arXiv writes 'Mon, 2 Apr 2007 19:18:42 GMT')") from None
    return when.replace(tzinfo=_UTC) if when.tzinfo is None else when.astimezone(_UTC)


def day(value, field: str) -> dt.date | None:
    """A YYYY-MM-DD date (the snapshot's update_date, OAI's datestamp and arXiv's created)."""
    value = text(value, field)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise EntryError(f"{field}: {value!r} is not a YYYY-MM-DD date") from None


def versions(pairs: Iterable[tuple[object, object]], field: str = "versions") -> tuple[Version, ...]:
    """(version, created) pairs such as ("v1", "Mon, 2 Apr 2007 19:18:42 GMT") as Versions,
    oldest first."""
    found = {}
    for position, (name, created) in enumerate(pairs):
        digits = name[1:] if type(name) is str and name[:1] == "v" else ""
        if not (digits.isascii() and digits.isdigit()):
            raise EntryError(f"{field}[{position}].version: {name!r} is not a version such as 'v1'")
        if type(created) is not str:
            raise EntryError(f"{field}[{position}].created: expected text, found {type(created).__name__}")
        try:  # (the field's name is written only for an error: this runs for every version)
            found[int(digits)] = Version(int(digits), submitted(created))
        except EntryError as error:
            raise EntryError(f"{field}[{position}].created: {error}") from None
    return tuple(sorted(found.values()))


def dates(listed: tuple[Version, ...]) -> dict:
    """Paper's date (version 1's day), versions, and revised (the latest version's day)."""
    if not listed:
        return {"date": None, "versions": (), "revised": None}
    first, last = listed[0], listed[-1]
    return {"date": first.created.date(), "versions": listed,
            "revised": last.created.date() if last.number > first.number else None}


def split_authors(value: str) -> list[str]:
    """A flat author list ("C. Bal\\'azs, E. L. Berger and C.-P. Yuan (MSU)") as names."""
    while "(" in value and _PARENS.search(value):
        value = _PARENS.sub(" ", value)  # nested affiliations go innermost first
    return [unlatex(name) for name in _AND.split(value)]  # make_paper drops the empty ones


def joined_names(parsed, field: str) -> list[str]:
    """Names from parsed parts, [last, first, suffix] each (the snapshot's authors_parsed)."""
    if type(parsed) is not list:
        raise EntryError(f"{field}: expected a list of [last, first, suffix], found {type(parsed).__name__}")
    names = []
    for position, parts in enumerate(parsed):
        try:
            if type(parts) is not list:
                raise TypeError
            name = " ".join((*parts[1:2], *parts[:1], *parts[2:])).strip()  # join takes texts only
        except TypeError:
            raise EntryError(f"{field}[{position}]: expected [last, first, suffix] texts, found {parts!r:.60}") from None
        if not name.isascii() and _SURROGATE.search(name):
            raise _surrogate(name, f"{field}[{position}]")
        names.append(unlatex(name) if "\\" in name or "{" in name else name)
    return names


def unlatex(name: str) -> str:
    """A name with LaTeX accents decoded (Bal\\'azs -> Balázs), as the digests write names;
    make_paper collapses the whitespace afterwards."""
    if "\\" not in name and "{" not in name:
        return name
    try:
        return _latex().latex_to_text(name)
    except Exception:  # pylatexenc gives up on some malformed LaTeX: the name as written still reads
        return name


@cache
def _latex():
    from pylatexenc.latex2text import LatexNodes2Text  # only for the few names that need it

    return LatexNodes2Text(math_mode="verbatim")
