"""``pyic canister``: state kept between runs, Candid replies, one-line errors."""

from __future__ import annotations

from pathlib import Path

import os

import pytest
from click.testing import CliRunner

from pyic.cli.main import cli

# The shared test material (suites, bench kit, canisters): $PYIC_SHARED, set by the
# repository's conftest.py to ../shared beside the checkout unless given.
SHARED = os.environ.get("PYIC_SHARED") or str(Path(__file__).resolve().parents[4] / "shared")

pytestmark = pytest.mark.spec("Abstract Canisters to System API")

COUNTER = SHARED + "/canisters/counter/counter.classic.wasm"


def run(state, *args):
    return CliRunner().invoke(cli, ["canister", "--state", str(state), *args])


def test_create_install_call_status(tmp_path):
    assert os.path.exists(COUNTER), f"the canister corpus is missing: {COUNTER} (set PYIC_SHARED)"
    r = run(tmp_path, "create")
    assert r.exit_code == 0, r.output
    cid = r.stdout.strip()
    assert cid.endswith("-cai")
    r = run(tmp_path, "install", cid, COUNTER)
    assert r.exit_code == 0, r.output
    r = run(tmp_path, "call", cid, "add", "(40 : nat)")
    assert r.exit_code == 0 and r.stdout.strip() == "(40 : nat)"
    r = run(tmp_path, "call", cid, "inc")
    assert r.exit_code == 0 and r.stdout.strip() == "()"
    r = run(tmp_path, "call", cid, "get", "--query")           # a new process would see it too
    assert r.stdout.strip() == "(41 : nat)"
    r = run(tmp_path, "call", cid, "get", "--query", "--output", "raw")
    assert r.stdout.strip() == "4449444c00017d29"
    r = run(tmp_path, "call", cid, "nope")
    assert r.exit_code == 1 and "has no update method 'nope'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = run(tmp_path, "status", cid)
    assert r.exit_code == 0 and "Status: Running" in r.stdout and "Module hash: 0x" in r.stdout
    r = run(tmp_path, "call", cid, "get", "--with-cycles", "1000")
    assert r.exit_code == 0 and r.stdout.strip() == "(41 : nat)"
    assert run(tmp_path, "stop", cid).exit_code == 0
    r = run(tmp_path, "call", cid, "inc")
    assert r.exit_code == 1 and "stopped" in r.stderr.lower()
    assert run(tmp_path, "start", cid).exit_code == 0
    assert run(tmp_path, "call", cid, "get", "--query").stdout.strip() == "(41 : nat)"


def test_errors_are_one_line(tmp_path):
    r = run(tmp_path, "install", "rwlgt-iiaaa-aaaaa-aaaaa-cai", str(tmp_path / "missing.wasm"))
    assert r.exit_code == 1 and r.stderr.startswith("pyic: ")
    r = run(tmp_path, "call", "not a principal", "m")
    assert r.exit_code == 1 and len(r.stderr.strip().splitlines()) == 1
