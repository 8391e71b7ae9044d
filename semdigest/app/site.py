"""`semdigest site`: the app's pages as static files, for GitHub Pages or opened from file://.

Every page is rendered by the same templates as the server's, with SiteUrls: every day, its
map, every paper of those days (with its related papers found now, filtered in the page), the
topics; search runs in the browser over a prebuilt index (static/search-index.js, a script and
not JSON, because a page opened from file:// may not fetch). Nothing is fetched from elsewhere.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import SemdigestError
from ..escaping import script_json
from ..output_folder import claim
from . import pages
from .pages import SHARDS
from .reader import Reader
from .urls import SiteUrls

STATIC = Path(__file__).resolve().parent / "static"
SHIPPED = ("app.css", "app.js", "map.js", "map-page.js", "search.js", "site-data.js", "site-pages.js",
           "vendor/regl-scatterplot.min.js", "vendor/README.md")
RELATED_K = 10


@dataclass(frozen=True)
class SiteResult:
    out: Path
    pages: int
    bytes: int

    @property
    def megabytes(self) -> float:
        return self.bytes / 1e6


def write_site(open_library: Callable, out: str | Path, since: dt.date | None = None, model=None,
               force: bool = False) -> SiteResult:
    """Write the site into ``out`` (new, empty, or a folder semdigest wrote before; ``force``:
    any folder). ``open_library`` opens the library (``lambda: Library.open(path)``): the pages
    are made on the thread that uses it."""
    reader = Reader(open_library, model=model, read_only=True)  # first: a missing library makes no folder
    try:
        return reader.call(_write, reader, claim(out, force), since)
    finally:
        reader.close()


def _write(reader: Reader, out: Path, since: dt.date | None) -> SiteResult:
    urls, catalog = SiteUrls(), reader.catalog
    dates = [d for d in catalog.dates if since is None or d >= since]
    if not dates:
        raise SemdigestError(f"no digest days{f' since {since}' if since else ''} in the library; "
                             "ingest digests first (`semdigest ingest DIGEST`)")
    latest, count = dates[-1], 0
    ids: set[str] = set()
    with _Staged(out) as files:
        def page(name: str, text: str) -> None:
            nonlocal count
            files.write(name, lambda path: path.write_text(text, encoding="utf-8"))
            count += 1

        for date in dates:
            day = reader.day(date)
            ids.update(p["arxiv_id"] for p in day["papers"])
            page(f"day/{date}.html", pages.day_page(day, urls, latest, read_only=True))
            page(f"map/{date}.html", pages.map_page(day, urls, latest))
        categories = catalog.categories
        shards: dict[int, dict] = {}
        for arxiv_id in sorted(ids):
            shards.setdefault(shard_of(arxiv_id), {})[arxiv_id] = _paper_data(reader, arxiv_id)
        for k in range(SHARDS):
            files.write(f"data/papers-{k:02d}.js", lambda path, k=k: path.write_text(
                f"window.semdigestShard({k}, {script_json(shards.get(k, {}))});\n", encoding="utf-8"))
        page("paper/index.html", pages.site_paper_page(urls, latest))
        page("search/index.html", pages.search_page([], urls, latest, categories=categories))
        trends = reader.trends(since)
        page("topics/index.html", pages.topics_page(trends, urls, latest, since))
        for topic in sorted({r["topic"] for r in trends["rows"]}):
            page(f"topics/{topic}.html", pages.topic_page(reader.topic(topic, since), urls, latest))
        page("index.html", _redirect(f"day/{latest}.html"))
        for name in SHIPPED:
            files.write(f"static/{name}", lambda path, name=name: shutil.copyfile(STATIC / name, path))
        for licence in sorted((STATIC / "vendor" / "licenses").iterdir()):
            files.write(f"static/vendor/licenses/{licence.name}", lambda path, f=licence: shutil.copyfile(f, path))
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return SiteResult(out=out, pages=count, bytes=size)


def shard_of(arxiv_id: str) -> int:
    """Which data file holds a paper: its id's character codes summed (site-data.js does the same)."""
    return sum(ord(c) for c in arxiv_id) % SHARDS


def _paper_data(reader: Reader, arxiv_id: str) -> dict:
    """What the paper page and the search show of a paper, with its related papers found now."""
    paper = reader.paper(arxiv_id)
    try:
        related = reader.related(arxiv_id, k=RELATED_K)
    except SemdigestError:  # no vector: no related papers
        related = []
    return {"title": paper["title"], "authors": ", ".join(paper["authors"]), "category": paper["primary_category"],
            "first_seen": paper["first_seen"], "dates": paper["dates"], "tldr": paper["tldr"],
            "abstract": paper["abstract"], **{n: paper[n] for n in ("motivation", "method", "result", "conclusion") if paper[n]},
            "code": paper["code_url"], "bibtex": paper["bibtex"],
            "related": [[h["arxiv_id"], h["title"], h["date"] or "", h["primary_category"] or "", h["score"] or 0]
                        for h in related]}


def _redirect(target: str) -> str:
    return ("<!doctype html><meta charset=\"utf-8\"><title>semdigest</title>"
            f"<meta http-equiv=\"refresh\" content=\"0; url={target}\"><a href=\"{target}\">the latest day</a>\n")


class _Staged:
    """Files written into a hidden folder inside ``out`` and moved into place together at the
    end: a failure part-way leaves the site that was there before."""

    def __init__(self, out: Path):
        self.out, self.stage = out, out / ".semdigest-partial"

    def __enter__(self) -> "_Staged":
        shutil.rmtree(self.stage, ignore_errors=True)
        self.stage.mkdir()
        return self

    def write(self, name: str, writer: Callable[[Path], object]) -> None:
        path = self.stage / name
        path.parent.mkdir(parents=True, exist_ok=True)
        writer(path)

    def __exit__(self, kind, error, trace) -> None:
        try:
            if kind is None:
                for entry in sorted(self.stage.iterdir()):
                    target = self.out / entry.name
                    if target.is_dir():
                        shutil.rmtree(target)
                    entry.replace(target)
        finally:
            shutil.rmtree(self.stage, ignore_errors=True)
