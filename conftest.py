"""Options of pyic's test suite, registered at the root so that pytest knows them
before it reads any path on the command line (``pytest --testsuite PATH``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The shared test material (test suites, bench kit, canisters) is found through
# $PYIC_SHARED; unless given, it is ../shared beside the repository.  Set here, before any
# test module is imported, so that every test reads the one variable.
os.environ.setdefault("PYIC_SHARED", str(Path(__file__).resolve().parent.parent / "shared"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--testsuite", metavar="PATH", default=None,
                     help="folder of the WebAssembly test suite (with wasm-2.0/ and wasm-3.0/)")


def pytest_configure(config: pytest.Config) -> None:
    # A function the fast tier fails to translate is an error under test, not a function
    # quietly run on its baseline interpreter (docs/fast-tier.md, "What runs interpreted,
    # and translation failures").
    from pyic.wasm.engine import fast
    fast.STRICT = True
