"""`semdigest day`, `topics`, `map`: topics and topic maps of a day or a date range."""

from __future__ import annotations

import math
from pathlib import Path

from ..output_folder import NewFiles, claim
from ..readers import read
from ._common import SEED, add_command, add_force_option, at_least, iso_date, note, since_not_after_until
from ._output import add_format_options, show
from .library_cmds import add_library_option, embedder, open_library


def _topic_options(parser) -> None:
    how_many = parser.add_mutually_exclusive_group()  # --max-topics bounds the choice --n-topics makes
    how_many.add_argument("--n-topics", type=at_least(1), help="exactly this many topics (default: chosen from the data)")
    how_many.add_argument("--max-topics", type=at_least(2, " (the number of topics is chosen from 2 up to it)"),
                          help="most topics to choose from (default 12)")
    parser.add_argument("--method", choices=["spectral", "kmeans", "agglomerative"], default="spectral",
                        help="how topics are cut: the graph's spectral embedding (default), or a UMAP layout")
    parser.add_argument("--seed", type=SEED, default=42, help="random seed (default 42)")


def _range_options(parser) -> None:
    parser.add_argument("--date", type=iso_date, help="papers of this day's digest")
    parser.add_argument("--since", type=iso_date, help="papers first seen on or after DATE")
    parser.add_argument("--until", type=iso_date, help="papers first seen on or before DATE")
    parser.rules.append(since_not_after_until)


def _topic_model(args):
    from ..topics import TopicModel

    chosen = {"max_topics": args.max_topics} if args.max_topics else {}
    return TopicModel(n_topics=args.n_topics, method=args.method, random_state=args.seed, **chosen)


def register(commands) -> None:
    day = add_command(commands, "day", "The day report: ingest a digest, find its topics, draw its maps.",
                      "semdigest day ../shared/digests/daily/2026-06-09.md --out report/", run_day,
                      "exit status: 0; 1 when the digest is incomplete (cut off by a partial download, or holding "
                      "other entries\nthan its table of contents lists): the report is still written, and says so; "
                      "2 on an error")
    day.add_argument("digest", help="one digest file")
    day.add_argument("--out", required=True, metavar="DIR", help="folder for index.html, report.md, papers.csv, maps")
    add_force_option(day)
    day.add_argument("--date", type=iso_date, help="digest date when the file name has none")
    day.add_argument("-k", type=at_least(0), default=3, help="earlier related papers per paper (default 3; 0: none)")
    day.add_argument("--quiet", action="store_true", help="no progress bars")
    add_library_option(day)
    _topic_options(day)

    topics = add_command(commands, "topics", "Topics of a day or a date range of the library.",
                         "semdigest topics --since 2026-06-01 --until 2026-06-07 --n-topics 15", run_topics)
    _range_options(topics)
    topics.add_argument("--quiet", action="store_true", help="no progress bar")
    add_library_option(topics)
    _topic_options(topics)
    add_format_options(topics, csv_help=None)

    draw = add_command(commands, "map", "Draw the topic map (PNG and interactive HTML) of a day or a date range.",
                       "semdigest map --date 2026-06-09 --out maps/", run_map)
    _range_options(draw)
    draw.add_argument("--out", required=True, metavar="DIR", help="folder for map.png and map.html")
    add_force_option(draw)
    draw.add_argument("--quiet", action="store_true", help="no progress bar")
    add_library_option(draw)
    _topic_options(draw)


def run_day(args) -> int:
    from ..report import day_report

    digest = read(args.digest, date=args.date)
    for warning in digest.warnings[:3]:
        note(f"warning: {warning}")
    topic_model = _topic_model(args)
    topic_model.check_params(len(digest))  # before the library: settings the day cannot meet change nothing
    claim(args.out, args.force)  # before the library: a bad --out changes nothing
    with open_library(args, create=True) as library:
        report = day_report(library, digest, args.out, model=embedder(args),
                            topic_model=topic_model, k_related=args.k, force=args.force)
    note(str(report.ingest))
    print(repr(report.map))
    times = ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items())
    also = ", library-map.png, library-map.html" if report.library_map is not None else ""
    note(f"wrote {Path(args.out) / 'index.html'} (and report.md, papers.csv, map.png, map.html{also}); {times}")
    if digest.incomplete:
        note(f"semdigest: {args.digest} is incomplete ({digest.incomplete}): the report holds its whole "
             "papers only; download it again")
        return 1
    return 0


def _map(args, library):
    from tqdm.auto import tqdm

    from ..maps.topicmap import topic_map

    model = embedder(args)  # its progress setting: a terminal, and no --quiet
    # one step of seconds (the graph, topics, labels, layout): the bar says what is under way
    with tqdm(total=1, desc="Topics and map", disable=not model.progress, leave=False,
              bar_format="{desc}: finding the topics and laying out the map… {elapsed}"):
        return topic_map(library, date=args.date, since=args.since, until=args.until, model=model,
                         topic_model=_topic_model(args))


def run_topics(args) -> int:
    with open_library(args) as library:
        result = _map(args, library)
    show(args, result, as_json=_topics_json)
    return 0


def _topics_json(result) -> list[dict]:
    return [{"id": t.id, "label": t.label, "size": t.size,
             "confidence": None if math.isnan(t.confidence) else round(t.confidence, 3), "terms": list(t.terms),
             "papers": list(t.paper_ids), "representative": list(t.representative_ids)} for t in result.topics]


def run_map(args) -> int:
    out = claim(args.out, args.force)
    with open_library(args) as library:
        result = _map(args, library)
    with NewFiles(out) as files:
        files.write("map.png", result.save_png)
        files.write("map.html", result.save_html)
    note(f"wrote {out / 'map.png'} and {out / 'map.html'} ({result.heading()})")
    return 0
