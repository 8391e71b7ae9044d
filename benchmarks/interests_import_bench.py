"""A very large BibTeX import, and ranking by it: what a 60,000-entry interest costs.

    python benchmarks/interests_import_bench.py [--entries 60000] [--rank-entries 60000]
                                                [--library /tmp/semdigest-interests-import-bench.sqlite]

The file is made of the real titles and abstracts of ../shared/digests/daily (3,034 papers;
entry n pairs title n with abstract n + 7 * lap, so all texts differ), with distinct keys and
no arXiv ids: every entry becomes a reference to embed. The library (2026-06-02 and 2026-06-08,
made once and reused) ranks 2026-06-08.

Measured: reading the file (and, on a sample, what pylatexenc alone costs per field), matching
and saving the interest; then the first `rank` of an interest of ``--rank-entries`` of those
references (it embeds them once and keeps their vectors) and a second one (it embeds nothing).
Embedding 60,000 texts takes an hour or more on a small CPU: ``--rank-entries 2000`` measures
the rate, and the first rank of the whole file is then entries / rate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import re
import tempfile
import time
from pathlib import Path

from semdigest.interests import Interest, import_bibtex, read_bibtex
from semdigest.interests import latex
from semdigest.interests import library_vectors, rank_day
from semdigest.library import Library
from semdigest.readers import read

ROOT = Path(__file__).resolve().parents[1]
DAILY = ROOT.parent / "shared" / "digests" / "daily"
DAYS = ("2026-06-02.md", "2026-06-08.md")
RANKED = dt.date(2026, 6, 8)


def cpu() -> str:
    """The CPU's name and the matrix instructions it has (what the embedding speed depends on)."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    name = re.search(r"^model name\s*:\s*(.+)$", info, re.MULTILINE)
    flags = set(re.search(r"^flags\s*:\s*(.*)$", info, re.MULTILINE).group(1).split())
    has = [f for f in ("avx2", "avx512_vnni", "amx_tile") if f in flags] or ["none of avx2, avx512_vnni, amx_tile"]
    return f"{name.group(1).strip() if name else platform.machine()} ({', '.join(has)})"


def write_bibtex(path: Path, count: int) -> None:
    papers = {}
    for digest in sorted(DAILY.glob("*.md")):
        for paper in read(digest).papers:
            papers.setdefault(paper.arxiv_id, paper)
    papers = list(papers.values())
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            lap, row = divmod(n, len(papers))
            title, abstract = papers[row].title, papers[(row + 7 * lap) % len(papers)].abstract
            authors = " and ".join(papers[row].authors[:5]) or "Anonymous"
            out.write(f"@article{{ref{n},\n  title = {{{title}}},\n  author = {{{authors}}},\n"
                      f"  journal = {{Journal of Things}},\n  year = {{2026}},\n  abstract = {{{abstract}}}\n}}\n\n")


def library(path: Path) -> Library:
    opened = Library.open(path)
    if not len(opened):
        for day in DAYS:
            print(opened.ingest(read(DAILY / day)))
    return opened


def timed(function):
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=60_000)
    parser.add_argument("--rank-entries", type=int, help="references of the ranked interest (default: all)")
    parser.add_argument("--library", type=Path,
                        default=Path(tempfile.gettempdir()) / "semdigest-interests-import-bench.sqlite")
    args = parser.parse_args()
    print(f"CPU: {cpu()}")

    bib = Path(tempfile.mkdtemp(prefix="semdigest-bench-")) / f"references-{args.entries}.bib"
    write_bibtex(bib, args.entries)
    bibtex, read_seconds = timed(lambda: read_bibtex(bib, progress=False))
    print(f"read {len(bibtex):,} entries ({len(bibtex.skipped)} skipped, {bib.stat().st_size / 2**20:.0f} MB): "
          f"{read_seconds:.1f} s, {len(bibtex) / read_seconds:,.0f} entries/s")

    sample = [v for e in bibtex.entries[:500] for v in (e.title, e.abstract) if v]
    _, plain = timed(lambda: [latex.latex_text(v) for v in sample])
    _, full = timed(lambda: [latex._pylatexenc(v) for v in sample])
    fields = sum(bool(e.title) + bool(e.abstract) for e in bibtex.entries)
    print(f"LaTeX to text per field on {len(sample)} fields: {plain / len(sample) * 1e3:.2f} ms now, "
          f"{full / len(sample) * 1e3:.2f} ms with pylatexenc for every field "
          f"(the whole file: {plain / len(sample) * fields:.0f} s against {full / len(sample) * fields:.0f} s)")

    with library(args.library) as opened:
        for name in opened.interests():
            opened.remove_interest(name)
        titles = {p.arxiv_id: p.title for p, _ in opened.store.iter_papers()}
        (interest, summary), match_seconds = timed(lambda: import_bibtex(Interest("bench"), bibtex, titles))
        _, save_seconds = timed(lambda: opened.save_interest(interest))
        print(f"matched {summary.entries:,} entries ({len(summary.embedded):,} references to embed): "
              f"{match_seconds:.1f} s; saved the interest: {save_seconds:.1f} s")

        ranked = Interest("ranked", references=interest.references[:args.rank_entries or len(interest.references)])
        opened.save_interest(ranked)
        embedder = opened.embedder(None)
        embedder.encoder  # loading the model is part of neither rank
        kept = lambda: sum(opened.store.count_interest_vectors("ranked").values())  # noqa: E731
        _, first = timed(lambda: rank_day(opened, RANKED, "ranked", model=embedder))
        embedded = kept()
        _, second = timed(lambda: rank_day(opened, RANKED, "ranked", model=embedder))
        assert kept() == embedded and library_vectors(opened, "ranked", embedder).embedded == 0
        rate = embedded / max(first - second, 1e-9)
        print(f"first rank of {len(ranked.references):,} references: {first:.1f} s "
              f"({embedded:,} embedded and kept, {rate:.1f}/s)")
        print(f"second rank: {second:.1f} s (0 embedded: the kept vectors read back)")
        if len(ranked.references) < len(interest.references):
            print(f"the whole file's first rank at that rate: about "
                  f"{len(interest.references) / rate / 60:.0f} minutes of embedding, once")
        for name in ("bench", "ranked"):
            opened.remove_interest(name)


if __name__ == "__main__":
    main()
