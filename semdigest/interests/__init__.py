""""For you": interests (papers, references, descriptions, marks) and ranking a day by them.

The flow: an ``Interest`` (plain values a store keeps) -> ``interest_vectors`` (its papers'
vectors from the library, its references and descriptions embedded) -> ``rank`` (a day's
candidates against it, the rest of the library as background) -> a ``Ranking``;
``rank_day(library, date)`` runs that flow on a library's day.
BibTeX / Zotero exports come in through ``read_bibtex`` + ``import_bibtex``.
"""

from .bibtex import BibEntry, BibtexFile, parse_bibtex, read_bibtex
from .day import BACKGROUND_SAMPLE, library_vectors, rank_day
from .importing import ImportSummary, import_bibtex
from ..records import Interest, Reference
from .rankers import CombinedRanker, LinearRanker, NearestRanker
from .ranking import DEFAULT_RANKER, RANKERS, RankedPaper, Ranking, rank
from .titles import TitleIndex, normalize_title
from .vectors import InterestVectors, interest_vectors

__all__ = [
    "BACKGROUND_SAMPLE", "BibEntry", "BibtexFile", "CombinedRanker", "DEFAULT_RANKER", "ImportSummary", "Interest",
    "InterestVectors", "LinearRanker", "NearestRanker", "RANKERS", "RankedPaper", "Ranking", "Reference",
    "TitleIndex", "import_bibtex", "interest_vectors", "library_vectors", "normalize_title", "parse_bibtex", "rank",
    "rank_day", "read_bibtex",
]
