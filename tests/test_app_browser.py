"""The reader's app in a real headless Chromium (Debian's package, driven by Playwright) over a
real `semdigest serve` on a free port and a library embedded with the real model: the day, the
map (zoom, select, the linked table, a click that opens the card), search, a mark that changes
"For you" at once, a write refused without the token, hostile titles as text; and the static
site from file://."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from .conftest import DAILY, ROOT
from .helpers import digest_slice
from .test_app_server import fetch, start_server, stop_server
from .test_hostile_output import TITLES, hostile_digest

CHROMIUM = "/usr/bin/chromium"
BACKEND = "torch-fp32"  # the reference backend: no measuring of the others in each test run
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no /usr/bin/chromium (Debian: apt-get install chromium)")]


@pytest.fixture(scope="module")
def library_path(tmp_path_factory) -> Path:
    from semdigest.interests import Interest
    from semdigest.library import Library
    from semdigest.readers import read

    from semdigest.embedding import Embedder
    from semdigest.maps.topicmap import topic_map
    from semdigest.topics.history import track_topics

    folder = tmp_path_factory.mktemp("app-browser")
    model = Embedder(backend=BACKEND)
    with Library.open(folder / "library.sqlite") as library:
        library.ingest(read(digest_slice(DAILY / "2026-06-08.md", folder / "2026-06-08.md", 16)), model)
        library.ingest(read(hostile_digest(DAILY / "2026-06-09.md", folder / "2026-06-09.md", 24)), model)
        for day in ("2026-06-08", "2026-06-09"):  # topics across days, as `semdigest day` tracks them
            track_topics(library, day, topic_map(library, date=day, model=model), model=model)
        first = library.papers(date="2026-06-08")["arxiv_id"][:3]
        library.save_interest(Interest("vision", papers=tuple(first)))
    return folder / "library.sqlite"


@pytest.fixture(scope="module")
def server(library_path):
    process, base, token = start_server(library_path, "--backend", BACKEND)
    # the server finds the latest day's topics and map and loads the query encoder first: wait for it
    assert fetch(base + "/api/search?q=warm", timeout=300)[0] == 200
    yield base, token
    stop_server(process)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.requests = requests
    yield page
    assert not errors, errors
    outside = [u for u in requests if not u.startswith(("http://127.0.0.1", "file://", "data:", "blob:"))]
    assert not outside, f"a page fetched from elsewhere: {outside}"
    context.close()


def test_the_day_opens_with_for_you_topics_and_cards_and_hostile_titles_as_text(server, page):
    base, token = server
    page.goto(f"{base}/?token={token}")
    assert "token=" not in page.url  # taken out of the address bar, kept for this origin
    assert page.locator("h1").first.text_content() == "2026-06-09"
    assert page.locator("section.for-you ol.ranked li").count() > 0
    assert page.locator(".topic-card").count() >= 1
    trends = [t["trend"] for t in json.loads(fetch(base + "/api/days/2026-06-09")[2])["topics"]]
    assert all(t and t["previous_date"] == "2026-06-08" for t in trends)  # each topic's standing topic
    assert page.locator(".topic-card .trend").count() == len(trends)
    titles = page.locator("article.paper h3.title").all_text_contents()
    assert TITLES[1] in titles
    assert page.locator("main img").count() == 0 and page.evaluate("window.pwned") is None
    card = page.locator("article.paper").first
    assert not card.locator("p.abstract").is_visible()
    card.locator("details.more summary").click()
    assert card.locator("p.abstract").is_visible()


def test_zoom_select_and_read_the_linked_table_then_open_a_card(server, page):
    base, _ = server
    page.goto(f"{base}/map/2026-06-09")
    page.wait_for_function("window.map !== undefined")
    page.evaluate("window.map.ready")
    assert page.locator("#linked-rows tr").count() == 24
    before = page.evaluate("window.map.camera()")
    box = page.locator("#map canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -300)
    page.wait_for_function(f"window.map.camera().distance < {before['distance']}")
    page.evaluate("window.map.resetView()")
    page.wait_for_timeout(600)
    # a box around the left half of the points, drawn with shift held
    xs = page.evaluate("[...Array(24).keys()].map((i) => window.map.screenPosition(i))")
    middle = sorted(p[0] for p in xs)[11] + 0.5
    inside = sorted(i for i, p in enumerate(xs) if p[0] < middle)
    top, bottom = min(p[1] for p in xs) - 10, max(p[1] for p in xs) + 10
    page.keyboard.down("Shift")
    page.mouse.move(box["x"] + min(p[0] for p in xs) - 10, box["y"] + top)
    page.mouse.down()
    page.mouse.move(box["x"] + min(p[0] for p in xs) - 9, box["y"] + top + 1)
    page.wait_for_timeout(30)
    for fraction in (0.5, 1.0):
        page.mouse.move(box["x"] + middle, box["y"] + top + fraction * (bottom - top), steps=3)
        page.wait_for_timeout(30)
    page.wait_for_timeout(100)
    page.mouse.up()
    page.keyboard.up("Shift")
    page.wait_for_function("window.mapPage.rows.length < 24")
    ids = page.evaluate("JSON.parse(document.getElementById('page-data').textContent).points.arxiv_id")
    shown = page.locator("#linked-rows tr").evaluate_all("rows => rows.map((r) => r.dataset.id)")
    assert sorted(shown) == sorted(ids[i] for i in inside)
    assert page.locator("#selected-count").text_content() == str(len(inside))
    page.click("#clear-selection")
    x, y = xs[5]
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_function("document.getElementById('card').dataset.id !== undefined")
    assert page.locator("#card").get_attribute("data-id") == ids[5]
    assert page.locator("#card h3").text_content() == page.evaluate(
        "JSON.parse(document.getElementById('page-data').textContent).points.title[5]")
    # the same day on the library map: its papers highlighted over the earlier day's
    page.click("#view-library")
    page.wait_for_function("window.map !== undefined && window.mapPage.rows.length > 24")
    page.evaluate("window.map.ready")
    data = page.evaluate("JSON.parse(document.getElementById('page-data').textContent)")
    assert data["view"] == "library" and data["highlight"] == list(range(24))
    assert sorted(data["points"]["arxiv_id"][:24]) == sorted(ids)
    earlier = set(data["points"]["arxiv_id"][24:])
    assert len(earlier) == 16 and not earlier & set(ids)
    assert "24 papers, highlighted" in page.locator("#library-note").text_content()
    page.click("#view-day")
    page.wait_for_function("window.mapPage.rows.length === 24")


def test_search_finds_by_words_and_by_id(server, page):
    base, _ = server
    day = json.loads(fetch(base + "/api/days/2026-06-08")[2])
    target = day["papers"][2]
    page.goto(f"{base}/search")
    page.fill("form.search input[name=q]", target["arxiv_id"])
    page.press("form.search input[name=q]", "Enter")
    page.wait_for_selector("ol.results li")
    assert page.locator("ol.results li").first.get_attribute("data-id") == target["arxiv_id"]
    page.fill("form.search input[name=q]", target["title"])
    page.press("form.search input[name=q]", "Enter")
    page.wait_for_selector("ol.results li")
    assert page.locator("ol.results li").first.get_attribute("data-id") == target["arxiv_id"]
    # a topic narrows the search to the papers that tracked topic held
    standing = {t["topic"] for t in json.loads(fetch(base + "/api/trends")[2])["rows"]}
    held = {}
    for topic in standing:
        found = json.loads(fetch(f"{base}/api/search?" + urllib.parse.urlencode(
            {"q": target["title"], "topic": topic, "k": 100}))[2])
        held[topic] = [r["arxiv_id"] for r in found]
    assert sum(target["arxiv_id"] in ids for ids in held.values()) == 1
    mine = next(t for t, ids in held.items() if target["arxiv_id"] in ids)
    other = next(t for t in standing if t != mine)
    page.select_option("form.search select[name=topic]", str(other))
    page.press("form.search input[name=q]", "Enter")
    page.wait_for_load_state()
    assert f"topic={other}" in page.url and target["arxiv_id"] not in \
        page.locator("ol.results li").evaluate_all("items => items.map((li) => li.dataset.id)")
    page.select_option("form.search select[name=topic]", str(mine))
    page.press("form.search input[name=q]", "Enter")
    page.wait_for_selector(f"ol.results li[data-id='{target['arxiv_id']}']")


def test_a_mark_changes_for_you_at_once_and_needs_the_token(server, page):
    base, token = server
    page.goto(f"{base}/day/2026-06-09")  # a fresh context: no token kept yet
    ranked = lambda: page.locator("ol.ranked li").evaluate_all("items => items.map((i) => i.dataset.id)")
    before = ranked()
    top = before[0]
    page.locator(f"article.paper[data-id='{top}'] .marks button[data-mark='not_interesting']").click()
    page.wait_for_function("document.getElementById('status') && /refused|token/.test(document.getElementById('status').textContent)")
    assert ranked() == before
    page.goto(f"{base}/day/2026-06-09?token={token}")
    page.locator(f"article.paper[data-id='{top}'] .marks button[data-mark='not_interesting']").click()
    page.wait_for_function("document.querySelector('ol.ranked').dataset.updated !== undefined")
    after = ranked()
    assert top not in after and after != before
    page.reload()
    assert top not in ranked()  # learned and kept, not only redrawn


def test_related_papers_filter_by_category(server, page):
    base, _ = server
    day = json.loads(fetch(base + "/api/days/2026-06-09")[2])
    target = day["papers"][0]["arxiv_id"]
    page.goto(f"{base}/paper/{target}")
    assert page.locator("ol.related-list li").count() > 0
    category = page.locator("form.related-filters select option").nth(1).text_content()
    page.select_option("form.related-filters select", category)
    page.wait_for_function("document.querySelector('ol.related-list').dataset.updated !== undefined")
    categories = page.locator("ol.related-list li").evaluate_all("items => items.map((i) => i.dataset.category)")
    assert categories and set(categories) == {category}
    plain = json.loads(fetch(f"{base}/api/papers/{target}/related?k=5")[2])
    explained = json.loads(fetch(f"{base}/api/papers/{target}/related?k=5&explain=1")[2])
    assert [h["arxiv_id"] for h in plain] == [h["arxiv_id"] for h in explained]
    assert all(not h["shared_terms"] for h in plain) and any(h["shared_terms"] for h in explained)


@pytest.fixture(scope="module")
def site(library_path, tmp_path_factory):
    from semdigest.app.site import write_site
    from semdigest.embedding import Embedder
    from semdigest.library import Library

    out = tmp_path_factory.mktemp("site") / "site"
    write_site(lambda: Library.open(library_path, create=False), out, model=Embedder(backend=BACKEND))
    return out


def test_the_static_site_opens_from_file_with_papers_related_search_and_map(site, page):
    page.goto((site / "index.html").as_uri())
    page.wait_for_url("**/day/2026-06-09.html")
    assert TITLES[1] in page.locator("article.paper h3.title").all_text_contents()
    assert page.locator("main img").count() == 0 and page.locator(".marks").count() == 0  # no server: no marks
    page.locator("article.paper h3.title a").first.click()
    page.wait_for_selector("body[data-ready='1']")
    assert page.url.startswith("file://") and "paper/index.html?id=" in page.url
    assert page.locator("ol.related-list li").count() == 10
    assert page.locator("article.paper p.abstract").is_visible()
    title = page.locator("article.paper h3.title").text_content()
    page.goto((site / "search" / "index.html").as_uri() + "?q=" + title.split(":")[0].split()[0])
    page.wait_for_selector("body[data-ready='1']")
    assert title in page.locator("ol.results li a").all_text_contents()
    page.goto((site / "map" / "2026-06-08.html").as_uri())
    page.wait_for_function("window.map !== undefined")
    page.evaluate("window.map.ready")
    assert page.locator("#linked-rows tr").count() == 16
    assert page.evaluate("window.pwned") is None


def test_the_day_api_gives_each_topic_its_subtopics(server):
    """Issue 23: /api/days/{date} topics carry their sub-topics (labels and paper ids), papers their sub-topic."""
    base, _ = server
    day = json.loads(fetch(base + "/api/days/2026-06-09")[2])
    topic_of = {p["arxiv_id"]: p["topic"] for p in day["papers"]}
    for topic in day["topics"]:
        subtopics = topic["subtopics"]
        assert subtopics and all(s["label"] and s["size"] == len(s["arxiv_ids"]) for s in subtopics)
        assert sorted(i for s in subtopics for i in s["arxiv_ids"]) == sorted(topic["arxiv_ids"])
        assert {topic_of[i] for s in subtopics for i in s["arxiv_ids"]} == {topic["topic"]}
    inside = {i: s["subtopic"] for t in day["topics"] for s in t["subtopics"] for i in s["arxiv_ids"]}
    assert all(p["subtopic"] == inside[p["arxiv_id"]] for p in day["papers"])
