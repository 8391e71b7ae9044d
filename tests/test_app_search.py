"""The app's parts that need no server: full text (FTS5, bm25) with reader-typed queries,
reciprocal rank fusion, the code link found in an abstract, BibTeX that cannot break out."""

from __future__ import annotations

import datetime as dt

import pytest

from semdigest.app.fulltext import FullTextIndex
from semdigest.app.links import bibtex, code_url, safe_url
from semdigest.app.reader import fuse
from semdigest.records import Paper

ROWS = [
    ("2606.00001", "LoRA adapters for small models", "Ada Lovelace, Alan Turing", "We fine-tune with LoRA."),
    ("2606.00002", "Agent memory for long tasks", "Grace Hopper", "An agent keeps a memory of past steps."),
    ("2606.00003", "Diffusion models for robots", "Yann Le Cun", "Robot control with diffusion; no low-rank here."),
    ("2606.00004", "C++ kernels: AND, OR, NEAR(x y) and \"quotes\"", "Élodie Dupré", "Operators as words."),
]


@pytest.fixture(scope="module")
def index():
    return FullTextIndex.build(ROWS)


def ids(found):
    return [i for i, _ in found]


def test_an_exact_term_and_an_author_are_found(index):
    assert ids(index.search("LoRA")) == ["2606.00001"]
    assert ids(index.search("Le Cun")) == ["2606.00003"]
    assert ids(index.search("Hopper")) == ["2606.00002"]
    assert ids(index.search("elodie dupre")) == ["2606.00004"]  # diacritics folded


def test_every_word_must_match_before_any_word_may(index):
    assert ids(index.search("agent memory")) == ["2606.00002"]
    assert set(ids(index.search("agent diffusion"))) == {"2606.00002", "2606.00003"}  # none has both


def test_a_title_match_outranks_an_abstract_match(index):
    assert ids(index.search("diffusion robot OR memory"))[0] == "2606.00003"


@pytest.mark.parametrize("query", ['AND', 'NEAR(x y)', '"', '*', 'title:LoRA', '-LoRA', '(', 'C++', "'; DROP TABLE x; --"])
def test_a_query_is_never_fts5_syntax(index, query):
    found = index.search(query)  # no sqlite3.OperationalError: every word is quoted
    assert isinstance(found, list)


def test_allowed_ids_filter_after_ranking(index):
    assert ids(index.search("models", allowed={"2606.00003"})) == ["2606.00003"]
    assert index.search("models", allowed=set()) == []
    assert index.search("   ") == []


def test_reciprocal_rank_fusion_rewards_agreement():
    fused = fuse([["a", "b", "c"], ["c", "a", "d"]])
    assert [i for i, _ in fused][:2] == ["a", "c"]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)
    assert [i for i, _ in fuse([["x"], []])] == ["x"]


def paper(**fields) -> Paper:
    return Paper(**{"arxiv_id": "2606.04092", "title": "A title", "authors": ("Ada Lovelace",), "abstract": "",
                    "date": dt.date(2026, 6, 9), **fields})


def test_the_code_link_comes_from_the_abstract_or_the_comments():
    assert code_url(paper(abstract="Code is at https://github.com/org/repo.")) == "https://github.com/org/repo"
    assert code_url(paper(comments="Code: https://huggingface.co/org/model)")) == "https://huggingface.co/org/model"
    assert code_url(paper(abstract="See https://example.org/page")) is None
    assert code_url(paper(code_url="https://gitlab.com/a/b", abstract="https://github.com/x/y")) == "https://gitlab.com/a/b"


def test_only_plain_http_urls_become_links():
    assert safe_url("javascript:alert(1)") is None
    assert safe_url('https://github.com/a"onmouseover="x') is None
    assert code_url(paper(code_url="javascript:alert(1)")) is None
    assert safe_url("https://github.com/a/b") == "https://github.com/a/b"


def test_bibtex_braces_stay_balanced_whatever_the_title():
    entry = bibtex(paper(title="Break} out {{ \\input{/etc/passwd}", authors=("Yann Le Cun", "Ada Lovelace")))
    assert entry.startswith("@misc{cun2026") and "eprint = {2606.04092}" in entry
    depth = 0
    for char in entry:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0 and "\\" not in entry
    assert "author = {Yann Le Cun and Ada Lovelace}" in entry
