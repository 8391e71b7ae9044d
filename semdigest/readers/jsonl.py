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
        cut = None
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise EntryError(f"the line is JSON but {_kind(record)}, not an object")
            builder.add(_paper(record, builder, number))
            records += 1
            continue
        except RecursionError:  # json's decoder recurses once per level of nesting
            reason = "not a valid record: nested too deeply (lists or objects inside each other)"
        except (ValueError, EntryError) as error:  # JSONDecodeError is a ValueError
            cut = _cut_off(line, error)
            reason = cut or f"not a valid record: {error}"
        first_error = first_error or (number, reason)
        builder.skip(number, reason, cut_off=cut is not None)
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
    return make_paper(
        id_text=_text(record.get("id") or record.get("abs"), "id"),
        title=_text(record.get("title"), "title"),
        authors=_texts(record, "authors", ","),
        abstract=_text(record.get("summary") or record.get("abstract"), "summary"),
        summaries={name: _text(summaries.get(name), name) for name in SUMMARY_FIELDS},
        categories=_texts(record, "categories", None),
        code_url=_text(record.get("code_url"), "code_url"),
        date=builder.date,
        source=builder.source,
        line=line,
    )


def _text(value, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise EntryError(f'"{name}" should be text, found {_kind(value)}')
    return value


def _texts(record: dict, name: str, separator: str | None) -> list[str]:
    """A list field (authors, categories): a list of texts, or one text of them joined."""
    value = record.get(name)
    if value is None:
        return []
    if isinstance(value, str):
        return value.split(separator)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        found = _kind(value) if not isinstance(value, list) else "a list holding " + next(
            _kind(v) for v in value if not isinstance(v, str))
        raise EntryError(f'"{name}" should be a list of texts, found {found}')
    return value


_KINDS = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list",
          dict: "an object", type(None): "null"}


def _kind(value) -> str:
    """A JSON value's type, as JSON names it."""
    return _KINDS.get(type(value), type(value).__name__)
