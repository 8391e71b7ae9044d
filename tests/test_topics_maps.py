"""Topics, maps and the day report on seed 000 as one day, with the real model."""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import subprocess

import numpy as np
import pytest
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.metrics import adjusted_rand_score, v_measure_score

from semdigest.readers import read
from semdigest.report import topic_map
from semdigest.topics import TopicModel

from .conftest import DAILY, EXAMPLE, SEED_000
from .helpers import run_cli


@pytest.fixture(scope="module")
def seed_day(seeds_library):
    ids = [p.arxiv_id for p in read(SEED_000)]
    return topic_map(seeds_library, ids=ids, title="seed 000")


def test_seed_day_topics_meet_the_floor(seed_day):
    papers = seed_day.papers
    assert len(papers) == 402 and len(seed_day.topics) >= 8
    assert v_measure_score(papers["primary_category"], papers["topic"]) >= 0.30
    assert papers["topic"].notna().all()  # every paper has a topic
    assert 0 < seed_day.flagged_share < 0.5
    assert sum(t.size for t in seed_day.topics) == 402
    for topic in seed_day.topics:
        assert 3 <= len(topic.terms) <= 5 and len(topic.representative_ids) == 3
        for word in " ".join(topic.terms).split():
            assert word not in ENGLISH_STOP_WORDS, topic.label
            assert not re.search(r"\d|\\|\$|\{", word), topic.label


@pytest.mark.slow
def test_a_day_with_a_far_small_field_still_splits_into_topics(tmp_path):
    # 2026-06-11: 265 papers, 15 on coding theory far from the rest. Uncapped HDBSCAN kept the
    # other 250 as one topic (3 topics, the largest 94% of the day).
    from semdigest.library import Library

    with Library.open(tmp_path / "library.sqlite") as library:
        library.ingest(read(DAILY / "2026-06-11.md"))
        day = topic_map(library, title="2026-06-11")
    papers = day.papers
    assert len(day.topics) >= 8
    assert max(t.size for t in day.topics) <= 0.4 * len(papers)  # 31% with the ceiling
    assert v_measure_score(papers["primary_category"], papers["topic"]) >= 0.30


def test_topics_and_map_are_deterministic_and_order_free(seeds_library, seed_day):
    ids = list(seed_day.papers["arxiv_id"])
    again = topic_map(seeds_library, ids=ids, title="seed 000")
    assert again.papers["topic"].tolist() == seed_day.papers["topic"].tolist()
    assert np.array_equal(again.coords, seed_day.coords)
    vector_ids, matrix = seeds_library.vectors(ids=ids)
    order = np.random.default_rng(7).permutation(len(vector_ids))
    shuffled = TopicModel().fit_transform(matrix[order], ids=[vector_ids[i] for i in order])
    assert adjusted_rand_score(seed_day.papers["topic"].to_numpy()[order], shuffled) >= 0.9


def test_n_topics_merges_hierarchically(seeds_library, seed_day):
    ids, matrix = seeds_library.vectors(ids=seed_day.papers["arxiv_id"])
    coarse = TopicModel(n_topics=4).fit(matrix, ids=ids)
    assert len(coarse.topics_) == 4
    fine = seed_day.papers.set_index("arxiv_id").loc[ids, "topic"].to_numpy()
    for topic in set(fine):  # a fine topic never splits across coarse ones
        assert len(set(coarse.labels_[fine == topic])) == 1


def test_kmeans_option_and_bad_parameters(seeds_library):
    ids, matrix = seeds_library.vectors()
    assert len(TopicModel(method="kmeans", n_topics=6).fit(matrix[:120], ids=ids[:120]).topics_) == 6
    with pytest.raises(ValueError, match="method"):
        TopicModel(method="lda").fit(matrix, ids=ids)


def test_static_map_png(seed_day, tmp_path):
    path = seed_day.save_png(tmp_path / "map.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    assert Image.open(path).size[0] == 1600


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_interactive_map_is_offline_and_renders(seed_day, tmp_path):
    page = seed_day.save_html(tmp_path / "map.html")
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:|@import|url\(|<link\b""", text, re.I)
    assert "2602.04994" in text and "search" in text
    browser = _chromium()
    if browser is None:
        pytest.skip("Debian's chromium is not installed here (.ci/run installs it)")
    shot = tmp_path / "shot.png"
    result = _headless(browser, tmp_path, page, f"--screenshot={shot}", "--enable-logging=stderr", "--v=0")
    console_errors = [line for line in result.stderr.splitlines() if "CONSOLE" in line and "ERROR" in line.upper()
                      or "Uncaught" in line]
    assert not console_errors, console_errors
    from PIL import Image

    image = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    coloured = (np.ptp(image, axis=2) > 60).sum()  # saturated pixels: the drawn points and labels
    assert coloured > 2000

    dom = _headless(browser, tmp_path, page, "--dump-dom").stdout
    boxes = json.loads(html.unescape(re.search(r'data-labels="([^"]*)"', dom).group(1)))
    assert len(boxes) == len(seed_day.topics)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"] or a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"]
            assert apart, (a["text"], b["text"])


def _headless(browser: str, tmp_path, page, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,900", *flags, page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )


def test_day_command_writes_the_report(tmp_path):
    out = tmp_path / "report"
    result = run_cli("day", EXAMPLE, "--out", out, "--library", tmp_path / "lib.sqlite", timeout=600)
    assert result.returncode == 0, result.stderr
    for name in ("index.html", "report.md", "papers.csv", "map.png", "map.html"):
        assert (out / name).stat().st_size > 0
    rows = list(csv.DictReader((out / "papers.csv").open(encoding="utf-8")))
    assert len(rows) == 402 and list(rows[0]) == ["arxiv_id", "title", "date", "topic", "label", "flagged", "x", "y",
                                                  "primary_category", "authors", "tldr", "code_url"]
    assert "402 papers" in (out / "index.html").read_text(encoding="utf-8")
    again = run_cli("topics", "--library", tmp_path / "lib.sqlite", "--json")
    assert again.returncode == 0 and '"label"' in again.stdout
