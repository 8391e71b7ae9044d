"""The `semdigest` command: one subcommand per job, each a thin call into the public API."""

from __future__ import annotations

import argparse
import sys

from ..errors import SemdigestError
from . import admin, day, interests_cmds, library_cmds, parse

_COMMANDS = (parse, library_cmds, interests_cmds, day, admin)

DESCRIPTION = """\
semdigest turns daily arXiv digests into a semantic library: related papers, topics, maps.

  semdigest day examples/digest-2602.md --out report/   # the day report (start here)
  semdigest parse ../shared/digests/daily/              # check what a digest holds
  semdigest ingest ../shared/digests/daily/*.md         # add days to your library
  semdigest related 2602.04994                          # papers like this one
  semdigest search "diffusion models for robot control"
  semdigest interests add games 2606.00951             # what you care about, then:
  semdigest rank --date 2026-06-08                      # a day in that order ("For you")

Run `semdigest COMMAND --help` for each command's options and an example."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="semdigest", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _COMMANDS:
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except SemdigestError as error:
        print(f"semdigest: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("semdigest: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
