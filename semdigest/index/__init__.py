"""Vector indexes: exact (numpy) for small sets and as the reference, HNSW (usearch) in a file
for large libraries, and the two segments a file library keeps in step with its store."""

from .ann import HNSWIndex
from .exact import ExactIndex, top_k

__all__ = ["ExactIndex", "HNSWIndex", "top_k"]
