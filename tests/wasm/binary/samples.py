"""Hand-built modules for the binary tests: every instruction of the
instruction table and every form of every section, as abstract syntax.

They need not validate (indices point nowhere): they exercise the decoder and
encoder, and serve the fuzz test as rich seeds.
"""

from __future__ import annotations

from pyic.wasm.syntax import (
    DECLARATIVE, FUNCREF, PASSIVE, Active, ArrayType, Catch, Custom, Data, Elem, Export,
    FieldType, Func, FuncType, Global, GlobalType, Import, Instr, Limits, Mem, MemArg,
    MemType, Module, Names, RecType, RefType, Start, StructType, SubType, Table, TableType,
    Tag, TagType,
)
from pyic.wasm.syntax.opcodes import OPCODES

I = Instr  # noqa: E741


def sample_imm(kind: str, k: int):
    """A value of immediate kind ``kind``; ``k`` varies it."""
    if kind in ("labelidx", "funcidx", "typeidx", "localidx", "globalidx", "tableidx", "memidx",
                "elemidx", "dataidx", "tagidx", "fieldidx", "u32"):
        return (k * 37) % 300
    if kind == "memarg":
        return MemArg(k % 4, (k * 1000) % 70000, k % 3)
    if kind == "i32":
        return (k * 0x9E3779B9) & 0xFFFFFFFF
    if kind == "i64":
        return (k * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    if kind == "f32":
        return 0x7FC00001 if k % 2 else 0x3F800000
    if kind == "f64":
        return 0xFFF0000000000001 if k % 2 else 0x3FF0000000000000
    if kind == "v128":
        return int.from_bytes(bytes(range(16)), "little") + k
    if kind == "laneidx":
        return k % 16
    if kind == "shuffle":
        return tuple((k + i) % 32 for i in range(16))
    if kind == "labelvec":
        return tuple(range(k % 5))
    if kind == "heaptype":
        return ("func", "extern", 3, "any", "none", "exn")[k % 6]
    if kind == "reftype":
        return RefType(bool(k % 2), ("struct", 2, "i31")[k % 3])
    raise ValueError(kind)


def every_instruction() -> tuple:
    """One of every non-structured instruction, plus the structured ones nested."""
    out = []
    for k, info in enumerate(OPCODES.values()):
        if "blocktype" in info.imms:
            continue
        out.append(I(info.name, tuple(sample_imm(kind, k) for kind in info.imms)))
    out.append(I("select", (("i32", RefType(False, 4)),)))
    inner = (I("nop"), I("br", (0,)))
    out.append(I("block", (None, inner)))
    out.append(I("loop", ("i64", inner)))
    out.append(
        I("block", (7, (I("loop", (RefType(True, "func"), (I("if", (None, inner, ())),))),)))
    )
    out.append(I("if", (RefType(False, 1), inner, (I("unreachable"),))))
    out.append(I("try_table", (None, (Catch("catch", 0, 1), Catch("catch_ref", 2, 0),
                                      Catch("catch_all", None, 0), Catch("catch_all_ref", None, 1)),
                               inner)))
    out.append(I("i32.const", (0x80000000,)))
    out.append(I("i64.const", (0xFFFFFFFFFFFFFFFF,)))
    out.append(I("i32.const", (63,)))
    out.append(I("i32.const", (64,)))
    return tuple(out)


def rich_module() -> Module:
    """A module with every kind of section content and every instruction."""
    const0 = (I("i32.const", (0,)),)
    ft = FuncType(("i32", RefType(True, 0)), ("f64",))
    types = (
        RecType((SubType(True, (), FuncType()),)),
        RecType((SubType(True, (), ft),)),
        RecType((SubType(False, (), StructType((FieldType(True, "i8"), FieldType(False, "i64")))),
                 SubType(True, (2,), StructType((FieldType(True, "i8"), FieldType(False, "i64"),
                                                 FieldType(False, RefType(False, "eq")))))),),
        RecType((SubType(False, (), ArrayType(FieldType(True, "i16"))),)),
        RecType(()),
    )
    imports = (
        Import("env", "f", "func", 0),
        Import("env", "t", "table", TableType(Limits(1, 10), FUNCREF)),
        Import("env", "m", "memory", MemType(Limits(1, None, "i64"))),
        Import("env", "g", "global", GlobalType(True, "v128")),
        Import("env", "e", "tag", TagType(0)),
        Import("\u00e9\u4e2d", "", "memory", MemType(Limits(1, 2, "i32"))),
    )
    funcs = (
        Func(0, (), (I("nop"),)),
        Func(1, ("i32", "i32", "i64", RefType(True, "any"), "i32"), every_instruction()),
    )
    tables = (
        Table(TableType(Limits(0), RefType(True, "extern")), None),
        Table(TableType(Limits(2, 5, "i64"), RefType(False, "func")), (I("ref.func", (0,)),)),
    )
    mems = (Mem(MemType(Limits(0, 65536))), Mem(MemType(Limits(3, None, "i64"))))
    globals_ = (
        Global(
            GlobalType(False, "i32"), (I("i32.const", (1,)), I("i32.const", (2,)), I("i32.add"))
        ),
        Global(GlobalType(True, RefType(True, "func")), (I("ref.null", ("func",)),)),
    )
    tags = (Tag(TagType(0)),)
    rf = (I("ref.func", (1,)),)
    elems = (
        Elem(RefType(False, "func"), (rf, rf), Active(0, const0)),          # flags 0
        Elem(RefType(False, "func"), (rf,), PASSIVE),                       # 1
        Elem(RefType(False, "func"), (), Active(1, const0)),                # 2
        Elem(RefType(False, "func"), (rf,), DECLARATIVE),                   # 3
        Elem(FUNCREF, (rf, (I("ref.null", ("func",)),)), Active(0, const0)),  # 4
        Elem(FUNCREF, (rf,), PASSIVE),                                      # 5
        Elem(RefType(True, "extern"), ((I("ref.null", ("extern",)),),), Active(2, const0)),  # 6
        Elem(FUNCREF, (rf,), DECLARATIVE),                                  # 7
        Elem(RefType(False, "func"), ((I("ref.func", (0,)), I("nop")),), Active(0, const0)),  # 6
    )
    datas = (
        Data(b"hello", Active(0, const0)),
        Data(b"", PASSIVE),
        Data(bytes(range(256)), Active(1, (I("i64.const", (8,)),))),
    )
    customs = (
        Custom("first", b"\x00\x01", 0),
        Custom("after types", b"", 1),
        Custom("after tags", b"x", 13),
        Custom("after code", b"y" * 200, 10),
        Custom("name", b"", 11),
        Custom("last", b"z", 11),
    )
    names = Names("rich", ((0, "zero"), (1, "one")), ((1, ((0, "a"), (4, "e"))),), ((4, b"\x00"),))
    return Module(
        types=types, imports=imports, funcs=funcs, tables=tables, mems=mems, globals=globals_,
        tags=tags, elems=elems, datas=datas, start=Start(0),
        exports=(Export("run", "func", 1), Export("mem", "memory", 0), Export("tag", "tag", 0),
                 Export("tab", "table", 1), Export("glob", "global", 0)),
        customs=customs, names=names,
    )
