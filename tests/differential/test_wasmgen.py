"""The generator itself: deterministic, valid, terminating programs (no oracle needed)."""

from __future__ import annotations

import pytest

import diff_harness as h
from pyic.wasm.binary import encode_module
from pyic.wasm.text import parse_module
from pyic.wasm.text.printer import print_module

wasmgen = h.wasmgen


def test_same_seed_same_program():
    assert wasmgen.generate(5).wat == wasmgen.generate(5).wat
    assert wasmgen.generate(5).wat != wasmgen.generate(6).wat


@pytest.mark.parametrize("nan_bits", [True, False])
def test_programs_validate_and_terminate(nan_bits):
    ops = set()
    for seed in range(120):
        prog = wasmgen.generate(seed, nan_bits=nan_bits)
        module = h.pyic_module(prog)         # parse, encode, decode, validate
        assert encode_module(parse_module(print_module(module))) == encode_module(module)
        run = h.run_pyic(prog, h.plan_calls(prog), module=module)
        assert all(e[0][0] in ("ok", "trap") for e in run.events), (seed, run.events)
        ops.update(
            w.split()[0]
            for w in prog.wat.split("\n")
            if w.strip() and not w.strip().startswith("(")
        )
        if not nan_bits:
            # (the wrappers and the "globals" export reinterpret: the harness compares those
            # as NaNs)
            code = prog.wat[:prog.wat.index('(func (export "w0")')]
            for op in ("copysign", "i32.reinterpret_f32", "i64.reinterpret_f64",
                       "f32.store", "f64.store"):
                assert op not in code, (seed, op)
    # The generator reaches the instruction families it promises.
    words = {
        w.strip().split()[0]
        for seed in range(120)
        for w in wasmgen.generate(seed).wat.split("\n")
        if w.strip()
    }
    for op in ("i32.div_s", "i64.rem_u", "i32.rotl", "i64.clz", "f32.nearest", "f64.copysign",
               "f32.min", "i64.trunc_f64_u", "i32.trunc_sat_f32_s", "f32.convert_i64_u",
               "f64.reinterpret_i64", "i64.extend32_s", "i32.load16_s", "i64.store32",
               "memory.grow", "memory.fill", "memory.copy", "memory.init", "data.drop",
               "table.init", "table.copy", "table.fill", "table.grow", "elem.drop",
               "call_indirect", "br_table", "br_if", "select", "loop", "if", "block", "return"):
        assert op in words, op


def test_float_literals_are_exact():
    for bits in wasmgen.F32_SPECIAL + (0x12345678, 0x80000001, 0x7F800000, 0xFF800000):
        m = parse_module(f"(module (global f32 (f32.const {wasmgen.float_literal(bits, 32)})))")
        assert m.globals[0].init[0].imm == (bits,)
    for bits in wasmgen.F64_SPECIAL + (0x123456789ABCDEF0, 0x8000000000000001):
        m = parse_module(f"(module (global f64 (f64.const {wasmgen.float_literal(bits, 64)})))")
        assert m.globals[0].init[0].imm == (bits,)
