"""Cycles (interface spec, "Cycles"; pseudo-code in "System imports")."""

from __future__ import annotations

from ...errors import Trap
from . import ic0
from .state import copy_cycles_to_canister, liquid_balance, u128

ACCEPT_CONTEXTS = "U RQ Rt Ry"
REFUND_CONTEXTS = "Rt Ry"
U64 = 1 << 64


def _fits_64(amount: int, name: str) -> int:
    if amount >= U64:
        raise Trap(f"ic0.{name}: the amount {amount} does not fit in 64 bits")
    return amount


def _accept(es, max_amount: int) -> int:
    amount = min(max_amount, es.cycles_available)
    es.cycles_available -= amount
    es.cycles_accepted += amount
    es.balance += amount
    return amount


@ic0("msg_cycles_available128", "(I) -> ()", ACCEPT_CONTEXTS)
def msg_cycles_available128(es, dst):
    copy_cycles_to_canister(es, dst, es.cycles_available, "msg_cycles_available128")


@ic0("msg_cycles_refunded128", "(I) -> ()", REFUND_CONTEXTS)
def msg_cycles_refunded128(es, dst):
    copy_cycles_to_canister(es, dst, es.params.cycles_refunded, "msg_cycles_refunded128")


@ic0("msg_cycles_accept128", "(i64, i64, I) -> ()", ACCEPT_CONTEXTS)
def msg_cycles_accept128(es, high, low, dst):
    amount = _accept(es, u128(high, low))
    copy_cycles_to_canister(es, dst, amount, "msg_cycles_accept128")


@ic0("cycles_burn128", "(i64, i64, I) -> ()", "I G U RQ Ry Rt C T")
def cycles_burn128(es, high, low, dst):
    burned = max(0, min(u128(high, low), liquid_balance(es)))
    es.balance -= burned
    es.cycles_burned += burned
    copy_cycles_to_canister(es, dst, burned, "cycles_burn128")


@ic0("canister_cycle_balance128", "(I) -> ()", "*")
def canister_cycle_balance128(es, dst):
    copy_cycles_to_canister(es, dst, es.balance, "canister_cycle_balance128")


@ic0("canister_liquid_cycle_balance128", "(I) -> ()", "*")
def canister_liquid_cycle_balance128(es, dst):
    copy_cycles_to_canister(es, dst, max(0, liquid_balance(es)),
                            "canister_liquid_cycle_balance128")


# ------------------------------------------------------------------ 64-bit variants (I = i32 only)


@ic0("msg_cycles_available", "() -> i64", ACCEPT_CONTEXTS, i32_only=True)
def msg_cycles_available(es):
    return _fits_64(es.cycles_available, "msg_cycles_available")


@ic0("msg_cycles_refunded", "() -> i64", REFUND_CONTEXTS, i32_only=True)
def msg_cycles_refunded(es):
    return _fits_64(es.params.cycles_refunded, "msg_cycles_refunded")


@ic0("msg_cycles_accept", "(i64) -> i64", ACCEPT_CONTEXTS, i32_only=True)
def msg_cycles_accept(es, max_amount):
    return _accept(es, max_amount)


@ic0("canister_cycle_balance", "() -> i64", "*", i32_only=True)
def canister_cycle_balance(es):
    return _fits_64(es.balance, "canister_cycle_balance")
