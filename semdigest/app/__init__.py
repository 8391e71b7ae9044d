"""The reader's app: its vendored front-end under static/ (the server comes with issue 24)."""
