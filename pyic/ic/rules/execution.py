"""Message execution (interface spec, "Abstract behavior" > "Message execution",
and "Scheduling on low wasm memory hook").

The canister function runs on the current execution state; only if it
returns *and* every condition of the rule holds is its result committed.
Otherwise the message is dropped, every change is discarded, and the canister
pays ``min(cycles_used, set-aside)``.

Either way the instructions the execution ran are added to its call context
(`CallCtxt.instructions_executed`): they were executed within the context, so the
context's next execution counts them in ``ic0.performance_counter(1)``
(canister-interface.md "Performance counter"), which it reads as
``Env.context_instructions``.
"""

from __future__ import annotations

from ..canister import (
    CallerInfo, QueryReturn, RejectResponse, SystemTaskReturn, Trapped, UpdateReturn,
)
from ..costs import DEFAULT, SubnetConfig, liquid_balance as _liquid, saturating_add
from ..state import (
    GLOBAL_TIMER, HEARTBEAT, IC_PRINCIPAL, ON_LOW_WASM_MEMORY, UNORDERED, CallbackEntry,
    CallMessage, Expired, FromCanister, FuncMessage, PublicMethod, Queue,
    ResponseMessage, S, delete_from, replace_in, with_canister, evolve,
)
from .common import append_logs, at_queue_head, env_of, memory_usage, without

# Management methods whose argument carries ``sender_canister_version``.
_VERSIONED_METHODS = {"create_canister", "update_settings", "install_code", "install_chunked_code",
                      "uninstall_code", "provisional_create_canister_with_cycles"}


def deadline_of_context(ctxt) -> int | None:
    """``deadline_of_context``: the caller's deadline, or ``None`` (NoDeadline)."""
    origin = ctxt.origin
    if isinstance(origin, FromCanister):
        d = origin.deadline
        return d.timestamp if isinstance(d, Expired) else d
    return None


def _invoke(module, m: FuncMessage, ctxt, env, wasm_state):
    """Pick and run the entry point's function; returns (result, is_response, bumps_version,
    wasm_memory_limit_applies)."""
    caller = CallerInfo(m.caller, m.caller_info_data, m.caller_info_signer)
    available = ctxt.available_cycles
    ep = m.entry_point
    if isinstance(ep, PublicMethod):
        if ep.method_name in module.update_methods:
            f = module.update_methods[ep.method_name]
            return (f(wasm_state, ep.arg, caller, deadline_of_context(ctxt), env, available),
                    False, True, True)
        f = module.query_methods[ep.method_name]
        r = f(wasm_state, ep.arg, caller, env, available, replicated=True)
        return _query_as_update(r, wasm_state), \
            False, False, False
    if isinstance(ep, CallbackEntry):
        r = module.callback(wasm_state, ep.callback, caller, ep.response,
                            deadline_of_context(ctxt), ep.refunded_cycles, env, available)
        return r, True, True, False
    task = {HEARTBEAT: module.heartbeat, GLOBAL_TIMER: module.global_timer,
            ON_LOW_WASM_MEMORY: module.on_low_wasm_memory}[ep]
    return _system_task_as_update(task(wasm_state, env)), False, True, False


def _query_as_update(r, wasm_state):
    """``query_as_update``: a query's state changes are discarded."""
    if isinstance(r, QueryReturn):
        return UpdateReturn(new_state=wasm_state, response=r.response,
                            cycles_accepted=r.cycles_accepted, cycles_used=r.cycles_used,
                            logs=r.logs, instructions_used=r.instructions_used)
    return r


def _system_task_as_update(r):
    """``system_task_as_update``: no response, no cycles accepted."""
    if isinstance(r, SystemTaskReturn):
        return UpdateReturn(new_state=r.new_state, new_calls=r.new_calls,
                            new_certified_data=r.new_certified_data,
                            new_global_timer=r.new_global_timer, cycles_used=r.cycles_used,
                            logs=r.logs, cycles_burned=r.cycles_burned,
                            instructions_used=r.instructions_used)
    return r


def _validate_sender_canister_version(new_calls, version: int) -> bool:
    """``validate_sender_canister_version``."""
    for call in new_calls:
        if call.callee == IC_PRINCIPAL and call.method_name in _VERSIONED_METHODS:
            claimed = _sender_canister_version(call.arg)
            if claimed is not None and claimed != version:
                return False
    return True


def _sender_canister_version(arg: bytes) -> int | None:
    from ..management.args import sender_canister_version  # lazily: management needs Candid
    return sender_canister_version(arg)


def message_execution(state: S, index: int, cfg: SubnetConfig = DEFAULT) -> S | None:
    """"Message execution": run the `FuncMessage` at ``index``."""
    m = state.messages[index]
    if not isinstance(m, FuncMessage) or not at_queue_head(state, index):
        return None
    c = state.canisters.get(m.receiver)
    if c is None or c.can_state is None:
        return None
    is_response = isinstance(m.entry_point, CallbackEntry)
    if m.entry_point != ON_LOW_WASM_MEMORY and not is_response \
            and c.on_low_wasm_memory_hook_status == "ready" \
            and c.can_state.module.has_on_low_wasm_memory():
        return None  # the hook runs first
    ctxt = state.call_contexts[m.call_context]
    env = env_of(state, c, context_instructions=ctxt.instructions_executed)
    module = c.can_state.module
    reserved = cfg.max_cycles_per_response if is_response else cfg.max_cycles_per_message
    r, _, bumps_version, limit_applies = _invoke(module, m, ctxt, env, c.can_state.wasm_state)
    ctxt = evolve(ctxt, instructions_executed=ctxt.instructions_executed + r.instructions_used)

    if isinstance(r, UpdateReturn):
        failure = _commit_conditions(state, c, r, ctxt, is_response, reserved, limit_applies, cfg)
        if failure is None:
            return _commit(state, index, m, c, ctxt, r, reserved, bumps_version, cfg)
        r = Trapped(cycles_used=r.cycles_used, message=failure, logs=r.logs)

    # The function trapped, or a condition failed: drop the message, discard every change
    # (but the context's count of instructions executed).
    used = min(r.cycles_used, reserved)
    state = evolve(state, messages=without(state.messages, index),
                   call_contexts=replace_in(state.call_contexts, m.call_context, ctxt),
                   last_trap=replace_in(state.last_trap, m.call_context, r.message))
    trap_log = tuple(r.logs) + ((f"[TRAP]: {r.message}".encode(),) if r.message else ())
    return with_canister(state, m.receiver, balance=c.balance + reserved - used,
                         **append_logs(c, trap_log, c.time, cfg))


def _commit_conditions(state, c, r: UpdateReturn, ctxt, is_response, reserved, limit_applies,
                       cfg) -> str | None:
    """The conditions under which a returned execution commits; the reason if one fails."""
    if not _validate_sender_canister_version(r.new_calls, c.canister_version):
        return "sender_canister_version does not match the canister version"
    if r.cycles_used > reserved:
        return "canister used more cycles than were set aside for the message"
    if r.cycles_accepted > ctxt.available_cycles:
        return "canister accepted more cycles than available"
    outgoing = sum(cfg.max_cycles_per_response + call.transferred_cycles for call in r.new_calls)
    funds = c.balance + r.cycles_accepted + reserved
    if r.cycles_used + outgoing + r.cycles_burned > funds:
        return "canister sent more cycles than it has"
    new_balance = funds - (r.cycles_used + outgoing + r.cycles_burned)
    if not is_response:
        min_balance = cfg.freezing_limit(c.compute_allocation, c.memory_allocation,
                                         c.freezing_threshold, memory_usage(c, r.new_state))
    else:
        min_balance = 0
    if c.reserved_balance > c.reserved_balance_limit:
        return "reserved cycles limit exceeded"
    if _liquid(new_balance, c.reserved_balance, min_balance) < 0:
        return "canister would be frozen after this execution"
    if limit_applies and c.wasm_memory_limit:
        size = c.can_state.module.wasm_memory_size(r.new_state)
        if size > c.wasm_memory_limit:
            return (f"wasm memory limit exceeded: {size} bytes used, "
                    f"limit {c.wasm_memory_limit}")
    if r.response is not None and not ctxt.needs_to_respond:
        return "canister responded to a call that was already responded to"
    return None


def _commit(state, index, m, c, ctxt, r: UpdateReturn, reserved, bumps_version, cfg) -> S:
    outgoing = sum(cfg.max_cycles_per_response + call.transferred_cycles for call in r.new_calls)
    new_balance = (c.balance + r.cycles_accepted + reserved
                   - (r.cycles_used + outgoing + r.cycles_burned))
    available = ctxt.available_cycles
    new_messages = [
        CallMessage(
            origin=FromCanister(
                calling_context=m.call_context, callback=call.callback,
                deadline=(c.time + min(call.timeout_seconds, cfg.max_call_timeout_seconds)
                          * 1_000_000_000) if call.timeout_seconds is not None else None),
            caller=m.receiver, callee=call.callee, method_name=call.method_name, arg=call.arg,
            transferred_cycles=call.transferred_cycles, queue=Queue(m.receiver, call.callee))
        for call in r.new_calls]
    if r.response is not None:
        new_messages.append(ResponseMessage(ctxt.origin, r.response, available - r.cycles_accepted))
    if r.response is None:
        ctxt = evolve(ctxt, available_cycles=available - r.cycles_accepted)
    else:
        ctxt = evolve(ctxt, needs_to_respond=False, available_cycles=0)
    state = evolve(state, messages=without(state.messages, index) + tuple(new_messages),
                   call_contexts=replace_in(state.call_contexts, m.call_context, ctxt),
                   last_trap=(replace_in(state.last_trap, m.call_context, r.trap_message)
                              if r.trap_message else delete_from(state.last_trap, m.call_context)))
    changes = dict(
        can_state=evolve(c.can_state, wasm_state=r.new_state),
        canister_version=c.canister_version + (1 if bumps_version else 0),
        balance=new_balance,
        **append_logs(c, r.logs, c.time, cfg))
    if r.new_certified_data is not None:
        changes["certified_data"] = r.new_certified_data
    if r.new_global_timer is not None:
        changes["global_timer"] = r.new_global_timer
    state = with_canister(state, m.receiver, **changes)
    return schedule_on_low_wasm_memory(state, m.receiver)


def schedule_on_low_wasm_memory(state: S, canister_id: bytes) -> S:
    """"Scheduling on low wasm memory hook": run after every execution and
    management update.  A ``wasm_memory_limit`` of 0 means no limit, so the
    condition never holds (the spec leaves this case open; see docs/ic-rules.md)."""
    c = state.canisters.get(canister_id)
    if c is None or c.can_state is None:
        return state
    size = c.can_state.module.wasm_memory_size(c.can_state.wasm_state)
    if c.wasm_memory_limit and c.wasm_memory_limit < size + c.wasm_memory_threshold:
        status = "ready" if c.on_low_wasm_memory_hook_status == "condition_not_satisfied" \
            else c.on_low_wasm_memory_hook_status
    else:
        status = "condition_not_satisfied"
    if status == c.on_low_wasm_memory_hook_status:
        return state
    return with_canister(state, canister_id, on_low_wasm_memory_hook_status=status)


# Re-exported for the rules that need them.
__all__ = ["message_execution", "schedule_on_low_wasm_memory", "deadline_of_context",
           "saturating_add", "RejectResponse", "UNORDERED"]
