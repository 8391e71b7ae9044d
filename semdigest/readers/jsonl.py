"""JSON-lines records of daily-arXiv-ai-enhanced: the crawler's raw records and the enriched
``*_AI_enhanced_*.jsonl`` records whose ``AI`` object holds the summaries."""

from __future__ import annotations

import datetime as dt
import json

from ..errors import DigestError
from ..records import SUMMARY_FIELDS, Digest
from ._build import DigestBuilder, EntryError, make_paper

FORMAT = "jsonl"


def looks_like(text: str) -> bool:
    return text.lstrip().startswith("{")


def parse(text: str, source: str, date: dt.date | None = None) -> Digest:
    builder = DigestBuilder(source, date, FORMAT)
    records = 0
    first_error: tuple[int, str] | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise EntryError("the line is JSON but not an object")
            builder.add(_paper(record, builder, number))
            records += 1
        except (ValueError, EntryError) as error:  # JSONDecodeError is a ValueError
            reason = _cut_off(line, error) or f"not a valid record: {error}"
            first_error = first_error or (number, reason)
            builder.skip(number, reason)
    if records == 0 and first_error:
        raise DigestError(source, f"no readable JSON record ({first_error[1]})", first_error[0])
    return builder.build()


def _cut_off(line: str, error: Exception) -> str | None:
    """Why a record that stops before its JSON closes is incomplete, or None: the line ends
    inside a string, or where the JSON still expects more (not malformed midway)."""
    if isinstance(error, json.JSONDecodeError) and (
            error.msg.startswith("Unterminated string") or error.pos >= len(line.rstrip())):
        return ("the record is cut off: the line ends before its JSON closes (a partial download?); "
                "download the file again")
    return None


def _paper(record: dict, builder: DigestBuilder, line: int):
    summaries = record.get("AI") if isinstance(record.get("AI"), dict) else {}
    authors = record.get("authors") or []
    if isinstance(authors, str):
        authors = authors.split(",")
    categories = record.get("categories") or []
    if isinstance(categories, str):
        categories = categories.split()
    return make_paper(
        id_text=str(record.get("id") or record.get("abs") or ""),
        title=_text(record.get("title")),
        authors=[_text(a) for a in authors],
        abstract=_text(record.get("summary") or record.get("abstract")),
        summaries={name: _text(summaries.get(name)) for name in SUMMARY_FIELDS},
        categories=[_text(c) for c in categories],
        code_url=_text(record.get("code_url")),
        date=builder.date,
        source=builder.source,
        line=line,
    )


def _text(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise EntryError(f"expected text, found {type(value).__name__}")
    return value
