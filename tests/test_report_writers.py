"""The day report's writers (report.md, index.html, papers.csv, the map's points) with any
optional field missing, and days of 0 and 1-30 papers."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from semdigest.readers import parse, read
from semdigest.results import Hit, Hits
from semdigest.maps.topicmap import TopicMap
from semdigest.topics import Topic, TopicModel, Topics

from .conftest import DAILY
from .helpers import digest_slice, pandas_3_strings

NO_TLDR = "no TL;DR in the digest"  # what the report says for a missing TL;DR

# Every way a field arrives missing: None, the NaN pandas makes of None in text columns
# (pandas 3's default string dtype), pd.NA, and empty text.
MISSING = st.sampled_from([None, float("nan"), pd.NA, ""])
TEXT = st.sampled_from(["Plain words.", "<b>bold</b> & \"quoted\" 'text'", "[De|Re]constructing $x^2$",
                        "链式思维推理", "a\\b *star* _under_"])
URL = st.sampled_from(["https://github.com/x/y", "http://example.org/code", "javascript:alert(1)"])
AUTHORS = st.one_of(st.lists(st.sampled_from(["Ada Lovelace", "Alan Turing", "Grace Hopper", "E. Dijkstra"]),
                             max_size=5), MISSING)


@st.composite
def days(draw):
    n = draw(st.integers(0, 8))
    k = draw(st.integers(1, max(1, min(n, 3)))) if n else 0
    ids = [f"2606.{10000 + i}" for i in range(n)]
    topic_of = [i % k for i in range(n)] if k else []
    rows = {
        "arxiv_id": ids,
        "title": [draw(TEXT) for _ in ids],
        "authors": [draw(AUTHORS) for _ in ids],
        "tldr": [draw(st.one_of(TEXT, MISSING)) for _ in ids],
        "primary_category": [draw(st.one_of(st.sampled_from(["cs.CV", "cs.CL"]), MISSING)) for _ in ids],
        "code_url": [draw(st.one_of(URL, MISSING)) for _ in ids],
        "version": [draw(st.one_of(st.integers(1, 9), MISSING)) for _ in ids],
        "topic": topic_of,
        "label": [f"label {t}" for t in topic_of],
        "subtopic": topic_of,  # one sub-topic a topic, numbered like it
        "subtopic_label": [draw(st.one_of(TEXT, MISSING)) for _ in ids],
        "centrality": [draw(st.floats(-1, 1)) for _ in ids],
        "confidence": [draw(st.one_of(st.floats(0, 1), st.just(math.nan))) for _ in ids],
        "flagged": [draw(st.booleans()) for _ in ids],
        "x": [draw(st.floats(-5, 5)) for _ in ids],
        "y": [draw(st.floats(-5, 5)) for _ in ids],
    }
    papers = pd.DataFrame(rows, columns=list(rows))
    topics = Topics(Topic(id=t, label=f"label {t}", terms=("one", "two"), size=topic_of.count(t),
                          paper_ids=tuple(i for i, x in zip(ids, topic_of) if x == t),
                          representative_ids=(), confidence=draw(st.one_of(st.floats(0, 1), st.just(math.nan))),
                          centroid=np.zeros(2)) for t in range(k))
    earlier = {i: Hits([Hit("2605.00001", 0.5, draw(TEXT), draw(st.one_of(st.just("2026-05-01"), st.none())),
                            draw(st.one_of(st.just("cs.CV"), st.none())))], query=i)
               for i in ids if draw(st.booleans())}
    return TopicMap(title="a day", papers=papers, topics=topics, model=TopicModel()), earlier


def _missing(value) -> bool:
    return value is None or value is pd.NA or value == "" or (isinstance(value, float) and math.isnan(value))


def _no_missing_marker(text: str) -> None:
    assert not re.search(r"\b(nan|NaN|None|<NA>|null|undefined)\b", text), text


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(days(), st.sampled_from(["", "digest.md: 3 new"]))
def test_every_writer_renders_every_paper_with_any_field_missing(day_and_earlier, summary):
    from semdigest.report import DayData
    from semdigest.report.render import NO_AUTHORS, NO_CATEGORY, papers_table, render_html, render_markdown

    day, earlier = day_and_earlier
    papers = day.papers
    data = DayData(map=day, earlier=earlier, summary=summary)
    markdown, page = render_markdown(data), render_html(data)
    for text in (markdown, page):
        _no_missing_marker(text)
        for arxiv_id in papers["arxiv_id"]:
            assert arxiv_id in text
    assert "<b>bold</b>" not in page
    assert "href='javascript:" not in page and "(javascript:" not in markdown
    missing_tldr = sum(map(_missing, papers["tldr"]))
    assert markdown.count(NO_TLDR) == page.count(NO_TLDR) == missing_tldr
    missing_category = sum(map(_missing, papers["primary_category"]))
    assert markdown.count(NO_CATEGORY) == page.count(NO_CATEGORY) == missing_category
    no_authors = sum(1 for a in papers["authors"] if (a == [] if isinstance(a, list) else _missing(a)))
    assert markdown.count(NO_AUTHORS) == page.count(NO_AUTHORS) == no_authors
    if len(papers) == 0:
        assert "holds no papers" in markdown and "holds no papers" in page

    table = papers_table(data)
    rows = list(csv.DictReader(io.StringIO(table.to_csv(index=False))))
    assert len(rows) == len(papers)
    for row, tldr, category in zip(rows, papers["tldr"], papers["primary_category"]):
        assert row["tldr"] == ("" if _missing(tldr) else tldr)
        assert row["primary_category"] == ("" if _missing(category) else category)
        _no_missing_marker(" ".join(row.values()))

    if len(papers):  # the map's hover data: plain strings, never NaN or null
        payload = re.search(r"const DATA = (.*);\n", day.to_html()).group(1)
        data = json.loads(payload.replace("<\\/", "</"), parse_constant=lambda c: pytest.fail(f"{c} in the map"))
        for point in data["points"]:
            assert all(isinstance(point[f], str) for f in ("id", "title", "authors", "tldr", "category"))
            assert point["category"]  # "no category" when missing: it names a colour group


def test_a_map_built_from_metadata_with_nan_carries_none(tmp_path):
    # pandas 3 (or 2 with future.infer_string) turns None in a text column into NaN; what the
    # library hands over must come out of TopicMap.build as None, not as a float.
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(3, 16)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    ids = ["2606.00001", "2606.00002", "2606.00003"]
    with pandas_3_strings():
        metadata = pd.DataFrame({
            "title": ["A", "B", "C"], "abstract": ["稀疏注意力", "扩散模型", "机器人抓取"],  # no English word
            "authors": [["Ada"], [], ("Alan", "Grace")],
            "tldr": ["short", None, None], "primary_category": [None, "cs.CV", None],
            "code_url": [None, None, "https://github.com/x/y"],
        }, index=ids)
        assert isinstance(metadata["tldr"].iloc[1], float)  # NaN, the defect's cause
        day = TopicMap.build(ids, matrix, metadata, "three papers")
    from semdigest.report import DayData
    from semdigest.report.render import render_html, render_markdown

    assert list(day.papers["tldr"]) == ["short", None, None]
    assert list(day.papers["primary_category"]) == [None, "cs.CV", None]
    assert list(day.papers["authors"]) == ["Ada", "", "Alan, Grace"]
    assert NO_TLDR in render_html(DayData(map=day)) and "nan" not in render_markdown(DayData(map=day))
    assert [t.label for t in day.topics] == ["topic 0"]  # no key phrases in texts without English words


def _day_report(library, digest, out):
    from semdigest.report import day_report

    with pandas_3_strings():
        return day_report(library, digest, out)


@pytest.mark.slow
def test_a_day_with_a_missing_tldr_renders_it_everywhere(tmp_path):
    # 2026-06-02 has a paper (2606.01400) whose every summary field is a generator fallback:
    # `semdigest day` ended in AttributeError: 'float' object has no attribute 'replace'.
    from semdigest.library import Library

    full = read(DAILY / "2026-06-02.md")
    index = next(i for i, p in enumerate(full) if p.arxiv_id == "2606.01400")
    digest = dataclasses.replace(full, papers=full.papers[index - 6:index + 6])
    with Library.open(tmp_path / "library.sqlite") as library:
        report = _day_report(library, digest, tmp_path / "out")
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    markdown = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    row = re.search(r"<li><a href='https://arxiv.org/abs/2606.01400'>.*?</li>", page, re.S).group(0)
    assert NO_TLDR in row
    assert NO_TLDR in markdown.split("2606.01400", 1)[1].split("\n- ", 1)[0]
    table = {r["arxiv_id"]: r for r in csv.DictReader((tmp_path / "out" / "papers.csv").open(encoding="utf-8"))}
    assert len(table) == 12 and table["2606.01400"]["tldr"] == ""
    assert report.map.papers.set_index("arxiv_id").loc["2606.01400", "tldr"] is None


def test_a_header_only_digest_gives_a_report_that_says_so(tmp_path):
    from semdigest.library import Library

    digest = parse("<div id=toc></div>\n\n# Table of Contents\n\n", "2026-06-20.md")
    with Library.open(tmp_path / "library.sqlite") as library:
        report = _day_report(library, digest, tmp_path / "out")
    assert len(report.map.papers) == 0 and len(report.map.topics) == 0
    out = tmp_path / "out"
    assert (out / "papers.csv").read_text(encoding="utf-8").strip().split(",")[0] == "arxiv_id"
    assert len((out / "papers.csv").read_text(encoding="utf-8").strip().splitlines()) == 1
    for name in ("index.html", "report.md"):
        assert "holds no papers" in (out / name).read_text(encoding="utf-8")
    assert (out / "map.png").stat().st_size > 0 and (out / "map.html").stat().st_size > 0


@pytest.mark.slow
def test_days_of_1_to_30_papers_get_a_small_report(tmp_path):
    from semdigest.library import Library

    with Library.open(tmp_path / "library.sqlite") as library:
        for n in (1, 2, 3, 5, 8, 13, 30):
            (tmp_path / f"{n}").mkdir()
            digest = read(digest_slice(DAILY / "2026-06-10.md", tmp_path / f"{n}" / "2026-06-10.md", n))
            report = _day_report(library, digest, tmp_path / f"out{n}")
            papers = report.map.papers
            assert len(papers) == n and sum(t.size for t in report.map.topics) == n
            rows = list(csv.DictReader((tmp_path / f"out{n}" / "papers.csv").open(encoding="utf-8")))
            assert len(rows) == n
            markdown = (tmp_path / f"out{n}" / "report.md").read_text(encoding="utf-8")
            if not report.map.model.clustered_:  # a day too small to cluster says so, and flags nobody
                assert "too few to cluster" in markdown and not papers["flagged"].any()
                assert "low confidence" not in markdown
            else:
                assert all(t.size >= 2 for t in report.map.topics)
