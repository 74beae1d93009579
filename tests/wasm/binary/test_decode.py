"""Decoding rules on hand-written bytes (5.3 types, 5.4 instructions, 5.5 modules)."""

from __future__ import annotations

import pytest

from pyic.errors import MalformedError
from pyic.wasm.binary import decode_module
from pyic.wasm.binary.decode import MAX_LOCALS
from pyic.wasm.binary.encode import u
from pyic.wasm.syntax import (
    DECLARATIVE, FUNCREF, PASSIVE, Active, ArrayType, Catch, Custom, FieldType, FuncType, Instr,
    Limits, MemArg, RecType, RefType, StructType, SubType, TableType, TagType,
)

HEADER = b"\x00asm\x01\x00\x00\x00"
TYPE_VOID = b"\x01\x04\x01\x60\x00\x00"    # (type (func))
ONE_FUNC = b"\x03\x02\x01\x00"             # one function of type 0


def sec(sid: int, content: bytes) -> bytes:
    return bytes((sid,)) + u(len(content)) + content


def code(*bodies: bytes, locals_: bytes = b"\x00") -> bytes:
    entries = [locals_ + b for b in bodies]
    return sec(10, u(len(entries)) + b"".join(u(len(e)) + e for e in entries))


def func_module(body: bytes, *extra_before_code: bytes, locals_: bytes = b"\x00") -> bytes:
    """A module with one function ``body`` (which must end with 0x0B)."""
    return HEADER + TYPE_VOID + ONE_FUNC + b"".join(extra_before_code) + code(body, locals_=locals_)


def body_of(body: bytes, *extra: bytes) -> tuple:
    return decode_module(func_module(body, *extra)).funcs[0].body


def malformed(data: bytes) -> MalformedError:
    with pytest.raises(MalformedError) as info:
        decode_module(data)
    return info.value


# ---------------------------------------------------------------- instructions

def test_constants_are_bit_patterns():
    body = (b"\x41\x7f" b"\x42\x80\x7f" b"\x43\x00\x00\xc0\x7f" b"\x44" + bytes(7) + b"\x80"
            + b"\xfd\x0c" + bytes(range(16)) + b"\x0b")
    assert body_of(body) == (
        Instr("i32.const", (0xFFFFFFFF,)),
        Instr("i64.const", (0xFFFFFFFFFFFFFF80,)),
        Instr("f32.const", (0x7FC00000,)),
        Instr("f64.const", (0x8000000000000000,)),
        Instr("v128.const", (int.from_bytes(bytes(range(16)), "little"),)),
    )


def test_blocks_and_block_types():
    body = (b"\x02\x40\x0b"            # block
            b"\x03\x7f\x0b"            # loop (result i32)
            b"\x02\x00\x0b"            # block (type 0)
            b"\x04\x63\x70\x01\x05\x00\x0b"  # if (result (ref null func)) nop else unreachable
            b"\x04\x40\x01\x0b"        # if without else
            b"\x0b")
    assert body_of(body) == (
        Instr("block", (None, ())),
        Instr("loop", ("i32", ())),
        Instr("block", (0, ())),
        Instr("if", (FUNCREF, (Instr("nop"),), (Instr("unreachable"),))),
        Instr("if", (None, (Instr("nop"),), ())),
    )


def test_block_type_errors():
    e = malformed(HEADER + TYPE_VOID + ONE_FUNC + sec(10, b"\x01\x02\x00\x02"))
    assert e.message == "unexpected end of section or function"
    assert malformed(func_module(b"\x02\x60\x0b\x0b")).message == "malformed reference type"


def test_deep_nesting_uses_no_host_stack():
    depth = 100_000
    body = b"\x02\x40" * depth + b"\x0b" * depth + b"\x0b"
    instr = decode_module(func_module(body)).funcs[0].body[0]
    for _ in range(depth - 1):
        instr = instr.imm[1][0]
    assert instr == Instr("block", (None, ()))


def test_misplaced_else_and_missing_end():
    assert malformed(func_module(b"\x02\x40\x05\x0b\x0b")).message == "END opcode expected"
    assert malformed(func_module(b"\x05\x0b")).message == "END opcode expected"
    assert malformed(func_module(b"\x04\x40\x05\x05\x0b\x0b")).message == "END opcode expected"
    e = malformed(HEADER + TYPE_VOID + ONE_FUNC + sec(10, b"\x01\x03\x00\x02\x40"))
    assert e.message == "unexpected end of section or function"


@pytest.mark.parametrize("body, message", [
    (b"\x06\x0b", "illegal opcode 06"),
    (b"\xff\x0b", "illegal opcode ff"),
    (b"\xfc\x12\x0b", "illegal opcode fc 12"),
    (b"\xfb\x1f\x0b", "illegal opcode fb 1f"),
    (b"\xfd\x9a\x01\x0b", "illegal opcode 9a"),   # the reference names the sub-opcode only
])
def test_illegal_opcodes(body, message):
    e = malformed(func_module(body))
    assert e.message == message
    # the opcode's first byte, after the section id, size, count, body size and locals
    assert e.position.offset == len(HEADER + TYPE_VOID + ONE_FUNC) + 5


def test_memarg_with_memory_index():
    body = b"\x41\x00\x28\x42\x03\x10\x1a" b"\x41\x00\x29\x03\x80\x80\x80\x80\x80\x01\x1a\x0b"
    ops = body_of(body)
    assert ops[1] == Instr("i32.load", (MemArg(2, 16, 3),))
    assert ops[4] == Instr("i64.load", (MemArg(3, 1 << 35, 0),))
    assert malformed(func_module(b"\x28\x80\x01\x00\x0b")).message == "malformed memop flags"


def test_index_immediates_in_abstract_order():
    body = (b"\x11\x05\x02"          # call_indirect: typeidx 5, tableidx 2
            b"\xfc\x08\x07\x01"      # memory.init: dataidx 7, memidx 1
            b"\xfc\x0c\x04\x03"      # table.init: elemidx 4, tableidx 3
            b"\xfc\x0e\x01\x02"      # table.copy 1 2
            b"\x0b")
    assert body_of(body, sec(12, b"\x00")) == (
        Instr("call_indirect", (2, 5)),
        Instr("memory.init", (1, 7)),
        Instr("table.init", (3, 4)),
        Instr("table.copy", (1, 2)),
    )


def test_br_table_select_ref_null():
    body = b"\x0e\x02\x00\x01\x02" b"\x1c\x02\x7f\x64\x03" b"\x1b" b"\xd0\x70" b"\xd0\x05" b"\x0b"
    assert body_of(body) == (
        Instr("br_table", ((0, 1), 2)),
        Instr("select", (("i32", RefType(False, 3)),)),
        Instr("select"),
        Instr("ref.null", ("func",)),
        Instr("ref.null", (5,)),
    )
    assert malformed(func_module(b"\xd0\x60\x0b")).message == "malformed heap type"


def test_gc_casts():
    body = (b"\xfb\x14\x6b" b"\xfb\x15\x02" b"\xfb\x16\x6c" b"\xfb\x17\x6e"
            b"\xfb\x18\x02\x00\x6e\x6b" b"\xfb\x19\x01\x01\x6e\x04" b"\x0b")
    assert body_of(body) == (
        Instr("ref.test", (RefType(False, "struct"),)),
        Instr("ref.test", (RefType(True, 2),)),
        Instr("ref.cast", (RefType(False, "i31"),)),
        Instr("ref.cast", (RefType(True, "any"),)),
        Instr("br_on_cast", (0, RefType(False, "any"), RefType(True, "struct"))),
        Instr("br_on_cast_fail", (1, RefType(True, "any"), RefType(False, 4))),
    )
    assert (
        malformed(func_module(b"\xfb\x18\x04\x00\x6e\x6b\x0b")).message
        == "malformed br_on_cast flags"
    )


def test_try_table_and_throws():
    body = b"\x1f\x40\x04\x00\x01\x00\x01\x02\x01\x02\x00\x03\x01\x01\x0b" b"\x08\x00\x0a\x0b"
    assert body_of(body) == (
        Instr("try_table", (None, (Catch("catch", 1, 0), Catch("catch_ref", 2, 1),
                                   Catch("catch_all", None, 0), Catch("catch_all_ref", None, 1)),
                            (Instr("nop"),))),
        Instr("throw", (0,)),
        Instr("throw_ref"),
    )
    assert (
        malformed(func_module(b"\x1f\x40\x01\x04\x00\x0b\x0b")).message == "malformed catch clause"
    )


def test_lanes_and_shuffle():
    body = b"\xfd\x15\x0f" b"\xfd\x54\x00\x00\x07" b"\xfd\x0d" + bytes(range(16, 32)) + b"\x0b"
    assert body_of(body) == (
        Instr("i8x16.extract_lane_s", (15,)),
        Instr("v128.load8_lane", (MemArg(0, 0, 0), 7)),
        Instr("i8x16.shuffle", (tuple(range(16, 32)),)),
    )


# ---------------------------------------------------------------- locals

def test_locals_expand():
    m = decode_module(func_module(b"\x0b", locals_=b"\x02\x02\x7f\x01\x7e"))
    assert m.funcs[0].locals == ("i32", "i32", "i64")


def test_too_many_locals():
    limit = func_module(b"\x0b", locals_=b"\x01" + u(MAX_LOCALS) + b"\x7f")
    assert len(decode_module(limit).funcs[0].locals) == MAX_LOCALS
    over = func_module(b"\x0b", locals_=b"\x02" + u(MAX_LOCALS) + b"\x7f\x01\x7e")
    assert malformed(over).message == "too many locals"
    huge = func_module(b"\x0b", locals_=b"\x02\xff\xff\xff\xff\x0f\x7f\x02\x7e")
    assert malformed(huge).message == "too many locals"


# ---------------------------------------------------------------- types

def test_type_section_forms():
    types = (b"\x05"
             b"\x60\x01\x7f\x01\x7e"                   # plain func
             # rec (sub struct) (sub final 1 struct)
             b"\x4e\x02\x50\x00\x5f\x01\x78\x01\x4f\x01\x01\x5f\x00"
             b"\x5e\x77\x00"                           # array i16
             b"\x50\x01\x02\x5e\x64\x6c\x01"           # sub 2 (array (mut (ref i31)))
             b"\x4e\x00")                              # empty rec
    m = decode_module(HEADER + sec(1, types))
    assert m.types == (
        RecType((SubType(True, (), FuncType(("i32",), ("i64",))),)),
        RecType((SubType(False, (), StructType((FieldType(True, "i8"),))),
                 SubType(True, (1,), StructType(())))),
        RecType((SubType(True, (), ArrayType(FieldType(False, "i16"))),)),
        RecType((SubType(False, (2,), ArrayType(FieldType(True, RefType(False, "i31")))),)),
        RecType(()),
    )
    assert len(m.deftypes()) == 5


@pytest.mark.parametrize("types, message", [
    (b"\x01\x5d", "malformed definition type"),
    (b"\x01\x5f\x01\x60\x00", "malformed storage type"),
    (b"\x01\x5e\x7f\x02", "malformed mutability"),
    (b"\x01\x60\x01\x40\x00", "malformed reference type"),
    (b"\x01\x50\x01\x80\x80\x80\x80\x08\x5f\x00", "malformed type index"),
])
def test_type_errors(types, message):
    assert malformed(HEADER + sec(1, types)).message == message


def test_limits_and_address_types():
    mems = b"\x03\x00\x01\x01\x02\x03\x05\x80\x80\x80\x80\x10\x81\x80\x80\x80\x10"
    m = decode_module(HEADER + sec(5, mems))
    assert [x.type.limits for x in m.mems] == [
        Limits(1), Limits(2, 3), Limits(1 << 32, (1 << 32) + 1, "i64")]
    for flags in (b"\x02", b"\x03", b"\x08", b"\x81"):
        assert (
            malformed(HEADER + sec(5, b"\x01" + flags + b"\x00\x00")).message
            == "malformed limits flags"
        )


def test_tables_with_and_without_init():
    tables = b"\x02" b"\x70\x00\x01" b"\x40\x00\x64\x70\x05\x02\x03\xd2\x00\x0b"
    m = decode_module(HEADER + sec(4, tables))
    assert m.tables[0].type == TableType(Limits(1), FUNCREF) and m.tables[0].init is None
    assert m.tables[1].type == TableType(Limits(2, 3, "i64"), RefType(False, "func"))
    assert m.tables[1].init == (Instr("ref.func", (0,)),)
    # as in the reference interpreter, a bad 0x40 form is reported as a bad reference type
    assert (
        malformed(HEADER + sec(4, b"\x01\x40\x01\x70\x00\x00")).message
        == "malformed reference type"
    )


def test_imports_and_tags():
    imports = (b"\x03" b"\x01m\x01f\x00\x00" b"\x01m\x01t\x04\x00\x00" b"\x01m\x01g\x03\x7b\x01")
    m = decode_module(HEADER + TYPE_VOID + sec(2, imports) + sec(13, b"\x01\x00\x00"))
    assert [(i.kind, i.desc) for i in m.imports] == [
        ("func", 0), ("tag", TagType(0)), ("global", m.imports[2].desc)]
    assert m.tags[0].type == TagType(0)
    assert malformed(HEADER + sec(13, b"\x01\x01\x00")).message == "zero byte expected"
    assert malformed(HEADER + sec(2, b"\x01\x00\x00\x05\x00")).message == "malformed import kind"
    assert malformed(HEADER + sec(7, b"\x01\x00\x05\x00")).message == "malformed export kind"


# ---------------------------------------------------------------- segments

def test_element_segments_become_expressions():
    rf = (Instr("ref.func", (0,)),)
    off = (Instr("i32.const", (0,)),)
    elems = (b"\x05"
             b"\x00\x41\x00\x0b\x01\x00"          # 0: active table 0, funcidx
             b"\x01\x00\x01\x00"                  # 1: passive
             b"\x03\x00\x01\x00"                  # 3: declarative
             b"\x04\x41\x00\x0b\x01\xd2\x00\x0b"  # 4: active, exprs
             b"\x06\x02\x41\x00\x0b\x6f\x01\xd0\x6f\x0b")  # 6: table 2, externref
    m = decode_module(HEADER + sec(9, elems))
    ref_func = RefType(False, "func")
    assert [(e.type, e.init, e.mode) for e in m.elems] == [
        (ref_func, (rf,), Active(0, off)),
        (ref_func, (rf,), PASSIVE),
        (ref_func, (rf,), DECLARATIVE),
        (FUNCREF, (rf,), Active(0, off)),
        (RefType(True, "extern"), ((Instr("ref.null", ("extern",)),),), Active(2, off)),
    ]
    assert malformed(HEADER + sec(9, b"\x01\x08")).message == "malformed elements segment kind"
    assert malformed(HEADER + sec(9, b"\x01\x01\x01\x00")).message == "malformed element kind"


def test_data_segments_and_count():
    datas = b"\x03\x00\x41\x00\x0b\x01a\x01\x00\x02\x01\x41\x00\x0b\x02bc"
    m = decode_module(HEADER + sec(11, datas))
    assert [(d.init, d.mode) for d in m.datas] == [
        (b"a", Active(0, (Instr("i32.const", (0,)),))), (b"", PASSIVE),
        (b"bc", Active(1, (Instr("i32.const", (0,)),)))]
    assert malformed(HEADER + sec(11, b"\x01\x03")).message == "malformed data segment kind"
    assert malformed(HEADER + sec(12, b"\x01")).message == \
        "data count and data section have inconsistent lengths"
    # array.new_data names a data segment too: the reference requires the count for it as well
    e = malformed(func_module(b"\xfb\x09\x00\x00\x1a\x0b") + sec(11, b"\x01\x01\x00"))
    assert e.message == "data count section required"


# ---------------------------------------------------------------- sections

def test_section_order_and_duplicates():
    assert (
        malformed(HEADER + TYPE_VOID + TYPE_VOID).message == "unexpected content after last section"
    )
    assert (
        malformed(HEADER + ONE_FUNC + TYPE_VOID).message == "unexpected content after last section"
    )
    # tag (13) goes between memory (5) and global (6); data count (12) before code (10)
    decode_module(HEADER + sec(5, b"\x00") + sec(13, b"\x00") + sec(6, b"\x00"))
    assert malformed(HEADER + sec(6, b"\x00") + sec(13, b"\x00")).message == \
        "unexpected content after last section"
    decode_module(HEADER + sec(12, b"\x00") + sec(10, b"\x00"))
    assert malformed(HEADER + sec(10, b"\x00") + sec(12, b"\x00")).message == \
        "unexpected content after last section"


def test_section_size_mismatch():
    e = malformed(HEADER + b"\x01\x05\x01\x60\x00\x00\x00")
    assert e.message == "section size mismatch"
    assert e.position.offset == 10


def test_custom_sections_record_their_place():
    m = decode_module(HEADER + sec(0, b"\x01a") + TYPE_VOID + sec(0, b"\x01bxyz") + sec(5, b"\x00")
                      + sec(0, b"\x01c"))
    assert m.customs == (Custom("a", b"", 0), Custom("b", b"xyz", 1), Custom("c", b"", 5))
    assert [c.data for c in m.customs] == [b"", b"xyz", b""]
    assert [c.after for c in m.customs] == [0, 1, 5]


def test_name_section():
    names = (b"\x04name"
             b"\x00\x04\x03mod"
             b"\x01\x07\x02\x00\x01f\x01\x01g"
             b"\x02\x09\x01\x00\x02\x00\x01a\x01\x01b"
             b"\x07\x02\x00\x00")
    m = decode_module(HEADER + sec(0, names))
    assert m.names.module == "mod"
    assert m.names.funcs == ((0, "f"), (1, "g"))
    assert m.names.locals == ((0, ((0, "a"), (1, "b"))),)
    assert m.names.other == ((7, b"\x00\x00"),)
    assert m.customs[0].name == "name"


@pytest.mark.parametrize("contents", [
    b"\x01\x03\x01\x00\x01",              # truncated function name map
    b"\x01\x05\x02\x01\x00\x00\x00",      # indices out of order
    b"\x01\x01\x00\x00\x02\x01m",         # subsections out of order
    b"\x00\x02\x01\xff",                  # bad UTF-8
])
def test_malformed_name_section_stays_custom(contents):
    data = HEADER + sec(0, b"\x04name" + contents)
    m = decode_module(data)
    assert m.names is None
    assert m.customs == (Custom("name", contents, 0),)
    assert m.customs[0].data == contents


def test_header_errors():
    assert malformed(b"").message == "unexpected end of section or function"
    assert malformed(b"\x00asn\x01\x00\x00\x00").message == "magic header not detected"
    e = malformed(b"\x00asm\x02\x00\x00\x00")
    assert (e.message, e.position.offset) == ("unknown binary version", 4)


def test_function_and_code_counts():
    e = malformed(HEADER + TYPE_VOID + ONE_FUNC)
    assert e.message == "function and code section have inconsistent lengths"


def test_locals_of_all_functions_are_bounded():
    # 30 functions of 40,000 locals each: every one within the per-function
    # limit, together above the module's (1,000,000)
    entry = b"\x01" + u(40_000) + b"\x7f" + b"\x0b"
    n = 30
    data = (HEADER + TYPE_VOID + sec(3, u(n) + b"\x00" * n)
            + sec(10, u(n) + (u(len(entry)) + entry) * n))
    assert malformed(data).message == "too many locals"
    two = (
        HEADER
        + TYPE_VOID
        + sec(3, b"\x02\x00\x00")
        + sec(10, b"\x02" + (u(len(entry)) + entry) * 2)
    )
    assert len(decode_module(two).funcs) == 2
