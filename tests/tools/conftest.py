"""Shared by the tests of tools/: where the bench kit is, and a fixture that fails (never
skips) without it."""

from __future__ import annotations

import pathlib

import pytest

from tests.tools.kit import BENCH


@pytest.fixture
def bench_kit() -> pathlib.Path:
    """The bench kit; without it the test fails, saying where it was sought."""
    if not (BENCH / "manifest.json").exists():
        pytest.fail(f"the bench kit is missing: {BENCH}/manifest.json (set PYIC_SHARED)",
                    pytrace=False)
    return BENCH
