"""`semdigest backfill`: arXiv's history into the library (snapshot files, an OAI-PMH endpoint),
resumable, then its backlog embedded here or on a Ray cluster."""

from __future__ import annotations

import sys
import time

from ..errors import SemdigestError
from ._common import add_command, at_least, iso_date, note, since_not_after_until
from .library_cmds import add_library_option, embedder, open_library

NOTES = """\
SOURCE is arXiv's metadata snapshot (arxiv-metadata-oai-snapshot.json, also .gz or .zst); --oai
harvests an OAI-PMH endpoint instead (or as well). Papers are filtered before anything is stored,
then committed in batches, each with its checkpoint in the library: after a crash or a kill, run
the same command again and it continues after the last committed batch (--restart reads from the
start). Backfilled papers merge with your digests' papers by arXiv id: their metadata fills in
(DOI, journal reference, comments, versions, licence), your summaries are kept, stored text is
never replaced by a shorter or damaged one; they count as earlier papers (related, seen before,
novelty, the library map), not as digest days. Then every paper without a vector is embedded,
here (--engine local: the GPU when there is one) or on a Ray cluster (--engine ray; pip install
'semdigest[cluster]'; --address of a running cluster, else a local one), and the library's
reference map is fitted afresh once, on a sample of the library with its history."""


def register(commands) -> None:
    backfill = add_command(
        commands, "backfill", "Fill the library with arXiv's history (snapshot or OAI-PMH), resumably.",
        "semdigest backfill arxiv-metadata-oai-snapshot.json.zst --categories 'cs.* stat.ML' --since 2020-01-01",
        run_backfill, NOTES)
    backfill.add_argument("sources", nargs="*", metavar="SOURCE", help="snapshot files (.json, .json.gz, .json.zst)")
    oai = backfill.add_argument_group("OAI-PMH")
    oai.add_argument("--oai", metavar="URL", help="harvest this endpoint, e.g. https://oaipmh.arxiv.org/oai")
    oai.add_argument("--set", dest="oai_set", metavar="S", help="an OAI set such as cs or physics:hep-th")
    oai.add_argument("--from", dest="oai_from", type=iso_date, metavar="D",
                     help="records changed on or after D (default: --since, which no later paper precedes)")
    oai.add_argument("--to", dest="oai_until", type=iso_date, metavar="D", help="records changed on or before D")
    oai.add_argument("--format", dest="oai_format", choices=["arXivRaw", "arXiv"], default="arXivRaw",
                     help="metadata format (default arXivRaw: every version with its date)")
    oai.add_argument("--delay", type=float, default=3.0, help="seconds between requests (default 3, as arXiv asks)")
    backfill.add_argument("--categories", metavar="PATTERNS",
                          help="keep papers with a category matching one of these shell patterns ('cs.* stat.ML')")
    backfill.add_argument("--since", type=iso_date, metavar="D", help="keep papers submitted (v1) on or after D")
    backfill.add_argument("--until", type=iso_date, metavar="D", help="keep papers submitted (v1) on or before D")
    backfill.add_argument("--no-embed", action="store_true", help="store the papers only; embed later")
    backfill.add_argument("--engine", choices=["local", "ray"], default="local",
                          help="where to embed: here (default) or on a Ray cluster")
    backfill.add_argument("--address", metavar="A", help="a running Ray cluster's address (auto, ray://host:10001)")
    backfill.add_argument("--workers", type=at_least(1), default=2, help="embedder actors on the Ray cluster (default 2)")
    backfill.add_argument("--batch", type=at_least(1), default=5000, help="records per committed batch (default 5000)")
    backfill.add_argument("--restart", action="store_true", help="ignore the checkpoints: read the sources from the start")
    backfill.add_argument("--quiet", action="store_true", help="no progress line")
    add_library_option(backfill)
    backfill.rules.append(since_not_after_until)
    backfill.rules.append(_something_to_read)


def _something_to_read(args) -> str | None:
    if not args.sources and not args.oai:
        return "name a snapshot file (SOURCE) or an endpoint (--oai URL)"
    if args.address and args.engine != "ray":
        return "--address is a Ray cluster's: add --engine ray"
    return None


def run_backfill(args) -> int:
    from ..backfill.embed import embed_backlog, refit_map
    from ..backfill.filters import BackfillFilter
    from ..backfill.harvest import Harvester
    from ..backfill.run import store_source
    from ..backfill.sources import OAISource, SnapshotSource

    where = BackfillFilter(tuple((args.categories or "").split()), args.since, args.until)
    sources = [SnapshotSource(path, args.batch) for path in args.sources]  # every file checked before work
    if args.oai:
        sources.append(OAISource(Harvester(args.oai, metadata_prefix=args.oai_format, set_spec=args.oai_set,
                                           since=args.oai_from or args.since, until=args.oai_until, delay=args.delay)))
    progress = Progress(enabled=not args.quiet and sys.stderr.isatty())
    model = None if args.no_embed else embedder(args)
    if args.engine == "ray" and model is not None:
        from ..backfill.engines import require_ray

        require_ray()  # before reading anything: a missing extra is said at once
    failed = 0
    with open_library(args, create=True) as library:
        note(f"backfill into {library.location}: {where}")
        for source in sources:
            try:
                result = store_source(library, source, where, args.restart, progress.papers)
            except SemdigestError as error:  # this source stops at its last checkpoint; the others go on
                progress.done()
                note(f"semdigest: error: {' '.join(str(error).split())}")
                failed += 1
                continue
            progress.done()
            for warning in result.warnings:
                note(warning)
            if not result.already_done and result.counts.bad > len(result.warnings):
                note(f"{source}: {result.counts.bad - len(result.warnings):,} more unreadable records skipped")
            print(result)
        if model is not None:
            result = embed_backlog(library, model, args.engine, address=args.address, workers=args.workers,
                                   progress=progress.vectors)
            progress.done()
            print(result)
            mapped = refit_map(library, model) if result.embedded else None
            if mapped:
                print(f"reference map refitted on {mapped['papers']:,} of {mapped['library_papers']:,} papers "
                      f"(seed {mapped['seed']})")
        note(f"library: {library}")
    return 1 if failed else 0


class Progress:
    """One line on a terminal, rewritten at most twice a second: counts, rate and ETA."""

    def __init__(self, enabled: bool):
        self.enabled, self.start, self.last, self.shown = enabled, time.monotonic(), 0.0, False

    def papers(self, source: str, counts, fraction: float | None) -> None:
        rate = counts.records / max(1e-9, time.monotonic() - self.start)
        self._show(f"{source}: {counts.records:,} records ({counts.added:,} added, {counts.updated:,} updated, "
                   f"{counts.skipped:,} skipped), {rate:,.0f}/s{self._eta(fraction)}")

    def vectors(self, done: int, total: int) -> None:
        rate = done / max(1e-9, time.monotonic() - self.start)
        self._show(f"embedding: {done:,} of {total:,} papers, {rate:,.1f}/s{self._eta(done / total if total else None)}")

    def _eta(self, fraction: float | None) -> str:
        if not fraction:
            return ""
        left = (time.monotonic() - self.start) * (1 - fraction) / fraction
        return f", {fraction:.0%}, ETA {int(left // 3600)}:{int(left % 3600 // 60):02d}:{int(left % 60):02d}"

    def _show(self, line: str) -> None:
        now = time.monotonic()
        if self.enabled and now - self.last >= 0.5:
            sys.stderr.write("\r\x1b[K" + line)
            sys.stderr.flush()
            self.last, self.shown = now, True

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            self.shown = False
        self.start = time.monotonic()
