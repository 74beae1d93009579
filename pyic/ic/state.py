"""The abstract state of the IC (interface spec, "Abstract behavior" > "Abstract state").

The spec keeps the system state ``S`` as one record of maps keyed by canister
id (``S.balances[A]``, ``S.controllers[A]`` ...).  pyic groups those per-canister
maps into one `Canister` record per id, keeping the spec's field names, so
``S.balances[A]`` is ``S.canisters[A].balance`` and deleting a canister is one
map removal.  Everything else follows the spec's records and names.

All records are immutable.  Maps inside them are plain dicts treated as
values: a transition copies a dict before changing it (see `replace_in`), never
mutates one that belongs to an existing state.
"""

from __future__ import annotations

from typing import Union

from attrs import evolve, field, frozen

from .canister import Response, WasmState

# ------------------------------------------------------------------ identifiers

IC_PRINCIPAL = b""            # the management canister, ``aaaaa-aa``
ANONYMOUS_ID = b"\x04"        # ``2vxsx-fae``

# ------------------------------------------------------------------ requests


@frozen
class Request:
    """``Request``: an ingress update call as submitted."""

    nonce: bytes
    ingress_expiry: int
    sender: bytes
    canister_id: bytes
    method_name: str
    arg: bytes
    sender_info: object = None


@frozen
class Received:
    pass


@frozen
class Processing:
    pass


@frozen
class Rejected:
    code: int
    message: str
    error_code: str | None = None


@frozen
class Replied:
    data: bytes


@frozen
class Done:
    pass


RequestStatus = Union[Received, Processing, Rejected, Replied, Done]

# ------------------------------------------------------------------ call contexts


@frozen
class Expired:
    """``Expired Timestamp``: a bounded-wait deadline that has been expired."""

    timestamp: int


@frozen
class FromUser:
    request: Request


@frozen
class FromCanister:
    calling_context: int
    callback: object
    deadline: object = None    # None (NoDeadline) | int | Expired


@frozen
class FromSystemTask:
    pass


CallOrigin = Union[FromUser, FromCanister, FromSystemTask]


@frozen
class CallCtxt:
    """``CallCtxt``."""

    canister: bytes
    origin: CallOrigin
    needs_to_respond: bool
    deleted: bool
    available_cycles: int


# ------------------------------------------------------------------ messages


@frozen
class Queue:
    """``Queue { from, to }``; ``frm`` is a canister id or ``"system"``."""

    frm: object
    to: bytes


UNORDERED = "unordered"


@frozen
class PublicMethod:
    method_name: str
    caller: bytes
    arg: bytes


@frozen
class CallbackEntry:
    """``Callback Callback Response RefundedCycles``."""

    callback: object
    response: Response
    refunded_cycles: int


HEARTBEAT = "heartbeat"
GLOBAL_TIMER = "global_timer"
ON_LOW_WASM_MEMORY = "on_low_wasm_memory"

EntryPoint = Union[PublicMethod, CallbackEntry, str]


@frozen
class CallMessage:
    origin: CallOrigin
    caller: bytes
    callee: bytes
    method_name: str
    arg: bytes
    transferred_cycles: int
    queue: object
    caller_info_data: bytes = b""
    caller_info_signer: bytes = b""


@frozen
class FuncMessage:
    call_context: int
    caller: bytes
    receiver: bytes
    entry_point: EntryPoint
    queue: object
    caller_info_data: bytes = b""
    caller_info_signer: bytes = b""


@frozen
class ResponseMessage:
    origin: CallOrigin
    response: Response
    refunded_cycles: int


Message = Union[CallMessage, FuncMessage, ResponseMessage]

# ------------------------------------------------------------------ canisters


@frozen
class CanState:
    """A non-empty ``CanState``; the empty canister is ``None``."""

    wasm_state: WasmState
    module: object                   # a CanisterModule
    raw_module: bytes
    public_custom_sections: dict = field(factory=dict)
    private_custom_sections: dict = field(factory=dict)


RUNNING = "running"
STOPPED = "stopped"


@frozen
class Stopping:
    """``Stopping (List (CallOrigin, Nat))``: the pending stop calls and when each came."""

    origins: tuple = ()


CanStatus = Union[str, Stopping]


def simple_status(status: CanStatus) -> str:
    """``simple_status``: Running | Stopping | Stopped."""
    return "stopping" if isinstance(status, Stopping) else status


@frozen
class Change:
    """``Change``: one canister history entry; ``details`` a dict per ``ChangeDetails``."""

    timestamp_nanos: int
    canister_version: int
    origin: tuple  # ("user", principal) | ("canister", principal, version|None)
    details: tuple  # e.g. ("creation", controllers), ("code_deployment", mode, hash)


@frozen
class CanisterHistory:
    total_num_changes: int = 0
    recent_changes: tuple = ()


@frozen
class CanisterLog:
    idx: int
    timestamp_nanos: int
    content: bytes


@frozen
class Snapshot:
    snapshot_id: bytes
    taken_at_timestamp: int
    raw_module: bytes
    wasm_state: WasmState
    chunk_store: dict
    canister_version: int
    certified_data: bytes
    global_timer: int | None
    on_low_wasm_memory_hook_status: str | None
    size: int = 0


@frozen
class Subnet:
    subnet_id: bytes
    subnet_size: int = 13


CONTROLLERS = "controllers"
PUBLIC = "public"


@frozen
class Canister:
    """Every ``S.<map>[A]`` of one canister ``A``, under the spec's field names."""

    canister_id: bytes
    can_state: CanState | None = None          # S.canisters[A]
    controllers: frozenset = frozenset()
    compute_allocation: int = 0
    memory_allocation: int = 0
    freezing_threshold: int = 2_592_000
    canister_status: CanStatus = RUNNING
    canister_version: int = 0
    canister_subnet: Subnet = Subnet(b"")
    time: int = 0
    global_timer: int = 0
    balance: int = 0
    reserved_balance: int = 0
    reserved_balance_limit: int = 5_000_000_000_000
    minimum_incoming_canister_call_cycles: int = 0
    wasm_memory_limit: int = 0
    wasm_memory_threshold: int = 0
    environment_variables: tuple = ()
    on_low_wasm_memory_hook_status: str = "condition_not_satisfied"
    certified_data: bytes = b""
    canister_creation_timestamp: int = 0
    last_install_timestamp: int | None = None
    canister_history: CanisterHistory = CanisterHistory()
    canister_log_visibility: object = (
        CONTROLLERS  # CONTROLLERS | PUBLIC | ("allowed_viewers", tuple)
    )
    canister_snapshot_visibility: object = CONTROLLERS
    canister_status_visibility: object = CONTROLLERS
    canister_logs: tuple = ()
    next_log_idx: int = 0
    chunk_store: dict = field(factory=dict)             # sha256 -> bytes
    snapshots: dict = field(factory=dict)               # snapshot id -> Snapshot
    query_stats: tuple = ()


# ------------------------------------------------------------------ the system state


@frozen
class S:
    """The system state ``S``."""

    requests: dict = field(factory=dict)         # Request -> (RequestStatus, effective id)
    canisters: dict = field(factory=dict)        # canister id -> Canister
    call_contexts: dict = field(factory=dict)    # CallId (int) -> CallCtxt
    messages: tuple = ()                         # ordered, oldest first
    system_time: int = 0
    subnet_admins: dict = field(factory=dict)
    # Implementation bookkeeping (not in the spec's S, chosen deterministically):
    next_canister_index: int = 0                 # for fresh canister ids
    next_call_id: int = 0                        # for fresh CallIds
    next_snapshot_index: int = 0
    rand_counter: int = 0                        # raw_rand draws so far
    last_trap: dict = field(factory=dict)        # CallId -> why its last execution trapped
    seed: bytes = b"pyic"


def replace_in(mapping: dict, key, value) -> dict:
    """``mapping`` with ``key`` = ``value``, as a new dict (the old one is a value)."""
    new = dict(mapping)
    new[key] = value
    return new


def delete_from(mapping: dict, key) -> dict:
    new = dict(mapping)
    new.pop(key, None)
    return new


def with_canister(state: S, canister_id: bytes, **changes) -> S:
    """``S with <field>[A] = ...`` for fields of one canister."""
    c = state.canisters[canister_id]
    return evolve(state, canisters=replace_in(state.canisters, canister_id, evolve(c, **changes)))


def with_call_context(state: S, ctxt_id: int, **changes) -> S:
    ctxt = state.call_contexts[ctxt_id]
    return evolve(
        state, call_contexts=replace_in(state.call_contexts, ctxt_id, evolve(ctxt, **changes))
    )
