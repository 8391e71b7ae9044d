"""Counts in messages: "1 hit", "2 hits", "1 category", "0 categories"."""

from __future__ import annotations


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """``n`` with ``noun`` in the number ``n`` takes; ``nouns`` for a plural the rule misses
    (the rule: consonant + y -> ies, else + s)."""
    if n == 1:
        return f"{n} {noun}"
    if nouns is None:
        nouns = noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s"
    return f"{n} {nouns}"
