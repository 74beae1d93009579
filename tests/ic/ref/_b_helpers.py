"""Helpers of the part-"b" ports of ic-hs's conformance suite (Spec.hs
"inter-canister calls" .. "query", and Spec/{Timer,CanisterVersion,
CanisterHistory}.hs): what those modules define locally in Haskell, plus the
few agent-level steps (submit without waiting, poll) that `harness.Ref` does
not offer.

ic-hs waits on wall-clock time and polls over HTTP; here time is the IC's own
(`PocketIC.get_time`) and "waiting" is running rounds, bounded, so a test that
waits forever fails instead of hanging.
"""

from __future__ import annotations

import struct

import pytest

from pyic.candid import Opt, Principal, Record, Variant, encode
from pyic.errors import Reject
from pyic.ic.management.args import interface, method_types

import pyic.universal as uc
from pyic.universal import CallArgs, Prog, callback, noop
from harness import DEFAULT_USER, Ref, Rejected, Reply

#: The testGroup path every scenario of this part sits under; `ref_test`
#: names are full paths from the suite's root.
SPEC_ROOT = "Interface Spec acceptance tests/regular canisters/"

#: Rounds a `wait_for` may run before the test fails (ic-hs's ``waitFor``
#: polls for minutes of wall-clock time; pyic needs a handful of rounds).
MAX_WAIT_ROUNDS = 20


def blob64(n: int) -> bytes:
    """``toLazyByteString . word64LE``: ``n`` as 8 little-endian bytes."""
    return struct.pack("<Q", n)


# ------------------------------------------------------------------ the harness, fixed


class RefB(Ref):
    """`Ref` with one fix: the harness writes an absent optional field as
    ``Opt(None)``, which pyic's Candid encodes as a *present* option holding
    ``None`` and refuses (the absent option is plain ``None``).  Top-level
    ``Opt(None)`` fields are sent absent here.  (Reported to the lead; once
    harness.py is fixed this changes nothing.)"""

    def ic_call_(self, ic00, method: str, **fields):
        fields = {k: (None if isinstance(v, Opt) and v.value is None else v)
                  for k, v in fields.items()}
        return super().ic_call_(ic00, method, **fields)


# ------------------------------------------------------------------ time and waiting


def now(ref: Ref) -> int:
    """The IC's current time, in nanoseconds (ic-hs reads the wall clock)."""
    return ref.pic.get_time()["nanos_since_epoch"]


def wait_for(ref: Ref, probe, what: str):
    """``waitFor``: run ``probe`` until it returns something other than None,
    executing one round between attempts; fails after `MAX_WAIT_ROUNDS`."""
    for _ in range(MAX_WAIT_ROUNDS):
        got = probe()
        if got is not None:
            return got
        ref.pic.tick()
    pytest.fail(f"gave up waiting for {what} after {MAX_WAIT_ROUNDS} rounds")


def attempt_system_tasks(ref: Ref, cid: bytes) -> None:
    """ic-hs's ``call_ cid reply >> call_ cid reply``, "to make sure that
    heartbeats [and global timers] have been attempted": it relies on every
    implementation running a round of system tasks before the second call.
    The spec promises no such thing, and pyic's ingress calls run no round
    when nothing waits (pocket-ic's do), so a round is run explicitly too."""
    ref.call_unit(cid, uc.reply)
    ref.call_unit(cid, uc.reply)
    ref.pic.tick()


# ------------------------------------------------------------------ management calls


def ic00_arg(method: str, **fields) -> bytes:
    """The Candid argument of ``aaaaa-aa.method`` (a record of ``fields``;
    ``None`` fields left out)."""
    arg_types, _ = method_types(method)
    record = Record.of({k: v for k, v in fields.items() if v is not None})
    return encode((record,), arg_types, interface().env)


def install_code_(ref: Ref, ic00, mode: str, cid: bytes, wasm: bytes, arg: bytes,
                  sender_canister_version: int | None = None):
    """``ic_install_with_sender_canister_version'``: install_code with the
    optional ``sender_canister_version`` field."""
    return ref.ic_call_(ic00, "install_code", mode=Variant.of(mode, None),
                        canister_id=Principal(cid), wasm_module=bytes(wasm), arg=bytes(arg),
                        sender_canister_version=(Opt(sender_canister_version)
                                                 if sender_canister_version is not None
                                                 else None))


def submit_call(ref: Ref, cid: bytes, prog: Prog, user: bytes = DEFAULT_USER):
    """``submitCall cid (callRequest cid prog)``: an ingress call of ``update``
    submitted, not awaited.  The request, to poll with `status`."""
    return ref.pic.submit_call(cid, "update", uc.run(prog), sender=user)


def _refused(submit):
    try:
        request = submit()
    except Reject as r:
        return Rejected(r.reject_code, r.message, r.error_code)
    pytest.fail(f"the IC accepted the call (request {request!r}); it should refuse it")


def submission_refused(ref: Ref, cid: bytes, prog: Prog, user: bytes = DEFAULT_USER):
    """An ingress call of ``update`` that the IC must not accept ("API Request
    submission"; over HTTP, an error status): pyic refuses it at submission,
    raising `Reject`.  The refusal, as `Rejected`."""
    return _refused(lambda: ref.pic.submit_call(cid, "update", uc.run(prog), sender=user))


def submission_refused_ic00(ref: Ref, method: str, user: bytes = DEFAULT_USER, **fields):
    """`submission_refused` for a call to the management canister."""
    return _refused(lambda: submit_ic00(ref, method, user, **fields))


def submit_ic00(ref: Ref, method: str, user: bytes = DEFAULT_USER, **fields):
    """An ingress call to the management canister submitted, not awaited
    (``submitCall cid (stopRequest cid)`` for ``stop_canister``)."""
    return ref.pic.submit_call(None, method, ic00_arg(method, **fields), sender=user)


def status(ref: Ref, request):
    """``getRequestStatus``: None while the request is pending or processing,
    else its `Reply` or `Rejected`."""
    s = ref.pic.ingress_status(request)
    if s is None:
        return None
    if isinstance(s, (bytes, bytearray)):
        return Reply(bytes(s))
    return Rejected(s.reject_code, s.message, s.error_code)


def await_known_pending(ref: Ref, request, rounds: int = 3) -> None:
    """``awaitKnown req >>= isPendingOrProcessing``: after a few rounds, the
    request is still unanswered."""
    ref.pic.tick(rounds)
    s = status(ref, request)
    if s is not None:
        pytest.fail(f"expected the request to be pending, it is answered: {s!r}")


def await_status(ref: Ref, request):
    """``awaitStatus``: run rounds until the request is answered."""
    return wait_for(ref, lambda: status(ref, request), "a request's response")


def create_message_hold(ref: Ref) -> tuple[Prog, object]:
    """``createMessageHold`` of Utils.hs: a program whose call is not answered
    until ``release()``.  The "stopper" canister, its own controller, tells
    ``aaaaa-aa`` to stop itself; that cannot finish while the stop call's own
    call context is open, so the call hangs until a ``start_canister`` rejects
    the pending stop."""
    cid = ref.install(noop)
    ref.ic_set_controllers(ref.ic00, cid, [DEFAULT_USER, cid])
    hold = uc.inter_update(cid, CallArgs(
        other_side=(uc.call_new(uc.bytes_(b""), uc.bytes_(b"stop_canister"),
                                callback(uc.trap(b"createMessageHold: stopping succeeded?")),
                                callback(uc.reply))
                    >> uc.call_data_append(uc.bytes_(ic00_arg("stop_canister",
                                                              canister_id=Principal(cid))))
                    >> uc.call_perform),
        on_reply=uc.reply))

    def release() -> None:
        ref.ic_start_canister(ref.ic00, cid)

    return hold, release


# ------------------------------------------------------------------ certified data


def extract_cert_data(cid: bytes, certificate: bytes) -> bytes:
    """``extractCertData cid``: the certified data of ``cid`` in a query's data
    certificate (certification.md): the value at ``/canister/<cid>/certified_data``
    of its tree.  The signature is checked by tests/http (a pairing takes a
    second); here a blob that is no certificate, or lacks the path, fails."""
    from pyic.http.certificate import decode
    from pyic.http.hash_tree import Found, lookup_path
    found = lookup_path([b"canister", cid, b"certified_data"], decode(certificate).tree)
    if not isinstance(found, Found):
        pytest.fail(f"the data certificate does not reveal the certified data: {found}")
    return found.value


# ------------------------------------------------------------------ canister history


def from_user(user: bytes):
    return ("from_user", bytes(user))


def from_canister(cid: bytes, version: int | None):
    return ("from_canister", bytes(cid), version)


def creation(controllers):
    return ("creation", _controller_set(controllers))


def code_deployment(mode: str, module_hash: bytes):
    return ("code_deployment", mode, bytes(module_hash))


CODE_UNINSTALL = ("code_uninstall",)


def controllers_change(controllers):
    return ("controllers_change", _controller_set(controllers))


def _controller_set(ps) -> tuple:
    """Controllers are a set in the spec (``S.controllers``); ic-hs's expected
    order is its principals' sort order.  Compare as sorted, deduplicated."""
    return tuple(sorted({bytes(p.bytes if isinstance(p, Principal) else p) for p in ps}))


def _origin(o) -> tuple:
    if isinstance(o, dict) and "from_user" in o:
        return from_user(o["from_user"]["user_id"].bytes)
    if isinstance(o, dict) and "from_canister" in o:
        f = o["from_canister"]
        return from_canister(f["canister_id"].bytes, f["canister_version"])
    pytest.fail(f"unknown change origin {o!r}")


def _details(d) -> tuple:
    if d == "code_uninstall":
        return CODE_UNINSTALL
    if isinstance(d, dict) and "creation" in d:
        return creation(d["creation"]["controllers"])
    if isinstance(d, dict) and "code_deployment" in d:
        c = d["code_deployment"]
        return code_deployment(c["mode"], c["module_hash"])
    if isinstance(d, dict) and "controllers_change" in d:
        return controllers_change(d["controllers_change"]["controllers"])
    pytest.fail(f"unexpected change details {d!r}")


def check_history(info: dict, total: int, changes: list) -> None:
    """``check_history resp total cs`` of CanisterHistory.hs: the total number
    of changes, and the recent changes as ``(canister_version, origin,
    details)`` triples, oldest first."""
    assert info["total_num_changes"] == total
    got = [(c["canister_version"], _origin(c["origin"]), _details(c["details"]))
           for c in info["recent_changes"]]
    assert got == [(v, o, d) for v, o, d in changes]
