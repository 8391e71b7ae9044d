"""An Interest: what one reader cares about, as plain values a store can keep and a ranker can use.

Nothing here reads a file, a store or a model: changing an interest returns a new one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..arxiv_ids import canonical_id
from ..errors import InterestError


@dataclass(frozen=True)
class Reference:
    """A paper the reader cares about that the library may not hold: embedded from its own text.

    ``arxiv_id`` is set when the paper has one; once the library holds that paper its stored
    vector is used instead of this text. ``key`` says where it came from (a BibTeX key).
    """

    title: str
    abstract: str = ""
    arxiv_id: str | None = None
    key: str | None = None

    def __post_init__(self):
        if not self.title.strip():
            raise InterestError("a reference needs a title")

    @property
    def label(self) -> str:
        return self.arxiv_id or self.title


@dataclass(frozen=True)
class Interest:
    """A named set of papers, references and descriptions, and the reader's marks.

    Parameters
    ----------
    name : str
        What the reader calls it ("game theory", "my thesis").
    papers : tuple of str
        arXiv ids (no version) of the papers that define it, oldest first: the order they were
        added, which recency weighting reads.
    descriptions : tuple of str
        Free-text descriptions, embedded as queries; each counts as one more paper.
    references : tuple of Reference
        Papers outside the library (a BibTeX entry without a match), embedded from their text.
    read : tuple of str
        Papers the reader has read: never proposed again, and neither liked nor disliked.
    not_interesting : tuple of str
        Papers the reader marked not interesting: never proposed again, and papers close to
        them rank lower.
    """

    name: str
    papers: tuple[str, ...] = ()
    descriptions: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    read: tuple[str, ...] = ()
    not_interesting: tuple[str, ...] = ()

    def __post_init__(self):
        if not self.name.strip():
            raise InterestError("an interest needs a name")
        for field in ("papers", "read", "not_interesting"):
            object.__setattr__(self, field, _ids(getattr(self, field)))
        object.__setattr__(self, "descriptions", _unique(d.strip() for d in self.descriptions if d.strip()))
        object.__setattr__(self, "references", _unique(self.references))
        if set(self.papers) & set(self.not_interesting):
            both = sorted(set(self.papers) & set(self.not_interesting))
            raise InterestError(f"{', '.join(both)} cannot be both a paper of {self.name!r} and not interesting")

    @property
    def is_empty(self) -> bool:
        """True when nothing defines it yet (marks alone do not)."""
        return not (self.papers or self.descriptions or self.references)

    def add_papers(self, ids: Iterable[str]) -> "Interest":
        """Papers appended (newest last); a paper marked not interesting loses that mark."""
        added = _ids(ids)
        return replace(self, papers=self.papers + added,
                       not_interesting=tuple(i for i in self.not_interesting if i not in added))

    def remove_papers(self, ids: Iterable[str]) -> "Interest":
        gone = set(_ids(ids))
        return replace(self, papers=tuple(i for i in self.papers if i not in gone))

    def describe(self, text: str) -> "Interest":
        if not text.strip():  # it would be dropped below, leaving the user's request undone
            raise InterestError(f"the description of {self.name!r} is empty; say in words what it is about")
        return replace(self, descriptions=self.descriptions + (text,))

    def add_references(self, references: Iterable[Reference]) -> "Interest":
        return replace(self, references=self.references + tuple(references))

    def mark_read(self, ids: Iterable[str]) -> "Interest":
        return replace(self, read=self.read + _ids(ids))

    def mark_not_interesting(self, ids: Iterable[str]) -> "Interest":
        """Marked papers also stop defining the interest."""
        marked = _ids(ids)
        return replace(self, papers=tuple(i for i in self.papers if i not in marked),
                       not_interesting=self.not_interesting + marked)

    def unmark(self, ids: Iterable[str]) -> "Interest":
        gone = set(_ids(ids))
        return replace(self, read=tuple(i for i in self.read if i not in gone),
                       not_interesting=tuple(i for i in self.not_interesting if i not in gone))

    def __repr__(self) -> str:
        return (f"Interest({self.name!r}, papers={len(self.papers)}, descriptions={len(self.descriptions)}, "
                f"references={len(self.references)}, read={len(self.read)}, "
                f"not_interesting={len(self.not_interesting)})")


def _ids(values: Iterable[str]) -> tuple[str, ...]:
    """Canonical arXiv ids, in order, each once; anything else is an error that names it."""
    if isinstance(values, str):
        values = (values,)
    ids = []
    for value in values:
        arxiv_id = canonical_id(value)
        if arxiv_id is None:
            raise InterestError(f"{value!r} is not an arXiv id; write it as 2606.01234, arXiv:2606.01234v2, hep-th/9901001 or https://arxiv.org/abs/2606.01234")
        ids.append(arxiv_id)
    return _unique(ids)


def _unique(values: Iterable) -> tuple:
    return tuple(dict.fromkeys(values))
