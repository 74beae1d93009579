"""Fixtures of the IC conformance suite, and the ``spec`` marker every test
carries: ``@spec("Message execution")`` names the section of the interface
spec (``abstract-behavior.md`` headings, or another named page) it checks."""

from __future__ import annotations

import pytest

from pyic.testing import PocketIC

from principals import OTHER, USER  # noqa: F401  (the suite's principals)


def pytest_configure(config):
    config.addinivalue_line("markers", "spec(section): the interface spec section a test checks")
    config.addinivalue_line("markers", "ref_test(name): the ic-hs Spec.hs scenario a test ports")


def pytest_collection_modifyitems(config, items):
    """Every test of this suite must name the spec section it checks; every
    test under ``tests/ic/ref`` the ic-hs scenario it ports."""
    for item in items:
        path = str(item.fspath).replace("\\", "/")
        if "tests/ic/ref/" in path:
            if item.get_closest_marker("ref_test") is None:
                raise pytest.UsageError(f"{item.nodeid} has no @ref_test(...) marker")
        elif "tests/ic/" in path and item.get_closest_marker("spec") is None:
            raise pytest.UsageError(f"{item.nodeid} has no @spec(...) marker")


@pytest.fixture
def pic() -> PocketIC:
    p = PocketIC()
    p.set_sender(USER)
    return p


@pytest.fixture
def uc(pic) -> bytes:
    """A universal canister (the Wasm module of `pyic.universal`; its id as bytes)."""
    return pic.install_universal_canister().bytes


@pytest.fixture
def uc2(pic, uc) -> bytes:
    return pic.install_universal_canister().bytes


@pytest.fixture
def uc3(pic, uc2) -> bytes:
    return pic.install_universal_canister().bytes

