"""``Spec.hs``, testGroup "canister_inspect_message": which ingress update
calls a canister lets in (interface spec, canister-interface.md "Ingress
message inspection"; abstract-behavior.md "API Request submission").

The IC refusing a message at submission is, in ic-hs's ``isNoErrReject``, a
reject with a code (over HTTP: a 200 ``non_replicated_rejection``); here the
refusal is the `Reject` that submission raises.
"""

from __future__ import annotations

import hashlib

import pyic.universal as uc
from harness import (
    DEFAULT_USER, OTHER_USER, Rejected, is_err_or_reject, is_relay, is_reject, is_reply,
    ref_test,
)
from _c_helpers import (
    ECDSA_PUBLIC_KEY_ARG, HTTP_GET_ARG, SPEC_ROOT, canister_id_arg, refused_, sign_with_ecdsa_arg,
)

G = SPEC_ROOT + "canister_inspect_message/"

# The spec does not fix the reject code of a refused ingress message
# (https-interface.md: "non_replicated_rejection" carries *a* reject code);
# its "Reject codes" list makes a trap CANISTER_ERROR (5) and an explicit
# refusal CANISTER_REJECT (4), as ic-hs asserts.


def refused(ref, cid: bytes, prog: uc.Prog, method: str = "update") -> Rejected:
    """``call'' cid prog`` (or ``callToQuery''``) refused at submission."""
    return refused_(ref, cid, method, uc.run(prog))


def refused_ic00(ref, user: bytes, ecid: bytes, method: str, arg: bytes) -> Rejected:
    """``ic_…'' user ecid``: an ingress call of aaaaa-aa refused at submission."""
    return refused_(ref, None, method, arg, user=user, ecid=ecid)


def inspecting(ref, prog: uc.Prog) -> bytes:
    """``install ecid $ onInspectMessage $ callback prog``."""
    return ref.install(uc.on_inspect_message(uc.callback(prog)))


@ref_test(G + "empty canister")
def test_empty_canister(ref):
    # ic-hs expects DESTINATION_INVALID (3).  The v0.66.0 spec only says the
    # message is not accepted (canister-interface.md "Ingress message
    # inspection"; "API Request submission" asks for a non-empty canister)
    # and fixes no code, so any code passes (pyic: CANISTER_ERROR, IC0537).
    cid = ref.create()
    is_err_or_reject([], refused(ref, cid, uc.reply))
    is_err_or_reject([], refused(ref, cid, uc.reply, "query"))


@ref_test(G + "accept all")
def test_accept_all(ref):
    cid = inspecting(ref, uc.accept_message)
    ref.call_unit(cid, uc.reply)
    assert is_reply(ref.call_to_query_(cid, uc.reply)) == b""


@ref_test(G + "no accept_message")
def test_no_accept_message(ref):
    cid = inspecting(ref, uc.noop)
    is_reject([4], refused(ref, cid, uc.reply))
    is_reject([4], refused(ref, cid, uc.reply, "query"))
    # inter-canister calls are not inspected (canister-interface.md)
    cid2 = ref.install()
    r = ref.call(cid2, uc.inter_update(cid))
    assert is_reply(is_relay(r)) == b"Hello " + cid2 + b" this is " + cid


@ref_test(G + "two calls to accept_message")
def test_two_calls_to_accept_message(ref):
    # canister-interface.md: ic0.accept_message traps if invoked twice.
    cid = inspecting(ref, uc.accept_message >> uc.accept_message)
    is_reject([5], refused(ref, cid, uc.reply))
    is_reject([5], refused(ref, cid, uc.reply, "query"))


@ref_test(G + "trap")
def test_trap(ref):
    cid = inspecting(ref, uc.trap(b"no no no"))
    is_reject([5], refused(ref, cid, uc.reply))
    is_reject([5], refused(ref, cid, uc.reply, "query"))


@ref_test(G + "method_name correct")
def test_method_name_correct(ref):
    cid = inspecting(ref, uc.trap_if_eq(uc.method_name, b"update", b"no no no")
                     >> uc.accept_message)
    is_reject([5], refused(ref, cid, uc.reply))
    assert is_reply(ref.call_to_query_(cid, uc.reply)) == b""


@ref_test(G + "caller correct")
def test_caller_correct(ref):
    cid = inspecting(ref, uc.trap_if_eq(uc.caller, DEFAULT_USER, b"no no no")
                     >> uc.accept_message)
    is_reject([5], refused(ref, cid, uc.reply))
    is_reject([5], refused(ref, cid, uc.reply, "query"))
    assert is_reply(ref.call_as_(OTHER_USER, cid, uc.reply)) == b""
    assert is_reply(ref.call_as_(OTHER_USER, cid, uc.reply, method="query")) == b""


@ref_test(G + "arg correct")
def test_arg_correct(ref):
    cid = inspecting(ref, uc.trap_if_eq(uc.arg_data, uc.callback(uc.reply), b"no no no")
                     >> uc.accept_message)
    is_reject([5], refused(ref, cid, uc.reply))
    is_reject([5], refused(ref, cid, uc.reply, "query"))
    assert ref.call(cid, uc.reply_data(b"foo")) == b"foo"
    assert is_reply(ref.call_to_query_(cid, uc.reply_data(b"foo"))) == b"foo"


# ------------------------------------------------------------------ the management canister
# abstract-behavior.md "API Request submission": only some management methods
# may be called by ingress, and canister_status only by whom may read it.

@ref_test(G + "management canister: raw_rand not accepted")
def test_management_raw_rand_not_accepted(ref):
    ecid = ref.install()
    is_reject([4], refused_ic00(ref, DEFAULT_USER, ecid, "raw_rand", b"DIDL\x00\x00"))


@ref_test(G + "management canister: http_request not accepted")
def test_management_http_request_not_accepted(ref):
    ecid = ref.install()
    is_reject([4], refused_ic00(ref, DEFAULT_USER, ecid, "http_request", HTTP_GET_ARG))


@ref_test(G + "management canister: ecdsa_public_key not accepted")
def test_management_ecdsa_public_key_not_accepted(ref):
    ecid = ref.install()
    is_reject([4], refused_ic00(ref, DEFAULT_USER, ecid, "ecdsa_public_key",
                                 ECDSA_PUBLIC_KEY_ARG))


@ref_test(G + "management canister: sign_with_ecdsa not accepted")
def test_management_sign_with_ecdsa_not_accepted(ref):
    ecid = ref.install()
    arg = sign_with_ecdsa_arg(hashlib.sha256(b"dummy").digest())
    is_reject([4], refused_ic00(ref, DEFAULT_USER, ecid, "sign_with_ecdsa", arg))


@ref_test(G + "management canister: deposit_cycles not accepted")
def test_management_deposit_cycles_not_accepted(ref):
    cid = ref.install()
    is_reject([4], refused_ic00(ref, DEFAULT_USER, cid, "deposit_cycles", canister_id_arg(cid)))


@ref_test(G + "management canister: wrong sender not accepted")
def test_management_wrong_sender_not_accepted(ref):
    cid = ref.install()
    is_reject([5], refused_ic00(ref, OTHER_USER, cid, "canister_status", canister_id_arg(cid)))
