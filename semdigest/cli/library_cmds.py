"""`semdigest ingest`, `related`, `search`: the library from the shell."""

from __future__ import annotations

import json
from contextlib import ExitStack

from ..backends import BACKENDS
from ..embedding import Embedder
from ..library import Library, default_path
from ..results import Hits
from ..store.urls import masked
from ._common import EXIT_STATUS, DigestFiles, add_command, arxiv_id, at_least, iso_date, note, words


def add_library_option(parser) -> None:
    parser.add_argument("--library", metavar="PATH",
                        help=f"library file or postgresql:// URL (default: $SEMDIGEST_LIBRARY or {masked(default_path())})")
    parser.add_argument("--model", help="model name from models.yaml (default: its default)")
    parser.add_argument("--device", help="cuda, mps or cpu (default: the best available)")
    parser.add_argument("--backend", help=f"auto (default: the fastest that passes the quality gate) "
                                          f"or one of {', '.join(BACKENDS)}")


def embedder(args) -> Embedder:
    """The embedder the command's --model, --device and --backend ask for."""
    return Embedder(args.model, device=args.device, backend=args.backend)


def _filters(parser) -> None:
    parser.add_argument("-k", type=at_least(1), default=10, help="how many papers (default 10)")
    parser.add_argument("--since", type=iso_date, help="only papers first seen on or after DATE")
    parser.add_argument("--until", type=iso_date, help="only papers first seen on or before DATE")
    parser.add_argument("--category", action="append", help="only papers in this category (repeatable)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def register(commands) -> None:
    ingest = add_command(commands, "ingest", "Read digests into the library and embed what is new.",
                         "semdigest ingest ../shared/digests/daily/ --library my.sqlite", run_ingest,
                         EXIT_STATUS + "\n\nEach file is one transaction: files are committed one by one, "
                         "so a crash during one leaves the files before it fully ingested and the rest not at "
                         "all. Every file is read before it is added; when none can be read, no library is created.")
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="files, folders or glob patterns")
    ingest.add_argument("--date", type=iso_date, help="digest date when the file name has none")
    add_library_option(ingest)

    related = add_command(commands, "related", "Papers nearest to a paper of the library, or to each paper of a day.",
                          "semdigest related 2602.04994 -k 5 --category cs.CV", run_related)
    related.add_argument("arxiv_id", nargs="?", type=arxiv_id,
                         help="a paper of the library: 2606.04092, 2606.04092v2, arXiv:2606.04092 or its arxiv.org URL")
    related.add_argument("--day", type=iso_date, help="for every paper of this day: its nearest earlier papers")
    add_library_option(related)
    _filters(related)

    search = add_command(commands, "search", "Papers nearest to a free-text description.",
                         'semdigest search "tactile sensing for robot grasping" -k 5', run_search)
    search.add_argument("text", type=words, help="what you are looking for, in words")
    add_library_option(search)
    _filters(search)


def open_library(args, create: bool = False) -> Library:
    return Library.open(args.library, create=create)


def run_ingest(args) -> int:
    digests, model = DigestFiles(args.paths, args.date), embedder(args)
    with ExitStack() as stack:
        library = None
        for digest in digests:
            if library is None:  # opened at the first digest read: failed inputs create no library
                library = stack.enter_context(open_library(args, create=True))
            print(library.ingest(digest, model))
        if library is not None:
            note(f"library: {library}")
    if digests.failures:
        done = "the others were" if digests.read else "nothing was ingested and no library was created or changed"
        note(f"semdigest: {digests.failures} path(s) could not be read and were not ingested; {done}")
    return digests.exit_status()


def run_related(args) -> int:
    with open_library(args) as library:
        if args.day:
            results = library.seen_before(args.day, k=args.k, model=embedder(args))
            if not results:
                note(f"no papers of {args.day} with earlier papers in the library")
            for arxiv_id, hits in results.items():
                _show(hits, args.json)
            return 0
        if not args.arxiv_id:
            note("semdigest: error: give an arXiv id, or --day DATE; see `semdigest related --help`")
            return 2
        _show(library.related(args.arxiv_id, k=args.k, since=args.since, until=args.until,
                              categories=args.category, model=embedder(args)), args.json)
    return 0


def run_search(args) -> int:
    with open_library(args) as library:
        _show(library.search(args.text, k=args.k, since=args.since, until=args.until,
                             categories=args.category, model=embedder(args)), args.json)
    return 0


def _show(hits: Hits, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"query": hits.query, "hits": [h.as_dict() for h in hits]}, ensure_ascii=False))
    else:
        print(repr(hits))
