"""Extreme shapes compile (or fall back) and behave as on the reference tier: deep nesting of
blocks, ifs and loops, wide br_tables, long blocks, many locals and parameters, deep stacks."""

import pytest

from pyic.wasm import embed
from pyic.wasm.engine import fast

from .tiers import run_on, same_on_both


@pytest.fixture(autouse=True)
def compile_on_first_call(monkeypatch):
    """These shapes test the compiler: no tiering, every function compiles on its first call
    (test_tiering.py covers the interpreted first calls)."""
    monkeypatch.setattr(fast, "DEFER_MIN", 1 << 62)


def _fast_compiled(module, name="run"):
    store = embed.Store(embed.Config(tier="fast"))
    inst = embed.module_instantiate(store, module)
    f = store.funcs[inst.exports[name].addr]
    return fast.is_generated(fast.callable_of(store, f))


def _check(wat, args, compiled=True):
    module = embed.load_module(wat)
    out = same_on_both(module, "run", args)
    assert _fast_compiled(module) == compiled
    for limit in (0, out[1] // 3, out[1] - 1):
        same_on_both(module, "run", args, limit=limit)
    return out


@pytest.mark.parametrize("n", [30, 3000])
def test_deeply_nested_blocks_and_ifs(n):
    body = "(local.get 0)" + "".join(
        f"(if (result i32) (i32.and (local.get 0) (i32.const {1 << (k % 5)})) (then (i32.add "
        for k in range(n))
    body = "".join("(block (result i32) " for _ in range(n)) + \
        "(if (result i32) (local.get 0) (then (br 3)) (else (i32.const 7)))" if n < 3 else \
        "".join("(block (result i32) " for _ in range(n)) + "(local.get 0)" + ")" * n
    wat = f'(module (func (export "run") (param i32) (result i32) {body}))'
    assert _check(wat, [5])[0] == ("ok", (5,))
    ifs = "".join(f"(if (result i32) (i32.and (local.get 0) (i32.const {1 << (k % 7)})) "
                  f"(then (i32.add (i32.const {k}) " for k in range(n)) + "(local.get 0)" + \
        "".join(f")) (else (i32.const {k})))" for k in range(n))
    _check(f'(module (func (export "run") (param i32) (result i32) {ifs}))', [0x7F])


@pytest.mark.parametrize("n", [2, 40])
def test_nested_loops(n):
    # n nested counting loops of 2 iterations each (when n is small)
    inner = "(local.set 1 (i32.add (local.get 1) (i32.const 1)))"
    for k in range(n):
        c = k + 2
        inner = (f"(local.set {c} (i32.const 0)) (loop $l{k} {inner} "
                 f"(local.set {c} (i32.add (local.get {c}) (i32.const 1))) "
                 f"(br_if $l{k} (i32.lt_u (local.get {c}) (i32.const {2 if n < 10 else 1}))))")
    locs = " ".join(["i32"] * (n + 1))
    _check(f'(module (func (export "run") (param i32) (result i32) (local {locs}) {inner} '
           f'(local.get 1)))', [0])


def test_wide_br_table():
    n = 5000
    targets = " ".join(str(k % 3) for k in range(n))
    wat = f"""(module (func (export "run") (param i32) (result i32)
      (block (block (block (br_table {targets} 2 (local.get 0))
        (return (i32.const 10))) (return (i32.const 11))) (return (i32.const 12)))
      (i32.const 13)))"""
    module = embed.load_module(wat)
    for i in (0, 1, 2, 4999, 5000, 0xFFFFFFFF):
        same_on_both(module, "run", [i])


def test_long_block_and_deep_operand_stack():
    n = 3000
    pushes = " ".join(f"(i32.const {k})" for k in range(n))
    adds = " ".join(["i32.add"] * (n - 1))
    wat = f'(module (func (export "run") (param i32) (result i32) {pushes} {adds}))'
    out = _check(wat, [0])
    assert out[0] == ("ok", (sum(range(n)) & 0xFFFFFFFF,))


def test_many_params_and_locals():
    params = " ".join(["i32"] * 300)
    body = "(local.get 0)" + "".join(f" (local.get {k}) i32.add" for k in range(1, 300))
    wat = f'''(module
      (func $s (param {params}) (result i32) {body})
      (func (export "run") (param i32) (result i32) (local {" ".join(["i64"] * 1100)})
        (call $s {" ".join("(local.get 0)" for _ in range(300))})))'''
    module = embed.load_module(wat)
    out = same_on_both(module, "run", [3])
    assert out[0] == ("ok", (900,))
    assert not _fast_compiled(module)      # more than NLBIG locals: the reference tier runs it


def test_traps_mid_block_count_exactly():
    wat = """(module (memory 1)
      (func (export "run") (param i32) (result i32)
        (i32.const 1) (i32.const 2) i32.add drop
        (i32.store (i32.const 8) (i32.const 42))
        (i32.div_u (i32.const 7) (local.get 0))
        (i32.load (i32.add (local.get 0) (i32.const 65533))) i32.add
        (i32.const 3) (i32.const 4) i32.mul i32.add))"""
    module = embed.load_module(wat)
    for arg in (0, 1, 3, 4):
        out = same_on_both(module, "run", [arg])
        if arg == 0:
            assert out[0] == ("Trap", "integer divide by zero") and out[1] == 10
    assert run_on("fast", module, "run", [4])[1] == 14     # the load traps
