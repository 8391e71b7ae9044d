"""semdigest: daily arXiv digests -> a semantic library of related papers, topics and maps."""

from .embedding import Embedder
from .library import Library
from .readers import read
from .records import Digest, Paper
from .report import day_report, topic_map
from .topics import TopicModel

__all__ = ["Digest", "Embedder", "Library", "Paper", "TopicModel", "day_report", "read", "topic_map"]
__version__ = "0.1.0"
