"""Small pieces every subcommand shares: adding a subcommand with an example, argument types,
output, and the digests named on a command line."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Iterator

from ..errors import DigestError
from ..readers import expand, read
from ..records import Digest, canonical_id

# Exit statuses of the commands that read several digests (parse, ingest), as cp or cat do.
EXIT_STATUS = """\
exit status (as cat or cp: a script learns that a file was bad, and still gets the others):
  0  every file was read (entries skipped inside a file are reported, not failures)
  1  some files could not be read: each is named on stderr; the others were read in full
  2  nothing could be read, or another error"""


def add_command(commands, name: str, summary: str, example: str, run, notes: str = "") -> argparse.ArgumentParser:
    parser = commands.add_parser(
        name,
        help=summary,
        description=summary,
        epilog=f"example:\n  {example}" + (f"\n\n{notes}" if notes else ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(run=run)
    return parser


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD") from None


def at_least(minimum: int, why: str = ""):
    """An argparse type: a whole number >= minimum."""
    def whole_number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is too small: give {minimum} or more{why}")
        return value
    whole_number.__name__ = f"whole number >= {minimum}"
    return whole_number


def words(text: str) -> str:
    """An argparse type: text with at least one non-blank character."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty; say in words what you are looking for")
    return text


def arxiv_id(text: str) -> str:
    """An argparse type: any way of writing an arXiv id, as the bare id the library uses."""
    found = canonical_id(text)
    if found is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an arXiv id; write it as 2606.04092, arXiv:2606.04092 or "
            "https://arxiv.org/abs/2606.04092")
    return found


def note(message: str) -> None:
    """A human-readable line on stderr, so stdout stays clean for --json / --csv."""
    print(message, file=sys.stderr)


class DigestFiles:
    """The digests named on a command line; a path or file that cannot be read is reported and
    counted, and the others go on."""

    def __init__(self, paths, date: dt.date | None):
        self.paths, self.date = paths, date
        self.read = self.failures = 0

    def __iter__(self) -> Iterator[Digest]:
        for path in self.paths:
            try:
                files = list(expand([path]))
            except DigestError as error:
                self._failed(error)
                continue
            for file in files:
                try:
                    digest = read(file, date=self.date)
                except DigestError as error:
                    self._failed(error)
                    continue
                self.read += 1
                yield digest

    def _failed(self, error: DigestError) -> None:
        note(f"semdigest: error: {error}")
        self.failures += 1

    def exit_status(self) -> int:
        """0, 1 or 2 as EXIT_STATUS says."""
        if not self.failures:
            return 0
        return 1 if self.read else 2


def add_force_option(parser) -> None:
    """--force, for the commands that write into an --out folder (``output_folder.claim``)."""
    parser.add_argument("--force", action="store_true",
                        help="write into --out even when it holds files semdigest did not write (they may be "
                             "replaced); without it, --out must be new, empty or written by semdigest before")
