"""Small pieces every subcommand shares: adding a subcommand with an example, dates, output."""

from __future__ import annotations

import argparse
import datetime as dt
import sys


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
