"""Arbitrary text and bytes: the reader returns papers or raises its own error, nothing else."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from semdigest.errors import DigestError
from semdigest.readers import decode, parse

_PIECES = st.sampled_from([
    "<div id=toc></div>\n", "# Table of Contents\n", "- [cs.CV](#cs.CV) [Total: 2]\n",
    "# cs.CV [[Back]](#toc)\n", "### [1] [T](https://arxiv.org/abs/2601.00001)\n", "*A,B*\n",
    "Main category: cs.CV\n", "TL;DR: x\n", "<details>\n", "Motivation: \n", "Abstract: y\n",
    "</details>\n", "\r", "\f", "\x00", "\n", '{"id": "2601.00002", "title": 1}\n', "{\n",
    "<?xml version='1.0'?><feed><entry><id>", "<rss><channel><item>", "Conclusion: z\n",
])


def _parse_or_own_error(text: str) -> None:
    try:
        digest = parse(text, "fuzz.md")
    except DigestError:
        return
    assert all(p.arxiv_id and p.title and p.abstract for p in digest)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text(text):
    _parse_or_own_error(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_PIECES, st.text(max_size=20)), max_size=40))
def test_digest_shaped_text(pieces):
    _parse_or_own_error("".join(pieces))


@settings(max_examples=200, deadline=None)
@given(st.binary())
def test_arbitrary_bytes(data):
    try:
        text = decode(data, "fuzz.bin")
    except DigestError:
        return
    _parse_or_own_error(text)
