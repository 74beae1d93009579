"""Every op the fast tier inlines agrees with `pyic.wasm.numerics` (through the reference
tier) on edge-case and random operands, with variable and with constant operands."""

import random

import pytest

from pyic.errors import PyicError
from pyic.wasm import embed

EDGE32 = [0, 1, 2, 31, 32, 33, 63, 64, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF,
          0x80000000, 0x80000001, 0xFFFFFFFE, 0xFFFFFFFF]
EDGE64 = EDGE32 + [0x7FFFFFFFFFFFFFFF, 0x8000000000000000, 0xFFFFFFFFFFFFFFFF,
                   1 << 32, (1 << 32) - 1]
F64 = [0, 0x8000000000000000, 0x3FF0000000000000, 0xBFF0000000000000, 0x7FF0000000000000,
       0xFFF0000000000000, 0x7FF8000000000000, 0xFFF8000000000001, 0x7FF4000000000000, 1,
       0x000FFFFFFFFFFFFF, 0x7FEFFFFFFFFFFFFF, 0x4340000000000000, 0xC1E0000000000000]

INT_BIN = ["add", "sub", "mul", "and", "or", "xor", "shl", "shr_u", "shr_s", "rotl", "rotr",
           "div_u", "rem_u", "div_s", "rem_s", "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u",
           "le_s", "le_u", "ge_s", "ge_u"]
INT_UN = ["eqz", "clz", "ctz", "popcnt", "extend8_s", "extend16_s"]
F_BIN = ["add", "sub", "mul", "div", "min", "max", "eq", "ne", "lt", "gt", "le", "ge", "copysign"]
F_UN = ["neg", "abs", "sqrt", "ceil", "floor", "trunc", "nearest"]


def _signed(c, bits):
    return c - (1 << bits) if c >> (bits - 1) else c


def _module(t):
    funcs = []
    if t in ("i32", "i64"):
        bits = int(t[1:])
        consts = (
            EDGE32[:8] + [0x80000000, 0xFFFFFFFF] if t == "i32" else [0, 1, 7, 63, 64, 65, 1 << 63]
        )
        for op in INT_BIN:
            r = t if op in INT_BIN[:15] else "i32"
            funcs.append(f'(func (export "{op}") (param {t} {t}) (result {r}) '
                         f'({t}.{op} (local.get 0) (local.get 1)))')
            for k, c in enumerate(consts):
                funcs.append(f'(func (export "{op}_c{k}") (param {t}) (result {r}) '
                             f'({t}.{op} (local.get 0) ({t}.const {_signed(c, bits)})))')
        for op in INT_UN + (["extend32_s"] if t == "i64" else []):
            r = "i32" if op == "eqz" else t
            funcs.append(
                f'(func (export "{op}") (param {t}) (result {r}) ({t}.{op} (local.get 0)))'
            )
        if t == "i32":
            funcs.append(
                '(func (export "wrap") (param i64) (result i32) (i32.wrap_i64 (local.get 0)))'
            )
        else:
            funcs.append(
                '(func (export "ext_s") (param i32) (result i64) (i64.extend_i32_s (local.get 0)))'
            )
            funcs.append(
                '(func (export "ext_u") (param i32) (result i64) (i64.extend_i32_u (local.get 0)))'
            )
    else:
        for op in F_BIN:
            r = "i32" if op in ("eq", "ne", "lt", "gt", "le", "ge") else "f64"
            funcs.append(f'(func (export "{op}") (param f64 f64) (result {r}) '
                         f'(f64.{op} (local.get 0) (local.get 1)))')
        funcs.append(
            '(func (export "fused") (param f64 f64) (result f64) '
            '(f64.sub (f64.mul (local.get 0) (local.get 1)) '
            '(f64.add (local.get 1) (f64.const -0.0))))'
        )
        funcs.append('(func (export "viaLocal") (param f64 f64) (result i32) (local f64) '
                     '(local.set 2 (f64.add (local.get 0) (local.get 1))) '
                     '(f64.lt (local.get 2) (f64.mul (local.get 2) (local.get 0))))')
        for op in F_UN:
            funcs.append(
                f'(func (export "{op}") (param f64) (result f64) (f64.{op} (local.get 0)))'
            )
        funcs.append(
            '(func (export "cvt_s") (param i32) (result f64) (f64.convert_i32_s (local.get 0)))'
        )
        funcs.append(
            '(func (export "cvt_u") (param i32) (result f64) (f64.convert_i32_u (local.get 0)))'
        )
    return embed.load_module("(module " + "\n".join(funcs) + ")")


@pytest.mark.parametrize("t,canon", [("i32", False), ("i64", False), ("f64", False), ("f64", True)])
def test_inlined_ops_match_numerics(t, canon):
    module = _module(t)
    rnd = random.Random(t)
    bits = 32 if t == "i32" else 64
    pool = F64 if t == "f64" else (EDGE32 if t == "i32" else EDGE64)
    values = pool + [rnd.getrandbits(bits) for _ in range(6)]
    stores = {}
    for tier in ("fast", "reference"):
        store = embed.Store(embed.Config(tier=tier, canonical_nan=canon))
        stores[tier] = (store, embed.module_instantiate(store, module))
    store, inst = stores["reference"]
    checked = 0
    for name, ev in inst.exports.items():
        ft = store.funcs[ev.addr].type
        n = len(ft.params)
        for _ in range(40 if n == 2 else 25):
            args = [rnd.choice(values) & ((1 << (32 if p in ("i32", "f32") else 64)) - 1)
                    for p in ft.params]
            fast, ref = (_call(*stores[tier], name, args) for tier in ("fast", "reference"))
            assert fast == ref, (name, args)
            checked += 1
    assert checked > 500


def _call(store, inst, name, args):
    try:
        return embed.invoke_export(store, inst, name, args)
    except PyicError as e:
        return (type(e).__name__, e.message, e.count)
