"""Parallel rounds: executions of different canisters run at once, results are
applied in the scheduler's order.

The scheduler stays sequential: it applies one rule at a time, in its fixed
order, to the state the previous one left.  Before each step, `speculate`
looks ahead at the queued messages and *dry-runs* the rule for the first
message of each other sandboxed canister on the current state: the rules are
pure functions of ``S``, so running one and throwing its result away changes
nothing.  When the dry run reaches the canister's function, the sandbox
proxy sends that execution to the canister's sandbox and stops the dry run
(`Speculated`).  Up to ``parallelism`` such executions run in their processes
while the scheduler goes on.  When the scheduler's own step later asks the
same canister for the same execution — the same state object and the same
encoded arguments, environment included — the proxy takes the speculative
result instead of sending again; anything else, and the speculative result is
dropped and the execution sent anew.  So every result the rules see is the
one a sequential run computes: outcomes, counts and state bytes are those of
in-process mode, only the wall time differs.

The replica is more direct (its scheduler gives each thread its own
canisters for the round); pyic keeps its scheduler the one place that decides
order, at the price of the dry runs.
"""

from __future__ import annotations

from ..ic.state import CallMessage, FromCanister, FuncMessage, ResponseMessage

_state = {"speculating": False, "started": 0, "limit": 1}
STATS = {"speculated": 0, "hits": 0, "misses": 0}


class Speculated(BaseException):
    """A dry run reached a sandboxed canister (a BaseException, so that no rule's
    ``except Exception`` takes it for a failure)."""


def speculating() -> bool:
    return _state["speculating"]


def may_start() -> bool:
    """Whether one more speculative execution may start in this look-ahead."""
    if _state["started"] >= _state["limit"]:
        return False
    _state["started"] += 1
    STATS["speculated"] += 1
    return True


def hit() -> None:
    STATS["hits"] += 1


def miss() -> None:
    STATS["misses"] += 1


def _target(state, message) -> bytes | None:
    """The canister whose function ``message`` will run, if one will."""
    if isinstance(message, CallMessage):
        return message.callee
    if isinstance(message, FuncMessage):
        return message.receiver
    if isinstance(message, ResponseMessage) and isinstance(message.origin, FromCanister):
        ctxt = state.call_contexts.get(message.origin.calling_context)
        return ctxt.canister if ctxt is not None else None
    return None


def _sandboxed(state, canister_id):
    from .proxy import SandboxedCanister
    c = state.canisters.get(canister_id) if canister_id is not None else None
    module = c.can_state.module if c is not None and c.can_state is not None else None
    return module if isinstance(module, SandboxedCanister) else None


def speculate(state, cfg, step_message) -> None:
    """Start the executions the next steps will likely ask for (module docstring).

    ``step_message(state, index, cfg)`` is the scheduler's rule dispatch for one
    message; the first message is left to the scheduler's step itself."""
    limits = getattr(cfg, "sandbox", None)
    if limits is None or limits.parallelism <= 1 or len(state.messages) < 2:
        return
    seen: set = set()
    busy = 0
    candidates = []
    for index, message in enumerate(state.messages):
        target = _target(state, message)
        if target is None or target in seen:
            continue
        seen.add(target)
        module = _sandboxed(state, target)
        if module is None or index == 0:
            continue             # the scheduler's own step takes the first message now
        if module._pending is not None:
            busy += 1
        else:
            candidates.append(index)
    room = limits.parallelism - 1 - busy      # the scheduler's own step runs one
    if room <= 0 or not candidates:
        return
    _state.update(speculating=True, started=0, limit=room)
    try:
        for index in candidates:
            if _state["started"] >= room:
                break
            try:
                step_message(state, index, cfg)
            except Speculated:
                pass
            except Exception:  # noqa: BLE001, S110 -- a dry run's result is thrown away, so
                pass           # is its failure; the real step meets it again if it is real
    finally:
        _state.update(speculating=False, started=0, limit=1)


__all__ = ["STATS", "Speculated", "speculate", "speculating"]
