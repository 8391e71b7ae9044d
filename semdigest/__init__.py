"""semdigest: daily arXiv digests -> a semantic library of related papers, topics and maps."""

import logging
from importlib import import_module

# The package's messages go to logging.getLogger("semdigest") and its children; an application
# decides where they show (the CLI prints them on stderr). Library code never touches the root.
logging.getLogger(__name__).addHandler(logging.NullHandler())

# Imported on first use: reading a digest should not pay for torch, pandas and scikit-learn.
_PUBLIC = {
    "Digest": "records", "Paper": "records", "canonical_id": "arxiv_ids", "read": "readers", "Embedder": "embedding",
    "Library": "library", "TopicModel": "topics", "day_report": "report", "topic_map": "report",
    "library_map": "report",  # issue 15: the day on the library's reference map
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name == "__version__":  # the installed distribution's: one version, pyproject.toml's
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("semdigest")
        except PackageNotFoundError:  # a source tree on sys.path that was never installed
            return "0+unknown"
    if name not in _PUBLIC:
        raise AttributeError(f"module 'semdigest' has no attribute {name!r}")
    return getattr(import_module(f".{_PUBLIC[name]}", __name__), name)
