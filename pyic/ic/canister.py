"""The canister boundary: the interface spec's *abstract canisters*.

Interface spec, "Abstract behavior" > "Abstract canisters": a canister module
is a set of pure functions over an opaque execution state (``WasmState``).
The rules of `pyic.ic.rules` see canisters only through this boundary; a
Wasm module bound to the ``ic0`` System API (`pyic.ic.wasm_canister`) is the
implementation pyic installs; tests may model others.

A function either traps (`Trapped`, the spec's ``Trap { cycles_used }``) or
returns one of the ``*Return`` records (the spec's ``Return { ... }``).  The
records are named apart from the exceptions `pyic.errors.Trap` (a Wasm trap)
and `pyic.errors.Reject` (a call the IC rejected, raised to users).
Execution states are values: a function never mutates the state it is given,
so a trap rolls back by simply dropping the new state (as ic-hs does).
"""

from __future__ import annotations

from typing import Protocol, Union

from attrs import field, frozen

# ---------------------------------------------------------------- the execution state


@frozen
class WasmState:
    """``WasmState``: Wasm (heap) memory, stable memory, globals, own principal.

    ``wasm_memory`` is a value the canister module understands (``bytes`` for
    simple canisters; the Wasm binding keeps an immutable memory image); the
    rules only replace it wholesale, e.g. with ``b""`` on (re)install.
    """

    wasm_memory: object = b""
    stable_memory: bytes = b""
    globals: tuple = ()
    self_id: bytes = b""


# ---------------------------------------------------------------- responses


@frozen
class Reply:
    """``Response = Reply Blob``."""

    data: bytes


@frozen
class RejectResponse:
    """``Response = Reject (RejectCode, Text)``; ``error_code`` is the
    implementation's ``IC0xxx`` label where one applies (not visible to canisters)."""

    code: int
    message: str
    error_code: str | None = None


Response = Union[Reply, RejectResponse]

# Reject codes (interface spec, "Reject codes")
SYS_FATAL = 1
SYS_TRANSIENT = 2
DESTINATION_INVALID = 3
CANISTER_REJECT = 4
CANISTER_ERROR = 5
SYS_UNKNOWN = 6

# ---------------------------------------------------------------- the environment


@frozen
class Env:
    """``Env``: read-only parts of the system state a canister function sees."""

    time: int
    controllers: tuple
    global_timer: int
    balance: int
    reserved_balance: int = 0
    reserved_balance_limit: int = 0
    compute_allocation: int = 0
    memory_allocation: int = 0
    memory_usage_raw_module: int = 0
    memory_usage_canister_history: int = 0
    memory_usage_chunk_store: int = 0
    memory_usage_snapshots: int = 0
    freezing_threshold: int = 0
    subnet_id: bytes = b""
    subnet_size: int = 13
    certificate: bytes | None = None
    # ``S.root_key`` (``ic0.root_key_copy``): a `pyic.ic.certification.RootKey`, made
    # when first read, or the blob itself.
    root_key: bytes = b""
    status: str = "running"            # "running" | "stopping" | "stopped"
    canister_version: int = 0
    self_id: bytes = b""               # canister.self (abstract WasmState carries it)
    environment_variables: tuple = ()  # ((name, value), ...)
    # ``ic0.performance_counter(1)``: the instructions executed before this execution
    # in its call context (or ``composite_query_helper``).  The spec leaves the counter
    # ``arbitrary()``; the rules count it (docs/wasm-canisters.md).
    context_instructions: int = 0


# ---------------------------------------------------------------- outgoing calls


@frozen
class MethodCall:
    """``MethodCall``: an outgoing call made by a canister function."""

    callee: bytes
    method_name: str
    arg: bytes
    transferred_cycles: int
    callback: object                    # opaque to the rules
    timeout_seconds: int | None = None  # None: unbounded wait


# ---------------------------------------------------------------- results

@frozen
class Trapped:
    """``Trap { cycles_used : Nat; }``: a canister function trapped; ``message`` is
    what the IC reports."""

    cycles_used: int = 0
    message: str = "canister trapped"
    logs: tuple = ()
    # Instructions counted (limits compare counts, never cycles: a free subnet's are 0).
    instructions_used: int = 0


@frozen
class UpdateReturn:
    """``UpdateFunc`` returned."""

    new_state: object
    new_calls: tuple = ()
    new_certified_data: bytes | None = None
    new_global_timer: int | None = None
    response: Response | None = None
    cycles_accepted: int = 0
    cycles_used: int = 0
    logs: tuple = ()
    trap_message: str | None = None  # a callback trapped and its cleanup ran: why, for reports
    # ``ic0.cycles_burn128`` lowers ``es.balance``, which the spec's Return records do
    # not carry (a gap of v0.66.0): carried here, apart from cycles_used, so a burn is
    # neither capped by MAX_CYCLES_PER_MESSAGE nor lost.
    cycles_burned: int = 0
    instructions_used: int = 0  # as in Trapped


@frozen
class QueryReturn:
    """``QueryFunc`` returned; a query returns with a response (``None`` when a
    canister returned without one, which the IC answers as "did not reply")."""

    response: Response | None
    cycles_accepted: int = 0
    cycles_used: int = 0
    logs: tuple = ()
    instructions_used: int = 0  # as in Trapped


@frozen
class CompositeQueryReturn:
    """``CompositeQueryFunc`` returned."""

    new_state: object
    new_calls: tuple = ()
    response: Response | None = None
    cycles_used: int = 0
    logs: tuple = ()
    instructions_used: int = 0  # as in Trapped


@frozen
class SystemTaskReturn:
    """``SystemTaskFunc`` returned (heartbeat, global timer, low-memory hook)."""

    new_state: object
    new_calls: tuple = ()
    new_certified_data: bytes | None = None
    new_global_timer: int | None = None
    cycles_used: int = 0
    logs: tuple = ()
    cycles_burned: int = 0  # as in UpdateReturn
    instructions_used: int = 0  # as in Trapped


@frozen
class InitReturn:
    """``init`` / ``post_upgrade`` returned."""

    new_state: object
    new_certified_data: bytes | None = None
    new_global_timer: int | None = None
    cycles_used: int = 0
    logs: tuple = ()


@frozen
class PreUpgradeReturn:
    """``pre_upgrade`` returned."""

    new_state: object
    new_certified_data: bytes | None = None
    cycles_used: int = 0
    logs: tuple = ()


@frozen
class InspectReturn:
    """``inspect_message`` returned ``Accept`` (True) or ``Reject`` (False)."""

    accept: bool


# ---------------------------------------------------------------- the module


@frozen
class CallerInfo:
    """Who calls: ``CallerId``, ``CallerInfoData``, ``CallerInfoSigner``."""

    caller: bytes
    info_data: bytes = b""
    info_signer: bytes = b""


class CanisterModule(Protocol):
    """``CanisterModule``.  Method tables map names to functions; a missing
    entry point is ``None`` (e.g. no ``canister_heartbeat`` export).

    Every function takes the execution state first and returns a result record.
    ``deadline`` is ``None`` for unbounded-wait calls.
    """

    initial_globals: tuple
    update_methods: dict
    query_methods: dict
    composite_query_methods: dict

    def init(self, canister_id: bytes, arg: bytes, caller: CallerInfo, env: Env): ...
    def pre_upgrade(self, state: object, caller: bytes, env: Env): ...
    def post_upgrade(self, state: object, arg: bytes, caller: CallerInfo, env: Env): ...
    def heartbeat(self, state: object, env: Env): ...
    def global_timer(self, state: object, env: Env): ...
    def on_low_wasm_memory(self, state: object, env: Env): ...
    def callback(self, state: object, callback: object, caller: CallerInfo, response: Response,
                 deadline: int | None, refunded: int, env: Env, available: int): ...
    def composite_callback(self, state: object, callback: object, caller: CallerInfo,
                           response: Response, env: Env): ...
    def inspect_message(self, state: object, method_name: str, arg: bytes, caller: CallerInfo,
                        env: Env): ...
    def has_heartbeat(self) -> bool: ...
    def has_global_timer(self) -> bool: ...
    def has_on_low_wasm_memory(self) -> bool: ...
    def has_inspect_message(self) -> bool: ...
    def memory_usage(self, state: object) -> int: ...
    def wasm_memory_size(self, state: object) -> int: ...
    def stable_memory(self, state: object) -> bytes: ...


@frozen
class ParsedModule:
    """What ``parse_wasm_mod`` and the custom-section parsers give for a blob."""

    module: object                                   # a CanisterModule
    public_custom_sections: dict = field(factory=dict)
    private_custom_sections: dict = field(factory=dict)
