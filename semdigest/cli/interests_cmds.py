"""`semdigest interests ...` (what the reader cares about) and `semdigest rank` (a day in that order)."""

from __future__ import annotations

from ._common import add_command, arxiv_id, iso_date, note, words
from ._output import add_format_options, print_json, show
from .library_cmds import add_library_option, embedder, library_help, open_library

_RANKERS = ("combined", "nearest", "classifier")


def _library_option(parser) -> None:
    parser.add_argument("--library", metavar="PATH", help=library_help())


# The forms `related` takes: one id grammar (semdigest/arxiv_ids.py) for every command.
_IDS_HELP = "arXiv ids: 2606.00951, 2606.00951v2, arXiv:2606.00951, hep-th/9901001 or an arxiv.org URL"


def register(commands) -> None:
    interests = add_command(
        commands, "interests", "Interests: named sets of papers, references and descriptions you care about.",
        "semdigest interests add games 2606.00951 2606.01142", None)
    sub = interests.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = add_command(sub, "add", "Add arXiv papers to an interest (made if new).",
                      "semdigest interests add games 2606.00951 2606.01142", run_add)
    add.add_argument("name", help="the interest's name")
    add.add_argument("ids", nargs="+", metavar="ID", type=arxiv_id, help=_IDS_HELP)

    describe = add_command(sub, "describe", "Add a free-text description to an interest (made if new).",
                           'semdigest interests describe coding "error-correcting codes and channel capacity"',
                           run_describe)
    describe.add_argument("name", help="the interest's name")
    describe.add_argument("text", type=words, help="what the interest is about, in words")

    bib = add_command(sub, "import", "Add the papers of a BibTeX file or Zotero export to an interest.",
                      "semdigest interests import games my-library.bib", run_import)
    bib.add_argument("name", help="the interest's name")
    bib.add_argument("file", metavar="FILE.bib", help="BibTeX file (entries with an arXiv id, or matched by title)")
    bib.add_argument("--model", help="embed its references for this model from models.yaml (default: its default)")
    bib.add_argument("--device", help="cuda, mps or cpu (default: the best available)")
    bib.add_argument("--backend", help="auto (default) or an embedding backend, as for ingest")
    bib.add_argument("--quiet", action="store_true", help="no progress bars")

    mark = add_command(sub, "mark", "Mark papers read or not interesting for an interest (or clear the mark).",
                       "semdigest interests mark games 2606.05081 --not-interesting", run_mark)
    mark.add_argument("name", help="the interest's name")
    mark.add_argument("ids", nargs="+", metavar="ID", type=arxiv_id, help=_IDS_HELP)
    how = mark.add_mutually_exclusive_group(required=True)
    how.add_argument("--read", action="store_const", const="read", dest="mark",
                     help="read: never proposed again")
    how.add_argument("--not-interesting", action="store_const", const="not_interesting", dest="mark",
                     help="not interesting: never proposed again, and papers like it rank lower")
    how.add_argument("--clear", action="store_const", const="clear", dest="mark", help="remove either mark")

    listing = add_command(sub, "list", "The library's interests and what defines each.",
                          "semdigest interests list", run_list)
    add_format_options(listing, csv_help=None)

    showing = add_command(sub, "show", "One interest: its papers (with titles), references, descriptions and marks.",
                          "semdigest interests show games", run_show)
    showing.add_argument("name", help="the interest's name")
    add_format_options(showing, csv_help=None)

    remove = add_command(sub, "remove", "Remove an interest, or only some of its papers.",
                         "semdigest interests remove games", run_remove)
    remove.add_argument("name", help="the interest's name")
    remove.add_argument("ids", nargs="*", metavar="ID", type=arxiv_id, help="remove only these papers from it")

    for parser in (add, describe, bib, mark, listing, showing, remove):
        _library_option(parser)

    rank = add_command(commands, "rank", "A day's papers in the order of your interests (\"For you\").",
                       "semdigest rank --date 2026-06-08 --interest games -k 10", run_rank)
    rank.add_argument("--date", type=iso_date, required=True, help="the digest day to rank")
    rank.add_argument("--interest", metavar="NAME", help="one interest (default: each of them)")
    rank.add_argument("-k", type=int, help="the best k papers per interest (default: all)")
    rank.add_argument("--ranker", choices=_RANKERS, default="combined",
                      help="combined (default: the better of both, benchmarks/interests_bench.py), "
                           "nearest (similarity to the interest's nearest papers) or classifier (linear SVM)")
    add_format_options(rank, csv_help="print CSV, one row per (interest, paper)")
    rank.add_argument("--quiet", action="store_true", help="no progress bars")
    add_library_option(rank)


def _change(args, change, create: bool = True) -> None:
    """Load (or start) the interest, apply ``change``, save it whole."""
    with open_library(args) as library:
        interest = change(library, library.interest(args.name, create=create))
        library.save_interest(interest)
        note(f"{interest!r}")


def _not_in_library(library, ids) -> None:
    from ..interests import Interest

    ids = Interest("check", papers=tuple(ids)).papers
    held = library.store.get_papers(ids)
    missing = [i for i in ids if i not in held]
    if missing:
        note(f"not in the library yet (they count once their digest is ingested): {', '.join(missing)}")


def run_add(args) -> int:
    def change(library, interest):
        updated = interest.add_papers(args.ids)
        _not_in_library(library, args.ids)
        return updated
    _change(args, change)
    return 0


def run_describe(args) -> int:
    _change(args, lambda library, interest: interest.describe(args.text))
    return 0


def run_import(args) -> int:
    """Read the file, save the interest whole, then embed its references once (kept in the library:
    an interrupted embedding keeps what it did, and the next rank embeds only the rest)."""
    from ..interests import import_bibtex, library_vectors, read_bibtex

    bibtex = read_bibtex(args.file, progress=False if args.quiet else None)
    with open_library(args) as library:
        interest = library.interest(args.name, create=True)
        titles = {paper.arxiv_id: paper.title for paper, _ in library.store.iter_papers()}
        interest, summary = import_bibtex(interest, bibtex, titles)
        print(summary)
        library.save_interest(interest)
        note(f"{interest!r}")
        vectors = library_vectors(library, interest, model=_embedder(args))
        stored = sum(library.store.count_interest_vectors(interest.name).values())
        note(f"{args.name!r}: {vectors.embedded} references and descriptions embedded now, "
             f"{stored} kept in the library for rank and day")
    return 0


def _embedder(args):
    model = embedder(args)
    if args.quiet:
        model.progress = False
    return model


def run_mark(args) -> int:
    def change(library, interest):
        if args.mark == "read":
            return interest.mark_read(args.ids)
        if args.mark == "not_interesting":
            return interest.mark_not_interesting(args.ids)
        return interest.unmark(args.ids)
    _change(args, change, create=False)
    return 0


def run_remove(args) -> int:
    with open_library(args) as library:
        if args.ids:
            interest = library.interest(args.name).remove_papers(args.ids)
            library.save_interest(interest)
            note(f"{interest!r}")
        else:
            library.remove_interest(args.name)
            note(f"removed the interest {args.name!r}")
    return 0


def _as_dict(interest) -> dict:
    return {"name": interest.name, "papers": list(interest.papers), "descriptions": list(interest.descriptions),
            "references": [{"title": r.title, "abstract": r.abstract, "arxiv_id": r.arxiv_id, "key": r.key}
                           for r in interest.references],
            "read": list(interest.read), "not_interesting": list(interest.not_interesting)}


def run_list(args) -> int:
    with open_library(args) as library:
        interests = [library.interest(name) for name in library.interests()]
    if args.json:
        print_json([_as_dict(i) for i in interests])
    elif not interests:
        note("no interests yet; make one with `semdigest interests add NAME ARXIV_ID...`")
    for interest in [] if args.json else interests:
        print(repr(interest))
    return 0


def run_show(args) -> int:
    with open_library(args) as library:
        interest = library.interest(args.name)
        titles = {i: p.title for i, p in library.store.get_papers(interest.papers + interest.read
                                                                  + interest.not_interesting).items()}
    if args.json:
        print_json(_as_dict(interest) | {"titles": titles})
        return 0
    print(repr(interest))
    sections = [("papers", interest.papers), ("read", interest.read), ("not interesting", interest.not_interesting)]
    for heading, ids in sections:
        if ids:
            print(f"{heading}:")
            print("\n".join(f"  {i}  {titles.get(i, '(not in the library yet)')}" for i in ids))
    if interest.references:
        print("references:")
        print("\n".join(f"  {r.label if r.arxiv_id else r.key or '-'}  {r.title}" for r in interest.references))
    if interest.descriptions:
        print("descriptions:")
        print("\n".join(f"  \"{d}\"" for d in interest.descriptions))
    return 0


def run_rank(args) -> int:
    from ..interests import rank_day

    with open_library(args) as library:
        if args.interest:
            rankings = [rank_day(library, args.date, args.interest, ranker=args.ranker, k=args.k, model=_embedder(args))]
        else:
            if not library.interests():
                note("no interests yet; make one with `semdigest interests add NAME ARXIV_ID...`")
                return 1
            rankings = list(rank_day(library, args.date, ranker=args.ranker, k=args.k, model=_embedder(args)).values())
    show(args, rankings, table=lambda rs: "\n\n".join(repr(r) for r in rs),
         as_json=lambda rs: {"date": args.date.isoformat(), "rankings": [
             {"interest": r.interest, "ranker": r.ranker, "papers": [p.as_dict() for p in r]} for r in rs]},
         as_csv=_ranking_rows, float_format="%.4f")
    return 0


def _ranking_rows(rankings):
    """rank --csv: one row per (interest, paper)."""
    return (["interest", "rank", "arxiv_id", "score", "title", "closest", "terms", "mark"],
            ([r.interest, p.rank, p.arxiv_id, p.score, p.title, "; ".join(p.closest), "; ".join(p.terms), p.mark or ""]
             for r in rankings for p in r))
