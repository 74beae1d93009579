"""Rules on call messages: rejection and call context creation.

Interface spec, "Abstract behavior":
"Calls to stopped/stopping canisters are rejected", "Calls to frozen canisters
are rejected", "Calls with insufficient cycles are rejected", "Call context
creation" (public entry points, heartbeat, global timer, on low wasm memory).

Each rule takes the state and what it acts on, and returns the state after, or
``None`` when its conditions do not hold.
"""

from __future__ import annotations

from ..canister import CANISTER_ERROR, DESTINATION_INVALID, SYS_TRANSIENT, RejectResponse
from ..costs import DEFAULT, SubnetConfig
from ..state import (
    GLOBAL_TIMER, HEARTBEAT, IC_PRINCIPAL, ON_LOW_WASM_MEMORY, RUNNING, STOPPED, CallCtxt,
    CallMessage, Canister, FromCanister, FromSystemTask, FuncMessage, PublicMethod, Queue,
    ResponseMessage, S, Stopping, replace_in, with_canister, evolve,
)
from ..principal_text import principal_text
from .common import at_queue_head, fresh_call_id, liquid_balance, without


def _reject_call(state: S, index: int, code: int, message: str, error_code: str) -> S:
    """``messages = Older · Younger · ResponseMessage {origin = CM.origin; Reject ...;
    refunded_cycles = CM.transferred_cycles}``."""
    cm = state.messages[index]
    response = ResponseMessage(cm.origin, RejectResponse(code, message, error_code),
                               cm.transferred_cycles)
    return evolve(state, messages=without(state.messages, index) + (response,))


def _call_message(state: S, index: int) -> CallMessage | None:
    m = state.messages[index]
    if (
        not isinstance(m, CallMessage)
        or m.callee == IC_PRINCIPAL
        or not at_queue_head(state, index)
    ):
        return None
    return m


def _call_to_running(state: S, index: int) -> tuple[CallMessage, Canister] | None:
    """The call message at ``index`` (see `_call_message`) and its callee, when the
    callee exists, has a module and is running; else None."""
    cm = _call_message(state, index)
    if cm is None:
        return None
    c = state.canisters.get(cm.callee)
    if c is None or c.can_state is None or c.canister_status != RUNNING:
        return None
    return cm, c


def reject_call_to_stopped_or_stopping(state: S, index: int) -> S | None:
    """"Calls to stopped/stopping canisters are rejected" (CANISTER_ERROR)."""
    cm = _call_message(state, index)
    if cm is None:
        return None
    c = state.canisters.get(cm.callee)
    if c is None or c.can_state is None:
        return None
    if c.canister_status == STOPPED:
        return _reject_call(state, index, CANISTER_ERROR,
                            f"Canister {principal_text(cm.callee)} is stopped", "IC0508")
    if isinstance(c.canister_status, Stopping):
        return _reject_call(state, index, CANISTER_ERROR,
                            f"Canister {principal_text(cm.callee)} is stopping", "IC0509")
    return None


def reject_call_to_frozen(state: S, index: int, cfg: SubnetConfig = DEFAULT) -> S | None:
    """"Calls to frozen canisters are rejected" (SYS_TRANSIENT)."""
    cm = _call_message(state, index)
    if cm is None:
        return None
    c = state.canisters.get(cm.callee)
    if c is None or c.can_state is None or liquid_balance(c, cfg) >= 0:
        return None
    return _reject_call(state, index, SYS_TRANSIENT,
                        f"Canister {principal_text(cm.callee)} is out of cycles", "IC0207")


def reject_call_with_insufficient_cycles(state: S, index: int) -> S | None:
    """"Calls with insufficient cycles are rejected" (CANISTER_ERROR)."""
    cm = _call_message(state, index)
    if cm is None or not isinstance(cm.origin, FromCanister) or cm.caller == cm.callee:
        return None
    c = state.canisters.get(cm.callee)
    if c is None or cm.transferred_cycles >= c.minimum_incoming_canister_call_cycles:
        return None
    return _reject_call(state, index, CANISTER_ERROR,
                        f"Canister {principal_text(cm.callee)} requires at least "
                        f"{c.minimum_incoming_canister_call_cycles} cycles on incoming calls",
                        "IC0520")


def reject_call_cannot_prepay(state: S, index: int, cfg: SubnetConfig = DEFAULT) -> S | None:
    """"Spontaneous request rejection", used where the replica uses it: the callee
    is not frozen but cannot set aside ``MAX_CYCLES_PER_MESSAGE`` for the execution
    (call context creation would never apply), so the call is rejected with
    SYS_TRANSIENT (IC0207), as the replica does, instead of waiting forever."""
    found = _call_to_running(state, index)
    if found is None:
        return None
    cm, c = found
    liquid = liquid_balance(c, cfg)
    if liquid < 0 or liquid >= cfg.max_cycles_per_message:
        return None
    return _reject_call(state, index, SYS_TRANSIENT,
                        f"Canister {principal_text(cm.callee)} is out of cycles: please top up "
                        f"the canister with at least {cfg.max_cycles_per_message - liquid} "
                        "additional cycles", "IC0207")


def reject_call_to_missing_destination(state: S, index: int) -> S | None:
    """Implementation-defined (the spec leaves calls to non-existent or empty
    canisters and to unknown methods unspecified): rejected as the replica does,
    with ``DESTINATION_INVALID`` (IC0301) or ``CANISTER_ERROR`` (IC0537, IC0536)."""
    cm = _call_message(state, index)
    if cm is None:
        return None
    c = state.canisters.get(cm.callee)
    if c is None:
        return _reject_call(state, index, DESTINATION_INVALID,
                            f"Canister {principal_text(cm.callee)} not found", "IC0301")
    if c.can_state is None:
        return _reject_call(state, index, CANISTER_ERROR,
                            f"Canister {principal_text(cm.callee)} is empty: it has no Wasm module",
                            "IC0537")
    module = c.can_state.module
    name = cm.method_name
    if name in module.composite_query_methods and name not in module.update_methods:
        return _reject_call(state, index, CANISTER_ERROR,
                            f"Canister {principal_text(cm.callee)}: composite query method "
                            f"'{name}' cannot be called in replicated mode", "IC0527")
    if name not in module.update_methods and name not in module.query_methods:
        return _reject_call(state, index, CANISTER_ERROR,
                            f"Canister {principal_text(cm.callee)} has no update method '{name}'",
                            "IC0536")
    return None


def call_context_creation_public(state: S, index: int,
                                 cfg: SubnetConfig = DEFAULT) -> tuple[S, int] | None:
    """"Call context creation: Public entry points".  Returns the new state and
    the index of the new `FuncMessage` (which message execution must take next)."""
    found = _call_to_running(state, index)
    if found is None:
        return None
    cm, c = found
    if liquid_balance(c, cfg) < cfg.max_cycles_per_message:
        return None
    ctxt_id, state = fresh_call_id(state)
    fm = FuncMessage(
        call_context=ctxt_id, caller=cm.caller, receiver=cm.callee,
        entry_point=PublicMethod(cm.method_name, cm.caller, cm.arg), queue=cm.queue,
        caller_info_data=cm.caller_info_data, caller_info_signer=cm.caller_info_signer)
    messages = state.messages[:index] + (fm,) + state.messages[index + 1:]
    ctxt = CallCtxt(canister=cm.callee, origin=cm.origin, needs_to_respond=True, deleted=False,
                    available_cycles=cm.transferred_cycles)
    state = evolve(state, messages=messages,
                   call_contexts=replace_in(state.call_contexts, ctxt_id, ctxt))
    state = with_canister(state, cm.callee, balance=c.balance - cfg.max_cycles_per_message)
    return state, index


def _system_task_context(state: S, canister_id: bytes, entry_point: str,
                         cfg: SubnetConfig, **changes) -> tuple[S, int]:
    """The common part of the three system-task context creation rules: the new
    `FuncMessage` goes to the front of ``S.messages``."""
    c = state.canisters[canister_id]
    ctxt_id, state = fresh_call_id(state)
    fm = FuncMessage(call_context=ctxt_id, caller=IC_PRINCIPAL, receiver=canister_id,
                     entry_point=entry_point, queue=Queue("system", canister_id))
    ctxt = CallCtxt(canister=canister_id, origin=FromSystemTask(), needs_to_respond=False,
                    deleted=False, available_cycles=0)
    state = evolve(state, messages=(fm,) + state.messages,
                   call_contexts=replace_in(state.call_contexts, ctxt_id, ctxt))
    state = with_canister(state, canister_id, balance=c.balance - cfg.max_cycles_per_message,
                          **changes)
    return state, 0


def _can_run_task(state: S, canister_id: bytes, cfg: SubnetConfig) -> bool:
    c = state.canisters.get(canister_id)
    return (c is not None and c.can_state is not None and c.canister_status == RUNNING
            and liquid_balance(c, cfg) >= cfg.max_cycles_per_message)


def call_context_creation_heartbeat(state: S, canister_id: bytes,
                                    cfg: SubnetConfig = DEFAULT) -> tuple[S, int] | None:
    """"Call context creation: Heartbeat" (only if the module has ``canister_heartbeat``)."""
    if not _can_run_task(state, canister_id, cfg):
        return None
    if not state.canisters[canister_id].can_state.module.has_heartbeat():
        return None
    return _system_task_context(state, canister_id, HEARTBEAT, cfg)


def call_context_creation_global_timer(state: S, canister_id: bytes,
                                       cfg: SubnetConfig = DEFAULT) -> tuple[S, int] | None:
    """"Call context creation: Global timer": the timer is due; it is deactivated."""
    if not _can_run_task(state, canister_id, cfg):
        return None
    c = state.canisters[canister_id]
    if c.global_timer == 0 or c.time < c.global_timer or not c.can_state.module.has_global_timer():
        return None
    return _system_task_context(state, canister_id, GLOBAL_TIMER, cfg, global_timer=0)


def call_context_creation_on_low_wasm_memory(state: S, canister_id: bytes,
                                             cfg: SubnetConfig = DEFAULT) -> tuple[S, int] | None:
    """"Call context creation: On low wasm memory"."""
    if not _can_run_task(state, canister_id, cfg):
        return None
    c = state.canisters[canister_id]
    if c.on_low_wasm_memory_hook_status != "ready":
        return None
    if not c.can_state.module.has_on_low_wasm_memory():
        return None
    return _system_task_context(state, canister_id, ON_LOW_WASM_MEMORY, cfg,
                                on_low_wasm_memory_hook_status="executed")
