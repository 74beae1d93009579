"""Spec.hs's "read state" group (certificates, ``/time``, controllers and
module hash, request ids and their access rules, metadata) and the two
metadata scenarios of "WebAssembly module validation", over HTTP."""

from __future__ import annotations

import hashlib

import cbor2
import leb128
import pytest
from harness import Reply, ref_test
from ref_agent import (
    ANONYMOUS_USER,
    DEFAULT_USER,
    MANAGEMENT,
    OTHER_USER,
    add_expiry,
    add_nonce,
    code2xx,
    code4xx,
    envelope_for,
    mgmt_arg,
)

import pyic.universal as U
from pyic.candid import Opt
from pyic.http import certificate
from pyic.http.hash_tree import ABSENT, Found, lookup_path
from pyic.http.request_id import request_id

RC = "Interface Spec acceptance tests/regular canisters/"
RS = RC + "read state/"
TRIVIAL_WASM_MODULE = b"\x00asm\x01\x00\x00\x00"


@pytest.fixture
def cid(shared_cid) -> bytes:
    """These scenarios only read a universal canister installed by the default
    user (and make request ids of their own): they share one."""
    return shared_cid


def cert_value(cert, path) -> bytes:
    """``certValue``: the value at ``path``, which must be there."""
    found = lookup_path(path, cert.tree)
    if not isinstance(found, Found):
        pytest.fail(f"{path!r}: {found!r}")
    return found.value


def as_cbor_blob_list(data: bytes) -> set[bytes]:
    """``asCBORBlobList``, as a set (``isSet``): the controllers' encoding."""
    value = cbor2.loads(data)
    if isinstance(value, cbor2.CBORTag) and value.tag == 55799:
        value = value.value
    assert isinstance(value, (list, tuple)) and all(isinstance(b, bytes) for b in value), value
    return set(value)


# ------------------------------------------------------------------ certificates and time

@ref_test(RS + "certificate validates")
def test_certificate_validates(ic, cid):
    cert = ic.get_state_cert(DEFAULT_USER, cid, [])
    ic.validate_state_cert(cert)
    # and it would not validate with another tree
    forged = certificate.Certificate(
        certificate.decode(code2xx(ic.post_read_state(cid, envelope_for(
            DEFAULT_USER, add_expiry({"request_type": "read_state", "sender": DEFAULT_USER,
                                      "paths": [[b"time"]]})))).body["certificate"]).tree,
        cert.signature)
    assert forged.tree != cert.tree
    assert not certificate.verify_cert(forged, ic.root_key)


@ref_test(RS + "certificate does not validate if canister range check fails")
def test_no_delegation_on_the_root_subnet(ic, cid):
    # ic-hs runs this check only off the root subnet ("unless my_is_root"): a
    # delegated certificate must not validate for a canister outside the
    # delegation's ranges.  pyic is one root subnet: its certificates carry
    # no delegation, so there is no range to check; that is what is asserted.
    cert = ic.get_state_cert(DEFAULT_USER, cid, [])
    assert cert.delegation is None


@ref_test(RS + "time is present")
def test_time_is_present(ic, ecid):
    cid = ic.create(ecid)
    cert = ic.get_state_cert(DEFAULT_USER, cid, [])
    t = leb128.u.decode(cert_value(cert, [b"time"]))
    assert t > 1_600_000_000 * 10 ** 9      # nanoseconds since 1970, after Sep 2020


@ref_test(RS + "time can be asked for")
def test_time_can_be_asked_for(ic, ecid):
    cid = ic.create(ecid)
    cert = ic.get_state_cert(DEFAULT_USER, cid, [[b"time"]])
    assert leb128.u.decode(cert_value(cert, [b"time"])) > 0


# ------------------------------------------------------------------ controllers, module hash

@ref_test(RS + "controller of empty canister")
def test_controller_of_empty_canister(ic, ecid):
    cid = ic.create(ecid)
    cert = ic.get_state_cert(DEFAULT_USER, cid, [[b"canister", cid, b"controllers"]])
    assert as_cbor_blob_list(cert_value(cert, [b"canister", cid, b"controllers"])) \
        == {DEFAULT_USER}


@ref_test(RS + "module_hash of empty canister")
def test_module_hash_of_empty_canister(ic, ecid):
    cid = ic.create(ecid)
    cert = ic.get_state_cert(DEFAULT_USER, cid, [[b"canister", cid, b"module_hash"]])
    assert lookup_path([b"canister", cid, b"module_hash"], cert.tree) == ABSENT


@ref_test(RS + "single controller of installed canister")
def test_single_controller_of_installed_canister(ic, cid):
    cert = ic.get_state_cert(ANONYMOUS_USER, cid, [[b"canister", cid, b"controllers"]])
    assert as_cbor_blob_list(cert_value(cert, [b"canister", cid, b"controllers"])) \
        == {DEFAULT_USER}


@ref_test(RS + "multiple controllers of installed canister")
def test_multiple_controllers(ic, ecid):
    cid = ic.create(ecid, controllers=[DEFAULT_USER, OTHER_USER])
    cert = ic.get_state_cert(DEFAULT_USER, cid, [[b"canister", cid, b"controllers"]])
    assert as_cbor_blob_list(cert_value(cert, [b"canister", cid, b"controllers"])) \
        == {DEFAULT_USER, OTHER_USER}


@ref_test(RS + "zero controllers of installed canister")
def test_zero_controllers(ic, ecid):
    cid = ic.create(ecid, controllers=[])
    cert = ic.get_state_cert(DEFAULT_USER, cid, [[b"canister", cid, b"controllers"]])
    assert as_cbor_blob_list(cert_value(cert, [b"canister", cid, b"controllers"])) == set()


@ref_test(RS + "module_hash of universal canister")
def test_module_hash_of_universal_canister(ic, cid):
    cert = ic.get_state_cert(ANONYMOUS_USER, cid, [[b"canister", cid, b"module_hash"]])
    assert cert_value(cert, [b"canister", cid, b"module_hash"]) \
        == hashlib.sha256(U.universal_canister_wasm()).digest()


# ------------------------------------------------------------------ request ids

@pytest.mark.parametrize("rid", [
    pytest.param(rid, marks=ref_test(RS + f'malformed request id/rid "{rid.hex()}"'), id=rid.hex())
    for rid in [b"", b"foo"]])
def test_malformed_request_id(ic, cid, rid):
    code4xx(ic.get_state_cert_(DEFAULT_USER, cid, [[b"request_status", rid]]))


def _shorten(rid: bytes) -> str:
    """ic-hs names these cases by the first 8 hex digits and ``...``."""
    return rid.hex()[:8] + "..."


@pytest.mark.parametrize("rid", [
    pytest.param(rid, id=rid.hex()[:8],
                 marks=ref_test(RS + "non-existence proofs for non-existing request id/"
                                f'rid "{_shorten(rid)}"'))
    for rid in [bytes(32), b"\x08" * 32, b"\xff" * 32]])
def test_non_existence_proofs(ic, cid, rid):
    cert = ic.get_state_cert(DEFAULT_USER, cid, [[b"request_status", rid]])
    assert lookup_path([b"request_status", rid, b"status"], cert.tree) == ABSENT


def ensure_request_exists(ic, cid: bytes, user: bytes) -> bytes:
    """A call by ``user`` answered ``"\\xff\\xff"``; its request id."""
    req = add_nonce({"request_type": "call", "sender": user, "canister_id": cid,
                     "method_name": "query", "arg": U.run(U.reply_data(b"\xff\xff"))})
    assert ic.await_call(cid, req) == Reply(b"\xff\xff")
    rid = request_id(req)
    assert ic.get_request_status(user, cid, rid) == Reply(b"\xff\xff")
    return rid


@ref_test(RS + "can ask for portion of request status")
def test_portion_of_request_status(ic, cid):
    rid = ensure_request_exists(ic, cid, DEFAULT_USER)
    cert = ic.get_state_cert(DEFAULT_USER, cid, [[b"request_status", rid, b"status"],
                                                 [b"request_status", rid, b"reply"]])
    assert cert_value(cert, [b"request_status", rid, b"status"]) == b"replied"
    assert cert_value(cert, [b"request_status", rid, b"reply"]) == b"\xff\xff"


@ref_test(RS + "access denied for other users request")
def test_other_users_request(ic, cid):
    rid = ensure_request_exists(ic, cid, DEFAULT_USER)
    code4xx(ic.get_state_cert_(OTHER_USER, cid, [[b"request_status", rid]]))


@ref_test(RS + "reading two statuses to same canister in one go")
def test_two_statuses(ic, cid):
    rid1 = ensure_request_exists(ic, cid, DEFAULT_USER)
    rid2 = ensure_request_exists(ic, cid, DEFAULT_USER)
    code4xx(ic.get_state_cert_(DEFAULT_USER, cid, [[b"request_status", rid1],
                                                   [b"request_status", rid2]]))


@ref_test(RS + "access denied for other users request (mixed request)")
def test_other_users_request_mixed(ic, cid):
    rid1 = ensure_request_exists(ic, cid, DEFAULT_USER)
    rid2 = ensure_request_exists(ic, cid, OTHER_USER)
    code4xx(ic.get_state_cert_(DEFAULT_USER, cid, [[b"request_status", rid1],
                                                   [b"request_status", rid2]]))


@ref_test(RS + "access denied for two statuses to different canisters")
def test_two_statuses_two_canisters(ic, ecid, cid):
    cid2 = ecid         # another universal canister of the default user
    rid1 = ensure_request_exists(ic, cid, DEFAULT_USER)
    rid2 = ensure_request_exists(ic, cid2, DEFAULT_USER)
    code4xx(ic.get_state_cert_(DEFAULT_USER, cid, [[b"request_status", rid1],
                                                   [b"request_status", rid2]]))


@ref_test(RS + "access denied with different effective canister id")
def test_request_status_other_ecid(ic, ecid, cid):
    cid2 = ecid         # another universal canister of the default user
    arg = mgmt_arg("provisional_create_canister_with_cycles", amount=Opt(2 ** 60))
    req = add_nonce({"request_type": "call", "sender": DEFAULT_USER, "canister_id": MANAGEMENT,
                     "method_name": "provisional_create_canister_with_cycles", "arg": arg})
    assert isinstance(ic.await_call(cid, req), Reply)
    rid = request_id(req)
    assert isinstance(ic.get_request_status(DEFAULT_USER, cid, rid), Reply)
    code4xx(ic.get_state_cert_(DEFAULT_USER, cid2, [[b"request_status", rid]]))


@ref_test(RS + "access denied for bogus path")
def test_bogus_path(ic, cid):
    code4xx(ic.get_state_cert_(OTHER_USER, cid, [[b"hello", b"world"]]))


@ref_test(RS + "access denied for fetching full state tree")
def test_full_state_tree(ic, cid):
    code4xx(ic.get_state_cert_(OTHER_USER, cid, [[]]))


# ------------------------------------------------------------------ metadata

def with_sections(sections) -> bytes:
    """``withSections``: the trivial module with custom sections appended."""
    out = TRIVIAL_WASM_MODULE
    for name, content in sections:
        name_b = name.encode() if isinstance(name, str) else name
        body = leb128.u.encode(len(name_b)) + name_b + content
        out += b"\x00" + leb128.u.encode(len(body)) + body
    return out


def install_with_sections(ic, ecid, sections) -> bytes:
    cid = ic.create(ecid)
    r = ic.install_module(cid, with_sections(sections))
    assert r == Reply(b"DIDL\x00\x00"), r
    return cid


def metadata(cert, cid: bytes, name: bytes):
    return lookup_path([b"canister", cid, b"metadata", name], cert.tree)


@ref_test(RS + "metadata/absent")
def test_metadata_absent(ic, cid):
    cert = ic.get_state_cert(DEFAULT_USER, cid, [[b"canister", cid, b"metadata", b"foo"]])
    assert metadata(cert, cid, b"foo") == ABSENT


@ref_test(RS + "metadata/public")
def test_metadata_public(ic, ecid):
    cid = install_with_sections(ic, ecid, [("icp:public test", b"bar")])
    for user in (OTHER_USER, ANONYMOUS_USER):
        cert = ic.get_state_cert(user, cid, [[b"canister", cid, b"metadata", b"test"]])
        assert metadata(cert, cid, b"test") == Found(b"bar")


@ref_test(RS + "metadata/private")
def test_metadata_private(ic, ecid):
    cid = install_with_sections(ic, ecid, [("icp:private test", b"bar")])
    for user in (OTHER_USER, ANONYMOUS_USER):
        code4xx(ic.get_state_cert_(user, cid, [[b"canister", cid, b"metadata", b"test"]]))
    cert = ic.get_state_cert(DEFAULT_USER, cid, [[b"canister", cid, b"metadata", b"test"]])
    assert metadata(cert, cid, b"test") == Found(b"bar")


@ref_test(RS + "metadata/invalid utf8 in read_state")
def test_metadata_invalid_utf8_in_read_state(ic, cid):
    code4xx(ic.get_state_cert_(DEFAULT_USER, cid,
                               [[b"canister", cid, b"metadata", b"\xe2\x28\xa1"]]))


@pytest.mark.parametrize("name", [
    pytest.param("☃️", marks=ref_test(RS + "metadata/unicode metadata name"), id="unicode"),
    pytest.param("", marks=ref_test(RS + "metadata/zero-length metadata name"), id="empty"),
    pytest.param("metadata section name with spaces",
                 marks=ref_test(RS + "metadata/metadata section name with spaces"), id="spaces"),
])
def test_metadata_names(ic, ecid, name):
    cid = install_with_sections(ic, ecid, [(f"icp:public {name}", b"bar")])
    path = [b"canister", cid, b"metadata", name.encode()]
    cert = ic.get_state_cert(ANONYMOUS_USER, cid, [path])
    assert lookup_path(path, cert.tree) == Found(b"bar")


@pytest.mark.parametrize("name", [
    pytest.param("", marks=ref_test(RC + "WebAssembly module validation/empty custom section name"),
                 id="empty"),
    pytest.param("name with spaces",
                 marks=ref_test(
                     RC + "WebAssembly module validation/custom section name with spaces"),
                 id="spaces"),
])
def test_module_validation_metadata(ic, ecid, name):
    cid = install_with_sections(ic, ecid, [(f"icp:public {name}", b"a")])
    path = [b"canister", cid, b"metadata", name.encode()]
    cert = ic.get_state_cert(OTHER_USER, cid, [path])
    assert lookup_path(path, cert.tree) == Found(b"a")
