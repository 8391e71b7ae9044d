"""A paper's links (abstract, PDF, code) and its BibTeX entry, from the stored fields alone.

The code link is the digest's ``code_url`` when it has one, else the first repository URL in
the abstract or arXiv's comments ("Code: https://github.com/..."), where 1 in 10 abstracts
carries it. Only http(s) URLs are ever returned, so a digest cannot put ``javascript:`` in a link.
"""

from __future__ import annotations

import re

from ..records import Paper

_CODE_HOSTS = r"(?:github\.com|gitlab\.com|huggingface\.co|bitbucket\.org|codeberg\.org|sourceforge\.net)"
_CODE_URL = re.compile(rf"https?://(?:www\.)?{_CODE_HOSTS}/[^\s<>\"'()\[\]{{}}]+", re.IGNORECASE)
_TRAILING = ".,;:!?"


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s) and has no character that could leave an attribute, else None."""
    if not url:
        return None
    url = url.strip()
    if not re.match(r"https?://", url, re.IGNORECASE) or re.search(r"[\s<>\"'`]", url):
        return None
    return url


def code_url(paper: Paper) -> str | None:
    """The digest's code link, else the first repository URL in the abstract or the comments."""
    given = safe_url(paper.code_url)
    if given:
        return given
    for text in (paper.abstract, paper.comments):
        match = _CODE_URL.search(text or "")
        if match:
            return safe_url(match.group().rstrip(_TRAILING))
    return None


def links(paper: Paper) -> dict[str, str | None]:
    return {"abs": f"https://arxiv.org/abs/{paper.arxiv_id}", "pdf": f"https://arxiv.org/pdf/{paper.arxiv_id}",
            "code": code_url(paper)}


def _bibtex_value(text: str) -> str:
    """Braces balanced and backslashes dropped, so the value cannot end its field early."""
    text = " ".join(str(text).replace("\\", "").split())
    depth, out = 0, []
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                continue
            depth -= 1
        out.append(char)
    return "".join(out) + "}" * depth


def bibtex(paper: Paper) -> str:
    """An @misc entry as arXiv's own export writes it (eprint, archivePrefix, primaryClass)."""
    first = (paper.authors[0].split()[-1] if paper.authors and paper.authors[0].split() else "anon")
    key = re.sub(r"[^A-Za-z0-9]", "", first).lower() + (str(paper.date.year) if paper.date else "") + \
        paper.arxiv_id.replace(".", "").replace("/", "")[-5:]
    fields = [("title", paper.title), ("author", " and ".join(paper.authors)),
              ("year", str(paper.date.year) if paper.date else ""), ("eprint", paper.arxiv_id),
              ("archivePrefix", "arXiv"), ("primaryClass", paper.primary_category or ""),
              ("url", f"https://arxiv.org/abs/{paper.arxiv_id}")]
    body = ",\n".join(f"  {name} = {{{_bibtex_value(value)}}}" for name, value in fields if value)
    return f"@misc{{{key},\n{body}\n}}"
