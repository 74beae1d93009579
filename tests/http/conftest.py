"""Tests of the HTTPS interface (`pyic.http`, `pyic replica`).  Every test names
the spec section it checks with ``@spec("...")`` (https-interface.md,
certification.md, index.md headings)."""

from __future__ import annotations

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "spec(section): the interface spec section a test checks")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/http/" in str(item.fspath).replace("\\", "/") \
                and item.get_closest_marker("spec") is None:
            raise pytest.UsageError(f"{item.nodeid} has no @spec(...) marker")
