"""Tiering on the fast tier: a loop-free function is interpreted on its first calls (its
callees run compiled) and compiled once hot, a function with a loop (or a tail call of
itself) compiled on its first call; results, counts, limit stops and exhaustion are
the reference's on either side of the switch."""

import pytest

from pyic.wasm import embed
from pyic.wasm.engine import fast

from .test_calls import REC
from .tiers import run_on, same_on_both

STEP = "(local.set $x (i32.add (i32.mul (local.get $x) (i32.const 3)) (i32.const 1)))\n"
BIG = embed.load_module(f"""(module
  (memory 1)
  (func $loop (param $n i32) (result i32) (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $s))
  (func $straight (export "straight") (param $x i32) (result i32)
    {STEP * 300}
    (i32.store (i32.const 16) (local.get $x))
    (i32.add (local.get $x) (call $loop (i32.and (local.get $x) (i32.const 255)))))
  (func (export "twice") (param $x i32) (result i32) (local $i i32)
    (loop $l
      (local.set $x (call $straight (local.get $x)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 7))))
    (local.get $x)))""")


def test_a_big_loop_free_function_starts_interpreted_and_its_callees_compiled():
    store = embed.Store(embed.Config(tier="fast"))
    inst = embed.module_instantiate(store, BIG)
    straight, loop = inst.funcs[1], inst.funcs[0]
    embed.invoke_export(store, inst, "straight", [5])
    fns = store._fast_tier
    assert type(fns[straight]) is fast._Tier                 # interpreted so far
    assert fast.is_generated(fns[loop])                      # its callee runs compiled
    for _ in range(fast.HOT_CALLS):
        embed.invoke_export(store, inst, "straight", [5])
    assert fast.is_generated(fns[straight])                  # hot: compiled


@pytest.mark.parametrize("name,arg", [("straight", 5), ("twice", 9)])
def test_same_results_and_counts_across_the_switch(name, arg):
    ok = same_on_both(BIG, name, [arg])
    count = ok[1]
    # limits inside the interpreted calls, at the switch and inside the compiled ones
    for limit in (1, 7, 500, 1203, count // 3, count // 2, count - 1, count):
        same_on_both(BIG, name, [arg], limit=limit)


@pytest.fixture
def defer_everything(monkeypatch):
    """Every loop-free function defers (tiering in recursion, calls and call_indirect): the
    default, pinned here so that these tests keep crossing the switch whatever it becomes."""
    monkeypatch.setattr(fast, "DEFER_MIN", 1)


SMALL = embed.load_module("""(module
  (func $add (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func $count (export "count") (param $n i32) (param $acc i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n)) (then (local.get $acc))
      (else (return_call $count (i32.sub (local.get $n) (i32.const 1))
                                (call $add (local.get $acc) (i32.const 2))))))
  (func (export "add") (param i32 i32) (result i32) (call $add (local.get 0) (local.get 1))))""")


def test_a_small_loop_free_function_is_compiled_once_hot():
    store = embed.Store(embed.Config(tier="fast"))
    inst = embed.module_instantiate(store, SMALL)
    add = inst.funcs[0]
    for k in range(1, fast.HOT_CALLS + 1):
        assert embed.invoke_export(store, inst, "add", [k, 1])[0] == [k + 1]
        assert fast.is_generated(store._fast_tier[add]) == (k == fast.HOT_CALLS)


def test_a_function_that_tail_calls_itself_is_compiled_on_its_first_call():
    # loop-free by its branches, but the tail call of itself is its loop: interpreting its
    # first call would run the whole loop on the interpreter
    store = embed.Store(embed.Config(tier="fast"))
    inst = embed.module_instantiate(store, SMALL)
    assert embed.invoke_export(store, inst, "count", [50_000, 0])[0] == [100_000]
    assert fast.is_generated(store._fast_tier[inst.funcs[1]])
    assert same_on_both(SMALL, "count", [300, 0])[0] == ("ok", (600,))


@pytest.mark.parametrize("depth", [1, 2, 3, 5, 50, 400, 401, 1000])
def test_exhaustion_at_configured_depth_with_tiering(defer_everything, depth):
    cfg = {"max_call_depth": depth}
    ok = same_on_both(REC, "rec", [depth - 1], config=cfg)
    assert ok[0] == ("ok", (depth - 1,))
    assert same_on_both(REC, "rec", [depth], config=cfg)[0][0] == "Exhaustion"
    same_on_both(REC, "forever", [0], config=cfg)
    same_on_both(REC, "ind", [depth], config=cfg)


def test_deep_recursion_with_tiering(defer_everything):
    assert same_on_both(REC, "rec", [99_999])[0] == ("ok", (99_999,))
    assert same_on_both(REC, "rec", [100_000])[0] == ("Exhaustion", "call stack exhausted")


@pytest.mark.parametrize("slots", [30, 100, 1500, 40_000])
def test_locals_budget_with_tiering(defer_everything, slots):
    same_on_both(REC, "big", [500], config={"max_stack_values": slots})


def test_limits_in_recursion_with_tiering(defer_everything):
    count = run_on("reference", REC, "rec", [40])[1]
    for limit in range(1, count + 1, 7):
        same_on_both(REC, "rec", [40], limit=limit)
