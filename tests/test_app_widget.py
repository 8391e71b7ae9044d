"""The map as a notebook widget (anywidget): the points go to the page, and a selection made on
the map in a real headless Chromium comes back to Python as a DataFrame. The page runs the
widget's own module through anywidget's render contract (a model with get, set, save_changes
and on), the part of a notebook front-end the widget talks to."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("anywidget", reason="anywidget is not installed (pip install anywidget)")

from semdigest.app.widget import MapWidget  # noqa: E402

CHROMIUM = shutil.which("chromium")


def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    centres = np.array([[-5, 0], [5, 0]])
    rows = [{"arxiv_id": f"2606.{i:05d}", "title": f"<b>paper {i}</b>", "x": centres[i % 2][0] + rng.normal(0, 0.5),
             "y": centres[i % 2][1] + rng.normal(0, 0.5), "label": "left" if i % 2 == 0 else "right <i>",
             "primary_category": "cs.LG"} for i in range(60)]
    return pd.DataFrame(rows)


def test_the_widget_sends_points_and_returns_the_selected_rows():
    widget = MapWidget(frame())
    assert len(widget.points["x"]) == 60 and widget.points["fields"]["label"][1] == "right <i>"
    assert widget.selection.empty
    widget.selected = [3, 1, 99]
    assert list(widget.selection["arxiv_id"]) == ["2606.00001", "2606.00003"]
    with pytest.raises(ValueError, match="color_by"):
        MapWidget(frame(), color_by="nothing")
    with pytest.raises(ValueError, match="finite"):
        MapWidget(frame().assign(x=np.nan))


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (Debian: apt-get install chromium)")
def test_a_box_drawn_on_the_map_comes_back_as_a_dataframe(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    widget = MapWidget(frame())
    page_file = tmp_path / "widget.html"
    page_file.write_text("<!doctype html><meta charset='utf-8'><body><div id='out'></div></body>", encoding="utf-8")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 900, "height": 700})
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(page_file.as_uri())
        page.evaluate("""async ([esm, state]) => {
            const handlers = {};
            window.model = { state, saved: 0,
              get: (k) => state[k], set: (k, v) => { state[k] = v; },
              save_changes() { this.saved += 1; }, on: (e, f) => { handlers[e] = f; } };
            const url = URL.createObjectURL(new Blob([esm], { type: 'text/javascript' }));
            const widget = (await import(url)).default;
            const el = document.getElementById('out');
            widget.render({ model: window.model, el });
            await el.semdigestMap.ready;
        }""", [widget._esm, {"points": widget.points, "color_by": widget.color_by, "height": widget.height,
                             "selected": []}])
        xy = page.evaluate("[...Array(60).keys()].map((i) => document.getElementById('out').semdigestMap.screenPosition(i))")
        box = page.locator("#out canvas").bounding_box()
        right = [i for i, (x, _) in enumerate(xy) if x > box["width"] / 2]
        x0 = min(xy[i][0] for i in right) - 10
        y0, y1 = min(p[1] for p in xy) - 10, max(p[1] for p in xy) + 10
        page.keyboard.down("Shift")
        page.mouse.move(box["x"] + x0, box["y"] + y0)
        page.mouse.down()
        page.mouse.move(box["x"] + x0 + 1, box["y"] + y0 + 1)
        page.wait_for_timeout(30)
        page.mouse.move(box["x"] + box["width"] - 5, box["y"] + y1, steps=4)
        page.wait_for_timeout(120)
        page.mouse.up()
        page.keyboard.up("Shift")
        page.wait_for_function("window.model.saved > 0")
        selected = page.evaluate("window.model.state.selected")
        browser.close()
    assert not [u for u in requests if not u.startswith(("file://", "blob:", "data:"))]
    widget.selected = selected  # what the notebook's comm carries back
    assert sorted(selected) == right
    assert set(widget.selection["label"]) == {"right <i>"} and len(widget.selection) == 30
