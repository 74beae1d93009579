"""``sender_info`` of calls and queries (https-interface.md "Request: Call",
"Request: Query call"; abstract-behavior.md "Envelope Authentication", "API
Request submission", "Initiating canister calls", "Callback invocation",
"Query call"), over real HTTP to a `pyic.http.server` in this process.

The sender is what Internet Identity makes: the self-authenticating id of a
canister-signature key of the signing canister (the universal canister here),
which delegates to a session key.  The canister signatures come from a
certificate this pyic instance issues: the signing canister certifies a hash
tree holding ``/sig/<H(seed)>/<H(payload)>`` for each payload it signs, and
the test reads its data certificate with a query.  The called canister is a
small WAT canister that replies with ``msg_caller_info_data`` and
``msg_caller_info_signer``."""

from __future__ import annotations

import hashlib
import os
import threading

import pytest
from http_agent import ANONYMOUS, HTTP, Identity, content, envelope, expiry

import pyic.universal as U
from pyic.candid.principal import Principal
from pyic.http import canister_signatures, cbor, hash_tree
from pyic.http.certificate import decode as decode_certificate
from pyic.http.hash_tree import ABSENT, Found, lookup_path
from pyic.http.replica import Replica
from pyic.http.request_id import hash_of_map, request_id
from pyic.http.server import Endpoints, make_server
from pyic.ic.rules import ingress
from pyic.ic.state import Request
from pyic.testing import PocketIC

spec = pytest.mark.spec

ED = Identity("Ed25519", b"sender info: controller")
SESSION = Identity("Ed25519", b"sender info: browser session")
SEED = b"anchor 10000"
INFOS = (b"attributes: name=alice", b"!deny at inspect", b"attributes: for a query")
OTHER_INFO = b"attributes: never certified"
DOMAIN_SENDER_INFO = b"\x0Eic-sender-info"
DOMAIN_DELEGATION = b"\x1Aic-request-auth-delegation"

# Replies ``u32le(|data|) · data · signer`` from ``msg_caller_info_*``; ``after_call``
# does so in the reply callback of a call to itself; inspect_message refuses an
# info that starts with "!".
APP = r"""
(module
  (import "ic0" "msg_caller_info_data_size" (func $data_size (result i32)))
  (import "ic0" "msg_caller_info_data_copy" (func $data_copy (param i32 i32 i32)))
  (import "ic0" "msg_caller_info_signer_size" (func $signer_size (result i32)))
  (import "ic0" "msg_caller_info_signer_copy" (func $signer_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "accept_message" (func $accept))
  (import "ic0" "canister_self_size" (func $self_size (result i32)))
  (import "ic0" "canister_self_copy" (func $self_copy (param i32 i32 i32)))
  (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "ic0" "call_perform" (func $call_perform (result i32)))
  (memory 1)
  (table 2 funcref)
  (elem (i32.const 0) $on_reply $on_reply)
  (data (i32.const 16) "ping")
  (func $reply_info (local $n i32) (local $m i32)
    (local.set $n (call $data_size))
    (local.set $m (call $signer_size))
    (i32.store (i32.const 1024) (local.get $n))
    (call $data_copy (i32.const 1028) (i32.const 0) (local.get $n))
    (call $signer_copy (i32.add (i32.const 1028) (local.get $n)) (i32.const 0) (local.get $m))
    (call $append (i32.const 1024)
                  (i32.add (i32.const 4) (i32.add (local.get $n) (local.get $m))))
    (call $reply))
  (func $on_reply (param $env i32) (call $reply_info))
  (func (export "canister_update info") (call $reply_info))
  (func (export "canister_query info_query") (call $reply_info))
  (func (export "canister_update ping") (call $reply))
  (func (export "canister_update after_call")
    (call $self_copy (i32.const 64) (i32.const 0) (call $self_size))
    (call $call_new (i32.const 64) (call $self_size) (i32.const 16) (i32.const 4)
                    (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0))
    (drop (call $call_perform)))
  (func (export "canister_inspect_message")
    (if (i32.gt_u (call $data_size) (i32.const 0))
      (then (call $data_copy (i32.const 0) (i32.const 0) (i32.const 1))
            (if (i32.eq (i32.load8_u (i32.const 0)) (i32.const 33)) (then (return)))))
    (call $accept)))
"""


def wat(text: str) -> bytes:
    from pyic.wasm.binary import encode_module
    from pyic.wasm.text import parse_module
    return encode_module(parse_module(text))


def parse_info(reply: bytes) -> tuple[bytes, bytes]:
    n = int.from_bytes(reply[:4], "little")
    return reply[4:4 + n], reply[4 + n:]


# ---------------------------------------------------------------- an independent request id

def _uleb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def independent_hash(value) -> bytes:
    """"Representation-independent hashing of structured data", written here
    from the spec's text (not `pyic.http.request_id`) for the types a content has."""
    h = lambda b: hashlib.sha256(b).digest()  # noqa: E731
    if isinstance(value, dict):
        return h(b"".join(sorted(h(k.encode()) + independent_hash(v) for k, v in value.items())))
    if isinstance(value, bytes):
        return h(value)
    if isinstance(value, str):
        return h(value.encode())
    if isinstance(value, int):
        return h(_uleb(value))
    return h(b"".join(independent_hash(v) for v in value))


# ---------------------------------------------------------------- the world

class World:
    """One instance: the signing canister, the app, a server on a free port, and a
    user of the signing canister whose signatures it has certified."""

    def __init__(self) -> None:
        pic = PocketIC()
        self.signing = pic.install_universal_canister(sender=Principal(ED.principal)).bytes
        self.app = pic.create_canister(sender=Principal(ED.principal)).bytes
        pic.install_code(self.app, wat(APP), b"", sender=Principal(ED.principal))
        self.replica = Replica(ic=pic.ic)
        self.server = make_server(Endpoints(self.replica))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.http = HTTP(f"http://127.0.0.1:{self.server.server_address[1]}")
        self.key = canister_signatures.key_der(self.signing, SEED)
        self.user = Principal.self_authenticating(self.key).bytes
        self.delegation = {"pubkey": SESSION.der, "expiration": expiry(30)}
        payloads = [DOMAIN_DELEGATION + hash_of_map(self.delegation)]
        payloads += [DOMAIN_SENDER_INFO + info for info in INFOS]
        self.tree = hash_tree.construct({b"sig": {hashlib.sha256(SEED).digest(): {
            hashlib.sha256(p).digest(): b"" for p in payloads}}})
        # the canister certifies the tree, then the test reads its data certificate
        c = content("call", ED.principal, canister_id=self.signing, method_name="update",
                    arg=bytes(U.set_certified_data(
                        U.bytes_(hash_tree.reconstruct(self.tree))) >> U.reply))
        assert self.post("call", self.signing, envelope(c, ED), "v3")[1]["status"] == "replied"
        q = content("query", ANONYMOUS, canister_id=self.signing, method_name="query",
                    arg=bytes(U.reply_data(U.get_certificate)))
        self.certificate = self.post("query", self.signing, envelope(q, Identity()))[1][
            "reply"]["arg"]

    def post(self, verb: str, ecid: bytes, body, version: str = "v2"):
        return self.http.post(f"/api/{version}/canister/{Principal(ecid).to_text()}/{verb}",
                              body)

    def canister_sig(self, tree=None) -> bytes:
        """A canister signature of the signing canister: its certificate and a tree
        (by default the one it certified, which holds every payload it signed)."""
        return cbor.encode({"certificate": self.certificate,
                            "tree": hash_tree.to_cbor(self.tree if tree is None else tree)})

    def sender_info(self, info: bytes = INFOS[0], **changes) -> dict:
        si = {"info": info, "signer": self.signing, "sig": self.canister_sig()}
        si.update(changes)
        return si

    def user_envelope(self, c: dict) -> dict:
        """``c`` from the user: its key, signed by the session key it delegated to."""
        return {"content": c, "sender_pubkey": self.key,
                "sender_sig": SESSION.sign(b"\x0Aic-request" + request_id(c)),
                "sender_delegation": [{"delegation": self.delegation,
                                       "signature": self.canister_sig()}]}

    def call(self, method: str = "info", version: str = "v3", **fields):
        c = content("call", self.user, canister_id=self.app, method_name=method, arg=b"",
                    nonce=os.urandom(8), **fields)
        return c, self.post("call", self.app, self.user_envelope(c), version)

    def query(self, **fields):
        q = content("query", self.user, canister_id=self.app, method_name="info_query",
                    arg=b"", **fields)
        return self.post("query", self.app, self.user_envelope(q))

    def reply_of(self, c: dict, body) -> bytes:
        cert = decode_certificate(body["certificate"])
        found = lookup_path([b"request_status", request_id(c), b"reply"], cert.tree)
        assert isinstance(found, Found), found
        return found.value


@pytest.fixture(scope="module")
def w():
    world = World()
    yield world
    world.server.shutdown()
    world.server.server_close()


# ---------------------------------------------------------------- valid sender_info

@spec("https-interface.md: Request: Call")
def test_a_call_with_sender_info_shows_it_to_the_canister(w):
    c, (status, body) = w.call(sender_info=w.sender_info())
    assert status == 200 and body["status"] == "replied", body
    # Caller_info_data = sender_info.info, Caller_info_signer = Signing_canister_id
    assert parse_info(w.reply_of(c, body)) == (INFOS[0], w.signing)
    # without sender_info the same sender's canister sees nothing
    c, (status, body) = w.call()
    assert status == 200 and body["status"] == "replied", body
    assert parse_info(w.reply_of(c, body)) == (b"", b"")


@spec("https-interface.md: Request: Call")
def test_callbacks_of_the_call_see_it_too(w):
    # "Callback invocation": a context whose origin is FromUser R gets R's caller info
    c, (status, body) = w.call("after_call", sender_info=w.sender_info())
    assert status == 200 and body["status"] == "replied", body
    assert parse_info(w.reply_of(c, body)) == (INFOS[0], w.signing)


@spec("https-interface.md: Request: Call")
def test_inspect_message_sees_it(w):
    # "API Request submission" runs inspect_message with Caller_info_data: the app
    # refuses an info starting with "!", so the call never enters the state
    c, (status, body) = w.call(sender_info=w.sender_info(INFOS[1]))
    assert status == 200 and body["status"] == "non_replicated_rejection", body
    assert body["reject_code"] == 4 and "rejected the message" in body["reject_message"]
    assert w.replica.find_request(request_id(c)) is None


@spec("https-interface.md: Request: Asynchronous Call")
def test_an_asynchronous_call_with_sender_info(w):
    c, (status, body) = w.call(version="v2", sender_info=w.sender_info())
    assert status == 202, body
    assert w.replica.await_final(w.replica.find_request(request_id(c))[0], 10)
    rs = content("read_state", w.user, paths=[[b"request_status", request_id(c)]])
    status, body = w.post("read_state", w.app, w.user_envelope(rs))
    assert status == 200, body
    assert parse_info(w.reply_of(c, body)) == (INFOS[0], w.signing)


@spec("https-interface.md: Request: Query call")
def test_a_query_with_sender_info_shows_it_to_the_canister(w):
    status, body = w.query(sender_info=w.sender_info(INFOS[2]))
    assert status == 200 and body["status"] == "replied", body
    assert parse_info(body["reply"]["arg"]) == (INFOS[2], w.signing)
    status, body = w.query()
    assert parse_info(body["reply"]["arg"]) == (b"", b"")


# ---------------------------------------------------------------- request ids

@spec("https-interface.md: Request ids")
def test_the_independent_hash_gives_the_spec_example():
    example = {"request_type": "call", "sender": b"\x04", "ingress_expiry": 1685570400000000000,
               "canister_id": bytes.fromhex("00000000000004D2"), "method_name": "hello",
               "arg": b"DIDL\x00\xFD*"}
    assert independent_hash(example).hex() == \
        "1d1091364d6bb8a6c16b203ee75467d59ead468f523eb058880ae8ec80e2b101"


@spec("https-interface.md: Request ids")
def test_sender_info_is_part_of_the_request_id(w):
    si = w.sender_info()
    c, (status, body) = w.call(sender_info=si)
    assert status == 200 and body["status"] == "replied", body
    rid = independent_hash(c)
    assert rid == request_id(c)
    assert rid != independent_hash({k: v for k, v in c.items() if k != "sender_info"})
    # the replica certifies the reply under that id ...
    cert = decode_certificate(body["certificate"])
    assert lookup_path([b"request_status", rid, b"status"], cert.tree) == Found(b"replied")
    # ... and a replica that never saw the content (as after a restart on the
    # same state) derives the same id from the stored request
    request, _ = w.replica.find_request(rid)
    assert request.sender_info == (si["info"], si["signer"], si["sig"])
    assert Replica(ic=w.replica.ic).request_id(request) == rid
    # the same call without sender_info is another request
    c2 = {k: v for k, v in c.items() if k != "sender_info"}
    status, body = w.post("call", w.app, w.user_envelope(c2), "v3")
    assert status == 200 and body["status"] == "replied", body
    assert parse_info(w.reply_of(c2, body)) == (b"", b"")


# ---------------------------------------------------------------- refused forms

def _refused(status_body, match: str) -> None:
    status, text = status_body
    assert status == 400, (status, text)
    assert match in text, text


@spec("https-interface.md: Request: Call")
def test_malformed_sender_info_is_400(w):
    good = w.sender_info()
    forms = {
        "not a map": b"info",
        "a field missing": {k: v for k, v in good.items() if k != "sig"},
        "an extra field": dict(good, extra=b""),
        "info not a blob": dict(good, info="text"),
        "signer not a blob": dict(good, signer=7),
        "signer too long": dict(good, signer=bytes(30)),
    }
    for what, si in forms.items():
        c, result = w.call(sender_info=si)
        _refused(result, "sender_info")
        assert w.replica.find_request(request_id(c)) is None, what


@spec("https-interface.md: Request: Call")
def test_only_canister_signature_senders_may_carry_sender_info(w):
    # anonymous: verify_envelope's first case needs C.sender_info = null
    c = content("call", ANONYMOUS, canister_id=w.app, method_name="info", arg=b"",
                sender_info=w.sender_info())
    _refused(w.post("call", w.app, envelope(c, Identity()), "v3"), "anonymous")
    # a sender whose key is not a canister-signature key ("else C.sender_info = null")
    c = content("call", ED.principal, canister_id=w.app, method_name="info", arg=b"",
                sender_info=w.sender_info())
    _refused(w.post("call", w.app, envelope(c, ED), "v3"), "canister signature public key")
    q = dict(c, request_type="query", method_name="info_query")
    _refused(w.post("query", w.app, envelope(q, ED)), "canister signature public key")


@spec("https-interface.md: Request: Call")
def test_signer_must_be_the_canister_of_the_sender_pubkey(w):
    _, result = w.call(sender_info=w.sender_info(signer=w.app))
    _refused(result, "is not the canister")


@spec("index.md: Canister signatures")
def test_sig_must_be_the_canister_signature_of_the_info(w):
    # info the canister never signed (its tree has no /sig/<H(seed)>/<H(payload)>)
    _, result = w.call(sender_info=w.sender_info(OTHER_INFO))
    _refused(result, "does not verify")
    # a tree the canister did not certify, though it holds the payload
    forged = hash_tree.construct({b"sig": {hashlib.sha256(SEED).digest(): {
        hashlib.sha256(DOMAIN_SENDER_INFO + OTHER_INFO).digest(): b""}}})
    _, result = w.call(sender_info=w.sender_info(OTHER_INFO, sig=w.canister_sig(forged)))
    _refused(result, "does not verify")
    # the payload without the domain separator is another payload
    plain = hash_tree.construct({b"sig": {hashlib.sha256(SEED).digest(): {
        hashlib.sha256(INFOS[0]).digest(): b""}}})
    _, result = w.call(sender_info=w.sender_info(sig=w.canister_sig(plain)))
    _refused(result, "does not verify")
    # not a canister signature at all, or one by the session key the user delegated to
    for sig in (b"garbage", SESSION.sign(DOMAIN_SENDER_INFO + INFOS[0])):
        _, result = w.call(sender_info=w.sender_info(sig=sig))
        _refused(result, "does not verify")
    # the same forms on a query
    status_text = w.query(sender_info=w.sender_info(OTHER_INFO))
    _refused(status_text, "does not verify")


@spec("https-interface.md: Request: Read state")
def test_read_state_has_no_sender_info(w):
    rs = content("read_state", w.user, paths=[[b"time"]], sender_info=w.sender_info())
    _refused(w.post("read_state", w.app, w.user_envelope(rs)), "read_state")
    rs = content("read_state", w.user, paths=[[b"time"]])
    status, body = w.post("read_state", w.app, w.user_envelope(rs))
    assert status == 200
    tree = decode_certificate(body["certificate"]).tree
    assert lookup_path([b"time"], tree) != ABSENT


@spec("https-interface.md: Request: Call")
def test_in_process_requests_carry_sender_info_to_the_canister(w):
    # the IC layer alone: a Request with sender_info (as the HTTPS layer builds it)
    ic = w.replica.ic
    with w.replica.lock:
        r = Request(nonce=b"in process", ingress_expiry=ic.time + 60 * 10**9, sender=w.user,
                    canister_id=w.app, method_name="info", arg=b"",
                    sender_info=(b"direct", w.signing, b""))
        ic.state = ingress.submit_request(ic.state, r, w.app, ic.cfg)
        ic.state = ingress.initiate_canister_call(ic.state, r)
        response = ic.await_request(r)
    assert parse_info(response.data) == (b"direct", w.signing)
