"""Fixtures of the sandbox tests: the spin canister (spin.wat) built once, and
ICs in each execution mode.  Every sandbox process a test starts ends with it."""

from __future__ import annotations

import os

import pytest

HERE = os.path.dirname(__file__)


@pytest.fixture(scope="session")
def spin_wasm() -> bytes:
    from pyic.wasm.binary import encode_module
    from pyic.wasm.text import parse_module
    with open(os.path.join(HERE, "spin.wat")) as f:
        return encode_module(parse_module(f.read(), source="spin.wat"))


@pytest.fixture(autouse=True)
def _stop_sandboxes():
    yield
    from pyic.sandbox import stop_all
    stop_all()
