"""`semdigest parse`: read digests and report what they hold, or export their records."""

from __future__ import annotations

from ..plural import plural
from ..records import Digest
from ._common import EXIT_STATUS, DigestFiles, add_command, incomplete_note, iso_date, note
from ._output import add_format_options, csv_writer, print_json

_CSV_COLUMNS = ("arxiv_id", "version", "title", "authors", "primary_category", "categories", "date",
                "tldr", "motivation", "method", "result", "conclusion", "abstract", "code_url",
                "flagged", "source", "line")


def register(commands) -> None:
    parser = add_command(
        commands, "parse", "Read digest files and summarise them (or export their papers).",
        "semdigest parse ../shared/digests/daily/ --csv > papers.csv", run, EXIT_STATUS,
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files, folders or glob patterns")
    parser.add_argument("--date", type=iso_date, help="digest date when the file name has none")
    add_format_options(parser, "print the papers as JSON lines", "print the papers as CSV")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every warning")


def summary_line(digest: Digest) -> str:
    return (
        f"{digest.source}: {digest.format}, date {digest.date or 'unknown'}, "
        f"{plural(len(digest), 'paper')} in {plural(len(digest.categories()), 'category')}, "
        f"{plural(digest.duplicates, 'duplicate')}, {len(digest.skipped)} skipped, "
        f"{digest.fallbacks} with fallback summaries, {plural(len(digest.warnings), 'warning')}"
        f"{incomplete_note(digest)}"
    )


def run(args) -> int:
    digests = DigestFiles(args.paths, args.date)
    writer = csv_writer(_CSV_COLUMNS) if args.csv else None
    for digest in digests:
        note(summary_line(digest))
        for warning in digest.warnings if args.verbose else digest.warnings[:3]:
            note(f"  warning: {warning}")
        if len(digest.warnings) > 3 and not args.verbose:
            note(f"  … {len(digest.warnings) - 3} more warnings (--verbose shows them)")
        for paper in digest.papers:
            row = paper.as_dict()
            if args.json:
                print_json(row)
            elif writer:
                row["authors"], row["categories"] = "; ".join(row["authors"]), " ".join(row["categories"])
                writer.writerow(row.get(c) for c in _CSV_COLUMNS)
    if digests.failures:
        note(f"semdigest: {plural(digests.failures, 'path')} could not be read (named above); "
             f"{plural(digests.read, 'file')} read in full")
    digests.report_incomplete()
    return digests.exit_status()
