"""Errors that carry what a user needs to act: the file, the line, the reason, what to do."""

from __future__ import annotations


class SemdigestError(Exception):
    """Base of every error semdigest raises on purpose; the CLI prints these without a traceback."""


class DigestError(SemdigestError):
    """A file that cannot be read as a digest."""

    def __init__(self, source: str, reason: str, line: int | None = None):
        self.source, self.reason, self.line = source, reason, line
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {reason}")


class LibraryError(SemdigestError):
    """A library file that is missing, foreign or damaged, or a request it cannot answer."""


class OutputError(SemdigestError):
    """A place semdigest will not write into: a folder holding files it did not write."""


class ModelError(SemdigestError):
    """A model that is unknown or whose weights cannot be found locally."""


class TopicError(SemdigestError, ValueError):
    """Topic settings that are invalid, or that the papers at hand cannot meet (a ValueError, as
    scikit-learn's estimators raise for bad parameters)."""


class InterestError(SemdigestError):
    """An interest that cannot be made as asked: a bad arXiv id, a missing name."""


class BibtexError(SemdigestError):
    """A BibTeX file that cannot be imported at all."""

    def __init__(self, source: str, reason: str, line: int | None = None):
        self.source, self.reason, self.line = source, reason, line
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {reason}")


class OAIError(SemdigestError):
    """An OAI-PMH response that reports an error (``code`` as the protocol names it: badArgument,
    badResumptionToken, ...) or that is no OAI-PMH page at all (``code`` None)."""

    def __init__(self, source: str, reason: str, code: str | None = None):
        self.source, self.reason, self.code = source, reason, code
        super().__init__(f"{source}: {reason}")


class HarvestError(SemdigestError):
    """An OAI-PMH harvest that cannot go on: the server refuses, or keeps failing after retries."""
