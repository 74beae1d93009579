"""One ``pyic replica`` for every HTTP-level scenario (session scope, so the
~100 scenarios share one process start): its state holds one universal
canister installed by ``DEFAULT_USER``, the ``ecid`` scenarios create their
canisters next to; each scenario installs the canisters it needs over HTTP."""

from __future__ import annotations

import pathlib

import pytest
from ref_agent import DEFAULT_USER, Agent

from pyic.candid import Principal
from pyic.http.process import ReplicaProcess
from pyic.testing import PocketIC


@pytest.fixture(scope="session")
def ref_replica(tmp_path_factory):
    state: pathlib.Path = tmp_path_factory.mktemp("ref_http")
    pic = PocketIC()
    ecid = pic.install_universal_canister(sender=Principal(DEFAULT_USER)).bytes
    pic.save(str(state / "state.db"))
    replica = ReplicaProcess(state)
    yield Agent(replica.url, replica.status()["root_key"]), ecid
    replica.stop()


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
