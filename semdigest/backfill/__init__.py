"""Filling a library with arXiv's history: reading the bulk metadata (readers.snapshot,
readers.oai) and harvesting an OAI-PMH endpoint (harvest)."""
