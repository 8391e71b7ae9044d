"""Every CSV semdigest writes (papers.csv, `parse --csv`, `rank --csv`, `novelty --csv`,
`trends --csv`) goes through one writer: RFC 4180 quoting, a missing value as an empty cell, and
text cells a spreadsheet shows as text, never runs as a formula (``escaping.csv_cell``)."""

from __future__ import annotations

import csv
import math
import numbers
from collections.abc import Iterable, Sequence
from typing import TextIO

import pandas as pd

from .escaping import csv_cell


class CsvWriter:
    """Rows to a text stream, each value as a safe cell; floats with ``float_format`` (``"%.4g"``)
    when given."""

    def __init__(self, stream: TextIO, columns: Sequence[str], float_format: str | None = None):
        self._writer = csv.writer(stream)  # RFC 4180: CRLF ends a row, so a lone CR or LF in a cell is quoted
        self._float_format = float_format
        self._writer.writerow([csv_cell(c) for c in columns])

    def writerow(self, values: Iterable) -> None:
        self._writer.writerow([self._cell(v) for v in values])

    def _cell(self, value):
        if value is None or value is pd.NA:
            return ""
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, numbers.Integral):
            return int(value)
        if isinstance(value, numbers.Real):
            value = float(value)
            if math.isnan(value):
                return ""
            return self._float_format % value if self._float_format else repr(value)
        return csv_cell(value if isinstance(value, str) else str(value))


def write_frame(stream: TextIO, frame: pd.DataFrame, float_format: str | None = None) -> None:
    """A DataFrame as CSV (its columns, no index), as pandas' ``to_csv`` would, with safe cells."""
    writer = CsvWriter(stream, [str(c) for c in frame.columns], float_format)
    for row in frame.itertuples(index=False, name=None):
        writer.writerow(row)
