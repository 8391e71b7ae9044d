"""The pages, rendered from the Reader's dicts through Jinja2 templates with autoescaping on:
every field from a digest reaches the HTML as text. Data a page's script needs travels as JSON
in a <script type="application/json"> element, written by escaping.script_json."""

from __future__ import annotations

from functools import lru_cache

from ..escaping import script_json


@lru_cache(maxsize=1)
def environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("semdigest.app", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


SHARDS = 32  # the static site's paper data files (site.py)


def render(template: str, urls, *, title: str, page: str, data=None, latest=None, date=None,
           read_only: bool = False, **context) -> str:
    return environment().get_template(template).render(
        urls=urls, title=title, page=page, latest=latest, date=date, read_only=read_only, shards=SHARDS,
        data_json=script_json(data if data is not None else {}), **context)


def day_page(day: dict, urls, latest, interests=(), read_only=False) -> str:
    papers = {p["arxiv_id"]: p for p in day["papers"]}
    placed = {i for t in day["topics"] for i in t["arxiv_ids"]}
    data = {"date": day["date"], "bibtex": {i: p["bibtex"] for i, p in papers.items()}}
    return render("day.html", urls, title=day["date"], page="day", data=data, latest=latest, date=day["date"],
                  read_only=read_only, day=day, papers=papers, interests=list(interests),
                  unplaced=[i for i in papers if i not in placed])


def map_page(day: dict, urls, latest, library: dict | None = None) -> str:
    """The day's own map; with ``library`` (Reader.library_map), the day on the library map: its
    papers highlighted over the papers of the days before."""
    rows = [p for p in (library or day)["papers"] if p.get("x") is not None]
    earlier = (library or {}).get("backdrop", [])
    backdrop_label = f"first seen in the {(library or {}).get('backdrop_days')} days before"
    every = rows + earlier
    data = {"date": day["date"], "view": "library" if library is not None else "day",
            "highlight": list(range(len(rows))) if library is not None else None, "points": {
                "arxiv_id": [p["arxiv_id"] for p in every], "x": [p["x"] for p in every], "y": [p["y"] for p in every],
                "title": [p["title"] for p in every], "authors": [", ".join(p["authors"]) for p in every],
                "tldr": [p.get("tldr") or "" for p in every],
                "topic": [p.get("label") or "" for p in rows] + [backdrop_label] * len(earlier),
                "category": [p.get("primary_category") or "no category" for p in every],
                "href": [urls.paper(p["arxiv_id"]) for p in every]}}
    return render("map.html", urls, title=f"map of {day['date']}", page="map", data=data, latest=latest,
                  date=day["date"], view=data["view"], on_library=len(rows) if library is not None else None,
                  backdrop=len(earlier))


def paper_page(paper: dict, related: list[dict], urls, latest, categories=(), interests=(), read_only=False) -> str:
    data = {"arxiv_id": paper["arxiv_id"], "bibtex": {paper["arxiv_id"]: paper["bibtex"]}, "related": related}
    return render("paper.html", urls, title=paper["title"], page="paper", data=data, latest=latest,
                  read_only=read_only, paper=paper, related=related, categories=list(categories),
                  interests=list(interests))


def site_paper_page(urls, latest) -> str:
    """The static site's one paper page: its script shows the paper named in ?id=."""
    return render("paper.html", urls, title="paper", page="paper", data={}, latest=latest, read_only=True,
                  paper=None, related=[], categories=[], interests=[])


def search_page(results: list[dict], urls, latest, q="", since=None, until=None, category=None, categories=(),
                topic=None, topics=()) -> str:
    return render("search.html", urls, title=f"search: {q}" if q else "search", page="search", data={"q": q},
                  latest=latest, results=results, q=q, since=since, until=until, category=category,
                  categories=list(categories), topic=str(topic or ""), topics=list(topics))


def topics_page(trends: dict, urls, latest, since=None, until=None) -> str:
    dates = sorted({r["date"] for r in trends["rows"]})
    topics: dict[int, dict] = {}
    for r in trends["rows"]:
        entry = topics.setdefault(r["topic"], {"topic": r["topic"], "label": r["label"], "days": {}, "total": 0})
        entry["days"][r["date"]] = r
        entry["label"], entry["total"] = r["label"], entry["total"] + r["size"]  # the latest day's label
    ordered = sorted(topics.values(), key=lambda t: (-t["total"], t["topic"]))
    return render("topics.html", urls, title="topics", page="topics", latest=latest, dates=dates, topics=ordered,
                  events=trends["events"], since=since, until=until)


def topic_page(topic: dict, urls, latest) -> str:
    return render("topic.html", urls, title=f"topic {topic['topic']}", page="topic", latest=latest,
                  topic=topic["topic"], label=topic["label"], days=topic["days"])
