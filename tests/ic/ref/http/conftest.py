"""One ``pyic replica`` for every HTTP-level scenario (session scope, so the
~100 scenarios share one process start): its state holds one universal
canister installed by ``DEFAULT_USER``, the ``ecid`` scenarios create their
canisters next to; each scenario installs the canisters it needs over HTTP."""

from __future__ import annotations

import pathlib
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from ref_agent import DEFAULT_USER, Agent

from pyic.candid import Principal
from pyic.http import cbor
from pyic.testing import PocketIC


@pytest.fixture(scope="session")
def ref_replica(tmp_path_factory):
    state: pathlib.Path = tmp_path_factory.mktemp("ref_http")
    pic = PocketIC()
    ecid = pic.install_universal_canister(sender=Principal(DEFAULT_USER)).bytes
    pic.save(str(state / "state.db"))
    port_file = state / "port"
    proc = subprocess.Popen([sys.executable, "-m", "pyic", "replica", "--state", str(state),
                             "--port-file", str(port_file)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not port_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"pyic replica did not start: {proc.communicate()[1].decode()[-2000:]}")
        time.sleep(0.05)
    base = f"http://127.0.0.1:{int(port_file.read_text())}"
    with urllib.request.urlopen(base + "/api/v2/status", timeout=30) as r:
        root_key = cbor.decode(r.read())["root_key"]
    yield Agent(base, root_key), ecid
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("pyic replica did not stop on SIGTERM")
    assert proc.returncode == 0, err.decode()[-2000:]


@pytest.fixture
def ic(ref_replica) -> Agent:
    return ref_replica[0]


@pytest.fixture
def ecid(ref_replica) -> bytes:
    return ref_replica[1]


@pytest.fixture
def cid(ic, ecid) -> bytes:
    """``simpleTestCase``: a fresh universal canister (``install ecid noop``)."""
    return ic.install(ecid)


@pytest.fixture(scope="session")
def shared_cid(ref_replica) -> bytes:
    """One universal canister for the scenarios that leave nothing in it a
    later one could see (they only call ``reply``, or set certified data they
    read back at once): ic-hs installs a fresh one for each, which costs
    ~0.2 s a scenario here."""
    ic, ecid = ref_replica
    return ic.install(ecid)
