"""The control rules of the reference interpreter (Wasm 3.0 spec 4.6.2-4.6.5): branches out of
nested blocks, br_table, loop parameters, tail-call chains, exceptions unwinding frames,
call depth and block nesting on explicit stacks, and the points where a limit stops."""

from __future__ import annotations

import pytest

from pyic.errors import Exhaustion, InstructionLimitExceeded, UncaughtException
from pyic.wasm import embed
from pyic.wasm.exec import prepare as P
from pyic.wasm.exec import rules_control as C
from refrun import invoke_reference, outcome_of, run_calls

CONTROL = """(module
  (global $g (mut i32) (i32.const 0))
  (func (export "nested") (param i32) (result i32)
    (i32.const 1000)
    (block $a (result i32)
      (i32.const 500) (drop)
      (block $b (result i32)
        (block $c (result i32)
          (i32.const 11) (i32.const 22) (i32.const 33)
          (br_table $a $b $c (local.get 0)))
        (i32.const 1) (i32.add))
      (i32.const 2) (i32.add))
    (i32.add))
  (func (export "loop-params") (param i32) (result i32)
    ;; the loop's label carries its parameter: sum n + (n-1) + ... + 1 on the stack
    (i32.const 0) (local.get 0)
    (loop $l (param i32 i32) (result i32)
      (local.set 0)
      (i32.add (local.get 0))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (local.get 0)
      (br_if $l (local.get 0))
      (drop)))
  (func $count (export "countdown") (param i32 i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (local.get 1))
      (else (return_call $count (i32.sub (local.get 0) (i32.const 1))
                                (i32.add (local.get 1) (i32.const 2))))))
  (func $deep (export "deep") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $deep (i32.sub (local.get 0) (i32.const 1)))))))
  (func (export "last-sets-global") (param i32)
    (global.set $g (local.get 0)))
  (func (export "get-global") (result i32) (global.get $g))
  (memory (export "mem") 1)
  (func (export "fill") (param i32)
    (memory.fill (i32.const 0) (i32.const 0xAB) (local.get 0)))
  (func (export "byte") (param i32) (result i32) (i32.load8_u (local.get 0)))
)"""

EXCEPTIONS = """(module
  (tag $e (param i32 i64))
  (tag $other)
  (func $thrower (param i32)
    (if (i32.eqz (local.get 0))
      (then (throw $e (i32.const 7) (i64.const 8))))
    ;; values of this frame below the call are dropped by the unwinding
    (i32.const 1) (i32.const 2) (drop) (drop)
    (call $thrower (i32.sub (local.get 0) (i32.const 1))))
  (func (export "caught") (param i32) (result i32 i64)
    (block $h (result i32 i64)
      (try_table (catch $e $h)
        (call $thrower (local.get 0)))
      (unreachable)))
  (func (export "rethrown") (param i32) (result i32)
    (block $h (result exnref)
      (try_table (catch_all_ref $h)
        (call $thrower (local.get 0)))
      (return (i32.const -1)))
    (throw_ref))
  (func (export "uncaught") (call $thrower (i32.const 3)))
)"""


def _instance(text: str, **config):
    store = embed.Store(embed.Config(tier="fast", **config))
    return store, embed.module_instantiate(store, embed.load_module(text))


def _ref(text: str, name: str, args, limit=None, **config):
    store, inst = _instance(text, **config)
    return invoke_reference(store, inst, name, args, limit)


@pytest.mark.parametrize("i, expected", [(0, 33 + 1000), (1, 33 + 2 + 1000),
                                         (2, 33 + 1 + 2 + 1000), (9, 33 + 1 + 2 + 1000)])
def test_br_table_out_of_nested_blocks_keeps_arity_drops_the_rest(i, expected):
    assert _ref(CONTROL, "nested", [i])[0] == [expected]


def test_loop_label_takes_the_parameters():
    assert _ref(CONTROL, "loop-params", [10])[0] == [55]


def test_branch_counts_match_the_fast_tier():
    module = embed.load_module(CONTROL)
    calls = [("nested", (i,)) for i in range(4)] + [("loop-params", (7,))]
    assert run_calls(module, calls, "reference") == run_calls(module, calls, "fast")


def test_return_call_chains_never_grow_the_frames():
    # a million tail calls under a depth limit of 8 frames
    results, count = _ref(CONTROL, "countdown", [1_000_000, 0], max_call_depth=8)
    assert results == [2_000_000]
    assert count == 1_000_000 * 10 + 4


def test_call_depth_is_modelled_not_the_host_stack():
    # 50,000 nested Wasm calls: far beyond Python's recursion limit, within the model
    assert _ref(CONTROL, "deep", [50_000])[0] == [50_000]
    with pytest.raises(Exhaustion, match="call stack exhausted"):
        _ref(CONTROL, "deep", [50_000], max_call_depth=1000)
    with pytest.raises(Exhaustion, match="call stack exhausted"):
        _ref(CONTROL, "deep", [1000], max_stack_values=500)


def test_deep_block_nesting_runs_on_explicit_stacks():
    n = 5000
    text = ("(module (func (export \"f\") (result i32) "
            + "(block (result i32) " * n + "(i32.const 5) (br 1)" + ")" * n + "))")
    store, inst = _instance(text)
    assert invoke_reference(store, inst, "f", []) == ([5], n + 2)


def test_the_limit_stops_before_the_instruction_that_would_exceed_it():
    store, inst = _instance(CONTROL)
    # local.get, global.set: 2 instructions; the function's end is free
    assert invoke_reference(store, inst, "last-sets-global", [5], 2) == ([], 2)
    with pytest.raises(InstructionLimitExceeded) as e:
        invoke_reference(store, inst, "last-sets-global", [6], 1)
    assert e.value.count == 1
    assert invoke_reference(store, inst, "get-global", []) == ([5], 1)   # not set to 6


def test_bulk_operations_pay_before_they_run():
    store, inst = _instance(CONTROL)
    # local.get, i32.const x2, memory.fill of 8192 bytes (1 + 8192 // 4096)
    assert invoke_reference(store, inst, "fill", [8192]) == ([], 3 + 3)
    store, inst = _instance(CONTROL)
    outcome, count = outcome_of(lambda: invoke_reference(store, inst, "fill", [8192], 5))
    assert outcome[0] == "InstructionLimitExceeded" and count == 3
    assert invoke_reference(store, inst, "byte", [0])[0] == [0]          # nothing written


@pytest.mark.parametrize("depth", [0, 1, 20])
def test_exceptions_unwind_frames_to_the_handler(depth):
    assert _ref(EXCEPTIONS, "caught", [depth])[0] == [7, 8]
    module = embed.load_module(EXCEPTIONS)
    calls = [("caught", (depth,)), ("rethrown", (depth,))]
    assert run_calls(module, calls, "reference") == run_calls(module, calls, "fast")


def test_an_exception_nobody_catches_leaves_the_invocation():
    with pytest.raises(UncaughtException) as e:
        _ref(EXCEPTIONS, "rethrown", [4])
    assert list(e.value.payload) == [7, 8]
    with pytest.raises(UncaughtException):
        _ref(EXCEPTIONS, "uncaught", [])


def test_host_functions_reenter_with_the_same_meter_and_depth():
    text = """(module
      (import "env" "again" (func $again (param i32) (result i32)))
      (func (export "f") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
          (else (i32.add (i32.const 1) (call $again (i32.sub (local.get 0) (i32.const 1))))))))"""
    store = embed.Store(embed.Config(tier="fast", max_call_depth=40))
    holder = {}

    def again(caller, n):
        # a nested run of the reference interpreter (as the tier would start one)
        from pyic.wasm.exec.eval import invoke
        return invoke(caller.store, store.funcs[holder["f"]], [n], caller.meter)[0]
    from pyic.wasm.syntax.types import FuncType
    host = embed.func_alloc(store, FuncType(("i32",), ("i32",)), again)
    inst = embed.module_instantiate(store, embed.load_module(text), {"env": {"again": host}})
    holder["f"] = embed.instance_export(inst, "f").addr
    results, count = invoke_reference(store, inst, "f", [10])
    assert results == [10]
    assert count == 10 * 9 + 4          # every level counts, nested runs included
    assert store.depth == 0
    with pytest.raises(Exhaustion, match="call stack exhausted"):
        invoke_reference(store, inst, "f", [100])
    assert store.depth == 0 and store.slots == 0


def test_prepared_code_keeps_the_blocks():
    store, inst = _instance(CONTROL)
    f = store.funcs[embed.instance_export(inst, "nested").addr]
    code = P.prepared(f, store).code
    rules = [ins[0] for ins in code]
    # three blocks enter labels, their ends exit them (free), the body ends in a free return
    assert rules.count(C.block) == 3 and rules.count(C.end) == 3
    assert all(ins[1] == 0 for ins in code if ins[0] in (C.end, C.else_))
    assert rules[-1] is C.return_ and code[-1][1] == 0
