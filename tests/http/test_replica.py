"""End to end: ``pyic replica`` in a subprocess on a free port, real CBOR
envelopes over HTTP (tests/http/agent.py), certificates checked against the
root key from ``/api/v2/status``.  One replica serves the module's tests; the
canister is pyic's universal canister, installed in the state beforehand as
``pyic canister --state`` would."""

from __future__ import annotations

import hashlib
import os
import pathlib
import subprocess
import sys
import time

import leb128
import pytest
from http_agent import HTTP, Identity, content, envelope, expiry

import pyic.universal as U
from pyic.candid.principal import Principal
from pyic.http import certificate, signatures
from pyic.http.hash_tree import (
    ABSENT,
    UNKNOWN,
    Found,
    flatten_forks,
    lookup_path,
    lookup_subtree,
)
from pyic.http.process import ReplicaProcess
from pyic.http.request_id import hash_of_map, request_id
from pyic.testing import PocketIC

spec = pytest.mark.spec

ANON = Identity()
ED = Identity("Ed25519", b"alice")
K1 = Identity("secp256k1", b"bob")
P256 = Identity("P-256", b"carol")


def start_replica(state_dir: pathlib.Path, *extra: str):
    """``pyic replica`` on ``state_dir`` in a child process, and a client for it."""
    replica = ReplicaProcess(state_dir, *extra)
    return replica, HTTP(replica.url)


def stop_replica(replica: ReplicaProcess) -> str:
    return replica.stop()


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    state = tmp_path_factory.mktemp("replica")
    pic = PocketIC()
    uc = pic.install_universal_canister().bytes
    other = pic.install_universal_canister().bytes
    pic.save(str(state / "state.db"))
    proc, http = start_replica(state)
    status, body = http.get("/api/v2/status")
    assert status == 200
    yield http, uc, other, body["root_key"]
    stop_replica(proc)


def call_path(version: str, ecid: bytes) -> str:
    return f"/api/{version}/canister/{Principal(ecid).to_text()}/call"


def path_of(verb: str, ecid: bytes, version: str = "v2") -> str:
    return f"/api/{version}/canister/{Principal(ecid).to_text()}/{verb}"


def update(uc: bytes, prog, who: Identity, **kw) -> dict:
    return content("call", who.principal, canister_id=uc, method_name="update",
                   arg=bytes(prog), **kw)


def read_state(http, ecid, paths, who=ANON, version="v2"):
    c = content("read_state", who.principal, paths=paths)
    return http.post(path_of("read_state", ecid, version), envelope(c, who))


def certificate_of(body, root_key=None):
    cert = certificate.decode(body["certificate"])
    if root_key is not None:
        assert certificate.verify_cert(cert, root_key)
    return cert


def poll(http, uc, rid, who):
    for _ in range(200):
        status, body = read_state(http, uc, [[b"request_status", rid]], who)
        assert status == 200, body
        tree = certificate_of(body).tree
        st = lookup_path([b"request_status", rid, b"status"], tree)
        if st in (Found(b"replied"), Found(b"rejected")):
            return body
        time.sleep(0.05)
    pytest.fail("the call did not complete")


# ---------------------------------------------------------------- status

@spec("https-interface.md: Status endpoint")
def test_status_gives_the_root_key(setup):
    _http, _, _, root_key = setup
    assert len(root_key) == 133 and root_key.startswith(bytes.fromhex("308182301d060d2b06"))


# ---------------------------------------------------------------- calls

@spec("https-interface.md: Request: Asynchronous Call")
def test_async_call_then_read_state_certificate(setup):
    http, uc, _, root_key = setup
    c = update(uc, U.reply_data(U.bytes_(b"hello")), ANON)
    status, body = http.post(call_path("v2", uc), envelope(c, ANON))
    assert (status, body) == (202, None)
    rid = request_id(c)
    cert = certificate_of(poll(http, uc, rid, ANON), root_key)    # BLS-verified
    assert lookup_path([b"request_status", rid, b"reply"], cert.tree) == Found(b"hello")
    cert_time = leb128.u.decode(lookup_path([b"time"], cert.tree).value)
    assert abs(cert_time - time.time_ns()) < 5 * 60 * 10**9      # what agents require
    # nothing else is revealed: the canister's data is pruned away
    assert lookup_path([b"canister", uc, b"certified_data"], cert.tree) == UNKNOWN


@spec("https-interface.md: Request: Call")
@pytest.mark.parametrize("version, who", [("v3", ED), ("v4", P256)])
def test_sync_call_returns_a_certificate(setup, version, who):
    http, uc, _, _ = setup
    c = update(uc, U.reply_data(U.bytes_(b"sync " + version.encode())), who)
    status, body = http.post(call_path(version, uc), envelope(c, who))
    assert status == 200 and body["status"] == "replied"
    rid = request_id(c)
    tree = certificate_of(body).tree
    assert lookup_path([b"request_status", rid, b"status"], tree) == Found(b"replied")
    assert lookup_path([b"request_status", rid, b"reply"], tree) == \
        Found(b"sync " + version.encode())


@spec("https-interface.md: Request: Call")
def test_refused_calls_are_non_replicated_rejections(setup):
    http, uc, _, _ = setup
    c = content("call", K1.principal, canister_id=uc, method_name="no_such_method", arg=b"")
    status, body = http.post(call_path("v3", uc), envelope(c, K1))
    assert status == 200 and body["status"] == "non_replicated_rejection"
    assert body["reject_code"] == 5 and body["error_code"] == "IC0536"
    c["nonce"] = b"again"
    status, body = http.post(call_path("v2", uc), envelope(c, K1))
    assert status == 200 and body["reject_code"] == 5 and "status" not in body


@spec("https-interface.md: Request: Call")
def test_a_rejected_call_is_certified_as_rejected(setup):
    http, uc, _, _ = setup
    c = update(uc, U.trap(U.bytes_(b"boom")), ED)
    status, body = http.post(call_path("v3", uc), envelope(c, ED))
    assert status == 200 and body["status"] == "replied"
    tree = certificate_of(body).tree
    rid = request_id(c)
    assert lookup_path([b"request_status", rid, b"status"], tree) == Found(b"rejected")
    assert lookup_path([b"request_status", rid, b"reject_code"], tree) == Found(b"\x05")
    msg = lookup_path([b"request_status", rid, b"reject_message"], tree)
    assert b"boom" in msg.value
    assert lookup_path([b"request_status", rid, b"error_code"], tree) == Found(b"IC0503")


# ---------------------------------------------------------------- queries

def node_keys(http, uc):
    status, body = read_state(http, uc, [[b"subnet"]])
    assert status == 200
    tree = certificate_of(body).tree
    (subnet,) = [t.label for t in flatten_forks(lookup_subtree([b"subnet"], tree))]
    nodes = lookup_subtree([b"subnet", subnet, b"node"], tree)
    return subnet, {n.label: lookup_path([b"public_key"], n.tree).value
                    for n in flatten_forks(nodes)}


@spec("https-interface.md: Request: Query call")
def test_query_reply_is_signed_by_a_node_of_the_subnet(setup):
    http, uc, _, root_key = setup
    c = content("query", K1.principal, canister_id=uc, method_name="query",
                arg=bytes(U.reply_data(U.bytes_(b"q!"))))
    status, body = http.post(path_of("query", uc, "v3"), envelope(c, K1))
    assert status == 200 and body["status"] == "replied"
    assert body["reply"] == {"arg": b"q!"}
    subnet, keys = node_keys(http, uc)
    assert subnet == Principal.self_authenticating(root_key).bytes
    (sig,) = body["signatures"]
    signed = {"status": "replied", "reply": body["reply"], "timestamp": sig["timestamp"],
              "request_id": request_id(c)}
    payload = b"\x0Bic-response" + hash_of_map(signed)
    assert signatures.verify(keys[sig["identity"]], sig["signature"], payload)
    assert not signatures.verify(keys[sig["identity"]], sig["signature"], payload + b"x")


@spec("https-interface.md: Request: Query call")
def test_query_reject_is_signed_over_the_reject_fields(setup):
    http, uc, _, _ = setup
    c = content("query", ANON.principal, canister_id=uc, method_name="query",
                arg=bytes(U.trap(U.bytes_(b"no"))))
    status, body = http.post(path_of("query", uc), envelope(c, ANON))
    assert status == 200 and body["status"] == "rejected" and body["reject_code"] == 5
    _, keys = node_keys(http, uc)
    (sig,) = body["signatures"]
    signed = {k: body[k] for k in ("status", "reject_code", "reject_message", "error_code")}
    signed.update(timestamp=sig["timestamp"], request_id=request_id(c))
    assert signatures.verify(keys[sig["identity"]], sig["signature"],
                             b"\x0Bic-response" + hash_of_map(signed))


@spec("canister-interface.md: Certified data")
def test_data_certificate_covers_the_certified_data(setup):
    http, uc, _, root_key = setup
    c = update(uc, U.set_certified_data(U.bytes_(b"certified!")) >> U.reply, ED)
    status, body = http.post(call_path("v3", uc), envelope(c, ED))
    assert status == 200 and body["status"] == "replied"
    q = content("query", ED.principal, canister_id=uc, method_name="query",
                arg=bytes(U.reply_data(U.get_certificate)))
    status, body = http.post(path_of("query", uc, "v3"), envelope(q, ED))
    assert status == 200 and body["status"] == "replied"
    cert = certificate.decode(body["reply"]["arg"])
    assert certificate.verify_cert(cert, root_key)
    assert lookup_path([b"canister", uc, b"certified_data"], cert.tree) == Found(b"certified!")
    assert isinstance(lookup_path([b"time"], cert.tree), Found)


# ---------------------------------------------------------------- read_state

@spec("https-interface.md: Request: Read state")
def test_read_state_reveals_canister_information_to_the_right_requests(setup):
    http, uc, other, _ = setup
    status, body = read_state(http, uc, [[b"canister", uc, b"module_hash"],
                                         [b"canister", uc, b"controllers"]], version="v3")
    assert status == 200
    tree = certificate_of(body).tree
    assert lookup_path([b"canister", uc, b"module_hash"], tree) == \
        Found(hashlib.sha256(U.universal_canister_wasm()).digest())
    assert isinstance(lookup_path([b"canister", uc, b"controllers"], tree), Found)
    status, body = read_state(http, uc, [[b"canister", uc, b"canister_creation_timestamp"],
                                         [b"canister", uc, b"last_install_timestamp"],
                                         [b"time"]])
    tree = certificate_of(body).tree

    def nat_at(*path):
        return leb128.u.decode(lookup_path(list(path), tree).value)
    created = nat_at(b"canister", uc, b"canister_creation_timestamp")
    installed = nat_at(b"canister", uc, b"last_install_timestamp")
    assert 0 < created <= installed < nat_at(b"time")
    # another canister's information, certified_data, unknown paths: refused
    assert read_state(http, uc, [[b"canister", other, b"module_hash"]])[0] == 403
    assert read_state(http, uc, [[b"canister", uc, b"certified_data"]])[0] == 403
    assert read_state(http, uc, [[b"no_such_thing"]])[0] == 404
    assert read_state(http, uc, [[b"request_status", b"short"]])[0] == 400
    # an unknown request is provably absent
    status, body = read_state(http, uc, [[b"request_status", bytes(32)]])
    assert status == 200
    assert lookup_path([b"request_status", bytes(32), b"status"],
                       certificate_of(body).tree) == ABSENT


@spec("https-interface.md: Request: Read state")
def test_request_status_only_for_its_sender(setup):
    http, uc, _, _ = setup
    c = update(uc, U.reply_data(U.bytes_(b"mine")), ED)
    assert http.post(call_path("v3", uc), envelope(c, ED))[0] == 200
    rid = request_id(c)
    assert read_state(http, uc, [[b"request_status", rid]], ED)[0] == 200
    assert read_state(http, uc, [[b"request_status", rid]], K1)[0] == 403


# ---------------------------------------------------------------- authentication

@spec("https-interface.md: Authentication")
def test_bad_envelopes_get_400(setup):
    http, uc, _, _ = setup
    prog = U.reply_data(U.bytes_(b"x"))
    c = update(uc, prog, ED)
    bad_sig = envelope(c, ED, signer=K1)                       # signed with another key
    assert http.post(call_path("v2", uc), bad_sig)[0] == 400
    stranger = envelope(update(uc, prog, K1), ED)              # sender is not ED's principal
    status, text = http.post(call_path("v2", uc), stranger)
    assert status == 400 and "self-authenticating" in text
    unsigned = {"content": update(uc, prog, ED)}               # a user without a signature
    assert http.post(call_path("v2", uc), unsigned)[0] == 400
    anon_signed = envelope(update(uc, prog, ANON), ANON)
    anon_signed["sender_sig"] = b"\x00" * 64
    assert http.post(call_path("v2", uc), anon_signed)[0] == 400
    late = update(uc, prog, ED, ingress_expiry=expiry(-1))
    status, text = http.post(call_path("v2", uc), envelope(late, ED))
    assert status == 400 and text.startswith("Invalid request expiry: ")
    far = update(uc, prog, ED, ingress_expiry=expiry(30))
    assert http.post(call_path("v2", uc), envelope(far, ED))[0] == 400
    missing = update(uc, prog, ED)
    del missing["arg"]
    assert http.post(call_path("v2", uc), envelope(missing, ED))[0] == 400


@spec("https-interface.md: HTTPS Interface")
def test_bad_http_requests(setup):
    http, uc, other, _ = setup
    good = envelope(update(uc, U.reply_data(U.bytes_(b"x")), ANON), ANON)
    assert http.post(call_path("v2", uc), b"\xff\x00", raw=True)[0] == 400
    assert http.post(call_path("v2", uc), good, content_type="application/json")[0] == 400
    assert http.post("/api/v2/canister/not-a-principal/call", good)[0] == 400
    assert http.post(call_path("v2", other), good)[0] == 400     # wrong effective id
    assert http.post("/api/v1/canister/x/call", good)[0] == 404
    assert http.post(path_of("frobnicate", uc), good)[0] == 404
    assert http.get("/api/v2/nothing")[0] == 404
    # the server is still answering
    assert http.get("/api/v2/status")[0] == 200


@spec("https-interface.md: Authentication")
def test_delegation_chains(setup):
    http, uc, other, _ = setup
    session = Identity("secp256k1", b"session")
    prog = U.reply_data(U.bytes_(b"delegated"))

    def send(dels):
        c = update(uc, prog, ED, nonce=os.urandom(8))
        return http.post(call_path("v3", uc), envelope(c, ED, signer=session, delegations=dels))

    ok = [ED.delegate(session, expiry(10))]
    status, body = send(ok)
    assert status == 200 and body["status"] == "replied"
    assert send([ED.delegate(session, expiry(10), targets=[uc])])[0] == 200
    assert send([ED.delegate(session, expiry(10), targets=[other])])[0] == 400
    assert send([ED.delegate(session, expiry(-1))])[0] == 400           # expired
    assert send([K1.delegate(session, expiry(10))])[0] == 400           # not signed by ED
    assert send([ED.delegate(session, expiry(10), permissions="queries")])[0] == 403
    two = [ED.delegate(P256, expiry(10)), P256.delegate(session, expiry(10))]
    assert send(two)[0] == 200
    cycle = [ED.delegate(P256, expiry(10)), P256.delegate(ED, expiry(10)),
             ED.delegate(session, expiry(10))]
    assert send(cycle)[0] == 400


# ---------------------------------------------------------------- restarts

@spec("certification.md: Root of trust")
def test_a_restarted_replica_keeps_its_root_key_and_state(tmp_path):
    pic = PocketIC()
    uc = pic.install_universal_canister().bytes
    pic.save(str(tmp_path / "state.db"))
    proc, http = start_replica(tmp_path, "--no-query-signatures")
    try:
        key1 = http.get("/api/v2/status")[1]["root_key"]
        c = update(uc, U.set_certified_data(U.bytes_(b"kept")) >> U.reply, ED)
        assert http.post(call_path("v3", uc), envelope(c, ED))[1]["status"] == "replied"
        q = content("query", ANON.principal, canister_id=uc, method_name="query",
                    arg=bytes(U.reply_data(U.bytes_(b"q"))))
        assert "signatures" not in http.post(path_of("query", uc), envelope(q, ANON))[1]
    finally:
        stop_replica(proc)
    proc, http = start_replica(tmp_path)
    try:
        assert http.get("/api/v2/status")[1]["root_key"] == key1
        status, body = read_state(http, uc, [[b"request_status", request_id(c)]], ED)
        assert status == 200
        tree = certificate_of(body).tree
        assert lookup_path([b"request_status", request_id(c), b"status"], tree) == \
            Found(b"replied")
        q = content("query", ANON.principal, canister_id=uc, method_name="query",
                    arg=bytes(U.reply_data(U.get_certificate)))
        cert = certificate.decode(http.post(path_of("query", uc), envelope(q, ANON))[1]
                                  ["reply"]["arg"])
        assert lookup_path([b"canister", uc, b"certified_data"], cert.tree) == Found(b"kept")
    finally:
        stop_replica(proc)


# ---------------------------------------------------------------- management and subnets

def _decode_principal_reply(data: bytes) -> bytes:
    from pyic.candid import decode
    (record,) = decode(data)            # record { canister_id : principal }
    ((_, value),) = record.fields
    return value.bytes


@spec("https-interface.md: Effective canister id")
def test_canister_creation_over_http_and_its_controllers(setup):
    from pyic.candid import encode_text
    http, uc, _, root_key = setup
    arg = encode_text("(record { amount = opt (1_000_000_000_000 : nat); settings = null })")
    c = content("call", ED.principal, canister_id=b"", method_name=(
        "provisional_create_canister_with_cycles"), arg=arg)
    # any effective canister id in the subnet's range will do for a creation
    status, body = http.post(call_path("v3", uc), envelope(c, ED))
    assert status == 200 and body["status"] == "replied", body
    reply = lookup_path([b"request_status", request_id(c), b"reply"],
                        certificate_of(body).tree).value
    new = _decode_principal_reply(reply)
    status, body = read_state(http, new, [[b"canister", new, b"controllers"]], ED, "v3")
    assert status == 200
    from pyic.http import cbor
    controllers = cbor.decode(lookup_path([b"canister", new, b"controllers"],
                                          certificate_of(body).tree).value)
    assert controllers == [ED.principal]
    # the subnet form of the endpoint takes creations only, by subnet admins only
    # (ED is none here; tests/http/test_subnet_admins.py has admins)
    subnet = Principal.self_authenticating(root_key).to_text()
    c2 = dict(c, nonce=b"2")
    status, body = http.post(f"/api/v4/subnet/{subnet}/call", envelope(c2, ED))
    assert status == 200 and body["status"] == "non_replicated_rejection", body
    assert "not a subnet admin" in body["reject_message"]
    other = update(uc, U.reply_data(U.bytes_(b"x")), ED)
    assert http.post(f"/api/v4/subnet/{subnet}/call", envelope(other, ED))[0] == 400
    # a management call whose argument names another canister: wrong effective id
    status_arg = encode_text(f'(record {{ canister_id = principal "{Principal(new).to_text()}" }})')
    c3 = content("call", ED.principal, canister_id=b"", method_name="canister_status",
                 arg=status_arg)
    assert http.post(call_path("v3", uc), envelope(c3, ED))[0] == 400
    status, body = http.post(call_path("v3", new), envelope(c3, ED))
    assert status == 200 and body["status"] == "replied"


@spec("https-interface.md: Request: Read state")
def test_subnet_read_state(setup):
    http, uc, _, root_key = setup
    subnet = Principal.self_authenticating(root_key).bytes
    path = f"/api/v3/subnet/{Principal(subnet).to_text()}/read_state"
    c = content("read_state", ANON.principal, paths=[[b"canister_ranges", subnet],
                                                     [b"subnet", subnet, b"public_key"]])
    status, body = http.post(path, envelope(c, ANON))
    assert status == 200
    tree = certificate_of(body).tree
    assert lookup_path([b"subnet", subnet, b"public_key"], tree) == Found(root_key)
    shards = flatten_forks(lookup_subtree([b"canister_ranges", subnet], tree))
    from pyic.http import cbor
    ranges = cbor.decode(shards[0].tree.value)
    assert ranges[0][0] <= uc <= ranges[0][1]
    # canister ranges only at the subnet endpoint; an unknown subnet is refused
    assert read_state(http, uc, [[b"canister_ranges", subnet]], version="v3")[0] == 403
    assert http.post(f"/api/v3/subnet/{Principal(bytes(29)).to_text()}/read_state",
                     envelope(c, ANON))[0] == 400


@spec("https-interface.md: Authentication")
def test_anonymous_queries_may_carry_any_expiry(setup):
    http, uc, _, _ = setup
    q = content("query", ANON.principal, canister_id=uc, method_name="query",
                arg=bytes(U.reply_data(U.bytes_(b"old"))), ingress_expiry=1)
    status, body = http.post(path_of("query", uc), envelope(q, ANON))
    assert status == 200 and body["reply"] == {"arg": b"old"}
    q = content("query", ED.principal, canister_id=uc, method_name="query",
                arg=bytes(U.reply_data(U.bytes_(b"old"))), ingress_expiry=1)
    assert http.post(path_of("query", uc), envelope(q, ED))[0] == 400


@spec("index.md: Time")
def test_frozen_time_judges_requests_by_the_state_time(tmp_path):
    pic = PocketIC()
    uc = pic.install_universal_canister().bytes
    state_time = pic.ic.state.system_time
    pic.save(str(tmp_path / "state.db"))
    proc, http = start_replica(tmp_path, "--time", "frozen")
    try:
        status, body = read_state(http, uc, [[b"time"]])
        assert status == 200
        assert leb128.u.decode(lookup_path([b"time"], certificate_of(body).tree).value) \
            == state_time
        prog = U.reply_data(U.bytes_(b"frozen"))
        status, text = http.post(call_path("v3", uc), envelope(update(uc, prog, ED), ED))
        assert status == 400 and text.startswith("Invalid request expiry: ")
        c = update(uc, prog, ED, ingress_expiry=state_time + 60 * 10**9)
        status, body = http.post(call_path("v3", uc), envelope(c, ED))
        assert status == 200 and body["status"] == "replied"
        status, body = read_state(http, uc, [[b"time"]])
        assert leb128.u.decode(lookup_path([b"time"], certificate_of(body).tree).value) \
            == state_time
    finally:
        stop_replica(proc)


@spec("index.md: Canister signatures")
def test_canister_signatures_as_internet_identity_uses_them(setup):
    from pyic.http import canister_signatures, cbor, hash_tree
    http, uc, _, _ = setup
    seed = b"anchor 10000"
    key = canister_signatures.key_der(uc, seed)
    user = Principal.self_authenticating(key).bytes
    session = Identity("Ed25519", b"browser session")
    d = {"pubkey": session.der, "expiration": expiry(30)}
    payload = b"\x1Aic-request-auth-delegation" + hash_of_map(d)
    tree = hash_tree.construct({b"sig": {hashlib.sha256(seed).digest():
                                         {hashlib.sha256(payload).digest(): b""}}})
    # the canister certifies the tree's root hash, then reads its data certificate
    c = update(uc, U.set_certified_data(U.bytes_(hash_tree.reconstruct(tree))) >> U.reply, ED)
    assert http.post(call_path("v3", uc), envelope(c, ED))[1]["status"] == "replied"
    q = content("query", ANON.principal, canister_id=uc, method_name="query",
                arg=bytes(U.reply_data(U.get_certificate)))
    cert = http.post(path_of("query", uc), envelope(q, ANON))[1]["reply"]["arg"]

    def send(sig_tree):
        sig = cbor.encode({"certificate": cert, "tree": hash_tree.to_cbor(sig_tree)})
        call = content("call", user, canister_id=uc, method_name="update",
                       arg=bytes(U.reply_data(U.caller)), nonce=os.urandom(4))
        env = {"content": call, "sender_pubkey": key, "sender_sig": session.sign(
            b"\x0Aic-request" + request_id(call)),
            "sender_delegation": [{"delegation": d, "signature": sig}]}
        return call, http.post(call_path("v3", uc), env)

    call, (status, body) = send(tree)
    assert status == 200 and body["status"] == "replied", body
    reply = lookup_path([b"request_status", request_id(call), b"reply"],
                        certificate_of(body).tree)
    assert reply == Found(user)                  # the canister sees the delegating principal
    other = hash_tree.construct({b"sig": {hashlib.sha256(b"other seed").digest():
                                          {hashlib.sha256(payload).digest(): b""}}})
    assert send(other)[1][0] == 400              # a tree the canister did not certify


@spec("https-interface.md: Request: Call")
def test_pyic_canister_commands_while_the_replica_serves(tmp_path):
    """``pyic canister`` installs into the store the replica serves; the
    replica takes the new state over, and the command line sees its calls."""
    wasm = tmp_path / "universal.wasm"
    wasm.write_bytes(U.universal_canister_wasm())
    state = tmp_path / "state"
    state.mkdir()
    proc, http = start_replica(state)

    def cli(*args):
        r = subprocess.run([sys.executable, "-m", "pyic", "canister", "--state", str(state),
                            *args], check=False, capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()
    try:
        cid_text = cli("create").splitlines()[-1]
        cli("install", cid_text, str(wasm), "--arg-hex", "")   # an empty init program
        cid = Principal.from_text(cid_text).bytes
        c = update(cid, U.set_global(U.bytes_(b"from http")) >> U.reply, ED)
        status, body = http.post(call_path("v3", cid), envelope(c, ED))
        assert status == 200 and body["status"] == "replied", body
    finally:
        stop_replica(proc)
    # the replica saved what the call did
    saved = PocketIC.load(str(state / "state.db"))
    assert saved.universal_query(cid, U.reply_data(U.get_global)) == b"from http"
