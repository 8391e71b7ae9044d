"""arXiv's own listings: an Atom file from the arXiv API, or an RSS listing saved from arXiv."""

from __future__ import annotations

import datetime as dt
import re
import warnings

from ..errors import DigestError
from ..records import Digest
from ._build import DigestBuilder, EntryError, make_paper

FORMAT_ATOM, FORMAT_RSS = "atom", "rss"

_RSS_ABSTRACT = re.compile(r"^.*?Abstract:\s*", re.S)


def looks_like(text: str) -> bool:
    head = text.lstrip()[:500]
    return head.startswith("<?xml") or head.startswith("<feed") or head.startswith("<rss")


def parse(text: str, source: str, date: dt.date | None = None) -> Digest:
    from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning  # only here: every command imports the readers

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(text, "xml")
    if soup.find("feed") is not None:
        return _parse_atom(soup, source, date)
    if soup.find("rss") is not None or soup.find("channel") is not None:
        return _parse_rss(soup, source, date)
    raise DigestError(source, "XML, but neither an Atom feed nor an RSS listing")


def _parse_atom(soup, source: str, date: dt.date | None) -> Digest:
    builder = DigestBuilder(source, date, FORMAT_ATOM)
    for number, entry in enumerate(soup.find_all("entry"), start=1):
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


def _parse_rss(soup, source: str, date: dt.date | None) -> Digest:
    builder = DigestBuilder(source, date, FORMAT_RSS)
    for number, item in enumerate(soup.find_all("item"), start=1):
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
