"""The app's parts that need no server: reciprocal rank fusion, the code link found in an
abstract, BibTeX that cannot break out. (Full text is the store's: test_store_contract.py.)"""

from __future__ import annotations

import datetime as dt

import pytest

from semdigest.app.links import bibtex, code_url, safe_url
from semdigest.app.reader import fuse
from semdigest.records import Paper


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
