"""Texts -> unit vectors, offline: the Embedder (embedder.py) over models.yaml's specs (models.py),
the device and precision device.py picks, encoders/ (one per runtime, behind one protocol) and
calibration.py (the quality gate a faster backend must pass, and `auto`)."""

from .embedder import Embedder

__all__ = ["Embedder"]
