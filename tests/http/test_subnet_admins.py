"""Subnet admins (abstract-behavior.md "API Request submission", "Submitted
request to /api/<VERSION>/subnet/<ESID>/call", the management rules "Canister
status", "Code uninstallation", "Stopping a canister", "Starting a canister",
"Canister deletion"), over real HTTP: a `pyic.http.server` in this process, and
``pyic replica`` on a saved state for the way a user sets them.

``S.subnet_admins`` is set with `IC.set_subnet_admins` (on the IC the Subnet
Rental Canister sets them; the spec lets them change at any time).  The subnet's
cost schedule is free, so a subnet admin's ``create_canister`` by ingress, which
attaches no cycles, can pay the creation fee."""

from __future__ import annotations

import os
import threading

import pytest
from http_agent import HTTP, Identity, content, envelope

from pyic.candid import Principal, Record, decode, encode, encode_text
from pyic.http.certificate import decode as decode_certificate
from pyic.http.hash_tree import Found, lookup_path
from pyic.http.process import ReplicaProcess
from pyic.http.replica import Replica
from pyic.http.request_id import request_id
from pyic.http.server import Endpoints, make_server
from pyic.ic.costs import SubnetConfig
from pyic.ic.management.args import interface, method_types
from pyic.testing import PocketIC

spec = pytest.mark.spec

ADMIN = Identity("Ed25519", b"subnet admin")
OWNER = Identity("Ed25519", b"canister owner")
STRANGER = Identity("Ed25519", b"neither")


def mgmt_arg(method: str, **fields) -> bytes:
    arg_types, _ = method_types(method)
    return encode((Record.of(fields),), arg_types, interface().env)


def mgmt(method: str, who: Identity, **fields) -> dict:
    return content("call", who.principal, canister_id=b"", method_name=method,
                   arg=mgmt_arg(method, **fields), nonce=os.urandom(8))


class World:
    def __init__(self) -> None:
        self.pic = PocketIC(SubnetConfig(cost_schedule="free"))
        self.pic.ic.set_subnet_admins([ADMIN.principal])
        self.replica = Replica(ic=self.pic.ic)
        self.subnet = self.replica.keys.subnet_id
        self.server = make_server(Endpoints(self.replica))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.http = HTTP(f"http://127.0.0.1:{self.server.server_address[1]}")

    def canister(self) -> bytes:
        """A new universal canister controlled by OWNER alone."""
        with self.replica.lock:
            return self.pic.install_universal_canister(sender=Principal(OWNER.principal)).bytes

    def call(self, c: dict, who: Identity, ecid: bytes, kind: str = "canister"):
        """(status, body, the certified request status or None)."""
        path = f"/api/v4/{kind}/{Principal(ecid).to_text()}/call"
        status, body = self.http.post(path, envelope(c, who))
        if status != 200 or body.get("status") != "replied":
            return status, body, None
        tree = decode_certificate(body["certificate"]).tree
        rid = request_id(c)
        st = lookup_path([b"request_status", rid, b"status"], tree).value
        return status, body, (st, tree, rid)

    def replied(self, c: dict, who: Identity, ecid: bytes, kind: str = "canister") -> bytes:
        status, body, result = self.call(c, who, ecid, kind)
        assert result is not None and result[0] == b"replied", (status, body, result)
        _, tree, rid = result
        return lookup_path([b"request_status", rid, b"reply"], tree).value

    def refused(self, c: dict, who: Identity, ecid: bytes, kind: str = "canister") -> dict:
        """The call is not accepted: a pre-processing rejection, nothing enters the state."""
        status, body, _ = self.call(c, who, ecid, kind)
        assert status == 200 and body["status"] == "non_replicated_rejection", body
        assert self.replica.find_request(request_id(c)) is None
        return body

    def status_of(self, cid: bytes) -> str:
        with self.replica.lock:
            c = self.replica.ic.state.canisters.get(cid)
        if c is None:
            return "deleted"
        return c.canister_status if isinstance(c.canister_status, str) else "stopping"


@pytest.fixture(scope="module")
def w():
    world = World()
    yield world
    world.server.shutdown()
    world.server.server_close()


def created_id(reply: bytes) -> bytes:
    (record,) = decode(reply)
    ((_, value),) = record.fields
    return value.bytes


# ---------------------------------------------------------------- canisters of the subnet

@spec("https-interface.md: Request: Call")
def test_admins_stop_start_uninstall_and_delete_any_canister(w):
    cid = w.canister()
    for method, after in (("stop_canister", "stopped"), ("start_canister", "running"),
                          ("uninstall_code", "running")):
        body = w.refused(mgmt(method, STRANGER, canister_id=Principal(cid)), STRANGER, cid)
        assert body["reject_code"] == 5 and body["error_code"] == "IC0512", body
        w.replied(mgmt(method, ADMIN, canister_id=Principal(cid)), ADMIN, cid)
        assert w.status_of(cid) == after, method
    with w.replica.lock:
        assert w.replica.ic.state.canisters[cid].can_state is None      # uninstalled
    w.replied(mgmt("stop_canister", ADMIN, canister_id=Principal(cid)), ADMIN, cid)
    w.refused(mgmt("delete_canister", STRANGER, canister_id=Principal(cid)), STRANGER, cid)
    w.replied(mgmt("delete_canister", ADMIN, canister_id=Principal(cid)), ADMIN, cid)
    assert w.status_of(cid) == "deleted"


@spec("https-interface.md: Request: Call")
def test_admins_are_no_controllers_for_other_methods(w):
    # install_code, update_settings, snapshots ...: S.controllers[CanisterId] only
    cid = w.canister()
    c = mgmt("update_settings", ADMIN, canister_id=Principal(cid),
             settings=Record.of(freezing_threshold=None))
    body = w.refused(c, ADMIN, cid)
    assert body["error_code"] == "IC0512", body
    w.replied(mgmt("update_settings", OWNER, canister_id=Principal(cid),
                   settings=Record.of(freezing_threshold=None)), OWNER, cid)


@spec("https-interface.md: Request: Call")
def test_canister_metrics_is_accepted_from_admins(w):
    # submission accepts canister_metrics from controllers and subnet admins, and the
    # management canister answers them (management/info.py)
    cid = w.canister()
    arg = encode_text(f'(record {{ canister_id = principal "{Principal(cid).to_text()}" }})')

    def metrics(who):
        return content("call", who.principal, canister_id=b"", method_name="canister_metrics",
                       arg=arg, nonce=os.urandom(8))
    w.refused(metrics(STRANGER), STRANGER, cid)
    for who in (ADMIN, OWNER):
        status, body, (st, tree, rid) = w.call(metrics(who), who, cid)
        assert st == b"replied"
        assert lookup_path([b"request_status", rid, b"reply"], tree).value.startswith(b"DIDL")


@spec("https-interface.md: Request: Query call")
def test_admins_read_any_canister_status(w):
    cid = w.canister()
    w.refused(mgmt("canister_status", STRANGER, canister_id=Principal(cid)), STRANGER, cid)
    w.replied(mgmt("canister_status", ADMIN, canister_id=Principal(cid)), ADMIN, cid)
    # the query form ("Canister status": the same condition)
    path = f"/api/v3/canister/{Principal(cid).to_text()}/query"
    for who, expected in ((ADMIN, "replied"), (STRANGER, "rejected")):
        q = dict(mgmt("canister_status", who, canister_id=Principal(cid)), request_type="query")
        status, body = w.http.post(path, envelope(q, who))
        assert status == 200 and body["status"] == expected, body


# ---------------------------------------------------------------- canister creation

@spec("https-interface.md: Request: Call")
def test_create_canister_by_ingress_is_for_admins_only(w):
    ecid = w.canister()          # any id of the subnet's range routes the call
    body = w.refused(mgmt("create_canister", STRANGER, settings=None), STRANGER, ecid)
    assert body["reject_code"] == 4 and "subnet admins" in body["reject_message"], body
    new = created_id(w.replied(mgmt("create_canister", ADMIN, settings=None), ADMIN, ecid))
    with w.replica.lock:
        assert w.replica.ic.state.canisters[new].controllers == {ADMIN.principal}


@spec("https-interface.md: Request: Call")
def test_the_subnet_call_endpoint_is_for_admins_only(w):
    for method, fields in (("create_canister", {"settings": None}),
                           ("provisional_create_canister_with_cycles",
                            {"settings": None, "amount": None})):
        body = w.refused(mgmt(method, STRANGER, **fields), STRANGER, w.subnet, "subnet")
        assert "not a subnet admin" in body["reject_message"], body
        c = mgmt(method, ADMIN, **fields)
        new = created_id(w.replied(c, ADMIN, w.subnet, "subnet"))
        with w.replica.lock:
            assert new in w.replica.ic.state.canisters
        # polled at the subnet's read_state, under the subnet id it was sent to
        rs = content("read_state", ADMIN.principal, paths=[[b"request_status", request_id(c)]])
        path = f"/api/v3/subnet/{Principal(w.subnet).to_text()}/read_state"
        status, body = w.http.post(path, envelope(rs, ADMIN))
        assert status == 200
        assert lookup_path([b"request_status", request_id(c), b"status"],
                           decode_certificate(body["certificate"]).tree) == Found(b"replied")
    # only creations, even from an admin
    other = mgmt("canister_status", ADMIN, canister_id=Principal(w.canister()))
    assert w.call(other, ADMIN, w.subnet, "subnet")[0] == 400


@spec("https-interface.md: Request: Call")
def test_admins_are_per_subnet_and_may_change(w):
    ecid = w.canister()
    try:
        with w.replica.lock:       # admins of another subnet only
            w.replica.ic.set_subnet_admins([])
            w.replica.ic.set_subnet_admins([ADMIN.principal], subnet_id=bytes(29))
        w.refused(mgmt("create_canister", ADMIN, settings=None), ADMIN, ecid)
        w.refused(mgmt("stop_canister", ADMIN, canister_id=Principal(ecid)), ADMIN, ecid)
        w.refused(mgmt("create_canister", ADMIN, settings=None), ADMIN, w.subnet, "subnet")
    finally:
        with w.replica.lock:
            w.replica.ic.set_subnet_admins([ADMIN.principal])
    w.replied(mgmt("stop_canister", ADMIN, canister_id=Principal(ecid)), ADMIN, ecid)


# ---------------------------------------------------------------- pyic replica

@spec("https-interface.md: Request: Call")
def test_pyic_replica_serves_the_admins_of_its_state(tmp_path):
    # the admins are part of the state: set before saving, the replica applies them
    pic = PocketIC()
    pic.ic.set_subnet_admins([ADMIN.principal])
    uc = pic.install_universal_canister(sender=Principal(OWNER.principal)).bytes
    pic.save(str(tmp_path / "state.db"))
    with ReplicaProcess(tmp_path) as proc:
        http = HTTP(proc.url)
        sid = Principal.self_authenticating(proc.status()["root_key"]).to_text()
        c = mgmt("provisional_create_canister_with_cycles", ADMIN, settings=None, amount=None)
        status, body = http.post(f"/api/v4/subnet/{sid}/call", envelope(c, ADMIN))
        assert status == 200 and body["status"] == "replied", body
        c = mgmt("provisional_create_canister_with_cycles", OWNER, settings=None, amount=None)
        status, body = http.post(f"/api/v4/subnet/{sid}/call", envelope(c, OWNER))
        assert status == 200 and body["status"] == "non_replicated_rejection", body
        c = mgmt("stop_canister", ADMIN, canister_id=Principal(uc))
        status, body = http.post(f"/api/v4/canister/{Principal(uc).to_text()}/call",
                                 envelope(c, ADMIN))
        assert status == 200 and body["status"] == "replied", body
    assert PocketIC.load(str(tmp_path / "state.db")).ic.state.canisters[uc].canister_status \
        == "stopped"
