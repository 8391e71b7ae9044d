"""Adding a BibTeX file's papers to an Interest: by arXiv id, by title in the library, or as a
reference embedded from the entry's own title and abstract."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..plural import plural
from ..records import Skipped
from .bibtex import BibtexFile
from ..records import Interest, Reference
from .titles import TitleIndex


@dataclass(frozen=True)
class ImportSummary:
    """What became of each entry of one file (BibTeX keys, or key → arXiv id)."""

    source: str
    interest: str
    by_id: tuple[str, ...]                       # arXiv ids the entries named, held by the library
    by_id_not_in_library: tuple[str, ...]        # named, not in the library yet
    by_title: tuple[tuple[str, str], ...]        # (key, arXiv id) found by title in the library
    embedded: tuple[str, ...]                    # keys embedded from their own title and abstract
    title_only: tuple[str, ...]                  # keys embedded from a title alone (no abstract)
    skipped: tuple[Skipped, ...] = ()

    @property
    def entries(self) -> int:
        return (len(self.by_id) + len(self.by_id_not_in_library) + len(self.by_title)
                + len(self.embedded) + len(self.title_only))

    @property
    def in_library(self) -> int:
        return len(self.by_id) + len(self.by_title)

    def __str__(self) -> str:
        parts = [
            f"{self.source} -> {self.interest!r}: {plural(self.entries, 'entry')}",
            f"{len(self.by_id)} by arXiv id",
            f"{len(self.by_title)} by title",
            f"{len(self.by_id_not_in_library)} by arXiv id not in the library yet",
            f"{len(self.embedded)} embedded from title and abstract",
            f"{len(self.title_only)} from a title alone",
            f"{len(self.skipped)} skipped",
        ]
        lines = [", ".join(parts)]
        lines += [f"  {self.source}:{s.line}: {s.reason}" for s in self.skipped]
        return "\n".join(lines)


def import_bibtex(interest: Interest, bibtex: BibtexFile, library_titles: Mapping[str, str]
                  ) -> tuple[Interest, ImportSummary]:
    """``interest`` with the file's papers added, and what was matched how.

    ``library_titles`` maps every arXiv id of the library to its title. An entry with an arXiv
    id adds that id; if the library does not hold it yet, its title (and abstract) also stand in
    until it does. An entry without one adds the library paper with the same normalised title,
    or else a Reference embedded from its own title and abstract.
    """
    titles = TitleIndex(library_titles)
    ids: list[str] = []
    references: list[Reference] = []
    by_id, not_in_library, by_title, embedded, title_only = [], [], [], [], []
    for entry in bibtex.entries:
        if entry.arxiv_id:
            ids.append(entry.arxiv_id)
            if entry.arxiv_id in library_titles:
                by_id.append(entry.arxiv_id)
                continue
            not_in_library.append(entry.arxiv_id)
            if entry.title:
                references.append(Reference(entry.title, entry.abstract or "", entry.arxiv_id, entry.key))
            continue
        found = titles.match(entry.title)
        if found:
            ids.append(found)
            by_title.append((entry.key, found))
            continue
        references.append(Reference(entry.title, entry.abstract or "", None, entry.key))
        (embedded if entry.abstract else title_only).append(entry.key)

    updated = interest.add_papers(ids).add_references(references)
    summary = ImportSummary(
        source=bibtex.source, interest=interest.name, by_id=tuple(by_id),
        by_id_not_in_library=tuple(not_in_library), by_title=tuple(by_title), embedded=tuple(embedded),
        title_only=tuple(title_only), skipped=bibtex.skipped,
    )
    return updated, summary
