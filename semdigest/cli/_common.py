"""Small pieces every subcommand shares: adding a subcommand with an example, argument types,
output, and the digests named on a command line."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Iterator

from ..errors import DigestError
from ..readers import expand, read
from ..arxiv_ids import canonical_id
from ..records import Digest

# Exit statuses of the commands that read several digests (parse, ingest), as cp or cat do.
EXIT_STATUS = """\
exit status (as cat or cp: a script learns that a file was bad, and still gets the others):
  0  every file was read (entries skipped inside a file are reported, not failures)
  1  some files could not be read, or are incomplete (cut off by a partial download, or holding
     other entries than their table of contents lists): each is named; the others were read in full
  2  nothing could be read, or another error"""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help texts shown as written. argparse %-formats every help text (for %(default)s, which
    semdigest does not use), so a `%` in one (99%, a path in the environment) broke --help."""

    def _expand_help(self, action):
        return self._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line that points at --help (not a usage block), and
    ``rules`` between arguments checked as soon as they are parsed: before any work is done."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
        self.rules: list = []  # each takes the parsed arguments and returns what is wrong, or None

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}; see `{self.prog} --help`\n")

    def parse_known_args(self, args=None, namespace=None):
        # A subcommand's parser is called with a namespace of its own arguments: its rules see them.
        namespace, extras = super().parse_known_args(args, namespace)
        for rule in self.rules:
            problem = rule(namespace)
            if problem:
                self.error(problem)
        return namespace, extras


def add_command(commands, name: str, summary: str, example: str, run, notes: str = "") -> Parser:
    parser = commands.add_parser(
        name,
        help=summary,
        description=summary,
        epilog=f"example:\n  {example}" + (f"\n\n{notes}" if notes else ""),
        formatter_class=HelpFormatter,
    )
    parser.set_defaults(run=run)
    return parser


def since_not_after_until(args) -> str | None:
    """A rule: --since after --until matches no paper and no day."""
    if args.since and args.until and args.since > args.until:
        return f"--since {args.since} is after --until {args.until}; swap them"
    return None


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD") from None


def at_least(minimum: int, why: str = "", most: int | None = None):
    """An argparse type: a whole number >= minimum (and <= most, when given)."""
    def whole_number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is too small: give {minimum} or more{why}")
        if most is not None and value > most:
            raise argparse.ArgumentTypeError(f"{value} is too large: give at most {most:,}{why}")
        return value
    whole_number.__name__ = f"whole number >= {minimum}"
    return whole_number


# numpy's and UMAP's seeds are 32-bit: a larger one failed deep inside the fit, after the work before it
SEED = at_least(0, most=2**32 - 1)


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
        self.read = self.failures = self.incomplete = 0

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
                self.incomplete += digest.incomplete is not None
                yield digest

    def _failed(self, error: DigestError) -> None:
        note(f"semdigest: error: {error}")
        self.failures += 1

    def exit_status(self) -> int:
        """0, 1 or 2 as EXIT_STATUS says."""
        if not self.failures:
            return 1 if self.incomplete else 0
        return 1 if self.read else 2

    def report_incomplete(self) -> None:
        if self.incomplete:
            note(f"semdigest: {self.incomplete} file(s) incomplete (named above): their whole entries were "
                 "read, the rest is missing; download them again")


def incomplete_note(digest: Digest) -> str:
    """What a summary line adds for an incomplete digest."""
    return f"; INCOMPLETE: {digest.incomplete}" if digest.incomplete else ""

def add_force_option(parser) -> None:
    """--force, for the commands that write into an --out folder (``output_folder.claim``)."""
    parser.add_argument("--force", action="store_true",
                        help="write into --out even when it holds files semdigest did not write (they may be "
                             "replaced); without it, --out must be new, empty or written by semdigest before")
