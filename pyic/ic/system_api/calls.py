"""Inter-canister calls (interface spec, "Inter-canister method calls";
pseudo-code in "System imports")."""

from __future__ import annotations

from ...errors import Trap
from . import ic0
from .state import PendingCall, copy_from_canister, discard_pending_call, liquid_balance, u128

CALL_CONTEXTS = "U CQ Ry Rt CRy CRt T"
ADD_CYCLES_CONTEXTS = "U Ry Rt T"
MAX_METHOD_NAME = 20_000
MAX_CALL_TIMEOUT = 300
# The value call_perform returns when the call cannot be made (system-api.md §4.5).
CALL_PERFORM_FAILED = 2


def _pending(es, name: str) -> PendingCall:
    if es.pending_call is None:
        raise Trap(f"ic0.{name}: no call is under construction (call ic0.call_new first)")
    return es.pending_call


@ic0("call_new", "(I, I, I, I, I, I, I, I) -> ()", CALL_CONTEXTS, overhead=1_500,
     bytes_charged=lambda a: a[1] + a[3])
def call_new(es, callee_src, callee_size, name_src, name_size, reply_fun, reply_env,
             reject_fun, reject_env):
    discard_pending_call(es)
    if name_size > MAX_METHOD_NAME:
        raise Trap(f"ic0.call_new: the method name ({name_size} bytes) is longer than "
                   f"{MAX_METHOD_NAME} bytes")
    callee = copy_from_canister(es, callee_src, callee_size, "call_new")
    name = copy_from_canister(es, name_src, name_size, "call_new")
    try:
        method_name = name.decode("utf-8")
    except UnicodeDecodeError:
        raise Trap("ic0.call_new: the method name is not valid UTF-8") from None
    # (The spec's pseudo-code writes ``method_name = callee``: a typo for the name read.)
    es.pending_call = PendingCall(callee, method_name, (reply_fun, reply_env),
                                  (reject_fun, reject_env))


@ic0("call_with_best_effort_response", "(i32) -> ()", CALL_CONTEXTS)
def call_with_best_effort_response(es, timeout_seconds):
    call = _pending(es, "call_with_best_effort_response")
    if call.timeout_seconds is not None:
        raise Trap("ic0.call_with_best_effort_response: the call already has a timeout")
    call.timeout_seconds = min(timeout_seconds, MAX_CALL_TIMEOUT)


@ic0("call_on_cleanup", "(I, I) -> ()", CALL_CONTEXTS)
def call_on_cleanup(es, fun, env):
    call = _pending(es, "call_on_cleanup")
    if call.cleanup is not None:
        raise Trap("ic0.call_on_cleanup: the cleanup callback is already set")
    call.cleanup = (fun, env)


@ic0("call_data_append", "(I, I) -> ()", CALL_CONTEXTS, bytes_charged=1, byte_factor=50)
def call_data_append(es, src, size):
    call = _pending(es, "call_data_append")
    call.arg += copy_from_canister(es, src, size, "call_data_append")
    if len(call.arg) > es.cfg.max_inter_canister_payload:
        raise Trap(f"ic0.call_data_append: the argument ({len(call.arg)} bytes) exceeds "
                   f"{es.cfg.max_inter_canister_payload} bytes")


def _add_cycles(es, amount: int, name: str) -> None:
    call = _pending(es, name)
    if liquid_balance(es) < amount:
        raise Trap(f"ic0.{name}: cannot add {amount} cycles: the canister's liquid balance "
                   f"is {max(0, liquid_balance(es))}")
    es.balance -= amount
    call.transferred_cycles += amount


@ic0("call_cycles_add128", "(i64, i64) -> ()", ADD_CYCLES_CONTEXTS)
def call_cycles_add128(es, high, low):
    _add_cycles(es, u128(high, low), "call_cycles_add128")


@ic0("call_cycles_add", "(i64) -> ()", ADD_CYCLES_CONTEXTS, i32_only=True)
def call_cycles_add(es, amount):
    _add_cycles(es, amount, "call_cycles_add")


@ic0("call_perform", "() -> i32", CALL_CONTEXTS, overhead=5_000)
def call_perform(es):
    call = _pending(es, "call_perform")
    reserve = es.cfg.max_cycles_per_response
    # In composite queries calls cost nothing (queries are free).
    if es.context in ("CQ", "CRy", "CRt"):
        reserve = 0
    if liquid_balance(es) < reserve:
        discard_pending_call(es)
        return CALL_PERFORM_FAILED
    es.balance -= reserve
    es.calls.append(call.method_call())
    es.pending_call = None
    return 0
