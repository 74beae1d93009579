"""Fixtures for the Wasm canister tests: the probe canister (probe.wat) built once.

``pic`` is the suite's (tests/ic/conftest.py), whose sender is ``USER``."""

from __future__ import annotations

import os

import pytest

HERE = os.path.dirname(__file__)


@pytest.fixture(scope="session")
def probe_wasm() -> bytes:
    from pyic.wasm.binary import encode_module
    from pyic.wasm.text import parse_module
    with open(os.path.join(HERE, "probe.wat")) as f:
        return encode_module(parse_module(f.read(), source="probe.wat"))


@pytest.fixture
def probe(pic, probe_wasm):
    cid = pic.create_canister()
    pic.install_code(cid, probe_wasm, b"\x05")
    return cid
