"""Reading the figures README.md and docs/ state, for the tests that re-derive them.

A pattern finds its sentence and fails when the sentence is gone or reworded, so a
figure cannot go stale silently: update the figure, or the pattern with it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def figure(doc: str, pattern: str) -> tuple:
    """The groups of ``pattern`` in ``doc`` (white space in the pattern matches any run
    of white space, as prose wraps), numbers without their thousands separators."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    match = re.search(pattern.replace(" ", r"\s+"), text)
    assert match, f"{doc} no longer says /{pattern}/: update the figure's check"
    return tuple(int(g.replace(",", "")) if re.fullmatch(r"[\d,]+", g) else g
                 for g in match.groups())
