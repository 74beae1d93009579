"""A deterministic scheduler: which rule runs next.

The spec's rules may fire in any order their conditions allow; pyic fixes one
order, so every run of the same inputs gives the same states:

``step`` looks at the messages oldest first and, for the first one some rule
applies to, applies the first rule that does (in the order of `_MESSAGE_RULES`);
a "bookkeeping" rule (call context creation, callback invocation) is followed at
once by message execution of the message it made, as the spec requires.  When no
message can move, it tries the call-context rules (expiry, starvation, removal)
in call-id order, then the canister rules (stopping -> stopped, out of cycles) in
canister-id order.

``tick`` is one round: first each canister's system tasks (heartbeat, then a due
global timer, then the low-memory hook; canisters in id order), then steps until
nothing moves or the round's step budget is spent.  Time moves only when asked
(`advance_time`, `set_time`), plus ``time_step`` nanoseconds (`tick`) at the
start of every round (1 ns by default, so a canister's time strictly increases
between rounds, as the spec requires between executions).
"""

from __future__ import annotations

from .costs import DEFAULT, SubnetConfig
from .rules import calls, contexts, cycles, execution, ingress
from .state import IC_PRINCIPAL, CallMessage, FuncMessage, ResponseMessage, S, evolve

MAX_STEPS_PER_ROUND = 10_000


def _management():
    from . import management  # the management canister's rules
    return management


def _execute_next(state: S, result, cfg: SubnetConfig) -> S:
    """A bookkeeping rule's result (state, index of the new FuncMessage or None),
    followed immediately by message execution."""
    new_state, index = result
    if index is None:
        return new_state
    after = execution.message_execution(new_state, index, cfg)
    return after if after is not None else new_state


def _step_message(state: S, index: int, cfg: SubnetConfig) -> S | None:
    m = state.messages[index]
    if isinstance(m, CallMessage):
        r = contexts.call_expiry_message(state, index) or contexts.dropping_expired_message(state,
                                                                                          index)
        if r is not None:
            return r
        if m.callee == IC_PRINCIPAL:
            return _management().execute_call(state, index, cfg)
        for rule in (calls.reject_call_to_missing_destination,
                     calls.reject_call_to_stopped_or_stopping):
            r = rule(state, index)
            if r is not None:
                return r
        r = calls.reject_call_to_frozen(state, index, cfg)
        if r is not None:
            return r
        r = calls.reject_call_with_insufficient_cycles(state, index)
        if r is not None:
            return r
        r = calls.reject_call_cannot_prepay(state, index, cfg)
        if r is not None:
            return r
        r = calls.call_context_creation_public(state, index, cfg)
        return _execute_next(state, r, cfg) if r is not None else None
    if isinstance(m, FuncMessage):
        return execution.message_execution(state, index, cfg)
    if isinstance(m, ResponseMessage):
        r = (contexts.call_expiry_message(state, index)
             or contexts.dropping_expired_message(state, index)
             or contexts.respond_to_user_request(state, index))
        if r is not None:
            return r
        r = contexts.callback_invocation(state, index, cfg)
        return _execute_next(state, r, cfg) if r is not None else None
    return None


def step(state: S, cfg: SubnetConfig = DEFAULT) -> S | None:
    """Apply one rule (plus the execution it demands); ``None`` if none applies."""
    if getattr(cfg, "sandbox", None) is not None:
        # Sandboxed canisters: start the executions later steps will ask for, in
        # parallel processes; results are still taken in this order (`pyic.sandbox.parallel`).
        from ..sandbox.parallel import speculate
        speculate(state, cfg, _step_message)
    for index in range(len(state.messages)):
        r = _step_message(state, index, cfg)
        if r is not None:
            return r
    for ctxt_id in state.call_contexts:         # in id order (a `CallContexts`)
        r = (contexts.call_expiry_context(state, ctxt_id)
             or contexts.call_context_starvation(state, ctxt_id)
             or contexts.call_context_removal(state, ctxt_id))
        if r is not None:
            return r
    management = _management()
    for canister_id in sorted(state.canisters):
        r = management.stopping_to_stopped(state, canister_id) \
            or cycles.canister_out_of_cycles(state, canister_id, cfg)
        if r is not None:
            return r
    return None


def system_tasks(state: S, cfg: SubnetConfig = DEFAULT) -> S:
    """Heartbeats, due global timers and low-memory hooks, canisters in id order."""
    for canister_id in sorted(state.canisters):
        for create in (calls.call_context_creation_heartbeat,
                       calls.call_context_creation_global_timer,
                       calls.call_context_creation_on_low_wasm_memory):
            r = create(state, canister_id, cfg)
            if r is not None:
                state = _execute_next(state, r, cfg)
    return state


def advance_all_time(state: S, nanos: int, cfg: SubnetConfig = DEFAULT) -> S:
    """System time and every canister's time move forward by ``nanos``; answered
    requests whose expiry the new time has passed are cleaned up."""
    if nanos <= 0:
        return state
    t1 = state.system_time + nanos
    state = cycles.advance_system_time(state, t1) or state
    for canister_id in sorted(state.canisters):
        target = max(t1, state.canisters[canister_id].time + 1)
        state = cycles.advance_canister_time(state, canister_id, target, cfg) or state
    return ingress.request_clean_up(state)


def set_all_time(state: S, t: int, cfg: SubnetConfig = DEFAULT) -> S:
    """Set the time; time never goes back (``T1 > T0`` in the spec)."""
    if t <= state.system_time:
        return state
    return advance_all_time(state, t - state.system_time, cfg)


def tick(state: S, cfg: SubnetConfig = DEFAULT, time_step: int = 1,
         max_steps: int = MAX_STEPS_PER_ROUND) -> S:
    """One round."""
    state = advance_all_time(state, time_step, cfg)
    state = system_tasks(state, cfg)
    for _ in range(max_steps):
        nxt = step(state, cfg)
        if nxt is None:
            break
        state = nxt
    return state


def run_until_idle(state: S, cfg: SubnetConfig = DEFAULT, max_rounds: int = 1000,
                   done=None) -> S:
    """Steps until no rule applies (or ``done(state)``), without system tasks, within
    ``max_rounds`` rounds' budget of steps; then stops even if work is left."""
    for _ in range(max_rounds * MAX_STEPS_PER_ROUND):
        if done is not None and done(state):
            return state
        nxt = step(state, cfg)
        if nxt is None:
            return state
        state = nxt
    return state


__all__ = ["step", "tick", "run_until_idle", "system_tasks", "advance_all_time", "set_all_time",
           "evolve"]
