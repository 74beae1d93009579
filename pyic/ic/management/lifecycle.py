"""Management methods on a canister's status (interface spec, "Abstract behavior"):
"Stopping a canister", "Starting a canister", "Canister deletion".
"""

from __future__ import annotations

from ..canister import CANISTER_ERROR, RejectResponse, Reply
from ..principal_text import principal_text
from ..state import (
    RUNNING, STOPPED, ResponseMessage, S, Stopping, delete_from, with_canister, evolve,
)
from . import MgmtReject, Outcome, method, target
from .args import encode_result


@method("stop_canister", "controllers")
def stop_canister(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Stopping a canister", first part: running or
    stopping -> stopping, remembering the call; an already stopped canister
    answers at once."""
    cid = target(state, args)
    c = state.canisters[cid]
    version = c.canister_version + 1
    if c.canister_status == STOPPED:
        state = with_canister(state, cid, canister_version=version)
        return Outcome(state, Reply(encode_result("stop_canister")), cm.transferred_cycles)
    origins = c.canister_status.origins if isinstance(c.canister_status, Stopping) else ()
    status = Stopping(origins + ((cm.origin, cm.transferred_cycles),))
    state = with_canister(state, cid, canister_status=status, canister_version=version)
    return Outcome(state, None)  # answered when the canister has stopped


def stopping_to_stopped(state: S, canister_id: bytes) -> S | None:
    """"IC Management Canister: Stopping a canister", second part: a stopping
    canister without call contexts is stopped; the pending calls are answered."""
    c = state.canisters.get(canister_id)
    if c is None or not isinstance(c.canister_status, Stopping):
        return None
    if any(ctxt.canister == canister_id for ctxt in state.call_contexts.values()):
        return None
    reply = Reply(encode_result("stop_canister"))
    responses = tuple(ResponseMessage(origin, reply, cycles)
                      for origin, cycles in c.canister_status.origins)
    state = with_canister(state, canister_id, canister_status=STOPPED,
                          canister_version=c.canister_version + 1)
    return evolve(state, messages=state.messages + responses)


@method("start_canister", "controllers")
def start_canister(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Starting a canister": the pending stop calls of a
    stopping canister are rejected."""
    cid = target(state, args)
    c = state.canisters[cid]
    rejected = ()
    if isinstance(c.canister_status, Stopping):
        reject = RejectResponse(CANISTER_ERROR,
                                f"Canister {principal_text(cid)} has been restarted", "IC0511")
        rejected = tuple(ResponseMessage(origin, reject, cycles)
                         for origin, cycles in c.canister_status.origins)
    state = with_canister(state, cid, canister_status=RUNNING,
                          canister_version=c.canister_version + 1)
    state = evolve(state, messages=state.messages + rejected)
    return Outcome(state, Reply(encode_result("start_canister")), cm.transferred_cycles)


@method("delete_canister", "controllers")
def delete_canister(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Canister deletion": only a stopped canister; its
    remaining cycles are lost (the spec deletes its balance)."""
    cid = target(state, args)
    c = state.canisters[cid]
    if c.canister_status != STOPPED:
        raise MgmtReject(CANISTER_ERROR, f"Canister {principal_text(cid)} must be stopped "
                         "before it is deleted.", "IC0510")
    state = evolve(state, canisters=delete_from(state.canisters, cid))
    return Outcome(state, Reply(encode_result("delete_canister")), cm.transferred_cycles)
