"""Topics of a set of papers: the estimator (model.py) and its labels (labels.py)."""

from .model import Topic, TopicModel, Topics

__all__ = ["Topic", "TopicModel", "Topics"]
