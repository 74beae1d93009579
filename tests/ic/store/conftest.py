"""Fixtures of the state store tests (helpers: store_helpers.py)."""

from __future__ import annotations

import pytest
from store_helpers import build_rich


@pytest.fixture
def rich() -> tuple:
    """See `store_helpers.build_rich`."""
    return build_rich()
