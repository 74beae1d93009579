"""Helpers of the part-"a" ports of ic-hs's ``Spec.hs`` (its lines 1–1119):
test modules written as WAT, the message hold of ``Utils.hs``, requests
submitted without waiting, and the extra users of ``Agent.hs``.

ic-hs reads its small test modules from ``test-data/`` (binaries not
published); here each is written from its name as WAT and assembled by pyic's
own text parser and binary encoder.  Custom sections have no WAT syntax pyic
reads, so `with_custom_sections` appends them to the binary (a custom section
may appear anywhere, Wasm 2.0 §5.5.3).
"""

from __future__ import annotations

import leb128
from attrs import frozen

from pyic.errors import Reject
from pyic.candid import Principal, Record, encode
from pyic.ic.management.args import interface, method_types
from pyic.ic.rules import ingress
from pyic.wasm.binary import encode_module
from pyic.wasm.text import parse_module

import pyic.universal as uc
import harness
from harness import DEFAULT_USER, _respond

#: The root ``testGroup`` of ``icTests``, and the group most scenarios sit in.
SPEC_ROOT = "Interface Spec acceptance tests/"
RC = SPEC_ROOT + "regular canisters/"

#: ``ecdsaUser`` / ``secp256k1User`` of ic-hs: two more self-authenticating
#: principals (their keys do not matter without signatures).
ECDSA_USER = bytes(range(201, 229)) + b"\x02"
SECP256K1_USER = bytes(range(11, 39)) + b"\x02"


# ------------------------------------------------------------------ test modules


def wasm_of(wat: str) -> bytes:
    """A module in the text format, assembled by pyic."""
    return encode_module(parse_module(wat))


def custom_section(name: str, payload: bytes) -> bytes:
    """A custom section (id 0): its name as a Wasm ``name``, then the payload."""
    raw_name = name.encode()
    body = bytes(leb128.u.encode(len(raw_name))) + raw_name + payload
    return b"\x00" + bytes(leb128.u.encode(len(body))) + body


def with_custom_sections(wasm: bytes, sections) -> bytes:
    """``wasm`` with the custom sections ``(name, payload)`` appended."""
    return wasm + b"".join(custom_section(n, p) for n, p in sections)


#: The smallest module: no sections.
EMPTY_MODULE = wasm_of("(module)")


# ------------------------------------------------------------------ requests not awaited


@frozen
class Refused:
    """The IC would not accept the request (over HTTP: an error status, not a
    reject response); what ``isErrOrReject`` accepts whatever the code."""
    code: int
    message: str


def call_method(ref, cid: bytes, method: str, arg: bytes = b"", sender: bytes = DEFAULT_USER):
    """``awaitCall'`` of a ``call`` request for any method: `Refused` if the IC
    does not accept the request, else the `Reply` or `Rejected`."""
    try:
        request = ref.pic.submit_call(cid, method, arg, sender=sender)
    except Reject as r:
        return Refused(r.reject_code, r.message)
    return await_status(ref, request)


def is_err_or_reject(codes, r) -> None:
    """``isErrOrReject codes``: a refused request, or a reject with a code in
    ``codes`` (any code if ``codes`` is empty)."""
    if isinstance(r, Refused):
        return
    harness.is_err_or_reject(codes, r)


def submit(ref, cid: bytes | None, method: str, arg: bytes, sender: bytes = DEFAULT_USER):
    """``submitCall``: the request, not awaited (the IC may refuse it: `Reject`)."""
    return ref.pic.submit_call(cid, method, arg, sender=sender)


def submit_prog(ref, cid: bytes, prog: uc.Prog):
    """``submitCall cid (callRequest cid prog)``."""
    return submit(ref, cid, "update", uc.run(prog))


def stop_request(ref, cid: bytes):
    """``submitCall cid (stopRequest cid)``: ``stop_canister`` by ingress, not awaited."""
    arg_types, _ = method_types("stop_canister")
    arg = encode((Record.of(canister_id=Principal(cid)),), arg_types, interface().env)
    return submit(ref, None, "stop_canister", arg)


def await_known(ref, request, rounds: int = 3):
    """``awaitKnown``: let the IC run a few rounds; the status (``None`` while
    the request is received or processing)."""
    ref.pic.tick(rounds)
    return ref.pic.ingress_status(request)


def is_pending_or_processing(status) -> None:
    """``isPendingOrProcessing``: the request has no response yet."""
    assert status is None, f"expected a pending request, got {status!r}"


def await_status(ref, request):
    """``awaitStatus``: run until the request is answered; `Reply` or `Rejected`."""
    return _respond(ref.pic.await_call, request)


def message_hold(ref):
    """``createMessageHold``: a program whose call does not complete until
    ``release()``.  It calls a hold canister, its own controller, which then
    asks ``aaaaa-aa`` to stop it: the stop waits for that very call to end, so
    the call hangs until a start (``release``) rejects the pending stop and the
    hold canister's reject callback replies."""
    cid = ref.install(uc.noop)
    ref.ic_set_controllers(ref.ic00, cid, [DEFAULT_USER, cid])
    stop_arg = encode((Record.of(canister_id=Principal(cid)),),
                      method_types("stop_canister")[0], interface().env)
    hold = uc.inter_update(cid, uc.CallArgs(
        other_side=uc.call_new(uc.bytes_(b""), uc.bytes_(b"stop_canister"),
                               uc.callback(uc.trap(b"createMessageHold: stopping succeeded?")),
                               uc.callback(uc.reply))
        >> uc.call_data_append(uc.bytes_(stop_arg))
        >> uc.call_perform,
        on_reply=uc.reply))

    def release() -> None:
        ref.ic_start_canister(ref.ic00, cid)
    return hold, release


def submit_twice(ref, cid: bytes, prog: uc.Prog):
    """``callTwice'``: the same request (same nonce) submitted twice, then
    awaited.  pyic refuses the second submission as a duplicate; either way
    the IC must act on it once."""
    request = ref.pic.submit_call(cid, "update", uc.run(prog))
    ic = ref.pic.ic
    try:
        ic.state = ingress.submit_request(ic.state, request, cid, ic.cfg)
    except ingress.RequestRefused:
        pass
    return await_status(ref, request)


# ------------------------------------------------------------------ assertions


def is_set(expected, actual) -> None:
    """``isSet``: the same elements, order and repetition aside."""
    assert set(expected) == set(actual), f"{sorted(expected)} != {sorted(actual)}"


def controllers_of(status: dict) -> list[bytes]:
    return [p.bytes for p in status["settings"]["controllers"]]
