"""Matching a paper's title to the library's titles, whatever LaTeX, case or accents it carries."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

# A LaTeX accent command before a letter (\"u, \'{e}, {\"o}): the letter alone is kept.
_ACCENT = re.compile(r"\\(?:[`'^\"~=.]\s*|[uvHtcdbkr](?:\s+|\s*(?=\{)))\{?\s*([A-Za-z])\s*\}?")
# Commands that only style their argument (\emph{x}, \textbf{x}, \mathcal{O}) or what follows
# ({\em x}): the text is kept, the command dropped. Braces only protect case: dropped too.
_STYLE = re.compile(r"\\[A-Za-z]+\s*(?=\{)|\\(?:em|bf|it|sc|tt|rm|sf|sl|up)\b")
_BRACES = re.compile(r"[{}$]")
_NOT_WORD = re.compile(r"[\W_]+")


def normalize_title(title: str) -> str:
    """Lower-case words of a title, with LaTeX braces, accents, punctuation and spacing removed.

    Library titles and BibTeX titles go through the same function, so "{T}ransformers are
    {RNNs}: Fast..." and "Transformers are RNNs: fast ..." meet, as do "M\\"{u}ller" and "Müller".
    """
    text = _BRACES.sub("", _STYLE.sub("", _ACCENT.sub(r"\1", title)))
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", text.casefold()).strip()


class TitleIndex:
    """The library's papers by normalised title; built once, asked many times."""

    def __init__(self, titles: Mapping[str, str]):
        self._ids: dict[str, str] = {}
        for arxiv_id in sorted(titles):  # the same title twice: the older id wins, always the same
            self._ids.setdefault(normalize_title(titles[arxiv_id]), arxiv_id)

    def match(self, title: str) -> str | None:
        """The arXiv id of the library paper with this title, or None."""
        key = normalize_title(title)
        return self._ids.get(key) if key else None

    def __len__(self) -> int:
        return len(self._ids)
