"""Filling a library with arXiv's history: where the metadata comes from (sources: the
snapshot, an OAI-PMH harvest), what is kept (filters), storing it resumably (run), and embedding
the backlog here or on a Ray cluster (embed, engines)."""
