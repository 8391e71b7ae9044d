"""`semdigest reference`, `novelty`: the library's reference map and how new a day's papers are."""

from __future__ import annotations

from ..config import MIN_REFERENCE_SIZE
from ..novelty import day_novelty
from ._common import SEED, add_command, at_least, iso_date, note
from ._output import add_format_options, print_csv, print_json
from .library_cmds import add_library_option, embedder, open_library


def register(commands) -> None:
    reference = add_command(
        commands, "reference", "Show or rebuild the library's reference map, on which every day is drawn "
        "(library-map.png/html of `semdigest day`).", "semdigest reference rebuild --library my.sqlite", run_reference,
        "The reference is fitted the first time a day is drawn on it, refitted by itself while it holds fewer\n"
        "than 5,000 papers and the library has doubled since, and otherwise only by `rebuild`: rebuilding\n"
        "moves every paper, so maps drawn before and after it do not line up.")
    reference.add_argument("action", choices=["show", "rebuild"], help="what to do with the reference map")
    reference.add_argument("--size", type=at_least(MIN_REFERENCE_SIZE, " (a smaller library is fitted whole)"),
                           default=None, help="papers to fit it on (default 10,000)")
    reference.add_argument("--seed", type=SEED, default=42, help="random seed (default 42)")
    add_library_option(reference)

    novelty = add_command(commands, "novelty", "How unlike the library each paper of a day is: a percentile "
                          "of the library's own papers (0.99: further from the papers before it than 99% are).",
                          "semdigest novelty --date 2026-06-09 -k 10", run_novelty)
    novelty.add_argument("--date", type=iso_date, required=True, help="the day's digest date")
    novelty.add_argument("-k", type=at_least(1), default=10, help="how many papers, most novel first (default 10)")
    add_format_options(novelty, "print JSON", "print CSV (every paper of the day)")
    add_library_option(novelty)


def run_reference(args) -> int:
    from ..maps.reference import REFERENCE_SIZE, rebuild_reference, reference_info

    with open_library(args) as library:
        if args.action == "rebuild":
            info = rebuild_reference(library, embedder(args), size=args.size or REFERENCE_SIZE, seed=args.seed)
            note(f"rebuilt the reference map: {info}")
        else:
            info = reference_info(library, embedder(args))
            if info:
                print_json(info)
            else:
                print("no reference map yet: `semdigest day` makes one")
    return 0


def run_novelty(args) -> int:
    with open_library(args) as library:
        frame = day_novelty(library, args.date, embedder(args))
    if frame.empty:
        note(f"no embedded papers on {args.date}; ingest that day's digest first")
        return 0
    if args.csv:
        print_csv(frame, float_format="%.4g")
    elif args.json:
        print_json(frame.head(args.k))
    else:
        for row in frame.head(args.k).itertuples():
            shown = "  –  " if row.novelty != row.novelty else f"{row.novelty:.3f}"
            print(f"{shown}  https://arxiv.org/abs/{row.arxiv_id}  {row.title[:70]}")
            if row.nearest_id:
                print(f"       nearest earlier ({row.nearest_score:.2f}): {row.nearest_title[:70]}")
    return 0
