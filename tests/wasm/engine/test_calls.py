"""Calls on the fast tier: deep recursion without RecursionError, exhaustion at exactly the
reference's depth and count, locals budget, host functions (charging, re-entering, trapping),
and functions the fast tier leaves to the reference (tail calls) called from fast code."""

import sys

import pytest

from pyic.errors import Exhaustion
from pyic.wasm import embed
from pyic.wasm.engine import fast
from pyic.wasm.syntax.types import FuncType

from .tiers import run_on, same_on_both

REC = embed.load_module("""(module
  (func $rec (export "rec") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n)) (then (i32.const 0))
      (else (i32.add (call $rec (i32.sub (local.get $n) (i32.const 1))) (i32.const 1)))))
  (func $big (export "big") (param $n i32) (result i32)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (if (result i32) (i32.eqz (local.get $n)) (then (i32.const 0))
      (else (i32.add (call $big (i32.sub (local.get $n) (i32.const 1))) (i32.const 1)))))
  (func $forever (export "forever") (param $n i32) (result i32)
    (call $forever (i32.add (local.get $n) (i32.const 1))))
  (table 1 funcref) (elem (i32.const 0) $ind)
  (type $t (func (param i32) (result i32)))
  (func $ind (export "ind") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n)) (then (i32.const 0))
      (else (call_indirect (type $t) (i32.sub (local.get $n) (i32.const 1)) (i32.const 0))))))""")


def test_recursion_100000_deep_at_the_limit():
    # the invoked function is frame 1: rec(n) uses n + 1 frames; the default limit is 100,000
    out = same_on_both(REC, "rec", [99_999])
    assert out[0] == ("ok", (99_999,))
    out = same_on_both(REC, "rec", [100_000])
    assert out[0] == ("Exhaustion", "call stack exhausted")


@pytest.mark.parametrize("depth", [1, 2, 3, 50, 399, 400, 401, 1000])
def test_exhaustion_at_configured_depth(depth):
    cfg = {"max_call_depth": depth}
    ok = same_on_both(REC, "rec", [depth - 1], config=cfg)
    assert ok[0] == ("ok", (depth - 1,))
    over = same_on_both(REC, "rec", [depth], config=cfg)
    assert over[0][0] == "Exhaustion"
    same_on_both(REC, "forever", [0], config=cfg)
    same_on_both(REC, "ind", [depth], config=cfg)


def test_infinite_recursion_is_exhaustion_never_recursion_error():
    out = same_on_both(REC, "forever", [0])
    assert out[0] == ("Exhaustion", "call stack exhausted")
    assert sys.getrecursionlimit() <= 100_000   # the host stack was never the limit


@pytest.mark.parametrize("slots", [30, 100, 1500, 5000, 40_000])
def test_locals_budget_exhaustion_identical(slots):
    cfg = {"max_stack_values": slots}
    for n in (2, 10, 100, 1000, 5000):
        same_on_both(REC, "big", [n], config=cfg)
        same_on_both(REC, "rec", [n], config=cfg)


def test_limits_inside_deep_recursion():
    total = same_on_both(REC, "rec", [3000])[1]
    for limit in (total - 1, total // 2, 7, 3000 * 5 + 3):
        out = same_on_both(REC, "rec", [3000], limit=limit)
        assert out[0][0] == "InstructionLimitExceeded"


HOSTY = embed.load_module("""(module
  (import "env" "h" (func $h (param i32) (result i32)))
  (memory (export "mem") 1)
  (func (export "inner") (param $x i32) (result i32)
    (i32.store (i32.const 8) (local.get $x))
    (i32.mul (local.get $x) (i32.const 3)))
  (func $outer (export "outer") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n)) (then (call $h (i32.const 5)))
      (else (i32.add (call $outer (i32.sub (local.get $n) (i32.const 1))) (i32.const 1))))))""")


def _host_imports(mode):
    def imports(store):
        def h(caller, x):
            caller.charge(5)
            if mode == "trap":
                from pyic.errors import Trap
                raise Trap("host says no")
            inst = caller.instance
            r, _ = embed.invoke(store, inst.exports["inner"], [x + store.depth], meter=caller.meter)
            return (r[0] + store.slots) & 0xFFFFFFFF
        ft = FuncType(("i32",), ("i32",))
        return {"env": {"h": embed.func_alloc(store, ft, h)}}
    return imports


@pytest.mark.parametrize("mode", ["reenter", "trap"])
@pytest.mark.parametrize("n", [0, 3, 500])
def test_host_functions_same_on_both_tiers(mode, n):
    out = same_on_both(HOSTY, "outer", [n], imports=_host_imports(mode))
    assert out[0][0] == ("ok" if mode == "reenter" else "Trap")
    for limit in (0, out[1] - 1, out[1] - 4, out[1] // 2):
        same_on_both(HOSTY, "outer", [n], imports=_host_imports(mode), limit=limit)


# $loop tail-calls itself through a table: the fast tier compiles direct self tail calls
# (test_tail_calls.py), not indirect ones, so $loop stays on the reference tier.
TAIL = """(module
  (type $t (func (param i32 i32) (result i32)))
  (table 1 funcref) (elem (i32.const 0) $loop)
  (func $loop (type $t) (param $n i32) (param $acc i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n)) (then (local.get $acc))
      (else (return_call_indirect (type $t) (i32.sub (local.get $n) (i32.const 1))
                                  (i32.add (local.get $acc) (i32.const 2)) (i32.const 0)))))
  (func (export "run") (param $n i32) (result i32)
    (i32.add (call $loop (local.get $n) (i32.const 0)) (i32.const 1))))"""


def test_reference_fallback_function_called_from_fast_code():
    module = embed.load_module(TAIL)
    out = same_on_both(module, "run", [100_000])
    assert out[0] == ("ok", (200_001,))
    same_on_both(module, "run", [1000], limit=2500)
    store = embed.Store(embed.Config(tier="fast"))
    inst = embed.module_instantiate(store, module)
    for _ in range(fast.HOT_CALLS):      # loop-free: compiled once hot
        embed.invoke_export(store, inst, "run", [3])
    f_loop, f_run = store.funcs[0], store.funcs[1]
    assert fast.is_generated(fast.callable_of(store, f_run))        # compiled
    assert not fast.is_generated(fast.callable_of(store, f_loop))   # reference


def test_exhaustion_count_matches_reference_exactly():
    fast_out = run_on("fast", REC, "forever", [0], config={"max_call_depth": 777})
    ref_out = run_on("reference", REC, "forever", [0], config={"max_call_depth": 777})
    assert fast_out == ref_out
    assert fast_out[0] == (Exhaustion.__name__, "call stack exhausted")
