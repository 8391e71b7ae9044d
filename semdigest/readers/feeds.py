"""arXiv's own listings: an Atom file from the arXiv API, or an RSS listing saved from arXiv.

The XML parser recovers from errors, so it reads a file cut off by a partial download as if it
were whole, closing what the cut left open. Completeness therefore comes from the text itself:
a whole feed ends with the close of its root element (``</feed>``, ``</rss>``); in one that does
not, the entries after the last ``</entry>`` (``</item>``) were cut and are skipped.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings

from ..errors import DigestError
from ..records import Digest
from ._build import DigestBuilder, EntryError, make_paper

FORMAT_ATOM, FORMAT_RSS = "atom", "rss"

_RSS_ABSTRACT = re.compile(r"^.*?Abstract:\s*", re.S)
_AFTER_ROOT = r"(?:\s|<!--(?s:.*?)-->|<\?(?s:.*?)\?>)*"  # what XML allows after the root element closes


def looks_like(text: str) -> bool:
    head = text.lstrip()[:500]
    return head.startswith("<?xml") or head.startswith("<feed") or head.startswith("<rss")


def parse(text: str, source: str, date: dt.date | None = None) -> Digest:
    from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning  # only here: every command imports the readers

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(text, "xml")
    if soup.find("feed") is not None:
        return _parse_atom(soup, text, source, date)
    if soup.find("rss") is not None or soup.find("channel") is not None:
        return _parse_rss(soup, text, source, date)
    raise DigestError(source, "XML, but neither an Atom feed nor an RSS listing")


def _entries(soup, text: str, name: str, builder: DigestBuilder):
    """(number, entry) of the entries the file holds whole, then the cut one (if any) is skipped;
    a feed that ends before its root element closes is incomplete."""
    entries = soup.find_all(name)
    root = soup.find(True).name
    whole = len(entries)
    if not re.search(rf"</(?:[\w.-]+:)?{re.escape(root)}\s*>{_AFTER_ROOT}$", text):
        builder.incomplete(f"the file ends before its {root} element closes (a partial download?)")
        whole = min(whole, len(re.findall(rf"</(?:[\w.-]+:)?{name}\s*>", text)))
    yield from enumerate(entries[:whole], start=1)
    for number, entry in enumerate(entries[whole:], start=whole + 1):
        builder.skip(entry.sourceline or number, f"the entry is cut off: the file ends before its </{name}> "
                     "(a partial download?); download the file again", cut_off=True)


def _parse_atom(soup, text: str, source: str, date: dt.date | None) -> Digest:
    builder = DigestBuilder(source, date, FORMAT_ATOM)
    for number, entry in _entries(soup, text, "entry", builder):
        primary = entry.find("primary_category")
        try:
            builder.add(
                make_paper(
                    id_text=_string(entry.find("id")),
                    title=_string(entry.find("title")),
                    authors=[_string(a.find("name")) for a in entry.find_all("author")],
                    abstract=_string(entry.find("summary")),
                    summaries={},
                    primary_category=primary.get("term") if primary else None,
                    categories=[c.get("term", "") for c in entry.find_all("category")],
                    date=date,
                    source=source,
                    line=entry.sourceline or number,
                )
            )
        except EntryError as error:
            builder.skip(entry.sourceline or number, str(error))
    return builder.build()


def _parse_rss(soup, text: str, source: str, date: dt.date | None) -> Digest:
    builder = DigestBuilder(source, date, FORMAT_RSS)
    for number, item in _entries(soup, text, "item", builder):
        creators = item.find("creator")
        try:
            builder.add(
                make_paper(
                    id_text=_string(item.find("guid")) or _string(item.find("link")),
                    title=_string(item.find("title")),
                    authors=_string(creators).split(",") if creators else [],
                    abstract=_RSS_ABSTRACT.sub("", _string(item.find("description")), count=1),
                    summaries={},
                    categories=[_string(c) for c in item.find_all("category")],
                    date=date,
                    source=source,
                    line=item.sourceline or number,
                )
            )
        except EntryError as error:
            builder.skip(item.sourceline or number, str(error))
    return builder.build()


def _string(tag) -> str:
    return tag.get_text(" ", strip=True) if tag is not None else ""
