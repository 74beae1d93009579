"""Fixtures for the Wasm canister tests: the probe canister (probe.wat) built once."""

from __future__ import annotations

import os

import pytest

from pyic.testing import PocketIC

HERE = os.path.dirname(__file__)
CONTROLLER = b"\x99\x02"


@pytest.fixture(scope="session")
def probe_wasm() -> bytes:
    from pyic.wasm.binary import encode_module
    from pyic.wasm.text import parse_module
    with open(os.path.join(HERE, "probe.wat")) as f:
        return encode_module(parse_module(f.read(), source="probe.wat"))


@pytest.fixture
def pic() -> PocketIC:
    p = PocketIC()
    p.set_sender(CONTROLLER)
    return p


@pytest.fixture
def probe(pic, probe_wasm):
    cid = pic.create_canister()
    pic.install_code(cid, probe_wasm, b"\x05")
    return cid
