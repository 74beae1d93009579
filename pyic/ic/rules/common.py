"""Definitions the rules share (interface spec, "Abstract state" and "Message execution").

``env_of`` builds ``Env``; ``freezing_limit`` and ``liquid_balance`` are the
spec's "Cycle bookkeeping and resource consumption"; ``at_queue_head`` is the
ordering condition every message rule starts with.
"""

from __future__ import annotations

from ..canister import Env, WasmState
from ..certification import RootKey
from ..costs import DEFAULT, SubnetConfig, liquid_balance as _liquid
from ..state import (
    UNORDERED, CallMessage, Canister, CanisterLog, Expired, FromCanister, FuncMessage, S,
    simple_status,
)


def memory_usage(c: Canister, wasm_state: WasmState | None = None) -> int:
    """The sum of ``memory_usage_*`` of a canister (bytes): Wasm state, raw module,
    chunk store and snapshots.  History is counted at a nominal size per change.
    ``wasm_state``: count this one instead of the canister's (an execution's new state)."""
    total = 0
    if c.can_state is not None:
        module = c.can_state.module
        ws = c.can_state.wasm_state if wasm_state is None else wasm_state
        usage = getattr(module, "memory_usage", None)
        total += usage(ws) if usage else wasm_state_size(ws)
        total += len(c.can_state.raw_module)
    total += sum(len(chunk) for chunk in c.chunk_store.values())
    total += sum(s.size for s in c.snapshots.values())
    total += 100 * len(c.canister_history.recent_changes)
    return total


def wasm_state_size(ws: WasmState) -> int:
    mem = ws.wasm_memory
    size = len(mem) if isinstance(mem, (bytes, bytearray)) else 0
    return size + len(ws.stable_memory)


def freezing_limit(c: Canister, cfg: SubnetConfig = DEFAULT, usage: int | None = None) -> int:
    """``freezing_limit(S, A)``."""
    return cfg.freezing_limit(c.compute_allocation, c.memory_allocation, c.freezing_threshold,
                              memory_usage(c) if usage is None else usage)


def liquid_balance(c: Canister, cfg: SubnetConfig = DEFAULT) -> int:
    """``liquid_balance(S, A)``."""
    return _liquid(c.balance, c.reserved_balance, freezing_limit(c, cfg))


def env_of(state: S, c: Canister, certificate: bytes | None = None,
           context_instructions: int = 0) -> Env:
    """The ``Env`` record every rule builds the same way (and ``S.root_key``, which
    ``ic0.root_key_copy`` reads beside it); ``context_instructions``: what the call
    context executed before (``ic0.performance_counter(1)``)."""
    cs = c.can_state
    return Env(
        time=c.time,
        controllers=tuple(sorted(c.controllers)),
        global_timer=c.global_timer,
        balance=c.balance,
        reserved_balance=c.reserved_balance,
        reserved_balance_limit=c.reserved_balance_limit,
        compute_allocation=c.compute_allocation,
        memory_allocation=c.memory_allocation,
        memory_usage_raw_module=len(cs.raw_module) if cs is not None else 0,
        memory_usage_canister_history=100 * len(c.canister_history.recent_changes),
        memory_usage_chunk_store=sum(len(v) for v in c.chunk_store.values()),
        memory_usage_snapshots=sum(s.size for s in c.snapshots.values()),
        freezing_threshold=c.freezing_threshold,
        subnet_id=c.canister_subnet.subnet_id,
        subnet_size=c.canister_subnet.subnet_size,
        certificate=certificate,
        root_key=RootKey(state.seed),
        status=simple_status(c.canister_status),
        canister_version=c.canister_version,
        self_id=c.canister_id,
        environment_variables=tuple(c.environment_variables),
        context_instructions=context_instructions,
    )


def trim_canister_logs(entries: tuple, limit: int) -> tuple:
    """"Trimming canister logs": keep the newest records whose contents total at
    most ``limit`` bytes (4 KiB), dropping the oldest, as the replica does.  (The
    spec's formal condition reads ``SUM |Older_logs| > 4KiB``; its prose, "if their
    total length exceeds 4KiB", is what pyic follows; see docs/ic-rules.md.)"""
    total = 0
    keep = len(entries)
    for i in range(len(entries) - 1, -1, -1):
        total += len(entries[i].content)
        if total > limit:
            break
        keep = i
    return tuple(entries[keep:])


def append_logs(c, logs, time: int, cfg: SubnetConfig = DEFAULT) -> dict:
    """``canister_logs[A] · canister_logs``: consecutive indices, at ``time``; then
    "Trimming canister logs".  The changes to make to the `Canister`, as a dict."""
    entries = list(c.canister_logs)
    idx = c.next_log_idx
    for content in logs:
        entries.append(CanisterLog(idx, time, bytes(content)))
        idx += 1
    return dict(canister_logs=trim_canister_logs(tuple(entries), cfg.max_canister_log_bytes),
                next_log_idx=idx)


def trap_reject(canister_id: bytes, trap_message: str):
    """The reject a caller gets when ``canister_id`` trapped, worded as the replica
    words it: ``Error from Canister <id>: Canister called `ic0.trap` with message:
    '...'`` (IC0503 CanisterCalledTrap), else ``... Canister trapped: <why>`` (IC0502)."""
    from ..canister import CANISTER_ERROR, RejectResponse
    from ..principal_text import principal_text
    who = principal_text(canister_id)
    msg = trap_message or "trapped"
    if msg.lower().startswith("canister called `ic0.trap`"):
        return RejectResponse(CANISTER_ERROR, f"Error from Canister {who}: C{msg[1:]}", "IC0503")
    # Messages the replica reports as they are, with their own error codes.
    for prefix, code in (("Canister violated contract", "IC0504"),
                         ("Canister exceeded the limit of", "IC0522"),
                         ("Canister encountered a Wasm engine error", "IC0521")):
        if msg.startswith(prefix):
            return RejectResponse(CANISTER_ERROR, f"Error from Canister {who}: {msg}", code)
    return RejectResponse(CANISTER_ERROR, f"Error from Canister {who}: Canister trapped: {msg}",
                          "IC0502")


def at_queue_head(state: S, index: int) -> bool:
    """``(M.queue = Unordered) or
    (∀ CallMessage M' | FuncMessage M' ∈ Older_messages. M'.queue ≠ M.queue)``."""
    m = state.messages[index]
    q = m.queue
    if q == UNORDERED:
        return True
    for older in state.messages[:index]:
        if isinstance(older, (CallMessage, FuncMessage)) and older.queue == q:
            return False
    return True


def without(messages: tuple, index: int) -> tuple:
    """``Older_messages · Younger_messages``."""
    return messages[:index] + messages[index + 1:]


def is_expired(origin) -> bool:
    return isinstance(origin, FromCanister) and isinstance(origin.deadline, Expired)


def fresh_call_id(state: S) -> tuple[int, S]:
    """A ``Ctxt_id ∉ dom(S.call_contexts)``: the next of a counter, so runs are deterministic."""
    from ..state import evolve
    return state.next_call_id, evolve(state, next_call_id=state.next_call_id + 1)


# Management methods "API Request submission" and the management rules grant to
# ``S.controllers[A] ∪ S.subnet_admins[S.canister_subnet[A]]``.
SUBNET_ADMIN_METHODS = frozenset({"start_canister", "stop_canister", "uninstall_code",
                                  "delete_canister", "canister_metrics"})


def subnet_admins(state: S, subnet_id: bytes) -> frozenset:
    """``S.subnet_admins[subnet_id]`` (no entry: nobody)."""
    return state.subnet_admins.get(subnet_id, frozenset())


def caller_info(sender_info: tuple | None) -> tuple[bytes, bytes]:
    """``(Caller_info_data, Caller_info_signer)`` of a request or query whose
    ``sender_info`` is ``(info, signer, sig)`` or None, as "API Request submission",
    "Initiating canister calls", "Callback invocation" and "Query call" define
    them: its ``info`` and the signing canister, else empty.  The spec also asks
    that the sender be the self-authenticating id of a canister-signature key whose
    canister is ``signer``; the HTTPS layer (`pyic.http.auth`) checked that before
    the request or query reached the IC."""
    if sender_info is None:
        return b"", b""
    return sender_info[0], sender_info[1]
