"""Rules on responses and call contexts (interface spec, "Abstract behavior"):
"Callback invocation", "Call context starvation", "Call context removal",
"Call expiry", "Dropping expired messages", "Respond to user request".

"Update call request clean up" is not applied (the spec lets it fire, never
requires it): an answered request stays readable, as docs/ic-rules.md says.
"""

from __future__ import annotations

from ..canister import CANISTER_ERROR, SYS_UNKNOWN, RejectResponse
from ..costs import DEFAULT, SubnetConfig, saturating_add
from ..state import (
    IC_PRINCIPAL, UNORDERED, CallbackEntry, CallMessage, Expired, FromCanister, FromUser,
    FuncMessage, Processing, Rejected, Replied, ResponseMessage, S, Stopping, delete_from,
    replace_in, with_call_context, with_canister, evolve,
)
from ..principal_text import principal_text
from .common import caller_info, is_expired, trap_reject, without


def callback_invocation(state: S, index: int,
                        cfg: SubnetConfig = DEFAULT) -> tuple[S, int | None] | None:
    """"Callback invocation", both forms: a live context gets a `FuncMessage` for
    its callback (returned with its index, to be executed next); a deleted one
    only gets the refund and the response reservation back (index ``None``)."""
    rm = state.messages[index]
    if not isinstance(rm, ResponseMessage) or not isinstance(rm.origin, FromCanister):
        return None
    origin = rm.origin
    if isinstance(origin.deadline, Expired):
        return None
    ctxt = state.call_contexts.get(origin.calling_context)
    if ctxt is None or ctxt.canister not in state.canisters:
        return None
    c = state.canisters[ctxt.canister]
    if ctxt.deleted:
        state = evolve(state, messages=without(state.messages, index))
        refund = rm.refunded_cycles + cfg.max_cycles_per_response
        return with_canister(state, ctxt.canister, balance=saturating_add(c.balance, refund)), None
    info_data = info_signer = b""
    if isinstance(ctxt.origin, FromUser):
        caller = ctxt.origin.request.sender
        info_data, info_signer = caller_info(ctxt.origin.request.sender_info)
    elif isinstance(ctxt.origin, FromCanister):
        caller = state.call_contexts[ctxt.origin.calling_context].canister \
            if ctxt.origin.calling_context in state.call_contexts else IC_PRINCIPAL
    else:
        caller = IC_PRINCIPAL
    fm = FuncMessage(call_context=origin.calling_context, caller=caller, receiver=ctxt.canister,
                     entry_point=CallbackEntry(origin.callback, rm.response, rm.refunded_cycles),
                     queue=UNORDERED, caller_info_data=info_data, caller_info_signer=info_signer)
    state = evolve(state, messages=state.messages[:index] + (fm,) + state.messages[index + 1:])
    state = with_canister(state, ctxt.canister,
                          balance=saturating_add(c.balance, rm.refunded_cycles))
    return state, index


def _referenced(state: S, ctxt_id: int) -> bool:
    """Whether a call, a response, a downstream context or a pending stop call
    still references call context ``ctxt_id`` (ignoring expired origins)."""
    def refers(origin) -> bool:
        return (isinstance(origin, FromCanister) and origin.calling_context == ctxt_id
                and not isinstance(origin.deadline, Expired))

    for m in state.messages:
        if isinstance(m, (CallMessage, ResponseMessage)) and refers(m.origin):
            return True
    # A context still needing to respond whose origin refers to ``ctxt_id``: the index
    # `CallContexts` keeps, instead of a scan of every context.
    if state.call_contexts.waiting(ctxt_id):
        return True
    for c in state.canisters.values():
        if isinstance(c.canister_status, Stopping):
            if any(refers(origin) for origin, _ in c.canister_status.origins):
                return True
    return False


def call_context_starvation(state: S, ctxt_id: int) -> S | None:
    """"Call context starvation": nothing can answer the call any more, so the
    IC rejects it with CANISTER_ERROR, refunding the available cycles."""
    ctxt = state.call_contexts.get(ctxt_id)
    if ctxt is None or not ctxt.needs_to_respond or _referenced(state, ctxt_id):
        return None
    trapped = state.last_trap.get(ctxt_id)
    who = principal_text(ctxt.canister)
    if trapped:
        response = trap_reject(ctxt.canister, trapped)
    else:
        response = RejectResponse(CANISTER_ERROR,
                                  f"Error from Canister {who}: Canister did not reply to the call",
                                  "IC0506")
    state = with_call_context(state, ctxt_id, needs_to_respond=False, available_cycles=0)
    return evolve(state, messages=state.messages
                  + (ResponseMessage(ctxt.origin, response, ctxt.available_cycles),))


def call_context_removal(state: S, ctxt_id: int) -> S | None:
    """"Call context removal": a context that needs no response and is referenced
    by nothing is deleted.  (A stopping canister stops once it has none left.)"""
    ctxt = state.call_contexts.get(ctxt_id)
    if ctxt is None or ctxt.needs_to_respond or _referenced(state, ctxt_id):
        return None
    return evolve(state, call_contexts=delete_from(state.call_contexts, ctxt_id),
                  last_trap=delete_from(state.last_trap, ctxt_id))


def _expiry_response(origin: FromCanister) -> ResponseMessage:
    return ResponseMessage(evolve(origin, deadline=None),
                           RejectResponse(SYS_UNKNOWN, "Call deadline has expired.", "IC0601"), 0)


def call_expiry_message(state: S, index: int) -> S | None:
    """"Call expiry" of a pending request or response whose deadline has passed
    (pyic expires only past deadlines, measured by the caller's time)."""
    m = state.messages[index]
    if not isinstance(m, (CallMessage, ResponseMessage)) or not isinstance(m.origin, FromCanister):
        return None
    d = m.origin.deadline
    if d is None or isinstance(d, Expired) or not _deadline_passed(state, m.origin, d):
        return None
    expired = evolve(m, origin=evolve(m.origin, deadline=Expired(d)))
    messages = state.messages[:index] + (expired,) + state.messages[index + 1:]
    return evolve(state, messages=messages + (_expiry_response(m.origin),))


def call_expiry_context(state: S, ctxt_id: int) -> S | None:
    """"Call expiry" of a call being processed by the callee."""
    ctxt = state.call_contexts.get(ctxt_id)
    if ctxt is None or not ctxt.needs_to_respond or not isinstance(ctxt.origin, FromCanister):
        return None
    d = ctxt.origin.deadline
    if d is None or isinstance(d, Expired) or not _deadline_passed(state, ctxt.origin, d):
        return None
    state = with_call_context(state, ctxt_id, origin=evolve(ctxt.origin, deadline=Expired(d)))
    return evolve(state, messages=state.messages + (_expiry_response(ctxt.origin),))


def _deadline_passed(state: S, origin: FromCanister, deadline: int) -> bool:
    caller_ctxt = state.call_contexts.get(origin.calling_context)
    if caller_ctxt is None or caller_ctxt.canister not in state.canisters:
        return True
    return state.canisters[caller_ctxt.canister].time >= deadline


def dropping_expired_message(state: S, index: int) -> S | None:
    """"Dropping expired messages"."""
    m = state.messages[index]
    if isinstance(m, (CallMessage, ResponseMessage)) and is_expired(m.origin):
        return evolve(state, messages=without(state.messages, index))
    return None


def respond_to_user_request(state: S, index: int) -> S | None:
    """"Respond to user request": record the response of an ingress call."""
    rm = state.messages[index]
    if not isinstance(rm, ResponseMessage) or not isinstance(rm.origin, FromUser):
        return None
    request = rm.origin.request
    entry = state.requests.get(request)
    if entry is None or not isinstance(entry[0], Processing):
        return None
    r = rm.response
    status = Replied(r.data) if not isinstance(r, RejectResponse) else Rejected(
        r.code, r.message, user_error_code(r))
    return evolve(state, messages=without(state.messages, index),
                  requests=replace_in(state.requests, request, (status, entry[1])))


def user_error_code(r: RejectResponse) -> str | None:
    """The error code a user sees for a reject: a canister's own reject
    (``msg_reject``, code 4) is IC0406 CanisterRejectedMessage, as the replica reports."""
    if r.error_code is None and r.code == 4:
        return "IC0406"
    return r.error_code

