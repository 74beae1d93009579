"""Canister signatures made by a canister on a subnet other than the root subnet
(index.md "Canister signatures"; certification.md "Delegation").

A PocketIC instance of an NNS subnet (the root of trust) and an application
subnet: the signing canister (the universal canister) lives on the application
subnet, so the data certificate it signs with carries the root subnet's
delegation.  Such a signature verifies against the instance's root key when the
delegation checks out, covers the signing canister in its canister ranges and
reveals a subnet type other than ``cloud_engine``; the certificates of the
refused cases are made with pyic's own certifier (`pyic.http.certifier`), each
differing from a valid one in the one respect under test.  The last tests send
calls over real HTTP, as Internet Identity's users do, to a canister on the
root subnet served by a `pyic.http.server`."""

from __future__ import annotations

import hashlib
import os
import threading

import attrs
import pytest
from http_agent import Identity, content, expiry

import pyic.universal as U
from pyic.candid.principal import Principal
from pyic.http import canister_signatures, cbor, certificate, certifier, hash_tree
from pyic.http.canister_signatures import in_canister_ranges, key_der, parse_key
from pyic.http.request_id import hash_of_map, request_id
from pyic.http.server import Endpoints, make_server
from pyic.pocketic.config import SubnetConfig, SubnetKind
from pyic.testing import PocketIC
from pyic.universal import universal_canister_wasm

spec = pytest.mark.spec

SEED = b"anchor 20000"
PAYLOAD = b"a payload the canister signed"
INFO = b"attributes: from a delegated subnet"
SESSION = Identity("Ed25519", b"delegated subnet: browser session")
DOMAIN_SENDER_INFO = b"\x0Eic-sender-info"
DOMAIN_DELEGATION = b"\x1Aic-request-auth-delegation"
DOMAIN_REQUEST = b"\x0Aic-request"

# Replies ``u32le(|caller|) · caller · Caller_info_data``, as an update and as a query.
TARGET = r"""
(module
  (import "ic0" "msg_caller_size" (func $caller_size (result i32)))
  (import "ic0" "msg_caller_copy" (func $caller_copy (param i32 i32 i32)))
  (import "ic0" "msg_caller_info_data_size" (func $info_size (result i32)))
  (import "ic0" "msg_caller_info_data_copy" (func $info_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (memory 1)
  (func $who (local $n i32) (local $m i32)
    (local.set $n (call $caller_size))
    (local.set $m (call $info_size))
    (i32.store (i32.const 0) (local.get $n))
    (call $caller_copy (i32.const 4) (i32.const 0) (local.get $n))
    (call $info_copy (i32.add (i32.const 4) (local.get $n)) (i32.const 0) (local.get $m))
    (call $append (i32.const 0) (i32.add (i32.const 4) (i32.add (local.get $n) (local.get $m))))
    (call $reply))
  (func (export "canister_update who") (call $who))
  (func (export "canister_query who_query") (call $who)))
"""


def wat(text: str) -> bytes:
    from pyic.wasm.binary import encode_module
    from pyic.wasm.text import parse_module
    return encode_module(parse_module(text))


def parse_who(reply: bytes) -> tuple[bytes, bytes]:
    n = int.from_bytes(reply[:4], "little")
    return reply[4:4 + n], reply[4 + n:]


class World:
    """The instance, its two subnets, the signing canister on the application subnet
    and its certified tree of signatures, and a target canister on the root subnet."""

    def __init__(self) -> None:
        self.pic = pic = PocketIC(SubnetConfig(nns=True, application=1))
        kinds = pic.topology()
        self.nns = next(p for p, k in kinds.items() if k == SubnetKind.NNS).bytes
        self.app = next(p for p, k in kinds.items() if k == SubnetKind.APPLICATION).bytes
        self.root_key = pic.get_root_key()
        self.signing = self.install(self.app, universal_canister_wasm())
        self.target = self.install(self.nns, wat(TARGET))
        self.key = key_der(self.signing, SEED)
        self.user = Principal.self_authenticating(self.key).bytes
        self.delegation = {"pubkey": SESSION.der, "expiration": expiry(30)}
        payloads = [PAYLOAD, DOMAIN_DELEGATION + hash_of_map(self.delegation),
                    DOMAIN_SENDER_INFO + INFO]
        self.tree = hash_tree.construct({b"sig": {hashlib.sha256(SEED).digest(): {
            hashlib.sha256(p).digest(): b"" for p in payloads}}})
        pic.update_call(self.signing, "update", bytes(U.set_certified_data(
            U.bytes_(hash_tree.reconstruct(self.tree))) >> U.reply))
        # the certificate the canister sees in a query: the application subnet's, delegated
        self.certificate = pic.query_call(self.signing, "query",
                                          bytes(U.reply_data(U.get_certificate)))

    def install(self, subnet: bytes, module: bytes) -> bytes:
        cid = self.pic.create_canister(subnet=Principal(subnet))
        self.pic.add_cycles(cid, 10**13)
        self.pic.install_code(cid, module, b"")
        return cid.bytes

    def subnet_state(self, subnet: bytes):
        return self.pic.instance.subnet_by_id(subnet).ic.state

    def infos(self, **changes) -> tuple:
        """The instance's topology as the state trees list it, the application
        subnet's entry changed by ``changes``."""
        return tuple(attrs.evolve(i, **changes) if i.subnet_id == self.app else i
                     for i in self.pic.instance.subnet_infos())

    def delegation_over(self, paths, infos=None) -> certificate.Delegation:
        """The root subnet's delegation to the application subnet, revealing ``paths``
        of the root subnet's tree (listing ``infos``)."""
        infos = self.infos() if infos is None else infos
        root = self.subnet_state(self.nns)
        cert = certifier.certify_paths(root, paths, tree=certifier.full_tree(root,
                                                                             subnets=infos))
        return certificate.Delegation(self.app, cert)

    def certificate_with(self, delegation: certificate.Delegation | None,
                         canister_id: bytes | None = None) -> bytes:
        """A certificate of the application subnet revealing ``canister_id``'s (default:
        the signing canister's) certified data as the root hash of ``self.tree``, signed
        with the application subnet's key and carrying ``delegation``."""
        cid = self.signing if canister_id is None else canister_id
        tree = hash_tree.construct({b"canister": {cid: {
            b"certified_data": hash_tree.reconstruct(self.tree)}}})
        secret = certifier.subnet_keys(self.subnet_state(self.app).seed).root_secret
        return certificate.certify(tree, secret, delegation)

    def signature(self, cert: bytes | None = None) -> bytes:
        return cbor.encode({"certificate": self.certificate if cert is None else cert,
                            "tree": hash_tree.to_cbor(self.tree)})

    def verifies(self, cert: bytes | None = None, canister_id: bytes | None = None,
                 root_key: bytes | None = None, payload: bytes = PAYLOAD) -> bool:
        cid = self.signing if canister_id is None else canister_id
        return canister_signatures.verify(parse_key(key_der(cid, SEED)), self.signature(cert),
                                          payload, self.root_key if root_key is None else root_key)


@pytest.fixture(scope="module")
def w():
    return World()


def all_paths(subnet: bytes) -> list:
    return [[b"subnet", subnet, b"public_key"], [b"subnet", subnet, b"type"],
            [b"subnet", subnet, b"canister_ranges"], [b"canister_ranges", subnet]]


# ---------------------------------------------------------------- verified

@spec("index.md: Canister signatures")
def test_a_signature_from_a_canister_on_a_non_root_subnet_verifies(w):
    cert = certificate.decode(w.certificate)
    assert cert.delegation is not None and cert.delegation.subnet_id == w.app
    assert w.pic.instance.public_key(w.app) != w.root_key
    assert w.verifies()
    # the payload the tree holds, and no other
    assert not w.verifies(payload=PAYLOAD + b"!")


@spec("certification.md: Delegation")
def test_either_form_of_the_canister_ranges_scopes_the_delegation(w):
    """A delegation revealing only ``/subnet/<id>/canister_ranges``, or only the shards
    at ``/canister_ranges/<id>``, covers the canister as one revealing both does."""
    head = [[b"subnet", w.app, b"public_key"], [b"subnet", w.app, b"type"]]
    for ranges in ([b"subnet", w.app, b"canister_ranges"], [b"canister_ranges", w.app]):
        assert w.verifies(w.certificate_with(w.delegation_over(head + [ranges])))
    # the certificate of the refused cases below, with a valid delegation: verifies
    assert w.verifies(w.certificate_with(w.delegation_over(all_paths(w.app))))


# ---------------------------------------------------------------- refused

@spec("index.md: Canister signatures")
def test_a_canister_outside_the_delegated_ranges_is_refused(w):
    """The application subnet certifies certified data of a canister on the root
    subnet: every signature checks out, the canister is not the subnet's to vouch for."""
    outsider = w.target
    cert = w.certificate_with(w.delegation_over(all_paths(w.app)), canister_id=outsider)
    assert certificate.verify_cert(certificate.decode(cert), w.root_key)
    assert not w.verifies(cert, canister_id=outsider)
    # a delegation revealing no canister ranges at all covers nothing
    head = [[b"subnet", w.app, b"public_key"], [b"subnet", w.app, b"type"]]
    assert not w.verifies(w.certificate_with(w.delegation_over(head)))


@spec("index.md: Canister signatures")
def test_the_subnet_type_must_be_revealed_and_not_cloud_engine(w):
    no_type = [p for p in all_paths(w.app) if p[-1] != b"type"]
    assert not w.verifies(w.certificate_with(w.delegation_over(no_type)))
    cloud = w.delegation_over(all_paths(w.app), w.infos(type="cloud_engine"))
    assert not w.verifies(w.certificate_with(cloud))
    other = w.delegation_over(all_paths(w.app), w.infos(type="verified_application"))
    assert w.verifies(w.certificate_with(other))


@spec("certification.md: Delegation")
def test_a_tampered_delegation_is_refused(w):
    cert = certificate.decode(w.certificate)
    d = cert.delegation
    raw = cbor.decode(d.certificate)
    # one bit of the delegation's signature flipped
    flipped = dict(raw, signature=bytes([raw["signature"][0] ^ 1]) + raw["signature"][1:])
    # the delegation's tree with the ranges widened to every id: its root hash changes
    tree = hash_tree.from_cbor(raw["tree"])
    widened = dict(raw, tree=hash_tree.to_cbor(_replace_leaf(
        tree, [b"subnet", w.app, b"canister_ranges"], cbor.encode([[b"", b"\xff" * 29]]))))
    # the delegation named for the root subnet: no key of its own for that id was signed here
    for bad in (certificate.Delegation(d.subnet_id, cbor.encode(flipped)),
                certificate.Delegation(d.subnet_id, cbor.encode(widened)),
                certificate.Delegation(w.nns, d.certificate),
                certificate.Delegation(d.subnet_id, b"\x00")):
        assert not w.verifies(w.certificate_with(bad)), bad


def _replace_leaf(tree, path, value):
    """``tree`` with the leaf at ``path`` set to ``value`` (the rest kept as is)."""
    match tree:
        case hash_tree.Fork(left, right):
            return hash_tree.Fork(_replace_leaf(left, path, value),
                                  _replace_leaf(right, path, value))
        case hash_tree.Labeled(label, sub) if path and label == path[0]:
            return hash_tree.Labeled(label, _replace_leaf(sub, path[1:], value))
        case hash_tree.Leaf() if not path:
            return hash_tree.Leaf(value)
    return tree


@spec("certification.md: Delegation")
def test_a_delegation_that_carries_a_delegation_is_refused(w):
    """The application subnet vouches for its own key, with the root's delegation
    attached: a chain of two, which the spec forbids even though each link verifies."""
    root_word = certificate.decode(w.certificate).delegation
    app_state = w.subnet_state(w.app)
    chained = certifier.certify_paths(app_state, all_paths(w.app), delegation=root_word,
                                      tree=certifier.full_tree(app_state,
                                                               subnets=w.infos()))
    assert certificate.verify_cert(certificate.decode(chained), w.root_key)
    assert not w.verifies(w.certificate_with(certificate.Delegation(w.app, chained)))


@spec("index.md: Canister signatures")
def test_a_wrong_root_key_is_refused(w):
    assert not w.verifies(root_key=w.pic.instance.public_key(w.app))
    from pyic.http.keys import derive
    assert not w.verifies(root_key=derive(b"another instance").root_key)


@spec("certification.md: Delegation")
def test_the_ranges_forms_must_agree_and_be_well_formed():
    """`in_canister_ranges` on trees written out here: each revealed form must hold the id."""
    sid, inside, outside = b"\x01" * 29, b"\x00\x05", b"\x00\x09"
    whole = cbor.encode([[b"\x00\x01", b"\x00\x06"]])

    def tree(whole_blob=None, shards=None):
        t: dict = {}
        if whole_blob is not None:
            t[b"subnet"] = {sid: {b"canister_ranges": whole_blob}}
        if shards is not None:
            t[b"canister_ranges"] = {sid: shards}
        return hash_tree.construct(t)

    two_shards = {b"\x00\x01": cbor.encode([[b"\x00\x01", b"\x00\x02"]]),
                  b"\x00\x04": cbor.encode([[b"\x00\x04", b"\x00\x06"]])}
    assert in_canister_ranges(tree(whole), sid, inside)
    assert in_canister_ranges(tree(shards=two_shards), sid, inside)
    assert in_canister_ranges(tree(whole, two_shards), sid, inside)
    assert not in_canister_ranges(tree(whole, two_shards), sid, outside)
    assert not in_canister_ranges(tree(whole, two_shards), b"\x02" * 29, inside)
    # the forms disagree: the shards leave the id out
    narrow = {b"\x00\x01": cbor.encode([[b"\x00\x01", b"\x00\x02"]])}
    assert not in_canister_ranges(tree(whole, narrow), sid, inside)
    # a malformed range list, even beside a shard that holds the id
    for junk in (b"\x00", cbor.encode({"lo": b""}), cbor.encode([[b"\x00\x01"]])):
        assert not in_canister_ranges(tree(shards={**two_shards, b"\x00\x07": junk}), sid,
                                      inside)
        assert not in_canister_ranges(tree(junk), sid, inside)
    # no form at all
    assert not in_canister_ranges(tree(), sid, inside)


# ---------------------------------------------------------------- over HTTP

@pytest.fixture(scope="module")
def served(w):
    """The root subnet served over HTTP (`pyic.http.replica`, root key = the instance's)."""
    from http_agent import HTTP

    from pyic.http.replica import Replica
    replica = Replica(ic=w.pic.instance.root.ic)
    assert replica.keys.root_key == w.root_key
    server = make_server(Endpoints(replica))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield HTTP(f"http://127.0.0.1:{server.server_address[1]}")
    server.shutdown()
    server.server_close()


def user_envelope(w, c: dict, signature: bytes) -> dict:
    """``c`` from the canister-signature user, signed by the session key it delegated
    to with ``signature`` (a canister signature of the delegation)."""
    return {"content": c, "sender_pubkey": w.key,
            "sender_sig": SESSION.sign(DOMAIN_REQUEST + request_id(c)),
            "sender_delegation": [{"delegation": w.delegation, "signature": signature}]}


def post(http, w, verb: str, body, version: str):
    return http.post(f"/api/{version}/canister/{Principal(w.target).to_text()}/{verb}", body)


@spec("https-interface.md: Authentication")
def test_a_sender_signed_for_by_a_canister_on_a_non_root_subnet_calls_over_http(w, served):
    sender_info = {"info": INFO, "signer": w.signing, "sig": w.signature()}
    c = content("call", w.user, canister_id=w.target, method_name="who", arg=b"",
                nonce=os.urandom(8), sender_info=sender_info)
    status, body = post(served, w, "call", user_envelope(w, c, w.signature()), "v3")
    assert status == 200 and body["status"] == "replied", body
    cert = certificate.decode(body["certificate"])
    assert cert.delegation is None     # the target is on the root subnet
    found = hash_tree.lookup_path([b"request_status", request_id(c), b"reply"], cert.tree)
    assert parse_who(found.value) == (w.user, INFO)
    q = content("query", w.user, canister_id=w.target, method_name="who_query", arg=b"")
    status, body = post(served, w, "query", user_envelope(w, q, w.signature()), "v3")
    assert status == 200 and body["status"] == "replied", body
    assert parse_who(body["reply"]["arg"]) == (w.user, b"")


@spec("https-interface.md: Authentication")
def test_over_http_a_signature_outside_the_delegated_scope_is_refused(w, served):
    """The same user, its delegation signed with a certificate whose delegation reveals
    no canister ranges: 400, the call never reaches the canister."""
    head = [[b"subnet", w.app, b"public_key"], [b"subnet", w.app, b"type"]]
    unscoped = w.signature(w.certificate_with(w.delegation_over(head)))
    c = content("call", w.user, canister_id=w.target, method_name="who", arg=b"",
                nonce=os.urandom(8))
    status, body = post(served, w, "call", user_envelope(w, c, unscoped), "v3")
    assert status == 400 and "delegation" in str(body).lower(), body
