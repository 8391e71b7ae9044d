"""Readers on every real digest in ../shared, each real-data trap, feeds and bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from semdigest.errors import DigestError
from semdigest.readers import parse, read
from semdigest.records import SUMMARY_FIELDS

from .conftest import DAILY, DIGESTS, SEED_000, SEED_004, SEEDS

ALL_FILES = sorted(p for p in [*SEEDS.iterdir(), *DIGESTS.rglob("*")] if p.is_file() and p.name != "SOURCES.md")


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_every_shared_digest_reads(path):
    digest = read(path)
    assert len(digest) > 0
    assert all(p.title and p.abstract and p.arxiv_id for p in digest)
    assert not digest.skipped


@pytest.mark.parametrize("path, count", [(SEED_000, 402), (SEED_004, 112)])
def test_seeds_give_exact_counts_with_all_seven_fields(path, count):
    digest = read(path)
    assert len(digest) == count
    for paper in digest:
        assert paper.abstract and paper.title
        assert all(getattr(paper, name) for name in SUMMARY_FIELDS), paper.arxiv_id
        assert paper.primary_category and paper.authors


def test_markdown_and_enriched_jsonl_of_one_day_agree():
    markdown = {p.arxiv_id: p for p in read(DAILY / "2026-06-03.md")}
    enriched = {p.arxiv_id: p for p in read(DAILY / "2026-06-03_AI_enhanced_Chinese.jsonl")}
    assert markdown.keys() == enriched.keys() and len(markdown) == 320
    for arxiv_id, paper in markdown.items():
        other = enriched[arxiv_id]
        assert (paper.title, paper.authors, paper.abstract, paper.tldr) == (
            other.title, other.authors, other.abstract, other.tldr), arxiv_id


def test_raw_jsonl_cross_lists_are_one_paper_each():
    digest = read(DAILY / "2026-06-03.jsonl")
    assert len(digest) == 320 and digest.duplicates == 85
    assert all(p.tldr is None for p in digest)  # raw crawler records have no summaries
    multi = next(p for p in digest if p.arxiv_id == "2606.02584")
    assert multi.primary_category == "cs.CL" and multi.categories == ("cs.CL", "cs.AI", "cs.IR")


def test_enriched_jsonl_keeps_code_urls():
    digest = read(DAILY / "2026-06-03_AI_enhanced_Chinese.jsonl")
    assert sum(p.code_url is not None for p in digest) == 41
    assert next(p for p in digest if p.arxiv_id == "2606.02724").code_url == "https://FudanCVL.github.io/AVTrack"


def test_date_comes_from_file_name_or_option():
    assert read(DAILY / "2026-06-05.md").date == dt.date(2026, 6, 5)
    assert read(SEED_004).date is None
    assert read(SEED_004, date=dt.date(2026, 1, 16)).papers[0].date == dt.date(2026, 1, 16)


def test_legacy_template_without_toc_reads_task_as_tldr_and_keeps_wrapped_abstracts():
    digest = read(DIGESTS / "legacy" / "2025-04-01.md")
    assert len(digest) == 362 and digest.duplicates == 14
    first = digest.papers[0]
    assert first.tldr.startswith("研究如何在资源受限的边缘设备")
    assert first.abstract.startswith("The application of on-device language models")
    assert first.abstract.endswith("between model compression intensity and brittleness.")
    assert "\n" not in first.abstract
    # A wrapped abstract line that begins with a label word stays in the abstract.
    wrapped = next(p for p in digest if p.arxiv_id == "2503.23731")
    assert "Conclusion:" in wrapped.abstract and wrapped.conclusion and "Conclusion:" not in wrapped.conclusion


def test_tldr_label_and_papers_listed_twice():
    digest = read(DIGESTS / "legacy" / "2025-04-15.md")
    assert len(digest) == 351 and digest.duplicates == 351
    assert all(p.tldr for p in digest)
    assert not digest.warnings  # its table of contents counts the duplicates, and so do we


def test_korean_control_characters_are_repaired_and_nothing_is_lost():
    digest = read(DIGESTS / "korean" / "2025-08-15.md")
    assert len(digest) == 131
    texts = [getattr(p, f) or "" for p in digest for f in ("abstract", *SUMMARY_FIELDS)]
    assert not any(ch in t for t in texts for ch in "\r\f\t\x00\x0b")
    assert any("\\frac{1}{\\text{n}}" in t for t in texts)  # a form feed + "rac" was \frac
    assert all(len(p.abstract) > 200 for p in digest)


def test_generator_fallbacks_become_none_and_flag_the_paper():
    digest = read(DAILY / "2026-06-02.md")
    flagged = [p for p in digest if p.flagged]
    assert len(flagged) == 1 and digest.fallbacks == 1
    assert all(getattr(flagged[0], f) is None for f in SUMMARY_FIELDS)
    assert flagged[0].abstract


ENTRY = """### [{n}] [{title}](https://arxiv.org/abs/2601.0000{n}v2)
*A. Author,B. Author*

Main category: cs.LG

TL;DR: {tldr}


<details>
  <summary>Details</summary>
Motivation: {motivation}

Method: 1. first step
2. second step

Result: Processing failed

Conclusion: This content has not passed the compliance test and has been hidden.

Abstract: An abstract that
wraps.

</details>
"""


def _entry(n, title="A title", tldr="Short.", motivation=" "):
    return ENTRY.format(n=n, title=title, tldr=tldr, motivation=motivation)


def test_hand_written_traps_titles_empty_fields_refusals_versions():
    text = "<div id=toc></div>\n\n# Table of Contents\n\n- [cs.LG](#cs.LG) [Total: 3]\n\n" + "".join([
        _entry(1, title="[De|Re]constructing $x^2$ *bold* <think>"),
        _entry(2, title="[Re] Replication"),
    ])
    digest = parse(text, "hand.md")
    first, second = digest.papers
    assert first.title == "[De|Re]constructing $x^2$ *bold* <think>" and second.title == "[Re] Replication"
    assert first.arxiv_id == "2601.00001" and first.version == 2
    assert first.authors == ("A. Author", "B. Author")
    assert first.motivation is None  # "Motivation: " with only a space
    assert first.method == "1. first step 2. second step"
    assert first.result is None and first.conclusion is None and first.flagged
    assert first.abstract == "An abstract that wraps."
    assert any("says cs.LG has 3 papers" in w for w in digest.warnings)


def test_header_only_and_toc_only_files_give_zero_papers():
    assert len(parse("<div id=toc></div>\n\n# Table of Contents\n\n", "header.md")) == 0  # 41 bytes
    toc_only = "<div id=toc></div>\n\n# Table of Contents\n\n- [cs.CV](#cs.CV) [Total: 0]\n"
    assert len(parse(toc_only, "toc.md")) == 0


def test_malformed_entry_is_skipped_with_file_and_line():
    text = "# Table of Contents\n\n### [1] broken heading without link\n*X*\n\n" + _entry(2)
    digest = parse(text, "bad.md")
    assert len(digest) == 1 and len(digest.skipped) == 1
    assert digest.skipped[0].line == 3 and "bad.md:3" in digest.warnings[0]


def test_bad_jsonl_line_is_skipped_but_an_unreadable_file_is_an_error():
    good = '{"id": "2601.00001", "title": "T", "authors": ["A"], "summary": "Abs.", "categories": ["cs.AI"]}'
    digest = parse(good + "\n{not json\n", "d.jsonl")
    assert len(digest) == 1 and digest.skipped[0].line == 2
    with pytest.raises(DigestError, match=r"d\.jsonl:1"):
        parse('{"id": "2601.0', "d.jsonl")


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"hello world, no digest here\n", "not a digest"),
    (bytes(range(256)) * 20, "binary"),
])
def test_files_that_are_no_digest_give_one_clear_error(tmp_path, data, reason):
    path = tmp_path / "x.md"
    path.write_bytes(data)
    with pytest.raises(DigestError, match=reason) as error:
        read(path)
    assert str(path) in str(error.value)


ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <title>arXiv Query</title>
  <entry>
    <id>http://arxiv.org/abs/2401.01234v3</id>
    <title>Sparse Attention
      for Long Documents</title>
    <summary>  We study sparse attention.
    It works.</summary>
    <author><name>Ada Lovelace</name></author>
    <author><name>Alan Turing</name></author>
    <arxiv:primary_category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
  <entry><id>http://arxiv.org/abs/hep-th/9901001v1</id><title>Old id</title><summary>Old.</summary></entry>
</feed>
"""

RSS = """<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" version="2.0">
  <channel><title>cs.CL updates on arXiv.org</title>
    <item>
      <title>Token Budgets</title>
      <link>https://arxiv.org/abs/2411.00001</link>
      <description>arXiv:2411.00001v1 Announce Type: new
Abstract: We bound token budgets.</description>
      <guid isPermaLink="false">oai:arXiv.org:2411.00001v1</guid>
      <category>cs.CL</category><category>cs.AI</category>
      <dc:creator>Grace Hopper, Edsger Dijkstra</dc:creator>
    </item>
  </channel>
</rss>
"""


def test_arxiv_atom_feed():
    digest = parse(ATOM, "query.atom", date=dt.date(2024, 1, 5))
    paper, old = digest.papers
    assert digest.format == "atom"
    assert (paper.arxiv_id, paper.version) == ("2401.01234", 3)
    assert paper.title == "Sparse Attention for Long Documents"
    assert paper.abstract == "We study sparse attention. It works."
    assert paper.authors == ("Ada Lovelace", "Alan Turing")
    assert paper.primary_category == "cs.CL" and paper.categories == ("cs.CL", "cs.LG")
    assert old.arxiv_id == "hep-th/9901001"


def test_arxiv_rss_listing():
    digest = parse(RSS, "cs.CL.rss")
    (paper,) = digest.papers
    assert digest.format == "rss"
    assert (paper.arxiv_id, paper.version) == ("2411.00001", 1)
    assert paper.abstract == "We bound token budgets."
    assert paper.authors == ("Grace Hopper", "Edsger Dijkstra")
    assert paper.categories == ("cs.CL", "cs.AI")
