"""Small pieces every subcommand shares: adding a subcommand with an example, dates, output."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Iterator

from ..errors import DigestError
from ..readers import expand, read
from ..records import Digest


def add_command(commands, name: str, summary: str, example: str, run) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        name,
        help=summary,
        description=summary,
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(run=run)
    return parser


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD") from None


def note(message: str) -> None:
    """A human-readable line on stderr, so stdout stays clean for --json / --csv."""
    print(message, file=sys.stderr)


class DigestFiles:
    """The digests named on a command line; a file that cannot be read is reported and counted,
    and the others go on."""

    def __init__(self, paths, date: dt.date | None):
        self.paths, self.date, self.failures = paths, date, 0

    def __iter__(self) -> Iterator[Digest]:
        for path in expand(self.paths):
            try:
                yield read(path, date=self.date)
            except DigestError as error:
                note(f"semdigest: error: {error}")
                self.failures += 1
