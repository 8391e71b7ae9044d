"""The reader's map component (semdigest/app/static/map.js over the vendored regl-scatterplot),
in a real headless Chromium (Debian's package) driven by Playwright, from file:// and offline.

The demo page holds 400 points in four well-separated clusters; point i is in cluster
"ABCD"[i % 4]. A category and a title carry markup, which must arrive as text.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

STATIC = Path(__file__).resolve().parents[1] / "semdigest" / "app" / "static"
DEMO = STATIC / "map-demo.html"
HOSTILE_CATEGORY = 'cs.AI</script><b id="pwned">&amp;</b>'
HOSTILE_TITLE = '<img src=x onerror="window.pwned=1">'

CHROMIUM = shutil.which("chromium")
# About 20 s in all on two busy cores, most of it starting pages: the slow lane.
needs_chromium = pytest.mark.skipif(CHROMIUM is None,
                                    reason="no chromium on PATH (Debian: apt-get install chromium)")


def in_chromium(test):
    return pytest.mark.slow(needs_chromium(test))


def inline_data() -> tuple[str, dict]:
    match = re.search(r'<script type="application/json" id="map-data">(.*?)</script>',
                      DEMO.read_text(encoding="utf-8"), re.S)
    assert match, "the demo page lost its inline JSON"
    return match.group(1), json.loads(match.group(1))


def test_inline_json_cannot_close_its_script_element():
    raw, data = inline_data()
    assert not set(raw) & set("<>&"), "inline JSON must write <, > and & as \\u escapes"
    assert HOSTILE_CATEGORY in data["fields"]["category"]
    assert len(data["x"]) == len(data["y"]) == len(data["title"]) == 400


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1100, "height": 900}, device_scale_factor=1)
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(DEMO.as_uri())
    page.wait_for_function("window.map !== undefined")
    page.evaluate("window.map.ready")
    page.wait_for_timeout(200)
    yield page
    assert not errors, errors
    outside = [u for u in requests if not u.startswith(("file://", "data:", "blob:"))]
    assert not outside, f"the map fetched from outside the page: {outside}"
    page.close()


def screenshot(page) -> np.ndarray:
    from PIL import Image

    png = page.locator("#map canvas").screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def cluster_members(page, name: str) -> list[int]:
    return page.evaluate(f"JSON.parse(document.getElementById('map-data').textContent)"
                         f".cluster.flatMap((c, i) => c === {name!r} ? [i] : [])")


def cluster_box(page, name: str) -> tuple[float, float, float, float]:
    """The cluster's points' bounding box in page coordinates (CSS px)."""
    return tuple(page.evaluate("""(members) => {
        const r = document.querySelector('#map canvas').getBoundingClientRect();
        const xy = members.map((i) => window.map.screenPosition(i));
        const xs = xy.map((p) => p[0] + r.left), ys = xy.map((p) => p[1] + r.top);
        return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    }""", cluster_members(page, name)))


def darkness(pixels: np.ndarray, box, canvas_origin) -> float:
    x0, y0, x1, y1 = (int(v) for v in (box[0] - canvas_origin[0], box[1] - canvas_origin[1],
                                       box[2] - canvas_origin[0], box[3] - canvas_origin[1]))
    return float((255 - pixels[y0:y1, x0:x1]).mean())


def canvas_origin(page) -> tuple[float, float]:
    r = page.locator("#map canvas").bounding_box()
    return r["x"], r["y"]


def shift_drag(page, path: list[tuple[float, float]]) -> None:
    page.keyboard.down("Shift")
    page.mouse.move(*path[0])
    page.mouse.down()
    # The selection starts at the first pointer sample after the press, as a hand's would.
    page.mouse.move(path[0][0] + 1, path[0][1] + 1)
    page.wait_for_timeout(30)
    for x, y in path[1:]:
        page.mouse.move(x, y, steps=2)
        page.wait_for_timeout(20)  # the lasso samples the pointer every 15 ms at most
    page.wait_for_timeout(100)     # and takes its last sample after a pause
    page.mouse.up()
    page.keyboard.up("Shift")


@in_chromium
def test_the_canvas_draws_the_points_in_the_category_colours(page):
    pixels = screenshot(page)
    drawn = (np.abs(pixels - 255).sum(axis=2) > 30).mean()
    assert drawn > 0.005, f"only {drawn:.2%} of the canvas is not background"
    first = np.array([0x4E, 0x79, 0xA7])  # the palette's first colour, the largest category
    assert (np.abs(pixels - first).sum(axis=2) < 40).sum() > 50


@in_chromium
def test_the_wheel_zooms_and_a_drag_pans(page):
    before = page.evaluate("window.map.camera()")
    page.mouse.move(520, 450)
    page.mouse.wheel(0, -300)
    page.wait_for_function(f"window.map.camera().distance < {before['distance']}")
    zoomed = page.evaluate("window.map.camera()")
    page.mouse.down()
    page.mouse.move(580, 480, steps=5)
    page.mouse.up()
    page.wait_for_function(f"window.map.camera().target[0] !== {zoomed['target'][0]}")


@in_chromium
def test_a_shift_drag_box_selects_exactly_one_cluster(page):
    x0, y0, x1, y1 = cluster_box(page, "C")
    shift_drag(page, [(x0 - 8, y0 - 8), ((x0 + x1) / 2, (y0 + y1) / 2), (x1 + 8, y1 + 8)])
    page.wait_for_function("window.demo.selected.length > 0")
    selected = page.evaluate("window.demo.selected")
    assert sorted(selected) == cluster_members(page, "C")
    assert page.locator("#selected-count").text_content() == "100"


@in_chromium
def test_a_lasso_around_a_cluster_selects_it(page):
    page.check("#lasso")
    x0, y0, x1, y1 = cluster_box(page, "B")
    cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, max(x1 - x0, y1 - y0) / 2 + 12
    ring = [(cx + r * np.cos(t), cy + r * np.sin(t)) for t in np.linspace(0, 2 * np.pi, 13)]
    shift_drag(page, ring)
    page.wait_for_function("window.demo.selected.length > 0")
    assert sorted(page.evaluate("window.demo.selected")) == cluster_members(page, "B")


@in_chromium
def test_a_click_on_a_point_reports_its_index_and_shows_its_title_as_text(page):
    ox, oy = canvas_origin(page)
    x, y = page.evaluate("window.map.screenPosition(3)")
    page.mouse.click(ox + x, oy + y)
    page.wait_for_function("window.demo.clicked !== null")
    assert page.evaluate("window.demo.clicked") == 3
    assert page.locator("#clicked").text_content() == HOSTILE_TITLE
    assert page.evaluate("window.pwned") is None
    assert page.locator("img").count() == 0


@in_chromium
def test_the_legend_names_each_category_as_text_and_follows_colour_by(page):
    legend = page.locator(".semdigest-map-legend")
    assert legend.locator(".semdigest-map-legend-title").text_content() == "category"
    labels = legend.locator(".semdigest-map-legend-label").all_text_contents()
    assert sorted(labels) == sorted(["cs.CL", "cs.LG", "cs.CV", HOSTILE_CATEGORY])
    assert page.locator("#pwned").count() == 0
    page.select_option("#field", "topic")
    page.wait_for_function("document.querySelector('.semdigest-map-legend-title').textContent === 'topic'")
    topics = legend.locator(".semdigest-map-legend-label").all_text_contents()
    assert sorted(topics) == sorted(["agent memory", "LoRA fine-tuning", "diffusion <models>",
                                     "retrieval & ranking"])


@in_chromium
def test_highlighting_search_hits_dims_the_other_points(page):
    origin = canvas_origin(page)
    boxes = {name: cluster_box(page, name) for name in "AD"}
    before = screenshot(page)
    page.evaluate("window.map.highlight(%s)" % json.dumps(cluster_members(page, "A")))
    page.wait_for_timeout(300)
    after = screenshot(page)
    assert darkness(after, boxes["D"], origin) < 0.5 * darkness(before, boxes["D"], origin)
    assert darkness(after, boxes["A"], origin) >= 0.8 * darkness(before, boxes["A"], origin)
    page.evaluate("window.map.highlight(null)")
    page.wait_for_timeout(300)
    restored = screenshot(page)
    assert darkness(restored, boxes["D"], origin) > 0.8 * darkness(before, boxes["D"], origin)
