"""arXiv's bulk metadata built from real papers: snapshot records (one JSON object a line, as
arxiv-metadata-oai-snapshot.json writes them) and OAI-PMH ListRecords pages (arXivRaw and arXiv),
with the digests' real ids, titles, abstracts, authors and categories. Used by the tests and by
benchmarks/backfill_bench.py."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from semdigest.readers import read

DIGESTS = Path(__file__).resolve().parents[1].parent / "shared" / "digests"
SOURCES = ("daily/2026-06-03.jsonl", "daily/2026-06-05.md", "legacy/2025-04-01.md", "korean/2025-08-15.md")
LICENSE = "http://creativecommons.org/licenses/by/4.0/"
OAI = "http://www.openarchives.org/OAI/2.0/"
NAMESPACES = {"arXivRaw": "http://arxiv.org/OAI/arXivRaw/", "arXiv": "http://arxiv.org/OAI/arXiv/"}


@cache
def real_papers() -> tuple:
    """Papers of four real digests (raw crawler records, current, legacy and Korean templates),
    each id once."""
    papers = {}
    for name in SOURCES:
        for paper in read(DIGESTS / name):
            papers.setdefault(paper.arxiv_id, paper)
    return tuple(papers.values())


def created(paper, number: int) -> dt.datetime:
    """Version ``number``'s submission time: version 1 two days before the digest, later
    versions three weeks apart."""
    day = paper.date or dt.date(2026, 6, 3)
    return dt.datetime.combine(day, dt.time(17, 59, 12), dt.timezone.utc) - dt.timedelta(days=2) \
        + dt.timedelta(days=21 * (number - 1), hours=number)


def rfc2822(when: dt.datetime) -> str:
    """As arXiv writes version dates: "Mon, 2 Apr 2007 19:18:42 GMT"."""
    return f"{when:%a}, {when.day} {when:%b %Y %H:%M:%S} GMT"


def updated(paper, versions: int) -> dt.date:
    """The last metadata change: a month after the latest version (never a submission date)."""
    return created(paper, versions).date() + dt.timedelta(days=30)


def wrapped(text: str, width: int, indent: str = "") -> str:
    """Hard-wrapped as arXiv stores titles and abstracts."""
    return f"\n{indent}".join(textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False))


def parsed_name(name: str) -> list[str]:
    """[last, first, suffix], as authors_parsed writes a name."""
    *first, last = name.split(" ")
    return [last, " ".join(first), ""]


def snapshot_record(paper, arxiv_id: str | None = None, versions: int = 2) -> dict:
    return {
        "id": arxiv_id or paper.arxiv_id,
        "submitter": paper.authors[0] if paper.authors else None,
        "authors": ", ".join(paper.authors),
        "title": wrapped(paper.title, 72, "  "),
        "comments": "12 pages, 4 figures",
        "journal-ref": None,
        "doi": f"10.48550/arXiv.{paper.arxiv_id}",
        "report-no": None,
        "categories": " ".join(paper.categories),
        "license": LICENSE,
        "abstract": "  " + wrapped(paper.abstract, 80) + "\n",
        "versions": [{"version": f"v{n}", "created": rfc2822(created(paper, n))} for n in range(1, versions + 1)],
        "update_date": updated(paper, versions).isoformat(),
        "authors_parsed": [parsed_name(name) for name in paper.authors],
    }


def snapshot_line(paper, arxiv_id: str | None = None, versions: int = 2) -> str:
    return json.dumps(snapshot_record(paper, arxiv_id, versions), ensure_ascii=False)


def oai_record(paper, format: str = "arXivRaw", arxiv_id: str | None = None, versions: int = 2) -> str:
    arxiv_id = arxiv_id or paper.arxiv_id
    header = (f"<header><identifier>oai:arXiv.org:{escape(arxiv_id)}</identifier>"
              f"<datestamp>{updated(paper, versions).isoformat()}</datestamp>"
              f"<setSpec>{escape((paper.primary_category or 'cs').split('.')[0])}</setSpec></header>")
    fields = {
        "title": wrapped(paper.title, 72, "  "), "categories": " ".join(paper.categories),
        "comments": "12 pages, 4 figures", "doi": f"10.48550/arXiv.{paper.arxiv_id}", "license": LICENSE,
        "abstract": "  " + wrapped(paper.abstract, 80) + "\n",
    }
    if format == "arXivRaw":
        listed = "".join(f"<version version=\"v{n}\"><date>{rfc2822(created(paper, n))}</date>"
                         f"<size>{100 + n}kb</size><source_type>D</source_type></version>"
                         for n in range(1, versions + 1))
        people = f"<submitter>{escape(paper.authors[0])}</submitter>{listed}" \
                 f"<authors>{escape(wrapped(', '.join(paper.authors), 72, '  '))}</authors>"
    else:
        latest = f"<updated>{created(paper, versions).date()}</updated>" if versions > 1 else ""
        people = f"<created>{created(paper, 1).date()}</created>{latest}<authors>" + "".join(
            "<author><keyname>{}</keyname><forenames>{}</forenames></author>".format(*map(escape, parsed_name(n)[:2]))
            for n in paper.authors) + "</authors>"
    body = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in fields.items())
    return (f"<record>{header}<metadata><{format} xmlns={quoteattr(NAMESPACES[format])}>"
            f"<id>{escape(arxiv_id)}</id>{people}{body}</{format}></metadata></record>\n")


def oai_deleted(arxiv_id: str, datestamp: str = "2026-05-01") -> str:
    return (f'<record><header status="deleted"><identifier>oai:arXiv.org:{escape(arxiv_id)}</identifier>'
            f"<datestamp>{datestamp}</datestamp><setSpec>cs</setSpec></header></record>\n")


def oai_page(records: list[str], token: str | None = None, cursor: int = 0, size: int | None = None) -> bytes:
    """A ListRecords response; ``token`` "" writes the empty token that ends a list."""
    resumption = ""
    if token is not None:
        counts = f' cursor="{cursor}"' + (f' completeListSize="{size}"' if size is not None else "")
        resumption = f"<resumptionToken{counts}>{escape(token)}</resumptionToken>"
    return _response(f"<ListRecords>\n{''.join(records)}{resumption}</ListRecords>")


def oai_error(code: str, message: str) -> bytes:
    return _response(f'<error code="{code}">{escape(message)}</error>')


def _response(inner: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="{OAI}">'
            f"<responseDate>2026-06-20T10:00:00Z</responseDate>"
            f'<request verb="ListRecords">http://127.0.0.1/oai</request>\n{inner}\n</OAI-PMH>\n').encode()
