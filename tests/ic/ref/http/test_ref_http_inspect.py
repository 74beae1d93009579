"""Spec.hs's "canister_inspect_message" group over HTTP: a call the IC
refuses at submission is, in ic-hs's ``isNoErrReject``, an HTTP 2xx whose
body is a reject (``/api/v2/.../call``: 200 ``{reject_code, reject_message,
error_code}``), not an HTTP error; an accepted one is 202 and then polled.
(tests/ic/ref part c ports the same scenarios through `pyic.testing.PocketIC`.)"""

from __future__ import annotations

import hashlib

import pytest
from _c_helpers import ECDSA_PUBLIC_KEY_ARG, HTTP_GET_ARG, sign_with_ecdsa_arg
from harness import Rejected, Reply, ref_test
from ref_agent import (
    DEFAULT_USER,
    MANAGEMENT,
    OTHER_USER,
    Resp,
    add_expiry,
    add_nonce,
    call_req,
    envelope_for,
    mgmt_arg,
)

import pyic.universal as U
from pyic.candid import Principal
from pyic.http.request_id import request_id

G = "Interface Spec acceptance tests/regular canisters/canister_inspect_message/"


def call_v2_(ic, ecid, req: dict):
    """``awaitCall'``: a `Resp` for an HTTP error; a 2xx body is a refusal
    (`Rejected`); a 202 is polled to its answer."""
    add_expiry(add_nonce(req))
    r = ic.post_call(ecid, envelope_for(req["sender"], req))
    if not r.is_2xx:
        return r
    if r.body:
        assert r.status == 200, r
        return Rejected(r.body["reject_code"], r.body["reject_message"], r.body.get("error_code"))
    assert r.status == 202, r
    return ic.await_status(req["sender"], ecid, request_id(req))


def is_no_err_reject(codes, r) -> Rejected:
    """``isNoErrReject``: a reject, not an HTTP error."""
    if isinstance(r, Resp):
        pytest.fail(f"expected a reject, got HTTP status {r.status}: {r.body!r:.300}")
    if not isinstance(r, Rejected) or r.code not in codes:
        pytest.fail(f"expected a reject with code in {codes}, got {r!r}")
    return r


def call__(ic, cid, prog, sender=DEFAULT_USER):
    """``call''``: the universal canister's ``update`` method."""
    return call_v2_(ic, cid, call_req(cid, prog, sender))


def call_to_query__(ic, cid, prog, sender=DEFAULT_USER):
    """``callToQuery''``: its ``query`` method, called as an update."""
    return call_v2_(ic, cid, call_req(cid, prog, sender, method="query"))


def ic00__(ic, user, ecid, method, arg):
    return call_v2_(ic, ecid, {"request_type": "call", "sender": user,
                               "canister_id": MANAGEMENT, "method_name": method, "arg": arg})


def inspecting(ic, ecid, prog) -> bytes:
    return ic.install(ecid, U.on_inspect_message(U.callback(prog)))


@ref_test(G + "empty canister")
def test_empty_canister(ic, ecid):
    # ic-hs expects DESTINATION_INVALID (3); the v0.66.0 spec refuses the
    # message at submission ("API Request submission" wants a module) and
    # fixes no code (pyic: CANISTER_ERROR, IC0537), as part c's port notes.
    cid = ic.create(ecid)
    is_no_err_reject([3, 5], call__(ic, cid, U.reply))
    is_no_err_reject([3, 5], call_to_query__(ic, cid, U.reply))


@ref_test(G + "accept all")
def test_accept_all(ic, ecid):
    cid = inspecting(ic, ecid, U.accept_message)
    assert call__(ic, cid, U.reply) == Reply(b"")
    assert call_to_query__(ic, cid, U.reply) == Reply(b"")


@ref_test(G + "no accept_message")
def test_no_accept_message(ic, ecid):
    cid = inspecting(ic, ecid, U.noop)
    is_no_err_reject([4], call__(ic, cid, U.reply))
    is_no_err_reject([4], call_to_query__(ic, cid, U.reply))
    # inter-canister calls still work
    cid2 = ecid
    data = ic.call(cid2, U.inter_update(cid))
    assert data[:4] == b"\x00\x00\x00\x00", data
    assert data[4:] == b"Hello " + cid2 + b" this is " + cid


@ref_test(G + "two calls to accept_message")
def test_two_calls_to_accept_message(ic, ecid):
    cid = inspecting(ic, ecid, U.accept_message >> U.accept_message)
    is_no_err_reject([5], call__(ic, cid, U.reply))
    is_no_err_reject([5], call_to_query__(ic, cid, U.reply))


@ref_test(G + "trap")
def test_trap(ic, ecid):
    cid = inspecting(ic, ecid, U.trap(b"no no no"))
    is_no_err_reject([5], call__(ic, cid, U.reply))
    is_no_err_reject([5], call_to_query__(ic, cid, U.reply))


@ref_test(G + "method_name correct")
def test_method_name_correct(ic, ecid):
    cid = inspecting(ic, ecid, U.trap_if_eq(U.method_name, b"update", b"no no no")
                     >> U.accept_message)
    is_no_err_reject([5], call__(ic, cid, U.reply))
    assert call_to_query__(ic, cid, U.reply) == Reply(b"")


@ref_test(G + "caller correct")
def test_caller_correct(ic, ecid):
    cid = inspecting(ic, ecid, U.trap_if_eq(U.caller, DEFAULT_USER, b"no no no")
                     >> U.accept_message)
    is_no_err_reject([5], call__(ic, cid, U.reply))
    is_no_err_reject([5], call_to_query__(ic, cid, U.reply))
    assert call__(ic, cid, U.reply, OTHER_USER) == Reply(b"")
    assert call_to_query__(ic, cid, U.reply, OTHER_USER) == Reply(b"")


@ref_test(G + "arg correct")
def test_arg_correct(ic, ecid):
    cid = inspecting(ic, ecid, U.trap_if_eq(U.arg_data, U.callback(U.reply), b"no no no")
                     >> U.accept_message)
    is_no_err_reject([5], call__(ic, cid, U.reply))
    is_no_err_reject([5], call_to_query__(ic, cid, U.reply))
    assert call__(ic, cid, U.reply_data(b"foo")) == Reply(b"foo")
    assert call_to_query__(ic, cid, U.reply_data(b"foo")) == Reply(b"foo")


@pytest.mark.parametrize("method,arg", [
    pytest.param("raw_rand", b"DIDL\x00\x00", id="raw_rand",
                 marks=ref_test(G + "management canister: raw_rand not accepted")),
    pytest.param("http_request", HTTP_GET_ARG, id="http_request",
                 marks=ref_test(G + "management canister: http_request not accepted")),
    pytest.param("ecdsa_public_key", ECDSA_PUBLIC_KEY_ARG, id="ecdsa_public_key",
                 marks=ref_test(G + "management canister: ecdsa_public_key not accepted")),
    pytest.param("sign_with_ecdsa", sign_with_ecdsa_arg(hashlib.sha256(b"dummy").digest()),
                 id="sign_with_ecdsa",
                 marks=ref_test(G + "management canister: sign_with_ecdsa not accepted")),
])
def test_management_not_accepted(ic, ecid, method, arg):
    # ic-hs expects a 200 reject with code 4.  These methods are not in
    # "API Request submission"'s list of what users may call, and their
    # arguments name no canister, so by https-interface.md "Effective canister
    # id" the call "is rejected by the system independently of the effective
    # canister id": a reject (the 200 of "Request: Asynchronous Call"), not an
    # HTTP error.
    is_no_err_reject([4], ic00__(ic, DEFAULT_USER, ecid, method, arg))


@ref_test(G + "management canister: deposit_cycles not accepted")
def test_management_deposit_cycles_not_accepted(ic, cid):
    is_no_err_reject([4], ic00__(ic, DEFAULT_USER, cid, "deposit_cycles",
                                 mgmt_arg("deposit_cycles", canister_id=Principal(cid))))


@ref_test(G + "management canister: wrong sender not accepted")
def test_management_wrong_sender_not_accepted(ic, cid):
    is_no_err_reject([5], ic00__(ic, OTHER_USER, cid, "canister_status",
                                 mgmt_arg("canister_status", canister_id=Principal(cid))))
