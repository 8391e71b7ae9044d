"""Topics of a set of papers: the estimator (model.py), composed of a clusterer (clustering.py) and
a labeller (labellers.py, keyphrases.py), on the neighbour graph maps share (graph.py)."""

from .clustering import GraphClusterer
from .keyphrases import KeyPhraseLabeller
from .labellers import BaseLabeller, CTfidfLabeller
from .model import Topic, TopicModel, Topics

__all__ = ["BaseLabeller", "CTfidfLabeller", "GraphClusterer", "KeyPhraseLabeller", "Topic", "TopicModel", "Topics"]
