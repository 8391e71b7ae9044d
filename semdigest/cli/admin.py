"""`semdigest index rebuild`, `library check`, `vectors add`: looking after a library."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import LibraryError
from ..plural import plural
from . import copy
from ._common import add_command, note
from .library_cmds import add_library_option, embedder, open_library


def register(commands) -> None:
    index = add_command(commands, "index", "Rebuild a model's vector index from the library's vectors.",
                        "semdigest index rebuild --library my.sqlite", run_index)
    index.add_argument("action", choices=["rebuild"], help="what to do with the index")
    index.add_argument("--quiet", action="store_true", help="no progress bar")
    add_library_option(index)

    library = add_command(commands, "library", "Check a library file with SQLite's integrity check and "
                          "each model's index against it.",
                          f"semdigest library check --library my.sqlite\n  {copy.EXAMPLE}", run_library)
    library.add_argument("action", choices=["check", "copy"],
                         help="check: integrity; copy SRC DST: copy a library to an empty one (all or nothing)")
    add_library_option(library)
    copy.add_arguments(library)

    vectors = add_command(
        commands, "vectors", "Add vectors computed elsewhere (say, on a GPU machine) for papers already in "
        "the library: a .npz with arrays `ids` and `vectors`, or a .npy matrix with --ids (one id a line). "
        "A paper's stored vector of the model is replaced by the one given.",
        "semdigest vectors add backlog.npz --library my.sqlite", run_vectors)
    vectors.add_argument("action", choices=["add"], help="what to do")
    vectors.add_argument("file", help=".npz (ids, vectors) or .npy (with --ids)")
    vectors.add_argument("--ids", help="text file of arXiv ids, one per line, in the .npy's row order")
    add_library_option(vectors)


def run_index(args) -> int:
    with open_library(args) as library:
        state = library.rebuild_index(embedder(args))
    note(f"rebuilt the vector index: {state}")
    return 0


def run_library(args) -> int:
    if args.action == "copy":
        return copy.run_copy(args)
    with open_library(args) as library:
        library.check()
        note(f"{library.location}: integrity ok; {library!r}")
    return 0


def run_vectors(args) -> int:
    ids, matrix = _read_vectors(Path(args.file), args.ids)
    with open_library(args) as library:
        counts = library.add_vectors(embedder(args), ids, matrix)
        note(f"vectors of {len(ids)} papers: {counts}, in {library.location}")
    return 0


def _read_vectors(path: Path, ids_file: str | None) -> tuple[list[str], np.ndarray]:
    try:
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as data:
                if not {"ids", "vectors"} <= set(data.files):
                    raise LibraryError(f"{path} needs arrays named `ids` and `vectors` (has {', '.join(data.files)})")
                return [str(i) for i in data["ids"]], data["vectors"]
        if path.suffix == ".npy":
            if not ids_file:
                raise LibraryError(f"{path} holds vectors only: pass --ids FILE with one arXiv id per line")
            ids = [line.strip() for line in Path(ids_file).read_text(encoding="utf-8").splitlines() if line.strip()]
            return ids, np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise LibraryError(f"cannot read vectors from {path}: {error}") from None
    raise LibraryError(f"{path}: give a .npz (arrays ids, vectors) or a .npy with --ids")
