"""Printer and parser agree: ``parse_module(print_module(m)) == m`` on hand-built
modules that use every instruction of the instruction table, every kind of
module field, and random constants and strings."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from pyic.wasm.syntax import (
    DECLARATIVE, FUNCREF, PASSIVE, Active, ArrayType, Catch, Data, Elem, Export, FieldType, Func,
    FuncType, Global, GlobalType, Import, Instr, Limits, Mem, MemArg, MemType, Module, Names,
    RecType, RefType, Start, StructType, SubType, Table, TableType, Tag, TagType, plain_functype,
)
from pyic.wasm.syntax.instructions import walk
from pyic.wasm.syntax.opcodes import OPCODES
from pyic.wasm.text.printer import print_module

STRUCTURED = ("block", "loop", "if", "try_table")


def parse_module():
    from pyic.wasm.text import parse_module as parse   # a missing parser fails the test

    return parse


# Sample immediates, two per kind, chosen to hit the printer's special cases.
SAMPLES = {
    "labelidx": (0, 1), "funcidx": (0, 1), "typeidx": (0, 1), "localidx": (0, 1),
    "globalidx": (0, 1), "tableidx": (0, 1), "memidx": (0, 1), "elemidx": (0, 1),
    "dataidx": (0, 1), "tagidx": (0, 0), "fieldidx": (0, 1), "laneidx": (0, 1), "u32": (0, 3),
    "labelvec": ((), (0, 1, 0)),
    "catches": ((), (Catch("catch", 0, 0), Catch("catch_ref", 0, 1), Catch("catch_all", None, 1),
                     Catch("catch_all_ref", None, 0))),
    "i32": (0, 0xFFFFFFFF), "i64": (5, 1 << 63),
    "f32": (0x7FA00000, 0x00000001), "f64": (0xFFF0000000000000, 0x3FB999999999999A),
    "v128": (0, 0x0123456789ABCDEF_FEDCBA9876543210),
    "shuffle": (tuple(range(16)), tuple(range(31, 15, -1))),
    "heaptype": ("func", 2), "reftype": (RefType(False, "i31"), RefType(True, 1)),
}
BLOCKTYPES = (None, "i32", 0, RefType(True, "extern"))


def sample_instrs() -> list:
    out = []
    for name, info in OPCODES.items():
        if name in STRUCTURED:
            continue
        for k in range(2):
            imm = []
            for kind in info.imms:
                if kind == "memarg":
                    imm.append(MemArg(k * 3 % 5, 8 * k, k) if k else MemArg(0))
                else:
                    imm.append(SAMPLES[kind][k])
            out.append(Instr(name, tuple(imm)))
    out.append(Instr("select", (("i64", RefType(True, "func")),)))
    out.append(Instr("select", ((RefType(False, 0),),)))
    return out


def structured(body: tuple) -> tuple:
    return (
        Instr("block", (None, body[:5])),
        Instr("loop", ("f64", body[5:10])),
        Instr("if", (0, body[10:15], body[15:20])),
        Instr("if", (RefType(True, "extern"), body[20:25], ())),
        Instr("try_table", (1, SAMPLES["catches"][1], body[25:30])),
        Instr("try_table", (None, (), ())),
    ) + body[30:]


def big_module() -> Module:
    body = structured(tuple(sample_instrs()))
    return Module(
        types=(
            plain_functype(FuncType()),
            plain_functype(FuncType(("i32", RefType(False, 0)), ("f64", "v128"))),
            RecType((
                SubType(False, (), StructType((FieldType(True, "i8"), FieldType(False, "i64")))),
                SubType(False, (2,), StructType((FieldType(True, "i8"), FieldType(False, "i64"),
                                                 FieldType(True, RefType(True, 3))))),
                SubType(True, (), ArrayType(FieldType(True, "i16"))),
            )),
            RecType(()),
        ),
        imports=(
            Import("env", "f", "func", 0),
            Import("env", "mem", "memory", MemType(Limits(1, 65536, "i64"))),
            Import("env", "tab", "table",
                   TableType(Limits(0, None, "i64"), RefType(False, "func"))),
            Import("env", "g", "global", GlobalType(True, RefType(True, "any"))),
            Import("env", "\u00e9\x00\"\\", "tag", TagType(0)),
        ),
        funcs=(
            Func(1, ("i32", "v128", RefType(True, 2)), body),
            Func(0),
        ),
        tables=(Table(TableType(Limits(3, 10), FUNCREF)),
                Table(TableType(Limits(1), RefType(False, "func")), (Instr("ref.func", (1,)),))),
        mems=(Mem(MemType(Limits(0, 0))), Mem(MemType(Limits(1, 2, "i32", shared=True)))),
        globals=(
            Global(GlobalType(False, "i32"),
                   (Instr("i32.const", (1,)), Instr("global.get", (0,)), Instr("i32.add"))),
            Global(GlobalType(True, "f32"), (Instr("f32.const", (0xFF800000,)),)),
        ),
        tags=(Tag(TagType(1)),),
        elems=(
            Elem(FUNCREF, ((Instr("ref.func", (0,)),), (Instr("ref.null", ("func",)),)),
                 Active(0, (Instr("i32.const", (0,)),))),
            Elem(RefType(False, "func"), tuple((Instr("ref.func", (i % 3,)),) for i in range(9)),
                 Active(2, (Instr("i64.const", (7,)),))),
            Elem(FUNCREF, (), PASSIVE),
            Elem(RefType(True, "func"), ((Instr("ref.func", (2,)),),), DECLARATIVE),
        ),
        datas=(Data(bytes(range(256)), Active(1, (Instr("i32.const", (4,)),))), Data(b"", PASSIVE)),
        start=Start(2),
        exports=(Export("f", "func", 1), Export("", "memory", 2), Export("t", "table", 0),
                 Export("g", "global", 2), Export("e", "tag", 1)),
        names=Names(module="big", funcs=((0, "imported"), (1, "main"), (2, "$odd name"))),
    )


def test_every_instruction_round_trips():
    parse = parse_module()
    m = big_module()
    text = print_module(m)
    back = parse(text)
    if back != m:  # name the first instruction that differs
        pairs = zip(walk(back.funcs[0].body), walk(m.funcs[0].body))
        diff = next(((a, b) for a, b in pairs if a != b), None)
        pytest.fail(f"differs; first differing instruction (parsed, original): {diff}")


def test_nested_blocks_round_trip():
    parse = parse_module()
    body: tuple = (Instr("br", (3,)),)
    for i in range(300):
        kind = ("block", "loop", "if", "try_table")[i % 4]
        if kind == "if":
            body = (Instr("i32.const", (0,)), Instr("if", (None, body, (Instr("nop"),))))
        elif kind == "try_table":
            body = (Instr("try_table", (None, (Catch("catch_all", None, 0),), body)),)
        else:
            body = (Instr(kind, (None, body)),)
    m = Module(types=(plain_functype(FuncType()),), funcs=(Func(0, (), body),))
    assert parse(print_module(m)) == m


@settings(max_examples=60, deadline=None)
@given(
    i32s=st.lists(st.integers(0, 2**32 - 1), max_size=4),
    i64s=st.lists(st.integers(0, 2**64 - 1), max_size=4),
    f32s=st.lists(st.integers(0, 2**32 - 1), max_size=4),
    f64s=st.lists(st.integers(0, 2**64 - 1), max_size=4),
    v128s=st.lists(st.integers(0, 2**128 - 1), max_size=2),
    data=st.binary(max_size=80),
    name=st.text(max_size=12),
    offset=st.integers(0, 2**64 - 1),
)
def test_constants_and_strings_round_trip(i32s, i64s, f32s, f64s, v128s, data, name, offset):
    parse = parse_module()
    body = tuple(
        [Instr("i32.const", (v,)) for v in i32s] + [Instr("i64.const", (v,)) for v in i64s]
        + [Instr("f32.const", (v,)) for v in f32s] + [Instr("f64.const", (v,)) for v in f64s]
        + [Instr("v128.const", (v,)) for v in v128s]
        + [Instr("i64.load", (MemArg(3, offset, 0),))]
    )
    m = Module(
        types=(plain_functype(FuncType()),),
        funcs=(Func(0, (), body),),
        mems=(Mem(MemType(Limits(1, None, "i64"))),),
        datas=(Data(data, PASSIVE),),
        exports=(Export(name, "func", 0),),
    )
    assert parse(print_module(m)) == m
