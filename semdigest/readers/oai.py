"""OAI-PMH ListRecords pages from arXiv's endpoint, in its two metadata formats: ``arXivRaw``
(every version with its date, a flat author list) and ``arXiv`` (created and updated days,
structured authors). Pure: a page's bytes in; its papers, deleted records and resumption token
out. A header's ``datestamp`` is the record's last change (Paper.updated), never its
submission date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..errors import OAIError
from ..records import Paper, Skipped
from . import _arxiv
from ._build import EntryError, make_paper

FORMATS = ("arXivRaw", "arXiv")
_ID_PREFIX = "oai:arXiv.org:"


@dataclass(frozen=True)
class Deleted:
    """A record the repository reports as withdrawn from the list (``<header status="deleted">``)."""

    arxiv_id: str
    datestamp: dt.date | None
    line: int


@dataclass(frozen=True)
class Page:
    """One ListRecords response. ``token`` resumes the list after this page; None: it is complete."""

    source: str
    papers: tuple[Paper, ...] = ()
    deleted: tuple[Deleted, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    token: str | None = None
    cursor: int | None = None
    complete_size: int | None = None

    @property
    def warnings(self) -> list[str]:
        return [f"{self.source}:{s.line}: record skipped: {s.reason}" for s in self.skipped]

    def __repr__(self) -> str:
        return (f"Page({self.source!r}, papers={len(self.papers)}, deleted={len(self.deleted)}, "
                f"skipped={len(self.skipped)}, token={self.token!r})")


def parse_page(data: bytes | str, source: str = "<oai>") -> Page:
    """Parse one ListRecords response. An OAI ``noRecordsMatch`` is an empty, complete page;
    other OAI errors, and anything that is not an OAI-PMH page, raise OAIError."""
    from lxml import etree  # only here: every command imports the readers

    if isinstance(data, str):  # lxml refuses text with an encoding declaration: read it as UTF-8
        data = data.encode("utf-8")
    # No DTD, no entity expansion, no network, no documents past libxml2's safe limits.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise OAIError(source, f"not an OAI-PMH page: broken XML ({error})") from None
    if root.getroottree().docinfo.internalDTD is not None:
        raise OAIError(source, "not an OAI-PMH page: it declares a DTD, which OAI-PMH responses never do")
    if etree.QName(root).localname != "OAI-PMH":
        raise OAIError(source, f"not an OAI-PMH page: its root is <{etree.QName(root).localname}>")
    errors = [(e.get("code") or "", _flat(e)) for e in root.iterfind("{*}error")]
    if any(code == "noRecordsMatch" for code, _ in errors):
        return Page(source)
    if errors:
        code, message = errors[0]
        raise OAIError(source, f"the repository answered {code}: {message or 'no reason given'}", code)
    listing = root.find("{*}ListRecords")
    if listing is None:
        raise OAIError(source, "not a ListRecords response (no <ListRecords> and no <error>)")
    papers, deleted, skipped = [], [], []
    for record in listing.iterfind("{*}record"):
        try:
            kept = _record(record, source)
        except EntryError as error:
            skipped.append(Skipped(record.sourceline or 0, str(error)))
            continue
        (deleted if isinstance(kept, Deleted) else papers).append(kept)
    token = listing.find("{*}resumptionToken")  # absent or empty: the list ends with this page
    return Page(source, tuple(papers), tuple(deleted), tuple(skipped),
                token=_flat(token).strip() or None if token is not None else None,
                cursor=_number(token, "cursor"), complete_size=_number(token, "completeListSize"))


def _record(record, source: str) -> Paper | Deleted:
    header = record.find("{*}header")
    if header is None:
        raise EntryError("the record has no <header>")
    identifier = (_text(header, "identifier") or "").strip()
    arxiv_id = _arxiv.arxiv_id(identifier.removeprefix(_ID_PREFIX), "identifier")
    datestamp = _arxiv.day(_text(header, "datestamp"), "datestamp")
    if header.get("status") == "deleted":
        return Deleted(arxiv_id, datestamp, record.sourceline or 0)
    metadata = record.find("{*}metadata")
    body = next(iter(metadata), None) if metadata is not None else None
    if body is None or not isinstance(body.tag, str):
        raise EntryError("the record has no <metadata>")
    from lxml import etree

    kind = etree.QName(body).localname
    if kind not in FORMATS:
        raise EntryError(f"metadata in the {kind!r} format; ask for arXivRaw or arXiv")
    named = _text(body, "id")
    if named is not None and _arxiv.arxiv_id(named) != arxiv_id:
        raise EntryError(f"the header names {arxiv_id} but the metadata {named!r}")
    fields = (_raw if kind == "arXivRaw" else _arxiv_format)(body, arxiv_id)
    return make_paper(
        title=_text(body, "title"),
        abstract=_text(body, "abstract"),
        summaries={},
        categories=(_text(body, "categories") or "").split(),
        source=source,
        line=record.sourceline or 0,
        updated=datestamp,
        **_arxiv.optional(lambda name: _text(body, name)),
        **fields,
    )


def _raw(body, arxiv_id: str) -> dict:
    """arXivRaw: <version version="v1"><date>RFC 2822</date>...</version>..., flat <authors>."""
    listed = _arxiv.versions((v.get("version"), _text(v, "date")) for v in body.iterfind("{*}version"))
    return {"id_text": f"{arxiv_id}v{listed[-1].number}" if listed else arxiv_id,  # the latest version's
            "authors": _arxiv.split_authors(_text(body, "authors") or ""), **_arxiv.dates(listed)}


def _arxiv_format(body, arxiv_id: str) -> dict:
    """arXiv: <created> and <updated> days (no version list), <authors><author><keyname>..."""
    created = _arxiv.day(_text(body, "created"), "created")
    updated = _arxiv.day(_text(body, "updated"), "updated")
    authors = _arxiv.joined_names([[_text(a, name) or "" for name in ("keyname", "forenames", "suffix")]
                                   for a in body.iterfind("{*}authors/{*}author")], "authors")
    return {"id_text": arxiv_id, "authors": authors, "date": created,
            "revised": updated if updated and updated != created else None}


def _text(element, name: str) -> str | None:
    child = element.find("{*}" + name)
    return _flat(child) if child is not None else None


def _flat(element) -> str:
    return "".join(element.itertext())


def _number(element, attribute: str) -> int | None:
    value = element.get(attribute) if element is not None else None
    return int(value) if value and value.strip().isdigit() else None
