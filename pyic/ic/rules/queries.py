"""Query calls (interface spec, "Abstract behavior" > "Query call"):
``composite_query_helper`` and the query response.

A query never changes the state, except for ``query_stats``.  The call graph
of a composite query is bounded by ``MAX_CALL_DEPTH_COMPOSITE_QUERY`` (6), so
the helper's recursion is bounded too.

The spec's helper threads a ``Cycles`` budget; pyic threads the instructions
left instead (the replica's ``MAX_INSTRUCTIONS_PER_COMPOSITE_QUERY_CALL``), so
the limits hold unchanged on a subnet whose cost schedule is free.

Within one helper, ``ic0.performance_counter(1)`` runs across the method and its
callbacks (canister-interface.md "Performance counter", non-replicated execution):
each execution sees the instructions of the earlier ones as
``Env.context_instructions``; downstream helpers count their own.
"""

from __future__ import annotations

from ..canister import (
    CANISTER_ERROR, SYS_TRANSIENT, CallerInfo, CompositeQueryReturn, QueryReturn, RejectResponse,
)
from ..costs import DEFAULT, SubnetConfig
from ..state import IC_PRINCIPAL, RUNNING, S, with_canister, evolve
from ..principal_text import principal_text
from .common import caller_info, env_of, liquid_balance, trap_reject

# Management methods a composite query may call ("management_canister_query").
MANAGEMENT_QUERY_METHODS = frozenset({"canister_status", "canister_metrics",
                                      "fetch_canister_logs", "list_canisters"})


def composite_query_helper(state: S, left: int, depth: int, root: bytes, caller: CallerInfo,
                           canister_id: bytes, method_name: str, arg: bytes,
                           cfg: SubnetConfig = DEFAULT, management_query=None,
                           root_certificate: bytes | None = None):
    """``composite_query_helper``: returns (response, instructions ``left``).  Only the
    root canister sees a certificate (``root_certificate``; without one, its raw
    certified data)."""
    c = state.canisters.get(canister_id)
    who = principal_text(canister_id)
    if c is None:
        return RejectResponse(3, f"Canister {who} not found", "IC0301"), left
    if c.can_state is None:
        return RejectResponse(CANISTER_ERROR, f"Canister {who} is empty: it has no Wasm module",
                              "IC0537"), left
    if c.canister_status != RUNNING:
        code = "IC0508" if c.canister_status == "stopped" else "IC0509"
        return RejectResponse(CANISTER_ERROR, f"Canister {who} is not running", code), left
    module = c.can_state.module
    is_query = method_name in module.query_methods
    if not is_query and method_name not in module.composite_query_methods:
        return RejectResponse(CANISTER_ERROR, f"Canister {who} has no query method '{method_name}'",
                              "IC0536"), left
    # The spec asks for ``Cycles >= MAX_CYCLES_PER_MESSAGE``; with the replica's
    # limits (5e9 instructions per query and per call graph) that would forbid
    # every downstream call, so pyic asks only for a budget left (docs/ic-rules.md).
    if left <= 0:
        return RejectResponse(CANISTER_ERROR,
                              "Composite query call graph exceeded its instruction limit",
                              "IC0526"), left
    if liquid_balance(c, cfg) < 0:
        return RejectResponse(SYS_TRANSIENT, f"Canister {who} is out of cycles", "IC0207"), left
    if canister_id != root:
        certificate = None
    else:
        certificate = root_certificate if root_certificate is not None else c.certified_data
    env = env_of(state, c, certificate=certificate)
    w = c.can_state.wasm_state
    if is_query:
        r = module.query_methods[method_name](w, arg, caller, env, 0, replicated=False)
    else:
        r = module.composite_query_methods[method_name](w, arg, caller, env)
    if not isinstance(r, (QueryReturn, CompositeQueryReturn)):
        return _trapped(canister_id, r), left - r.instructions_used
    per_message = cfg.max_instructions_per_query
    if r.instructions_used > per_message:
        return RejectResponse(CANISTER_ERROR, f"Canister {who} exceeded the instruction limit for "
                              "single message execution", "IC0522"), left - per_message
    left -= r.instructions_used
    if r.response is not None:
        return r.response, left
    if isinstance(r, QueryReturn):  # a plain query that returned without responding
        return RejectResponse(CANISTER_ERROR, f"Error from Canister {who}: Canister did not "
                              "reply to the call", "IC0506"), left
    calls = list(r.new_calls)
    w = r.new_state
    executed = r.instructions_used    # by this helper's executions, for performance_counter(1)
    env = evolve(env, certificate=None)  # no certificate in composite query callbacks
    while calls:
        if depth == cfg.max_call_depth_composite_query:
            return RejectResponse(CANISTER_ERROR,
                                  "Composite query call graph exceeded the maximum depth",
                                  "IC0525"), left
        call = calls.pop(0)
        if call.callee == IC_PRINCIPAL:
            if management_query is None or call.method_name not in MANAGEMENT_QUERY_METHODS:
                response = RejectResponse(CANISTER_ERROR, "Composite queries cannot call the "
                                          f"management canister method '{call.method_name}'",
                                          "IC0527")
            else:
                response = management_query(state, canister_id, call.method_name, call.arg)
        else:
            callee = state.canisters.get(call.callee)
            if callee is not None and callee.canister_subnet != c.canister_subnet:
                return RejectResponse(CANISTER_ERROR, "Composite query cannot call a canister on "
                                      "another subnet", "IC0529"), left
            response, left = composite_query_helper(
                state, left - cfg.instruction_overhead_per_query_call, depth + 1, root,
                CallerInfo(canister_id), call.callee, call.method_name, call.arg, cfg,
                management_query)
        if left <= 0:
            return RejectResponse(CANISTER_ERROR, "Composite query call graph exceeded its "
                                  "instruction limit", "IC0526"), left
        r2 = module.composite_callback(w, call.callback, caller, response,
                                       evolve(env, context_instructions=executed))
        if not isinstance(r2, (CompositeQueryReturn,)) and not hasattr(r2, "new_state"):
            return _trapped(canister_id, r2), left - r2.instructions_used
        if r2.instructions_used > per_message:
            return RejectResponse(CANISTER_ERROR, f"Canister {who} exceeded the instruction limit",
                                  "IC0522"), left - per_message
        w = r2.new_state
        left -= r2.instructions_used
        executed += r2.instructions_used
        if r2.response is not None:
            return r2.response, left
        calls = list(r2.new_calls) + calls
    return RejectResponse(CANISTER_ERROR, f"Canister {who} did not reply to the call",
                          "IC0506"), left


def _trapped(canister_id: bytes, r) -> RejectResponse:
    return trap_reject(canister_id, getattr(r, "message", "") or "trapped")


def query_call(state: S, sender: bytes, canister_id: bytes, method_name: str, arg: bytes,
               cfg: SubnetConfig = DEFAULT, management_query=None, certify=None,
               sender_info: tuple | None = None):
    """A query call: the response, and the state after (with ``query_stats``).
    ``certify(S, canister_id)`` gives the certificate the called canister sees
    ("Certified data": a certificate of ``/canister/<id>/certified_data``).
    ``sender_info``: the query's checked ``(info, signer, sig)``, which the
    canister reads as ``Caller_info_data`` and ``Caller_info_signer``."""
    budget = cfg.max_instructions_per_composite_query_call
    certificate = certify(state, canister_id) \
        if certify is not None and canister_id in state.canisters else None
    caller = CallerInfo(sender, *caller_info(sender_info))
    response, left = composite_query_helper(state, budget, 0, canister_id, caller,
                                            canister_id, method_name, arg, cfg, management_query,
                                            root_certificate=certificate)
    if isinstance(response, RejectResponse) and response.error_code is None:
        from .contexts import user_error_code
        response = RejectResponse(response.code, response.message, user_error_code(response))
    c = state.canisters.get(canister_id)
    if c is not None:
        size = len(response.message.encode()) if isinstance(response, RejectResponse) \
            else len(response.data)
        stat = (c.time, budget - left, len(arg), size)
        state = with_canister(state, canister_id, query_stats=c.query_stats + (stat,))
    return response, state
