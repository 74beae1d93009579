"""Typing of instruction sequences: the appendix algorithm and the per-instruction rules."""

from __future__ import annotations

import pytest
from valid_build import I, block, func_module, if_, invalid, loop, mem, table, valid

from pyic.wasm.syntax import EXTERNREF, Export, FUNCREF, FuncType, MemArg, RefType, plain_functype


def test_numeric_signatures():
    valid(func_module(I("i32.const", 1), I("i32.const", 2), I("i32.add"), results=["i32"]))
    valid(func_module(I("i64.const", 1), I("f64.convert_i64_u"), I("f32.demote_f64"),
                      I("i32.reinterpret_f32"), I("i64.extend_i32_s"), I("i64.eqz"),
                      results=["i32"]))
    invalid(func_module(I("i32.const", 1), I("i64.const", 2), I("i32.add"), results=["i32"]),
            "type mismatch")
    invalid(func_module(I("i32.const", 1), I("i64.clz"), I("drop")), "type mismatch")


def test_mismatch_message_matches_reference_interpreter():
    invalid(func_module(I("i32.add")),
            "type mismatch: instruction requires [i32 i32] but stack has []")
    invalid(func_module(I("i64.const", 0), I("i32.eqz"), I("drop")),
            "type mismatch: instruction requires [i32] but stack has [i64]")


def test_function_result_and_leftover_values():
    invalid(func_module(results=["i32"]), "type mismatch")
    invalid(func_module(I("i32.const", 0)), "type mismatch")
    valid(func_module(I("i32.const", 0), I("drop")))


def test_unreachable_makes_the_stack_polymorphic():
    valid(func_module(I("unreachable"), I("i32.add"), results=["i32"]))
    valid(func_module(I("unreachable"), I("select"), I("drop")))
    # a known operand must still have the right type
    invalid(func_module(I("unreachable"), I("i64.const", 0), I("i32.add"), I("drop")),
            "type mismatch")
    # values pushed after unreachable must be consumed
    invalid(func_module(I("unreachable"), I("i32.const", 0), I("i32.const", 0)), "type mismatch")


def test_blocks_loops_and_if():
    valid(func_module(block(I("i32.const", 1), bt="i32"), results=["i32"]))
    invalid(func_module(block(I("i64.const", 1), bt="i32"), I("drop")), "type mismatch")
    # a block cannot consume values from outside
    invalid(func_module(I("i32.const", 1), block(I("drop")), I("drop")), "type mismatch")
    valid(func_module(I("i32.const", 0), if_([I("i32.const", 1)], [I("i32.const", 2)], bt="i32"),
                      results=["i32"]))
    # an if without else must have type [t*] -> [t*]
    invalid(func_module(I("i32.const", 0), if_([I("i32.const", 1)], bt="i32"),
                        results=["i32"]), "type mismatch")
    # multi-value block types with parameters
    two = plain_functype(FuncType(("i32", "i32"), ("i32",)))
    valid(func_module(I("i32.const", 1), I("i32.const", 2), block(I("i32.add"), bt=1),
                      results=["i32"], types=[two]))
    invalid(func_module(block(bt=5)), "unknown type")


def test_branches():
    valid(func_module(block(I("i32.const", 1), I("br", 0), bt="i32"), results=["i32"]))
    valid(func_module(loop(I("br", 0))))
    # a loop's label takes the block's parameters, not its results
    valid(func_module(loop(I("i32.const", 1), I("br", 0), bt="i32"), results=["i32"]))
    invalid(func_module(block(I("br", 0), bt="i32"), results=["i32"]), "type mismatch")
    invalid(func_module(I("br", 1)), "unknown label")
    valid(func_module(block(I("i32.const", 1), I("i32.const", 0), I("br_if", 0), bt="i32"),
                      results=["i32"]))
    valid(func_module(block(block(I("i32.const", 0), I("br_table", (0, 1), 1))),))
    invalid(func_module(block(block(I("i32.const", 7), I("i32.const", 0),
                                    I("br_table", (0,), 1), bt="i32"), I("drop"))),
            "type mismatch")
    valid(func_module(I("i32.const", 0), I("return"), results=["i32"]))


def test_br_table_in_unreachable_code_checks_arities():
    valid(func_module(block(block(I("unreachable"), I("br_table", (0,), 1), bt="i32"),
                            bt="i32"), results=["i32"]))
    invalid(func_module(block(block(I("unreachable"), I("br_table", (0,), 1)),
                              bt="i32"), results=["i32"]), "type mismatch")


def test_select():
    valid(func_module(I("i32.const", 1), I("i32.const", 2), I("i32.const", 0), I("select"),
                      results=["i32"]))
    invalid(func_module(I("i32.const", 1), I("i64.const", 2), I("i32.const", 0), I("select"),
                        I("drop")), "type mismatch")
    invalid(func_module(I("ref.null", "func"), I("ref.null", "func"), I("i32.const", 0),
                        I("select"), I("drop")), "type mismatch")
    valid(func_module(I("ref.null", "func"), I("ref.null", "func"), I("i32.const", 0),
                      I("select", (FUNCREF,)), I("drop")))
    invalid(func_module(I("i32.const", 0), I("select", ("i32", "i32")), I("drop")),
            "invalid result arity")


def test_locals_and_globals():
    valid(func_module(I("local.get", 0), I("local.set", 1), params=["i32"], locals_=["i32"]))
    invalid(func_module(I("local.get", 2), I("drop"), params=["i32"], locals_=["i32"]),
            "unknown local 2")
    invalid(func_module(I("i64.const", 0), I("local.set", 0), locals_=["i32"]), "type mismatch")
    invalid(func_module(I("global.get", 0), I("drop")), "unknown global 0")
    from valid_build import global_
    invalid(func_module(I("i32.const", 0), I("global.set", 0), globals_=[global_("i32")]),
            "immutable global")
    invalid(func_module(I("i32.const", 0), I("global.set", 0), globals_=[global_("i32")]),
            "global is immutable", version=2)


def test_non_defaultable_locals_need_initialization():
    ref = RefType(False, "func")
    fref = I("ref.func", 0)
    body = [I("local.get", 0), I("drop")]
    invalid(func_module(*body, locals_=[ref]), "uninitialized local")
    # initialization inside a block is forgotten at its end
    declared = (Export("f", "func", 0),)
    invalid(func_module(block(fref, I("local.set", 0)), *body, locals_=[ref],
                        exports=declared), "uninitialized local")
    valid(func_module(fref, I("local.set", 0), *body, locals_=[ref], exports=declared))
    valid(func_module(fref, I("local.tee", 0), I("drop"), block(*body), locals_=[ref],
                      exports=declared))


def test_memory_instructions():
    load = I("i32.load", MemArg(2, 0, 0))
    valid(func_module(I("i32.const", 0), load, results=["i32"], mems=[mem()]))
    invalid(func_module(I("i32.const", 0), load, results=["i32"]), "unknown memory 0")
    invalid(func_module(I("i32.const", 0), I("i32.load", MemArg(3, 0, 0)), results=["i32"],
                        mems=[mem()]), "alignment must not be larger than natural")
    invalid(func_module(I("i32.const", 0), I("i32.load8_u", MemArg(1, 0, 0)), results=["i32"],
                        mems=[mem()]), "alignment must not be larger than natural")
    invalid(func_module(I("i32.const", 0), I("i32.load", MemArg(2, 1 << 32, 0)),
                        results=["i32"], mems=[mem()]), "offset out of range")
    # memory64: i64 addresses and 64-bit offsets
    valid(func_module(I("i64.const", 0), I("i32.load", MemArg(2, (1 << 64) - 1, 0)),
                      results=["i32"], mems=[mem(addrtype="i64")]))
    invalid(func_module(I("i32.const", 0), I("i32.load", MemArg(2, 0, 0)), results=["i32"],
                        mems=[mem(addrtype="i64")]), "type mismatch")
    # multi-memory
    valid(func_module(I("i32.const", 0), I("i32.load", MemArg(2, 0, 1)), results=["i32"],
                      mems=[mem(), mem()]))
    valid(func_module(I("i64.const", 0), I("i32.const", 0), I("i32.const", 0),
                      I("memory.copy", 0, 1), mems=[mem(addrtype="i64"), mem()]))
    invalid(func_module(I("i64.const", 0), I("i64.const", 0), I("i64.const", 0),
                        I("memory.copy", 0, 1), mems=[mem(addrtype="i64"), mem()]),
            "type mismatch")
    valid(func_module(I("memory.size", 0), I("memory.grow", 0), results=["i32"], mems=[mem()]))


def test_lane_indices():
    v = I("v128.const", 0)
    valid(func_module(v, I("i8x16.extract_lane_s", 15), results=["i32"]))
    invalid(func_module(v, I("i8x16.extract_lane_s", 16), results=["i32"]), "invalid lane index")
    invalid(func_module(v, I("f64x2.extract_lane", 2), results=["f64"]), "invalid lane index")
    invalid(func_module(v, v, I("i8x16.shuffle", (0,) * 15 + (32,)), results=["v128"]),
            "invalid lane index")
    invalid(func_module(I("i32.const", 0), v, I("v128.load32_lane", MemArg(2, 0, 0), 4),
                        results=["v128"], mems=[mem()]), "invalid lane index")
    valid(func_module(I("i32.const", 0), v, I("v128.load32_lane", MemArg(2, 0, 0), 3),
                      results=["v128"], mems=[mem()]))


def test_calls_and_tail_calls():
    valid(func_module(I("i32.const", 0), I("call", 0), params=["i32"], results=["i32"]))
    invalid(func_module(I("call", 1)), "unknown function 1")
    valid(func_module(I("i32.const", 0), I("return_call", 0), params=["i32"], results=["i32"]))
    other = plain_functype(FuncType((), ("i64",)))
    invalid(func_module(I("i32.const", 0), I("i32.const", 0),
                        I("return_call_indirect", 0, 1), results=["i32"], types=[other],
                        tables=[table()]), "type mismatch")
    valid(func_module(I("i32.const", 0), I("call_indirect", 0, 1), I("drop"),
                      types=[other], tables=[table()]))
    invalid(func_module(I("i32.const", 0), I("call_indirect", 0, 1), I("drop"),
                        types=[other], tables=[table(reftype=EXTERNREF)]), "type mismatch")
    invalid(func_module(I("i32.const", 0), I("call_indirect", 0, 0)), "unknown table 0")


def test_tables_and_references():
    valid(func_module(I("i32.const", 0), I("table.get", 0), I("drop"), tables=[table()]))
    invalid(func_module(I("i32.const", 0), I("ref.null", "extern"), I("table.set", 0),
                        tables=[table()]), "type mismatch")
    invalid(func_module(I("i32.const", 0), I("i32.const", 0), I("i32.const", 0),
                        I("table.copy", 0, 1), tables=[table(), table(reftype=EXTERNREF)]),
            "type mismatch")
    invalid(func_module(I("ref.func", 0), I("drop")), "undeclared function reference")
    invalid(func_module(I("ref.null", 9), I("drop")), "unknown type 9")
    valid(func_module(I("ref.null", "extern"), I("ref.is_null"), results=["i32"]))
    invalid(func_module(I("i32.const", 0), I("ref.is_null"), results=["i32"]), "type mismatch")
    invalid(func_module(I("elem.drop", 0)), "unknown elem segment 0")
    invalid(func_module(I("data.drop", 1)), "unknown data segment 1")


@pytest.mark.parametrize("op", ["block", "loop", "if"])
def test_deep_nesting_uses_no_host_stack(op):
    body = ()
    for _ in range(100_000):
        if op == "if":
            body = (I("i32.const", 0), I("if", None, body, ()))
        else:
            body = (I(op, None, body),)
    valid(func_module(*body))
