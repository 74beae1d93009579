"""The HTTPS interface's rules an agent meets, checked in process on the
endpoints (`pyic.http.server.Endpoints` over a `Replica`, no HTTP server and no
background rounds): bodies that are not one CBOR data item, management
methods users may not call, the synchronous call's 202 fallback, the status
endpoint, and which state paths a read_state may name."""

from __future__ import annotations

import cbor2
import pytest
from http_agent import ANONYMOUS, Identity, content, envelope

import pyic.universal as U
from pyic.candid import Principal, Record, encode
from pyic.http import cbor
from pyic.http.certificate import decode as decode_certificate
from pyic.http.hash_tree import ABSENT, Found, lookup_path
from pyic.http.replica import Replica
from pyic.http.request_id import request_id
from pyic.http.server import Endpoints
from pyic.ic.management.args import interface, method_types
from pyic.testing import PocketIC

spec = pytest.mark.spec

ED = Identity("Ed25519", b"conformance")
OTHER = Identity("Ed25519", b"someone else")
ANON = Identity()


class World:
    def __init__(self) -> None:
        pic = PocketIC()
        self.uc = pic.install_universal_canister(sender=Principal(ED.principal)).bytes
        self.replica = Replica(ic=pic.ic)
        self.endpoints = Endpoints(self.replica)
        self.subnet = self.replica.keys.subnet_id

    def post(self, path: str, body, raw: bool = False, endpoints: Endpoints | None = None):
        """(status, decoded CBOR body | text | None)."""
        data = body if raw else cbor.encode(body)
        r = (endpoints or self.endpoints).post(path, "application/cbor", data)
        if not r.body:
            return r.status, None
        if r.content_type == "application/cbor":
            return r.status, cbor.decode(r.body)
        return r.status, r.body.decode()


@pytest.fixture(scope="module")
def w() -> World:
    return World()


def at(kind: str, ident: bytes, verb: str, version: str = "v2") -> str:
    return f"/api/{version}/{kind}/{Principal(ident).to_text()}/{verb}"


def mgmt(method: str, who: Identity = ED, **fields) -> dict:
    arg_types, _ = method_types(method)
    arg = encode((Record.of(fields),), arg_types, interface().env)
    return content("call", who.principal, canister_id=b"", method_name=method, arg=arg,
                   nonce=method.encode()[:32])


def read_state(w: World, ecid: bytes, paths, who: Identity = ANON, kind="canister",
               version="v3"):
    c = content("read_state", who.principal, paths=paths)
    status, body = w.post(at(kind, ecid, "read_state", version), envelope(c, who))
    if status != 200:
        return status, body
    return status, decode_certificate(body["certificate"]).tree


# ---------------------------------------------------------------- CBOR bodies

@spec("https-interface.md: CBOR encoding of requests and responses")
def test_a_body_is_one_cbor_data_item(w):
    # "it consists of a data item with major type 6 ... and tag value 55799,
    # followed by a record": bytes after that item are no part of a request.
    good = envelope(content("query", ANONYMOUS, canister_id=w.uc, method_name="query",
                            arg=bytes(U.reply_data(U.bytes_(b"x")))), ANON)
    path = at("canister", w.uc, "query")
    assert w.post(path, good)[0] == 200
    status, text = w.post(path, cbor.encode(good) + b"\x00garbage", raw=True)
    assert status == 400 and "bytes after the CBOR data item" in text, text
    # the tag is the body's opening only; an untagged body (icp-py-core sends
    # one) is still one data item
    assert w.post(path, cbor2.dumps(good), raw=True)[0] == 200
    nested = cbor2.dumps(cbor2.CBORTag(55799, {"content": cbor2.CBORTag(55799,
                                                                        good["content"])}))
    status, text = w.post(path, nested, raw=True)
    assert status == 400 and "55799" in text, text


@spec("https-interface.md: CBOR encoding of requests and responses")
def test_duplicate_map_keys_are_refused():
    # "Duplicate keys are prohibited in CBOR maps": two encodings that would
    # decode to one map must not both pass.
    one = bytes.fromhex("d9d9f7a1") + cbor2.dumps("a") + cbor2.dumps(1)
    assert cbor.decode(one) == {"a": 1}
    two = bytes.fromhex("d9d9f7a2") + (cbor2.dumps("a") + cbor2.dumps(1)) * 2
    with pytest.raises(cbor.CBORError, match="duplicate key 'a'"):
        cbor.decode(two)
    indefinite = bytes.fromhex("bf") + (cbor2.dumps("k") + cbor2.dumps(b"")) * 2 + b"\xff"
    with pytest.raises(cbor.CBORError, match="duplicate key 'k'"):
        cbor.decode(indefinite)
    for malformed in (b"", b"\x1c", b"\x5a\x00\x00\x00\x09ab", b"\xff", b"\x9f\x01"):
        with pytest.raises(cbor.CBORError):
            cbor.decode(malformed)


# ---------------------------------------------------------------- management calls

@spec("management-canister.md: The IC management canister")
@pytest.mark.parametrize("version", ["v2", "v3", "v4"])
def test_management_methods_users_may_not_call_are_rejects(w, version):
    # "Calls to raw_rand and deposit_cycles are never accepted as ingress
    # messages"; "Effective canister id": a call whose argument names no
    # canister "is rejected by the system independently of the effective canister
    # id".  The call is refused at submission ("API Request submission" has no
    # case for it): HTTP 200 with the reject ("Request: Asynchronous Call": "an
    # execution pre-processing error"; "Request: Call": non_replicated_rejection),
    # CANISTER_REJECT as ic-hs's inspectIngress and the replica answer.
    def raw(method: str, arg: bytes) -> dict:
        return content("call", ED.principal, canister_id=b"", method_name=method, arg=arg,
                       nonce=method.encode())
    calls = [raw("raw_rand", encode(())),
             mgmt("deposit_cycles", canister_id=Principal(w.uc)),
             raw("ecdsa_public_key", encode(())),
             raw("install_code", encode(()))]          # a permitted method, no canister_id
    for c in calls:
        status, body = w.post(at("canister", w.uc, "call", version), envelope(c, ED))
        assert status == 200, (c["method_name"], body)
        assert body["reject_code"] == 4 and body["error_code"] == "IC0406", body
        if version != "v2":
            assert body["status"] == "non_replicated_rejection"
        # never in the state: its status is provably absent
        rid = request_id(c)
        status, tree = read_state(w, w.uc, [[b"request_status", rid]], ED)
        assert lookup_path([b"request_status", rid, b"status"], tree) == ABSENT


@spec("https-interface.md: Effective canister id")
def test_a_management_query_naming_no_canister_is_a_signed_reject(w):
    c = content("query", ED.principal, canister_id=b"", method_name="canister_status",
                arg=encode(()))
    status, body = w.post(at("canister", w.uc, "query", "v3"), envelope(c, ED))
    assert status == 200 and body["status"] == "rejected" and body["reject_code"] == 4, body
    assert len(body["signatures"]) == 1


@spec("https-interface.md: Effective canister id")
def test_a_permitted_management_call_still_needs_its_effective_canister_id(w):
    c = mgmt("canister_status", canister_id=Principal(w.uc))
    other = Principal.from_canister_id(77).bytes
    status, text = w.post(at("canister", other, "call", "v3"), envelope(c, ED))
    assert status == 400 and "does not match effective canister id" in text
    status, body = w.post(at("canister", w.uc, "call", "v3"), envelope(c, ED))
    assert status == 200 and body["status"] == "replied", body


# ---------------------------------------------------------------- synchronous calls

@spec("https-interface.md: Synchronous canister calling")
def test_sync_call_timeout_is_an_empty_202_then_read_state(w):
    # "If an implementation specific timeout for the request is reached ... the
    # replica will reply with an empty body and a 202 HTTP status code."
    impatient = Endpoints(w.replica, sync_call_timeout=0)
    c = content("call", ED.principal, canister_id=w.uc, method_name="update",
                arg=bytes(U.reply_data(U.bytes_(b"late"))), nonce=b"timeout")
    status, body = w.post(at("canister", w.uc, "call", "v4"), envelope(c, ED),
                          endpoints=impatient)
    assert (status, body) == (202, None)
    rid = request_id(c)
    for _ in range(50):
        _, tree = read_state(w, w.uc, [[b"request_status", rid]], ED)
        if lookup_path([b"request_status", rid, b"status"], tree) == Found(b"replied"):
            break
        w.replica.round()
    assert lookup_path([b"request_status", rid, b"reply"], tree) == Found(b"late")


# ---------------------------------------------------------------- status

@spec("https-interface.md: Status endpoint")
def test_status_is_a_tagged_cbor_map_with_the_root_key(w):
    r = w.endpoints.get("/api/v2/status")
    assert r.status == 200 and r.content_type == "application/cbor"
    assert r.body[:3] == b"\xd9\xd9\xf7"            # "a data item with ... tag 55799"
    body = cbor.decode(r.body)
    # root_key "must be present in short-lived development instances": the DER
    # of a BLS12-381 G2 key, and the key the subnet id is derived from
    assert len(body["root_key"]) == 133
    assert Principal.self_authenticating(body["root_key"]).bytes == w.subnet
    assert body["replica_health_status"] == "healthy"    # what dfx's ping waits for
    assert isinstance(body["impl_version"], str)


# ---------------------------------------------------------------- read_state paths

@spec("https-interface.md: Request: Read state")
def test_metadata_only_by_section_name(w):
    # "/canister/<canister_id>/metadata/<name>. Can be requested if ...": the
    # list has no /metadata alone, which would reveal every private section
    status, _ = read_state(w, w.uc, [[b"canister", w.uc, b"metadata"]])
    assert status == 403
    status, tree = read_state(w, w.uc, [[b"canister", w.uc, b"metadata", b"absent"]])
    assert status == 200
    assert lookup_path([b"canister", w.uc, b"metadata", b"absent"], tree) == ABSENT
    status, text = read_state(w, w.uc, [[b"canister", w.uc, b"metadata", b"\xff"]])
    assert status == 400 and "utf8" in text


@spec("https-interface.md: Request: Read state")
def test_a_subnet_call_is_polled_at_its_effective_subnet_id(w):
    # request_status may be read "if ... the effective subnet id of the original
    # request ... matches <effective_subnet_id> (for requests to
    # /api/v2|v3/subnet/<effective_subnet_id>/read_state)"
    # (only subnet admins may call there: tests/http/test_subnet_admins.py)
    with w.replica.lock:
        w.replica.ic.set_subnet_admins([ED.principal])
    c = mgmt("provisional_create_canister_with_cycles", amount=None, settings=None)
    status, body = w.post(at("subnet", w.subnet, "call", "v4"), envelope(c, ED))
    assert status == 200 and body["status"] == "replied", body
    rid = request_id(c)
    status, tree = read_state(w, w.subnet, [[b"request_status", rid]], ED, kind="subnet")
    assert status == 200
    assert lookup_path([b"request_status", rid, b"status"], tree) == Found(b"replied")
    # not at a canister's endpoint, and not for another sender
    assert read_state(w, w.uc, [[b"request_status", rid]], ED)[0] == 403
    assert read_state(w, w.subnet, [[b"request_status", rid]], OTHER, kind="subnet")[0] == 403
    # a canister call's status is not read at the subnet endpoint
    c2 = content("call", ED.principal, canister_id=w.uc, method_name="update",
                 arg=bytes(U.reply_data(U.bytes_(b"c"))), nonce=b"canister call")
    assert w.post(at("canister", w.uc, "call", "v3"), envelope(c2, ED))[0] == 200
    assert read_state(w, w.subnet, [[b"request_status", request_id(c2)]], ED,
                      kind="subnet")[0] == 403
    assert read_state(w, w.uc, [[b"request_status", request_id(c2)]], ED)[0] == 200


@spec("https-interface.md: Request: Read state")
def test_paths_the_spec_lists_and_where(w):
    sid = w.subnet
    # "/time ... Can always be requested"; /subnet paths likewise
    for paths in ([[b"time"]], [[b"subnet"]], [[b"subnet", sid, b"public_key"]],
                  [[b"api_boundary_nodes"]], [[b"subnet", sid, b"canister_ranges"]]):
        assert read_state(w, w.uc, paths)[0] == 200, paths
        assert read_state(w, sid, paths, kind="subnet")[0] == 200, paths
    # /subnet/<id>/metrics only at that subnet's endpoint
    assert read_state(w, w.uc, [[b"subnet", sid, b"metrics"]])[0] == 403
    assert read_state(w, sid, [[b"subnet", sid, b"metrics"]], kind="subnet")[0] == 200
    # /subnet/<id>/canister_ranges of a subnet other than the root subnet: v2 only
    elsewhere = [[b"subnet", bytes(29), b"canister_ranges"]]
    assert read_state(w, w.uc, elsewhere, version="v2")[0] == 200
    assert read_state(w, w.uc, elsewhere, version="v3")[0] == 403
    assert read_state(w, sid, elsewhere, kind="subnet", version="v3")[0] == 403
    # /canister_ranges only at a subnet endpoint; one subnet id per request
    assert read_state(w, w.uc, [[b"canister_ranges", sid]])[0] == 403
    assert read_state(w, sid, [[b"canister_ranges", sid], [b"canister_ranges", bytes(29)]],
                      kind="subnet")[0] == 400
    # canister paths only when the canister is the effective canister id
    assert read_state(w, sid, [[b"canister", w.uc, b"module_hash"]], kind="subnet")[0] == 403
    # one request id per read_state
    assert read_state(w, w.uc, [[b"request_status", bytes(32)],
                                [b"request_status", b"\x01" * 32]])[0] == 400


@spec("https-interface.md: Request: Read state")
def test_only_the_listed_path_forms(w):
    # "All requested paths must have the following form" (and
    # may_read_path_for_canister in abstract-behavior.md ends in "_ = False"):
    # a listed path with labels added, or one cut short, is none of them
    sid, uc, rid = w.subnet, w.uc, bytes(32)
    listed = [[b"api_boundary_nodes", b"n", b"domain"],
              [b"subnet", sid, b"node", b"n", b"public_key"], [b"subnet", sid, b"type"],
              [b"request_status", rid, b"reject_message"], [b"canister", uc, b"controllers"],
              [b"canister", uc, b"last_install_timestamp"]]
    for path in listed:
        assert read_state(w, uc, [path])[0] == 200, path
    for path in ([b"time", b"x"], [b"api_boundary_nodes", b"n", b"port"],
                 [b"subnet", sid, b"type", b"x"], [b"subnet", sid, b"node", b"n", b"x"],
                 [b"subnet", sid, b"unknown"], [b"request_status", rid, b"status", b"x"],
                 [b"request_status", rid, b"sender"], [b"canister", uc],
                 [b"canister", uc, b"module_hash", b"x"],
                 [b"canister", uc, b"metadata", b"a", b"b"], [b"canister_ranges"], []):
        assert read_state(w, uc, [path])[0] == 404, path
    assert read_state(w, uc, [[b"canister", uc, b"certified_data"]])[0] == 403


@spec("abstract-behavior.md: Envelope Authentication")
def test_expiry_and_delegation_expiration_boundaries():
    from pyic.http.auth import MAX_INGRESS_TTL, PERMITTED_DRIFT, HTTPError, authenticate
    now = 1_700_000_000 * 10**9
    session = Identity("Ed25519", b"session")

    def call(expiry: int, who: Identity = ED, delegations=None, signer=None) -> dict:
        c = {"request_type": "call", "sender": who.principal, "ingress_expiry": expiry,
             "canister_id": b"\x01", "method_name": "m", "arg": b""}
        return envelope(c, who, signer=signer, delegations=delegations)

    def accepted(env, request_type="call") -> bool:
        try:
            authenticate(env, request_type, now)
        except HTTPError as e:
            assert e.status == 400
            return False
        return True
    # "S.system_time <= E.content.ingress_expiry"; "The IC may refuse to accept
    # requests with an ingress expiry date too far in the future" (5 min + drift)
    hi = now + MAX_INGRESS_TTL + PERMITTED_DRIFT
    assert accepted(call(now)) and accepted(call(hi))
    assert not accepted(call(now - 1)) and not accepted(call(hi + 1))
    assert not accepted(call(0, ANON))          # anonymous calls are judged too
    # "except for anonymous query and anonymous read_state requests"
    rs = {"request_type": "read_state", "sender": ANONYMOUS, "ingress_expiry": 0, "paths": []}
    assert accepted({"content": rs}, "read_state")
    # "D.delegation.expiration ≥ T"
    for expiration, ok in ((now, True), (now - 1, False)):
        d = [ED.delegate(session, expiration)]
        assert accepted(call(now + 10**9, delegations=d, signer=session)) is ok


@spec("https-interface.md: Request ids")
def test_a_content_map_pyic_cannot_tell_from_a_known_one_is_refused(w):
    # An absent and an empty nonce are two content maps with two request ids
    # ("hash_of_map"), one request in pyic's state: the second is refused, not
    # answered 202 with a status that would never appear.
    c = content("call", ED.principal, canister_id=w.uc, method_name="update",
                arg=bytes(U.reply_data(U.bytes_(b"n"))))
    path = at("canister", w.uc, "call", "v3")
    assert w.post(path, envelope(c, ED))[1]["status"] == "replied"
    assert w.post(path, envelope(c, ED))[1]["status"] == "replied"      # the same: harmless
    empty = dict(c, nonce=b"")
    assert request_id(empty) != request_id(c)
    status, body = w.post(path, envelope(empty, ED))
    assert status == 200 and body["status"] == "non_replicated_rejection", body
