"""Spec.hs scenarios about request envelopes and URL paths, over HTTP to
``pyic replica``: "anonymous user", "wrong url path",
"wrong effective canister id", "query/required fields" and
"read state/required fields"."""

from __future__ import annotations

import pytest
from harness import Reply, ref_test
from ref_agent import (
    ANONYMOUS_USER,
    DEFAULT_SK,
    DEFAULT_USER,
    MANAGEMENT,
    add_expiry,
    add_nonce_expiry_env,
    call_req,
    code2xx,
    code4xx,
    envelope,
    envelope_for,
    mgmt_arg,
    query_req,
    query_response,
    read_state_empty,
    text_id,
)

import pyic.universal as U
from pyic.candid import Principal

RC = "Interface Spec acceptance tests/regular canisters/"


@pytest.fixture
def cid(shared_cid) -> bytes:
    """Every request here is refused, or only replies: the scenarios share one
    universal canister where ic-hs installs one each."""
    return shared_cid


# ------------------------------------------------------------------ anonymous user

@ref_test(RC + "anonymous user/update, sender absent fails")
def test_update_sender_absent_fails(ic, cid):
    req = {"request_type": "call", "canister_id": cid, "method_name": "update",
           "arg": U.run(U.reply_data(U.caller))}
    code4xx(ic.post_call(cid, envelope_for(ANONYMOUS_USER, add_expiry(req))))


@ref_test(RC + "anonymous user/query, sender absent fails")
def test_query_sender_absent_fails(ic, cid):
    req = {"request_type": "query", "canister_id": cid, "method_name": "query",
           "arg": U.run(U.reply_data(U.caller))}
    code4xx(ic.post_query(cid, envelope_for(ANONYMOUS_USER, add_expiry(req))))


@ref_test(RC + "anonymous user/update, sender explicit")
def test_update_sender_explicit(ic, cid):
    req = {"request_type": "call", "canister_id": cid, "sender": ANONYMOUS_USER,
           "method_name": "update", "arg": U.run(U.reply_data(U.caller))}
    assert ic.await_call(cid, req, "v2") == Reply(ANONYMOUS_USER)


@ref_test(RC + "anonymous user/query, sender explicit")
def test_query_sender_explicit(ic, cid):
    req = {"request_type": "query", "canister_id": cid, "sender": ANONYMOUS_USER,
           "method_name": "query", "arg": U.run(U.reply_data(U.caller))}
    assert query_response(ic.query_cbor(cid, req)) == Reply(ANONYMOUS_USER)


# ------------------------------------------------------------------ wrong url path

@ref_test(RC + "wrong url path/call request to query")
def test_call_request_to_query(ic, cid):
    code4xx(ic.post_query(cid, add_nonce_expiry_env(call_req(cid))))


@ref_test(RC + "wrong url path/query request to call")
def test_query_request_to_call(ic, cid):
    code4xx(ic.post_call(cid, add_nonce_expiry_env(query_req(cid))))


@ref_test(RC + "wrong url path/query request to read_state")
def test_query_request_to_read_state(ic, cid):
    code4xx(ic.post_read_state(cid, add_nonce_expiry_env(query_req(cid))))


@ref_test(RC + "wrong url path/read_state request to query")
def test_read_state_request_to_query(ic, cid):
    code4xx(ic.post_query(cid, add_nonce_expiry_env(read_state_empty())))


# ------------------------------------------------------------------ wrong effective canister id

@ref_test(RC + "wrong effective canister id/in call")
def test_wrong_ecid_in_call(ic, ecid, cid):
    cid2 = ic.create(ecid)
    code4xx(ic.post_call(cid2, add_nonce_expiry_env(call_req(cid))))


@ref_test(RC + "wrong effective canister id/in query")
def test_wrong_ecid_in_query(ic, ecid, cid):
    cid2 = ic.create(ecid)
    code4xx(ic.post_query(cid2, add_nonce_expiry_env(query_req(cid))))


@ref_test(RC + "wrong effective canister id/in read_state")
def test_wrong_ecid_in_read_state(ic, ecid, cid):
    cid2 = ic.install(ecid)
    # ic-hs writes the path "canisters" here (a typo of "canister"): a path the
    # state tree does not have is refused for that reason alone; the port asks
    # for cid's real controllers path through cid2.
    code4xx(ic.get_state_cert_(DEFAULT_USER, cid2, [[b"canister", cid, b"controllers"]]))
    code2xx(ic.get_state_cert_(DEFAULT_USER, cid, [[b"canister", cid, b"controllers"]]))


@ref_test(RC + "wrong effective canister id/in mangement call")
def test_wrong_ecid_in_management_call(ic, ecid, cid):
    cid2 = ic.create(ecid)
    req = {"request_type": "call", "sender": DEFAULT_USER, "canister_id": MANAGEMENT,
           "method_name": "canister_status",
           "arg": mgmt_arg("canister_status", canister_id=Principal(cid))}
    code4xx(ic.post_call(cid2, add_nonce_expiry_env(req)))


@ref_test(RC + "wrong effective canister id/non-existing (and likely invalid)")
def test_ecid_not_a_principal(ic, cid):
    code4xx(ic.post_call("foobar", add_nonce_expiry_env(call_req(cid))))


@ref_test(RC + "wrong effective canister id/invalid textual represenation")
def test_ecid_without_dashes(ic, cid):
    path = f"/api/v2/canister/{text_id(cid).replace('-', '')}/call"
    code4xx(ic.post_cbor(path, add_nonce_expiry_env(call_req(cid))))


def _raw_rand(request_type: str) -> dict:
    return {"request_type": request_type, "sender": DEFAULT_USER, "canister_id": MANAGEMENT,
            "method_name": "raw_rand", "arg": b"DIDL\x00\x00"}


@ref_test(
    RC + "wrong effective canister id/using management canister as effective canister id in update"
)
def test_management_ecid_in_update(ic):
    code4xx(ic.post_call(text_id(MANAGEMENT), add_nonce_expiry_env(_raw_rand("call"))))


@ref_test(
    RC + "wrong effective canister id/using management canister as effective canister id in query"
)
def test_management_ecid_in_query(ic):
    code4xx(ic.post_query(text_id(MANAGEMENT), add_nonce_expiry_env(_raw_rand("query"))))


@ref_test(
    RC
    + "wrong effective canister id/using management canister as effective canister id in read_state"
)
def test_management_ecid_in_read_state(ic):
    req = {"request_type": "read_state", "sender": DEFAULT_USER, "paths": [[b"time"]]}
    code4xx(ic.post_read_state(text_id(MANAGEMENT), add_nonce_expiry_env(req)))


# ------------------------------------------------------------------ required fields

# ic-hs's ``omitFields queryToNonExistant`` sends a query to ``doesn'tExist``
# through another canister's URL, signed by a key that is not the sender's:
# every case would be refused for those reasons alone (its own TODO says so).
# The port starts from a query that succeeds (checked) and leaves out one field.

def _good_query(cid: bytes) -> dict:
    return {"request_type": "query", "sender": DEFAULT_USER, "canister_id": cid,
            "method_name": "query", "arg": U.run(U.reply_data(b"nothing to see here"))}


@pytest.mark.parametrize("field", [
    pytest.param(f, marks=ref_test(RC + f"query/required fields/omitting {f}"), id=f)
    for f in ["arg", "canister_id", "method_name", "request_type", "sender"]])
def test_query_required_fields(ic, cid, field):
    good = add_expiry(_good_query(cid))
    assert query_response(code2xx(ic.post_query(cid, envelope(DEFAULT_SK, good))).body) \
        == Reply(b"nothing to see here")
    bad = add_expiry({k: v for k, v in _good_query(cid).items() if k != field})
    code4xx(ic.post_query(cid, envelope(DEFAULT_SK, bad)))


@pytest.mark.parametrize("field", [
    pytest.param(f, marks=ref_test(RC + f"read state/required fields/omitting {f}"), id=f)
    for f in ["paths", "request_type", "sender"]])
def test_read_state_required_fields(ic, cid, field):
    code2xx(ic.post_read_state(cid, envelope(DEFAULT_SK, add_expiry(read_state_empty()))))
    bad = add_expiry({k: v for k, v in read_state_empty().items() if k != field})
    code4xx(ic.post_read_state(cid, envelope(DEFAULT_SK, bad)))
