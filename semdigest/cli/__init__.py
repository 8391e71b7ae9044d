"""The `semdigest` command: one subcommand per job, each a thin call into the public API."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from .. import __version__
from ..errors import SemdigestError
from . import (across_cmds, admin, app_cmds, backends_cmd, backfill_cmd, day, interests_cmds, library_cmds, parse,
               trends_cmd)
from ._common import Parser

_COMMANDS = (parse, library_cmds, interests_cmds, day, trends_cmd, admin, across_cmds, app_cmds, backends_cmd,
             backfill_cmd)

DESCRIPTION = """\
semdigest turns daily arXiv digests into a semantic library: related papers, topics, maps.

  semdigest day examples/digest-2602.md --out report/   # the day report (start here)
  semdigest parse ../shared/digests/daily/              # check what a digest holds
  semdigest ingest ../shared/digests/daily/*.md         # add days to your library
  semdigest related 2602.04994                          # papers like this one
  semdigest search "diffusion models for robot control"
  semdigest interests add games 2606.00951             # what you care about, then:
  semdigest rank --date 2026-06-08                      # a day in that order ("For you")
  semdigest trends --since 2026-06-01 --out trends/     # topics per day, across days

Run `semdigest COMMAND --help` for each command's options and an example."""


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="semdigest", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"semdigest {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _COMMANDS:
        module.register(commands)
    return parser


@contextmanager
def _package_messages_on_stderr() -> Iterator[None]:
    """The package logs its notes and warnings (worded "semdigest: ...") to the "semdigest"
    logger and leaves showing them to the application: the command shows them on stderr while
    it runs, then puts the logger back as it was (main() may run inside a test or a notebook)."""
    logger = logging.getLogger("semdigest")
    handler, level = logging.StreamHandler(sys.stderr), logger.level
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def main(argv: list[str] | None = None) -> int:
    with _package_messages_on_stderr():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    # The command reports each failure once, in one line; psycopg also logs a warning of its own
    # when it cannot end a pipeline or roll back on a connection that was lost ("error ignored
    # ..."), which with no logging set up reaches stderr as a second line. The command is the
    # application here, so it sets how its driver's logger speaks (the library never does).
    logging.getLogger("psycopg").setLevel(logging.ERROR)
    try:
        status = args.run(args) or 0
        sys.stdout.flush()  # a closed pipe or a full disk shows here, not at interpreter exit
        return status
    except BrokenPipeError:
        # The reader went away (`| head -1`): stop quietly, as Unix tools do when SIGPIPE ends
        # them, and let nothing write to the closed pipe again at exit (Python's docs, "Note on
        # SIGPIPE").
        _detach_stdout()
        return 141  # 128 + SIGPIPE: the status a shell reports for a tool that SIGPIPE ended
    except SemdigestError as error:  # one line, whatever a driver's message held
        print(f"semdigest: error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2
    except OSError as error:
        _detach_stdout()
        print(f"semdigest: error: {_explain(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("semdigest: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130


def _detach_stdout() -> None:
    """Point stdout at /dev/null, so the flush at interpreter exit neither fails nor prints."""
    try:
        target = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # no real stdout (a notebook): nothing to guard
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, target)
    os.close(devnull)


_WHAT_TO_DO = {
    errno.ENOSPC: "free some disk space, or write somewhere else",
    getattr(errno, "EDQUOT", -1): "free some of your disk quota, or write somewhere else",  # not on Windows
    errno.EACCES: "choose a place you may write to, or change its permissions",
    errno.EPERM: "choose a place you may write to, or change its permissions",
    errno.EROFS: "the file system is read-only: choose another place",
    errno.ENOTDIR: "a file is in the way of a folder on that path: choose another path",
    errno.EISDIR: "give a file, not a folder",
    errno.ENOENT: "check the path",
}


def _explain(error: OSError) -> str:
    """One line: what failed, on which path, and what to do about it."""
    what = error.strerror or str(error)
    where = f"{error.filename}: " if error.filename else ""
    advice = _WHAT_TO_DO.get(error.errno, "check the path and try again")
    return f"{where}{what}; {advice}"


if __name__ == "__main__":
    sys.exit(main())
