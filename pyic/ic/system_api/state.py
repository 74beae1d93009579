"""The System API's execution state (interface spec, "Abstract Canisters to
System API" > "The execution state") and the helper functions every group
uses ("Helper functions": ``copy_to_canister``, ``copy_from_canister``,
``copy_cycles_to_canister``; ``liquid_balance(es)``).

One `ExecutionState` lives for one invocation of an entry point, as the
spec's ``ref ExecutionState``; its ``wasm_state`` is split into the live
memory of the instance (``mem``), the working copy of stable memory
(``stable``) and ``self_id``.
"""

from __future__ import annotations

from attrs import define, field

from ...errors import Trap
from ..canister import Env, MethodCall
from ..costs import DEFAULT, SubnetConfig, liquid_balance as _liquid
from .images import StableMemory


@define
class Params:
    """``Params``; ``arg`` is ``None`` for ``NoArg``, ``deadline`` ``None`` for ``NoDeadline``."""

    sysenv: Env
    arg: bytes | None = None
    caller: bytes = b""                 # ic_principal
    caller_info_data: bytes = b""
    caller_info_signer: bytes = b""
    reject_code: int = 0
    reject_message: str = ""
    cycles_refunded: int = 0
    method_name: str | None = None
    deadline: int | None = None


@define
class PendingCall:
    """A ``MethodCall`` under construction (its callback still open)."""

    callee: bytes
    method_name: str
    reply: tuple
    reject: tuple
    cleanup: tuple | None = None
    arg: bytearray = field(factory=bytearray)
    transferred_cycles: int = 0
    timeout_seconds: int | None = None

    def method_call(self) -> MethodCall:
        return MethodCall(self.callee, self.method_name, bytes(self.arg), self.transferred_cycles,
                          WasmCallback(self.reply, self.reject, self.cleanup),
                          self.timeout_seconds)


@define(frozen=True)
class WasmCallback:
    """The concrete ``Callback``: closures ``(fun, env)`` into the table
    (``on_cleanup`` may be ``None``)."""

    on_reply: tuple
    on_reject: tuple
    on_cleanup: tuple | None = None


@define
class ExecutionState:
    """``ExecutionState`` (``empty_execution_state`` are the defaults)."""

    context: str
    params: Params
    stable: StableMemory
    self_id: bytes
    mem: object = None                  # the instance's memory 0 (a MemInst), None if none
    width: str = "i32"                  # I
    response: object = None             # NoResponse | Reply | Reject
    cycles_accepted: int = 0
    cycles_available: int = 0
    balance: int = 0
    cycles_burned: int = 0              # by ic0.cycles_burn128 (see UpdateReturn)
    reply_arg: bytearray = field(factory=bytearray)
    pending_call: PendingCall | None = None
    calls: list = field(factory=list)
    new_certified_data: bytes | None = None
    new_global_timer: int | None = None
    ingress_accepted: bool = False      # ingress_filter = Accept
    logs: list = field(factory=list)
    meter: object = None                # the invocation's instruction meter
    cfg: SubnetConfig = DEFAULT


# ------------------------------------------------------------------ helper functions


def heap_size(es: ExecutionState) -> int:
    """``|es.wasm_state.wasm_memory|`` in bytes."""
    return es.mem.size if es.mem is not None else 0


def check_heap(es: ExecutionState, addr: int, size: int, name: str) -> None:
    """Trap unless ``[addr, addr + size)`` lies in the Wasm memory."""
    if addr + size > heap_size(es):
        if es.mem is None and size:
            raise Trap(f"ic0.{name}: the WebAssembly module must define memory")
        raise Trap(f"ic0.{name}: heap out of bounds: {addr} + {size} > {heap_size(es)}")


def copy_to_canister(es: ExecutionState, dst: int, offset: int, size: int, data: bytes,
                     name: str) -> None:
    """``copy_to_canister<es>(dst, offset, size, data)``."""
    if offset + size > len(data):
        raise Trap(f"ic0.{name}: offset + size ({offset} + {size}) exceeds the length "
                   f"{len(data)} of the data")
    check_heap(es, dst, size, name)
    if size:
        es.mem.write(dst, bytes(data[offset:offset + size]))


def copy_from_canister(es: ExecutionState, src: int, size: int, name: str) -> bytes:
    """``copy_from_canister<es>(src, size)``."""
    check_heap(es, src, size, name)
    return es.mem.read(src, size) if size else b""


def copy_cycles_to_canister(es: ExecutionState, dst: int, amount: int, name: str) -> None:
    """``copy_cycles_to_canister<es>(dst, amount)``: 16 bytes, little-endian."""
    check_heap(es, dst, 16, name)
    es.mem.write(dst, (amount & ((1 << 128) - 1)).to_bytes(16, "little"))


def memory_usage_wasm_state(es: ExecutionState) -> int:
    return heap_size(es) + es.stable.size


def liquid_balance(es: ExecutionState) -> int:
    """``liquid_balance(es)``."""
    env = es.params.sysenv
    usage = (memory_usage_wasm_state(es) + env.memory_usage_raw_module
             + env.memory_usage_canister_history + env.memory_usage_chunk_store
             + env.memory_usage_snapshots)
    limit = es.cfg.freezing_limit(env.compute_allocation, env.memory_allocation,
                                  env.freezing_threshold, usage)
    return _liquid(es.balance, env.reserved_balance, limit)


def discard_pending_call(es: ExecutionState) -> None:
    """``discard_pending_call<es>()``."""
    if es.pending_call is not None:
        es.balance += es.pending_call.transferred_cycles
        es.pending_call = None


def u128(high: int, low: int) -> int:
    return (high << 64) | low
