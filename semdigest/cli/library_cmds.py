"""`semdigest ingest`, `related`, `search`: the library from the shell."""

from __future__ import annotations

from contextlib import ExitStack

from ..config import LIBRARY_ENV, user_library_path
from ..embedding import Embedder
from ..embedding.encoders import BACKENDS
from ..library import Library
from ..neighbors import related, search, seen_before
from ..plural import plural
from ..results import Hits
from ._common import (EXIT_STATUS, DigestFiles, add_command, arxiv_id, at_least, incomplete_note, iso_date,
                      note, since_not_after_until, words)
from ._output import add_format_options, show


def library_help(what: str = "library file or postgresql:// URL") -> str:
    """--library's help. It names $SEMDIGEST_LIBRARY and never shows its value: --help then
    works whatever the variable holds (a malformed URL, a password)."""
    return f"{what} (default: ${LIBRARY_ENV} if set, else {user_library_path()})"


def add_library_option(parser) -> None:
    parser.add_argument("--library", metavar="PATH", help=library_help())
    parser.add_argument("--model", help="model name from models.yaml (default: its default)")
    parser.add_argument("--device", help="cuda, mps or cpu (default: the best available)")
    parser.add_argument("--backend", help=f"auto (default: the fastest that passes the quality gate) "
                                          f"or one of {', '.join(BACKENDS)}")


def embedder(args) -> Embedder:
    """The embedder the command's --model, --device, --backend (and --quiet, where it has one) ask for."""
    return Embedder(args.model, device=args.device, backend=args.backend,
                    progress=False if getattr(args, "quiet", False) else None)


def _filters(parser) -> None:
    parser.add_argument("-k", type=at_least(1), default=10, help="how many papers (default 10)")
    parser.add_argument("--since", type=iso_date, help="only papers first seen on or after DATE")
    parser.add_argument("--until", type=iso_date, help="only papers first seen on or before DATE")
    parser.add_argument("--category", action="append", help="only papers in this category (repeatable)")
    add_format_options(parser, "print JSON instead of a table", csv_help=None)
    parser.rules.append(since_not_after_until)


def register(commands) -> None:
    ingest = add_command(commands, "ingest", "Read digests into the library and embed what is new.",
                         "semdigest ingest ../shared/digests/daily/ --library my.sqlite", run_ingest,
                         EXIT_STATUS + "\n\nEach file is one transaction: files are committed one by one, "
                         "so a crash during one leaves the files before it fully ingested and the rest not at "
                         "all. Every file is read before it is added; when none holds a paper, no library is created.")
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="files, folders or glob patterns")
    ingest.add_argument("--date", type=iso_date, help="digest date when the file name has none")
    ingest.add_argument("--redate", action="store_true",
                        help="the files were ingested before under a wrong --date: replace that date with --date "
                             "(first-seen dates follow; a file whose name has its date does this anyway)")
    ingest.add_argument("--quiet", action="store_true", help="no progress bars")
    add_library_option(ingest)

    related = add_command(commands, "related", "Papers nearest to a paper of the library, or to each paper of a day.",
                          "semdigest related 2602.04994 -k 5 --category cs.CV", run_related)
    query = related.add_mutually_exclusive_group(required=True)
    query.add_argument("arxiv_id", nargs="?", type=arxiv_id, metavar="ID",
                       help="a paper of the library: 2606.04092, 2606.04092v2, arXiv:2606.04092 or its arxiv.org URL")
    query.add_argument("--day", type=iso_date, help="for every paper of this day: its nearest earlier papers")
    add_library_option(related)
    _filters(related)
    related.rules.append(_day_takes_no_filters)

    search = add_command(commands, "search", "Papers nearest to a free-text description.",
                         'semdigest search "tactile sensing for robot grasping" -k 5', run_search)
    search.add_argument("text", type=words, help="what you are looking for, in words")
    add_library_option(search)
    _filters(search)


def _day_takes_no_filters(args) -> str | None:
    if args.day and (args.since or args.until or args.category):
        return "--since, --until and --category narrow the papers near an ID; --day takes none of them"
    return None


def open_library(args, create: bool = False) -> Library:
    return Library.open(args.library, create=create)


def run_ingest(args) -> int:
    digests, model = DigestFiles(args.paths, args.date), embedder(args)
    with ExitStack() as stack:
        library = None
        for digest in digests:
            if library is None and not digest.papers:
                print(f"{digest.source}: no papers to ingest{incomplete_note(digest)}")
                continue
            if library is None:  # opened at the first paper read: inputs without one create no library
                library = stack.enter_context(open_library(args, create=True))
            print(library.ingest(digest, model, redate=args.redate))
        if library is not None:
            note(f"library: {library}")
    if digests.failures:
        done = "the others were" if digests.read else "nothing was ingested and no library was created or changed"
        note(f"semdigest: {plural(digests.failures, 'path')} could not be read or ingested; {done}")
    digests.report_incomplete()
    return digests.exit_status()


def run_related(args) -> int:
    with open_library(args) as library:
        if args.day:
            results = seen_before(library, args.day, k=args.k, model=embedder(args))
            if not results:
                note(f"no papers of {args.day} with earlier papers in the library")
            for arxiv_id, hits in results.items():
                _show(args, hits)
            return 0
        _show(args, related(library, args.arxiv_id, k=args.k, since=args.since, until=args.until,
                            categories=args.category, model=embedder(args)))
    return 0


def run_search(args) -> int:
    with open_library(args) as library:
        _show(args, search(library, args.text, k=args.k, since=args.since, until=args.until,
                           categories=args.category, model=embedder(args)))
    return 0


def _show(args, hits: Hits) -> None:
    show(args, hits, as_json=lambda h: {"query": h.query, "hits": [hit.as_dict() for hit in h]})
