"""`semdigest trends`: the library's topics per day, with what happened to them (born, grew, ...)."""

from __future__ import annotations

from ..errors import LibraryError
from ..output_folder import NewFiles, claim
from ._common import add_command, add_force_option, iso_date, note, since_not_after_until
from ._output import add_format_options, show
from .library_cmds import add_library_option, open_library

NOTES = """\
Topics are tracked by `semdigest day` (each dated digest's topics are matched to the library's
standing topics: the same subject keeps its number from day to day). The table has one row per
topic and one column per tracked day; the events follow: born, split, continues (a new number
for a subject whose new papers moved away from its old one), merged, grew, shrank,
gone, returned. --out writes trends.png and trends.html (one file that works offline)."""


def register(commands) -> None:
    trends = add_command(commands, "trends", "Topic sizes per day across a date range, with their events.",
                         "semdigest trends --since 2026-06-01 --until 2026-06-14 --out trends/", run_trends, NOTES)
    trends.add_argument("--since", type=iso_date, help="first day (default: the first tracked day)")
    trends.add_argument("--until", type=iso_date, help="last day (default: the last tracked day)")
    trends.rules.append(since_not_after_until)
    add_format_options(trends, "print JSON (dates, totals, topics with sizes, events)",
                       "print CSV: date, topic, label, size, share, events")
    trends.add_argument("--out", metavar="DIR", help="also write trends.png and trends.html into DIR")
    add_force_option(trends)
    add_library_option(trends)


def run_trends(args) -> int:
    from ..report.trends import CSV_FLOAT_FORMAT, Trends

    out = claim(args.out, args.force) if args.out else None  # before the library: a bad --out changes nothing
    with open_library(args) as library:
        trends = Trends.from_library(library, args.since, args.until)
        if trends.history.empty:
            span = f"between {args.since or 'the start'} and {args.until or 'today'}"
            raise LibraryError(f"no tracked topics {span} in {library.location}; `semdigest day DIGEST` tracks "
                               "each day's topics (run it on the days you want, in date order)")
    show(args, trends, table=Trends.to_text, as_json=Trends.to_json, as_csv=Trends.rows,
         float_format=CSV_FLOAT_FORMAT)
    if out:
        dates = trends.dates
        title = f"Topics across days, {dates[0]} to {dates[-1]}"
        with NewFiles(out) as files:
            files.write("trends.png", trends.save_png)
            files.write("trends.html", lambda path: trends.save_html(path, title))
        note(f"wrote {out / 'trends.png'} and {out / 'trends.html'}")
    return 0
