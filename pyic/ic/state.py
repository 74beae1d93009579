"""The abstract state of the IC (interface spec, "Abstract behavior" > "Abstract state").

The spec keeps the system state ``S`` as one record of maps keyed by canister
id (``S.balances[A]``, ``S.controllers[A]`` ...).  pyic groups those per-canister
maps into one `Canister` record per id, keeping the spec's field names, so
``S.balances[A]`` is ``S.canisters[A].balance`` and deleting a canister is one
map removal.  Everything else follows the spec's records and names.

All records are immutable.  Maps inside them are plain dicts treated as
values: a transition copies a dict before changing it (see `replace_in`), never
mutates one that belongs to an existing state.  ``S.call_contexts``, which grows
with the calls in flight, is a `CallContexts`: the same value semantics, but a
change copies one chunk of it, not the whole map.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import attrgetter
from typing import Union

import attrs
from attrs import field, frozen

from .canister import Response, WasmState

# ------------------------------------------------------------------ records


_PLANS: dict = {}     # record class -> (getter of all fields, field name -> position) | None


def _plan(cls):
    """How `evolve` rebuilds a ``cls``: by position, when every field is an ordinary
    positional ``__init__`` argument (else ``None``: `attrs.evolve` does it)."""
    fields = attrs.fields(cls)
    if not fields or any(not a.init or a.kw_only or a.alias != a.name for a in fields):
        return None
    names = tuple(a.name for a in fields)
    get = attrgetter(*names)
    if len(names) == 1:
        get = (lambda g: lambda inst: (g(inst),))(get)
    return get, {name: i for i, name in enumerate(names)}


def evolve(inst, **changes):
    """``inst`` with ``changes``, as `attrs.evolve` gives it, without attrs' walk over the
    field definitions on every call: every step of the scheduler rebuilds ``S`` and a
    `Canister` (31 fields) a few times, so this is on the IC's hottest path."""
    cls = inst.__class__
    try:
        plan = _PLANS[cls]
    except KeyError:
        plan = _PLANS[cls] = _plan(cls)
    if plan is None:
        return attrs.evolve(inst, **changes)
    get, position = plan
    values = list(get(inst))
    try:
        for name, value in changes.items():
            values[position[name]] = value
    except KeyError:
        return attrs.evolve(inst, **changes)     # raises attrs' own TypeError
    return cls(*values)


# ------------------------------------------------------------------ identifiers

IC_PRINCIPAL = b""            # the management canister, ``aaaaa-aa``
ANONYMOUS_ID = b"\x04"        # ``2vxsx-fae``

# ------------------------------------------------------------------ requests


@frozen
class Request:
    """``Request``: an ingress update call as submitted.  ``sender_info`` is the
    content's ``sender_info`` as the tuple ``(info, signer, sig)``, or None; the
    HTTPS layer has checked its canister signature ("Envelope Authentication")."""

    nonce: bytes
    ingress_expiry: int
    sender: bytes
    canister_id: bytes
    method_name: str
    arg: bytes
    sender_info: tuple | None = None


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
    # Wasm instructions executed in this context so far, by every execution (traps
    # included): ``ic0.performance_counter(1)`` of the next one starts here.
    instructions_executed: int = 0


def _caller_waiting(ctxt: CallCtxt):
    """The caller's context that ``ctxt`` still owes a response to: its origin's
    ``calling_context`` if it needs to respond to a canister whose deadline has not
    expired; else ``None``.  (What "Call context removal" and "starvation" look for.)"""
    origin = getattr(ctxt, "origin", None)
    if (type(origin) is FromCanister and ctxt.needs_to_respond
            and type(origin.deadline) is not Expired):
        return origin.calling_context
    return None


_CHUNK_BITS = 6    # 64 call ids a chunk


class CallContexts(Mapping):
    """``S.call_contexts``: CallId -> `CallCtxt`, an immutable map.

    A plain dict would be copied whole by every change, and the rules change a context
    on every step while thousands may be open.  Here the ids live in chunks of 64
    consecutive ids, so `set` and `remove` copy the chunk table and one chunk.  The map
    iterates in ascending id order, which is the order a dict filled by fresh ids
    (`fresh_call_id`, a counter) has.  Beside it, `waiting` counts, per context, the
    contexts that still owe it a response (`_caller_waiting`), which "Call context
    removal" and "starvation" ask instead of scanning every context."""

    __slots__ = ("_chunks", "_len", "_waiting")

    def __init__(self, entries=()):
        chunks: dict = {}
        waiting: dict = {}
        for ctxt_id, ctxt in (entries.items() if isinstance(entries, Mapping) else entries):
            chunk = chunks.setdefault(ctxt_id >> _CHUNK_BITS, {})
            if ctxt_id in chunk:
                _count(waiting, _caller_waiting(chunk[ctxt_id]), -1)
            chunk[ctxt_id] = ctxt
            _count(waiting, _caller_waiting(ctxt), 1)
        self._chunks = chunks
        self._len = sum(len(c) for c in chunks.values())
        self._waiting = waiting

    @classmethod
    def of(cls, entries) -> "CallContexts":
        return entries if type(entries) is cls else cls(entries)

    def _with(self, chunks: dict, length: int, waiting: dict) -> "CallContexts":
        new = object.__new__(CallContexts)
        new._chunks, new._len, new._waiting = chunks, length, waiting
        return new

    def __getitem__(self, ctxt_id):
        try:
            return self._chunks[ctxt_id >> _CHUNK_BITS][ctxt_id]
        except TypeError:
            raise KeyError(ctxt_id) from None

    def get(self, ctxt_id, default=None):
        try:
            return self._chunks[ctxt_id >> _CHUNK_BITS][ctxt_id]
        except (KeyError, TypeError):
            return default

    def __contains__(self, ctxt_id) -> bool:
        try:
            return ctxt_id in self._chunks[ctxt_id >> _CHUNK_BITS]
        except (KeyError, TypeError):
            return False

    def __iter__(self):
        # Lazily, chunk by chunk: the scheduler stops at the first context a rule applies to.
        chunks = self._chunks
        for c in sorted(chunks):
            yield from sorted(chunks[c])

    def __len__(self) -> int:
        return self._len

    # Lists, not views: the map never changes, and these are what the rules iterate.
    def values(self) -> list:
        out: list = []
        for c in sorted(self._chunks):
            chunk = self._chunks[c]
            out += [chunk[k] for k in sorted(chunk)]
        return out

    def items(self) -> list:
        out: list = []
        for c in sorted(self._chunks):
            chunk = self._chunks[c]
            out += [(k, chunk[k]) for k in sorted(chunk)]
        return out

    def __eq__(self, other):
        if type(other) is CallContexts:
            return self._chunks == other._chunks
        return Mapping.__eq__(self, other)

    __hash__ = None

    def __repr__(self) -> str:
        return f"CallContexts({dict(self.items())!r})"

    def __reduce__(self):
        return CallContexts, (dict(self.items()),)

    def set(self, ctxt_id: int, ctxt: CallCtxt) -> "CallContexts":
        """The map with ``ctxt_id`` -> ``ctxt`` (added or replaced)."""
        c = ctxt_id >> _CHUNK_BITS
        chunks = dict(self._chunks)
        chunk = dict(chunks.get(c, ()))
        old = chunk.get(ctxt_id)
        chunk[ctxt_id] = ctxt
        chunks[c] = chunk
        waiting = self._waiting
        before = None if old is None else _caller_waiting(old)
        after = _caller_waiting(ctxt)
        if before != after:
            waiting = dict(waiting)
            _count(waiting, before, -1)
            _count(waiting, after, 1)
        return self._with(chunks, self._len + (old is None), waiting)

    def remove(self, ctxt_id: int) -> "CallContexts":
        """The map without ``ctxt_id`` (the same map if it has none)."""
        c = ctxt_id >> _CHUNK_BITS
        old = self.get(ctxt_id)
        if old is None:
            return self
        chunks = dict(self._chunks)
        chunk = dict(chunks[c])
        del chunk[ctxt_id]
        if chunk:
            chunks[c] = chunk
        else:
            del chunks[c]
        waiting = self._waiting
        before = _caller_waiting(old)
        if before is not None:
            waiting = dict(waiting)
            _count(waiting, before, -1)
        return self._with(chunks, self._len - 1, waiting)

    def waiting(self, ctxt_id: int) -> bool:
        """Whether some context still owes context ``ctxt_id`` a response."""
        return ctxt_id in self._waiting


def _count(counts: dict, key, delta: int) -> None:
    if key is None:
        return
    n = counts.get(key, 0) + delta
    if n:
        counts[key] = n
    else:
        del counts[key]


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
    # ``Snapshot.source``: "taken_from_canister" | "metadata_upload" (a snapshot
    # ``upload_canister_snapshot_metadata`` made, filled by ``..._data``).
    source: str = "taken_from_canister"


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
    call_contexts: CallContexts = field(factory=CallContexts,   # CallId (int) -> CallCtxt
                                        converter=CallContexts.of)
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
    if type(mapping) is CallContexts:
        return mapping.set(key, value)
    new = dict(mapping)
    new[key] = value
    return new


def delete_from(mapping: dict, key) -> dict:
    if type(mapping) is CallContexts:
        return mapping.remove(key)
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
