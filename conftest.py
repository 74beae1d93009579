"""Options of pyic's test suite, registered at the root so that pytest knows them
before it reads any path on the command line (``pytest --testsuite PATH``)."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--testsuite", metavar="PATH", default=None,
                     help="folder of the WebAssembly test suite (with wasm-2.0/ and wasm-3.0/)")
