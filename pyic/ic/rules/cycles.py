"""Cycles over time (interface spec, "Abstract behavior"): "Canister out of
cycles" and "Time progressing, cycle consumption, canister version increments".

The spec leaves the rates unspecified; pyic charges idle resources by the fee
schedule in `pyic.ic.costs` for the time that passes, reserved balance first
(nothing on a subnet whose cost schedule is free).
"""

from __future__ import annotations

from ..canister import CANISTER_REJECT, RejectResponse
from ..costs import DEFAULT, SubnetConfig
from ..state import (
    CanisterHistory, ResponseMessage, S, replace_in, with_canister, evolve,
)
from ..principal_text import principal_text
from .common import memory_usage


def uninstall_canister(state: S, canister_id: bytes, message: str) -> S:
    """What uninstalling does to call contexts (shared by "Canister out of cycles"
    and ``uninstall_code``): every context still needing a response is rejected
    with CANISTER_REJECT and its available cycles; all are marked deleted."""
    responses = []
    contexts = dict(state.call_contexts)
    for ctxt_id, ctxt in state.call_contexts.items():
        if ctxt.canister != canister_id:
            continue
        if ctxt.needs_to_respond:
            responses.append(ResponseMessage(ctxt.origin, RejectResponse(CANISTER_REJECT, message),
                                             ctxt.available_cycles))
        contexts[ctxt_id] = evolve(ctxt, deleted=True, needs_to_respond=False, available_cycles=0)
    return evolve(state, call_contexts=contexts, messages=state.messages + tuple(responses))


def canister_out_of_cycles(state: S, canister_id: bytes,
                           cfg: SubnetConfig = DEFAULT) -> S | None:
    """"Canister out of cycles": both balances are 0 -> the code is uninstalled.
    Not on a free subnet: there a canister pays for nothing, so 0 cycles suffice
    (as on the replica's system subnets)."""
    c = state.canisters.get(canister_id)
    if c is None or c.balance != 0 or c.reserved_balance != 0 or c.can_state is None:
        return None
    if cfg.cost_schedule == "free":
        return None
    state = with_canister(
        state, canister_id, can_state=None, last_install_timestamp=None, snapshots={},
        certified_data=b"",
        canister_history=CanisterHistory(c.canister_history.total_num_changes, ()),
        canister_logs=(), canister_version=c.canister_version + 1, global_timer=0,
        compute_allocation=0, memory_allocation=0)
    return uninstall_canister(state, canister_id,
                              f"Canister {principal_text(canister_id)} ran out of cycles")


def advance_canister_time(state: S, canister_id: bytes, t1: int,
                          cfg: SubnetConfig = DEFAULT) -> S | None:
    """"Time progressing" for one canister, with the cycle consumption of its idle
    resources over that time (reserved balance first, never below zero)."""
    c = state.canisters.get(canister_id)
    if c is None or t1 <= c.time:
        return None
    seconds_nanos = t1 - c.time
    per_day = cfg.idle_cycles_burned_rate(c.compute_allocation, c.memory_allocation,
                                          memory_usage(c))
    burn = per_day * seconds_nanos // (86_400 * 1_000_000_000)
    from_reserved = min(burn, c.reserved_balance)
    from_main = min(burn - from_reserved, c.balance)
    return with_canister(state, canister_id, time=t1,
                         reserved_balance=c.reserved_balance - from_reserved,
                         balance=c.balance - from_main)


def advance_system_time(state: S, t1: int) -> S | None:
    """"Time progressing" of the system time (used to expire requests)."""
    if t1 <= state.system_time:
        return None
    return evolve(state, system_time=t1)


__all__ = ["uninstall_canister", "canister_out_of_cycles", "advance_canister_time",
           "advance_system_time", "replace_in"]
