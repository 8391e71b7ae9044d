"""One output layer for every command's result: a table for people (the result's own text), or
--json / --csv for programs (after sqlite-utils' output_rows). stdout holds the result and nothing
else; notes go to stderr. Every CSV goes through csv_output: RFC 4180 quoting, a missing value as
an empty cell, and text that a spreadsheet would run as a formula neutralised (OWASP's rule)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence

from ..csv_output import CsvWriter, write_frame


def add_format_options(parser, json_help: str = "print JSON", csv_help: str | None = "print CSV"):
    """--json and (unless ``csv_help`` is None) --csv, one at a most; returns their group."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_true", help=json_help)
    if csv_help is not None:
        group.add_argument("--csv", action="store_true", help=csv_help)
    return group


def output_format(args) -> str:
    """"json", "csv" or "table": what the command's --json / --csv asked for."""
    if getattr(args, "json", False):
        return "json"
    return "csv" if getattr(args, "csv", False) else "table"


def show(args, result, *, table: Callable[[object], str] = repr, as_json: Callable[[object], object] | None = None,
         as_csv: Callable[[object], tuple[Sequence[str], Iterable[Sequence]]] | None = None,
         float_format: str | None = None) -> None:
    """Print ``result`` in the chosen format: ``table(result)``; ``as_json(result)`` as one JSON
    document; ``as_csv(result)``, (columns, rows) or a DataFrame, as CSV."""
    chosen = output_format(args)
    if chosen == "json":
        print_json(as_json(result) if as_json else result)
    elif chosen == "csv":
        print_csv(as_csv(result) if as_csv else result, float_format)
    else:
        print(table(result))


def print_json(value) -> None:
    """One JSON document on a line, text as written (not \\u-escaped); a DataFrame as a list of
    records (pandas' own JSON: NaN as null, dates as ISO text)."""
    if hasattr(value, "to_json"):
        print(value.to_json(orient="records", force_ascii=False))
    else:
        print(json.dumps(value, ensure_ascii=False))


def print_json_lines(rows: Iterable) -> None:
    """One JSON document per line (JSON Lines)."""
    for row in rows:
        print_json(row)


def print_csv(table, float_format: str | None = None) -> None:
    """A DataFrame, or (columns, rows), as CSV on stdout."""
    if hasattr(table, "itertuples"):
        write_frame(sys.stdout, table, float_format=float_format)
        return
    columns, rows = table
    writer = csv_writer(columns, float_format)
    for row in rows:
        writer.writerow(row)


def csv_writer(columns: Sequence[str], float_format: str | None = None) -> CsvWriter:
    """A CSV writer on stdout (its header written), for rows that arrive one at a time."""
    return CsvWriter(sys.stdout, columns, float_format)
