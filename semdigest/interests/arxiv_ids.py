"""arXiv identifiers as readers write them: bare, with a version, behind "arXiv:", in a URL or a DOI."""

from __future__ import annotations

import re

# New-style ids have a real year-month (2606.01234, 0704.0001); old-style ones an archive name
# (hep-th/9901001, math.AG/0309136). A version suffix is accepted and dropped.
_NEW = r"\d{2}(?:0[1-9]|1[0-2])\.\d{4,5}"
_OLD = r"[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}"
_ID = rf"(?P<id>{_NEW}|{_OLD})(?:v\d+)?"

_BARE = re.compile(rf"^\s*(?:arxiv:\s*)?{_ID}\s*$", re.IGNORECASE)
# Where an id sits inside a longer text: an arxiv.org URL, the arXiv DOI prefix, "arXiv:ID" or
# "arXiv preprint arXiv:ID", and "arXiv ID" (some exporters drop the colon).
_IN_TEXT = re.compile(
    rf"(?:arxiv\.org/(?:abs|pdf|html)/|10\.48550/arxiv\.|\barxiv:\s*|\barxiv\s+){_ID}(?!\d|\.\d)",
    re.IGNORECASE,
)


def _canonical(found: str) -> str:
    # Old-style archive names are lower case and the subject class upper case (math.AG).
    archive, sep, number = found.partition("/")
    if not sep:
        return found
    name, dot, subject = archive.partition(".")
    return f"{name.lower()}{dot}{subject.upper()}/{number}"


def parse_arxiv_id(text: str) -> str | None:
    """The id without version when ``text`` is one arXiv id (optionally "arXiv:" and a version)."""
    match = _BARE.match(text or "")
    return _canonical(match.group("id")) if match else None


def find_arxiv_id(text: str) -> str | None:
    """The first arXiv id that ``text`` names explicitly (URL, DOI, "arXiv:"), without version."""
    match = _IN_TEXT.search(text or "")
    return _canonical(match.group("id")) if match else None
