"""A day's report: pipeline.py gathers it as data (DayData), render/ draws it (Markdown, HTML,
CSV from the packaged templates), day.py writes the folder; trends.py charts topics across days."""

from importlib import import_module

# Imported on first use: `semdigest trends` needs trends.py, not the pipeline's models.
_PUBLIC = {"DayData": "data", "DayReport": "data", "day_data": "pipeline", "day_report": "day", "write_report": "day"}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'semdigest.report' has no attribute {name!r}")
    return getattr(import_module(f".{_PUBLIC[name]}", __name__), name)
