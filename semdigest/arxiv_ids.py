"""arXiv identifiers: the one grammar every reader, command and interest uses.

New-style ids are YYMM.NNNN or YYMM.NNNNN with a real month (2606.01234, 0704.0001; never
2613.01234); old-style ones are an archive name, an optional subject class and YYMMNNN, again
with a real month (hep-th/9901001, math.AG/0309136). Either may carry a version (v2). The
library stores and looks papers up under the id without its version: archive names lower case,
subject classes upper case.
"""

from __future__ import annotations

import re

_MONTH = r"(?:0[1-9]|1[0-2])"
_NEW = rf"\d{{2}}{_MONTH}\.\d{{4,5}}"
_OLD = rf"[a-z]+(?:-[a-z]+)*(?:\.[a-z]{{2}})?/\d{{2}}{_MONTH}\d{{3}}"
_ID = rf"(?P<id>{_NEW}|{_OLD})(?:v(?P<version>\d+))?(?!\.?\d)"  # never part of a longer number

# Anywhere in a field that holds an id (an abs URL, "oai:arXiv.org:2411.00001v1", a JSON "id"),
# never inside a longer number or name (2026.06.040921 and xhep-th/9901001 hold no id).
ARXIV_ID = re.compile(rf"(?:(?<![\d.])(?={_NEW})|(?<![a-z.\-])(?={_OLD})){_ID}", re.IGNORECASE)
# The whole text is one id, optionally behind "arXiv:".
_BARE = re.compile(rf"^\s*(?:arxiv:\s*)?{_ID}\s*$", re.IGNORECASE)
# Where a longer text names an id explicitly: an arxiv.org URL, the arXiv DOI prefix, "arXiv:ID"
# or "arXiv preprint arXiv:ID", and "arXiv ID" (some exporters drop the colon).
_NAMED = re.compile(
    rf"(?:arxiv\.org/(?:abs|pdf|html)/|10\.48550/arxiv\.|\barxiv:\s*|\barxiv\s+){_ID}", re.IGNORECASE)


def _canonical(found: str) -> str:
    archive, sep, number = found.partition("/")
    if not sep:
        return found
    name, dot, subject = archive.partition(".")
    return f"{name.lower()}{dot}{subject.upper()}/{number}"


def _result(match: re.Match | None) -> tuple[str, int | None] | None:
    if match is None:
        return None
    version = match.group("version")
    return _canonical(match.group("id")), int(version) if version else None


def split_arxiv_id(text: str | None) -> tuple[str, int | None] | None:
    """The id (without version) and the version (or None) of the first arXiv id in a field that
    holds one: a bare id, an abs or pdf URL, an OAI identifier. What readers use."""
    return _result(ARXIV_ID.search(text or ""))


def parse_arxiv_id(text: str | None) -> str | None:
    """The id without version when ``text`` is one arXiv id (optionally "arXiv:" and a version)."""
    found = _result(_BARE.match(text or ""))
    return found[0] if found else None


def find_arxiv_id(text: str | None) -> str | None:
    """The first arXiv id that a longer text names explicitly (URL, DOI, "arXiv:"), without version."""
    found = _result(_NAMED.search(text or ""))
    return found[0] if found else None


def canonical_id(text: str | None) -> str | None:
    """The id, without version, of what a person types for a paper: ``2606.04092``, ``2606.04092v2``,
    ``arXiv:2606.04092``, ``https://arxiv.org/abs/2606.04092v1``, ``.../pdf/2606.04092.pdf``,
    ``hep-th/9901001``; None when the text is none of these. Papers are stored under this form."""
    return parse_arxiv_id(text) or find_arxiv_id(text)
