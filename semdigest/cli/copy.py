"""`semdigest library copy SRC DST`: a library from one store to another (SQLite <-> PostgreSQL),
all or nothing; store/copy.py does the copy and the checksum, this adds the vector indexes and
the reference maps."""

from __future__ import annotations

from ..embedding.models import get_model
from ..errors import LibraryError
from ..index import open_index
from ..library import Library
from ..plural import plural
from ..records import ModelKey
from ..store import copy
from ._common import note

EXAMPLE = "semdigest library copy my.sqlite 'postgresql://lab@db/papers?schema=lab'"


def add_arguments(library_parser) -> None:
    """SRC and DST of `library copy` (the `library` command is admin.py's)."""
    library_parser.add_argument("src", nargs="?", metavar="SRC", help="copy: the library to read (path or URL)")
    library_parser.add_argument("dst", nargs="?", metavar="DST", help="copy: an empty library to fill (path or URL)")


def run_copy(args) -> int:
    if not args.src or not args.dst:
        raise LibraryError("library copy needs SRC and DST: semdigest library copy SRC DST")
    with Library.open(args.src, create=False) as source, Library.open(args.dst) as target:
        counts, digest = copy_library(source, target)
        vectors = sum(v for k, v in counts.items() if k.startswith("vectors"))
        note(f"copied {plural(counts['papers'], 'paper')}, {plural(counts['appearances'], 'digest date')} and "
             f"{plural(vectors, 'vector')} from {source.store.location} "
             f"to {target.store.location}; checksum {digest[:16]} equal on both sides")
    return 0


def copy_library(source: Library, target: Library) -> tuple[dict[str, int], str]:
    """``source`` into the empty ``target``, each model's index built once after all its vectors."""
    from ..maps.reference import reference_key  # here: the maps import the topics' models (scikit-learn)

    def index_ready(model: str) -> None:
        note(f"building the vector index of {model} in {target.location}")
        open_index(target.store, model, get_model(ModelKey.parse(model).name).dimension).add()

    return copy.copy_library(source.store, target.store, index_ready, reference_key)
