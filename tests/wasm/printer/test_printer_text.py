"""The printer's output, checked as text on hand-built modules."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, strategies as st

from pyic.errors import MalformedError
from pyic.wasm.syntax import (
    DECLARATIVE, FUNCREF, PASSIVE, Active, ArrayType, Catch, Custom, Data, Elem, Export,
    FieldType, Func, FuncType, Global, GlobalType, Import, Instr, Limits, Mem, MemArg, MemType,
    Module, Names, RecType, RefType, Start, StructType, SubType, Table, TableType, Tag, TagType,
    plain_functype,
)
from pyic.wasm.text.printer import (
    f32_text, f64_text, is_idname, print_module, string_text, v128_text,
)

FT_I32_I32 = plain_functype(FuncType(("i32",), ("i32",)))
FT_VOID = plain_functype(FuncType())


def body_lines(module: Module) -> list:
    return [line.strip() for line in print_module(module).splitlines()]


def func_module(*body, types=(FT_VOID,), **fields) -> Module:
    return Module(types=types, funcs=(Func(0, (), tuple(body)),), **fields)


# ---------------------------------------------------------------- values

@pytest.mark.parametrize("bits, text", [
    (0x7FC00000, "nan"),
    (0xFFC00000, "-nan"),
    (0x7FA00000, "nan:0x200000"),
    (0x7F800001, "nan:0x1"),
    (0x7F800000, "inf"),
    (0xFF800000, "-inf"),
    (0x00000000, "0x0p+0"),
    (0x80000000, "-0x0p+0"),
    (0x41400000, "0x1.8p+3"),
    (0x3F800000, "0x1p+0"),
    (0x00000001, "0x0.000002p-126"),
    (0x007FFFFF, "0x0.fffffep-126"),
    (0x7F7FFFFF, "0x1.fffffep+127"),
])
def test_f32_text(bits, text):
    assert f32_text(bits) == text


@pytest.mark.parametrize("bits, text", [
    (0x7FF8000000000000, "nan"),
    (0x7FF4000000000000, "nan:0x4000000000000"),
    (0xFFF0000000000000, "-inf"),
    (0x3FF0000000000000, "0x1p+0"),
    (0xC028000000000000, "-0x1.8p+3"),
    (0x0000000000000001, "0x0.0000000000001p-1022"),
    (0x8000000000000000, "-0x0p+0"),
])
def test_f64_text(bits, text):
    assert f64_text(bits) == text


@given(st.integers(0, 2**64 - 1))
def test_f64_text_is_exact(bits):
    text = f64_text(bits)
    if (bits >> 52) & 0x7FF == 0x7FF:
        assert "nan" in text or "inf" in text
        return
    assert struct.unpack("<Q", struct.pack("<d", float.fromhex(text)))[0] == bits


@given(st.integers(0, 2**32 - 1))
def test_f32_text_is_exact(bits):
    text = f32_text(bits)
    if (bits >> 23) & 0xFF == 0xFF:
        payload = bits & 0x7FFFFF
        if payload == 0:
            assert text.endswith("inf")
        elif payload == 0x400000:
            assert text.endswith("nan") and not text.endswith(":")
        else:
            assert text.endswith(f"nan:{payload:#x}")
        assert text.startswith("-") == bool(bits >> 31)
        return
    # Every f32 is a double exactly; the hex text denotes it exactly.
    assert struct.unpack("<I", struct.pack("<f", float.fromhex(text)))[0] == bits


def test_v128_text_lanes_low_first():
    assert v128_text(0x00000004_00000003_00000002_00000001) == \
        "i32x4 0x00000001 0x00000002 0x00000003 0x00000004"


def test_string_escapes():
    assert string_text(b'a"b\\c\x00\x7f\xff\n') == '"a\\"b\\\\c\\00\\7f\\ff\\0a"'


def test_idname():
    assert is_idname("foo.bar$1")
    assert not is_idname("")
    assert not is_idname("a b")
    assert not is_idname("a;b")
    assert not is_idname("caf\u00e9")


# ---------------------------------------------------------------- module fields

def test_empty_module():
    assert print_module(Module()) == "(module\n)\n"


def test_types_rec_sub_struct_array():
    m = Module(types=(
        FT_I32_I32,
        RecType((
            SubType(False, (),
                    StructType((FieldType(True, "i8"), FieldType(False, RefType(False, 1))))),
            SubType(True, (1,), ArrayType(FieldType(False, RefType(True, 2)))),
        )),
        RecType(()),
    ))
    lines = body_lines(m)
    assert lines[1] == "(type (;0;) (func (param i32) (result i32)))"
    assert lines[2] == "(rec"
    assert lines[3] == "(type (;1;) (sub (struct (field (mut i8)) (field (ref 1)))))"
    assert lines[4] == "(type (;2;) (sub final 1 (array (ref null 2))))"
    assert lines[5] == ")"
    assert lines[6] == "(rec)"


def test_imports_and_address_types():
    m = Module(types=(FT_VOID,), imports=(
        Import("m", "f", "func", 0),
        Import("m", "t", "table", TableType(Limits(1, 10, "i64"), RefType(True, "extern"))),
        Import("m", "mem", "memory", MemType(Limits(1, 2, "i64", shared=True))),
        Import("m", "g", "global", GlobalType(True, "f32")),
        Import("m", "e", "tag", TagType(0)),
        Import("m", "f2", "func", 0),
    ))
    lines = body_lines(m)
    assert lines[2:8] == [
        '(import "m" "f" (func (;0;) (type 0)))',
        '(import "m" "t" (table (;0;) i64 1 10 externref))',
        '(import "m" "mem" (memory (;0;) i64 1 2 shared))',
        '(import "m" "g" (global (;0;) (mut f32)))',
        '(import "m" "e" (tag (;0;) (type 0)))',
        '(import "m" "f2" (func (;1;) (type 0)))',
    ]


def test_definitions_count_after_imports():
    m = Module(
        types=(FT_VOID,),
        imports=(Import("m", "f", "func", 0), Import("m", "g", "global", GlobalType(False, "i32"))),
        funcs=(Func(0),),
        tables=(
            Table(TableType(Limits(0), FUNCREF)),
            Table(TableType(Limits(1, 1), RefType(False, "func")), (Instr("ref.func", (1,)),)),
        ),
        mems=(Mem(MemType(Limits(1))),),
        globals=(Global(GlobalType(False, "i64"), (Instr("global.get", (0,)),)),),
        tags=(Tag(TagType(0)),),
        exports=(Export("f", "func", 1), Export("t", "table", 1), Export("e", "tag", 0)),
        start=Start(1),
    )
    text = print_module(m)
    assert "(func (;1;) (type 0))" in text
    assert "(table (;0;) 0 funcref)" in text
    assert "(table (;1;) 1 1 (ref func) (ref.func 1))" in text
    assert "(memory (;0;) 1)" in text
    assert "(global (;1;) i64 (global.get 0))" in text
    assert "(tag (;0;) (type 0))" in text
    assert '(export "f" (func 1))' in text
    assert '(export "t" (table 1))' in text
    assert '(export "e" (tag 0))' in text
    assert "(start 1)" in text


def test_segments():
    offset = (Instr("i32.const", (1,)), Instr("global.get", (0,)), Instr("i32.add"))
    m = Module(
        elems=(
            Elem(
                FUNCREF,
                ((Instr("ref.func", (0,)),), (Instr("ref.null", ("func",)),)),
                Active(0, offset),
            ),
            Elem(RefType(False, "func"), (), PASSIVE),
            Elem(FUNCREF, ((Instr("ref.func", (0,)),),) * 9, DECLARATIVE),
        ),
        datas=(Data(b"hi\x00", Active(1, (Instr("i32.const", (0,)),))), Data(b"", PASSIVE)),
    )
    lines = body_lines(m)
    assert lines[1] == (
        "(elem (;0;) (table 0) (offset (i32.const 1) (global.get 0) (i32.add)) funcref "
        "(item (ref.func 0)) (item (ref.null func)))"
    )
    assert lines[2] == "(elem (;1;) (ref func))"
    assert lines[3] == "(elem (;2;) declare funcref"
    assert lines[4] == " ".join(["(item (ref.func 0))"] * 4)
    assert lines[7] == ")"
    assert '(data (;0;) (memory 1) (offset (i32.const 0)) "hi\\00")' in lines
    assert '(data (;1;) "")' in lines


def test_long_data_is_split_into_strings():
    data = bytes(range(100))
    lines = body_lines(Module(datas=(Data(data, PASSIVE),)))
    strings = [line for line in lines if line.startswith('"')]
    assert len(strings) == 4
    joined = "".join(s[1:-1] for s in strings)
    assert joined == string_text(data)[1:-1]


def test_names_used_as_ids_when_valid_and_unique():
    m = Module(
        types=(FT_VOID,),
        imports=(Import("m", "f", "func", 0),),
        funcs=(Func(0, (), (Instr("call", (0,)), Instr("call", (1,)), Instr("call", (2,)))),
               Func(0), Func(0)),
        exports=(Export("run", "func", 1),),
        start=Start(2),
        names=Names(module="mod", funcs=((0, "imp"), (1, "run"), (2, "bad name"), (3, "dup"),
                                         (4, "dup"))),
    )
    text = print_module(m)
    assert text.startswith("(module $mod\n")
    assert '(import "m" "f" (func $imp (;0;) (type 0)))' in text
    assert "(func $run (;1;) (type 0)" in text
    assert "call $imp\n" in text and "call $run\n" in text and 'call $"bad name"\n' in text
    assert '(export "run" (func $run))' in text
    assert '(start $"bad name")' in text
    assert "$dup" not in text
    # a name two functions share is no id, but an annotation (annotations proposal)
    assert '(func (;3;) (@name "dup") (type 0))' in text


def test_custom_sections_are_custom_annotations():
    m = Module(customs=(Custom("name", b"abc"), Custom("x", b"\x00y", 10)))
    text = print_module(m)
    assert '(@custom "name" (before first) "abc")' in text
    assert '(@custom "x" (after code) "\\00y")' in text


def test_non_ascii_names_are_escaped():
    m = Module(exports=(Export("caf\u00e9 \u2603", "memory", 0),))
    text = print_module(m)
    assert text.isascii()
    assert '(export "caf\\c3\\a9 \\e2\\98\\83" (memory 0))' in text


# ---------------------------------------------------------------- instructions

def test_structured_instructions_indent():
    body = (
        Instr("block", (None, (Instr("br", (0,)),))),
        Instr("loop", ("i32", (Instr("i32.const", (1,)),))),
        Instr("if", (0, (Instr("nop"),), (Instr("unreachable"),))),
        Instr("if", (RefType(True, 0), (), ())),
        Instr("try_table", (None, (Catch("catch", 0, 1), Catch("catch_ref", 1, 0),
                                   Catch("catch_all", None, 2), Catch("catch_all_ref", None, 0)),
                            (Instr("nop"),))),
    )
    text = print_module(func_module(*body))
    expected = """\
  (func (;0;) (type 0)
    block
      br 0
    end
    loop (result i32)
      i32.const 1
    end
    if (type 0)
      nop
    else
      unreachable
    end
    if (result (ref null 0))
    end
    try_table (catch 0 1) (catch_ref 1 0) (catch_all 2) (catch_all_ref 0)
      nop
    end
  )
"""
    assert expected in text


def test_plain_instruction_immediates():
    cases = [
        (Instr("i32.const", (0xFFFFFFFF,)), "i32.const -1"),
        (Instr("i32.const", (0x7FFFFFFF,)), "i32.const 2147483647"),
        (Instr("i64.const", (1 << 63,)), "i64.const -9223372036854775808"),
        (Instr("f32.const", (0x7FA00000,)), "f32.const nan:0x200000"),
        (Instr("f64.const", (0x4028000000000000,)), "f64.const 0x1.8p+3"),
        (Instr("v128.const", (1,)), "v128.const i32x4 0x00000001 0x00000000 0x00000000 0x00000000"),
        (Instr("i8x16.shuffle", (tuple(range(16)),)),
         "i8x16.shuffle " + " ".join(map(str, range(16)))),
        (Instr("br_table", ((0, 1, 2), 3)), "br_table 0 1 2 3"),
        (Instr("br_table", ((), 3)), "br_table 3"),
        (Instr("call_indirect", (2, 5)), "call_indirect 2 (type 5)"),
        (Instr("return_call_indirect", (0, 1)), "return_call_indirect 0 (type 1)"),
        (Instr("select"), "select"),
        (Instr("select", (("i32", RefType(True, "func")),)), "select (result i32 funcref)"),
        (Instr("ref.null", ("extern",)), "ref.null extern"),
        (Instr("ref.null", (3,)), "ref.null 3"),
        (Instr("ref.test", (RefType(False, "i31"),)), "ref.test (ref i31)"),
        (Instr("ref.cast", (RefType(True, 2),)), "ref.cast (ref null 2)"),
        (Instr("br_on_cast", (1, RefType(True, "any"), RefType(False, 0))),
         "br_on_cast 1 anyref (ref 0)"),
        (Instr("struct.get_s", (1, 2)), "struct.get_s 1 2"),
        (Instr("array.new_fixed", (1, 7)), "array.new_fixed 1 7"),
        (Instr("table.copy", (0, 1)), "table.copy 0 1"),
        (Instr("table.init", (1, 2)), "table.init 1 2"),
        (Instr("memory.size", (0,)), "memory.size"),
        (Instr("memory.grow", (2,)), "memory.grow 2"),
        (Instr("memory.copy", (0, 0)), "memory.copy"),
        (Instr("memory.copy", (1, 0)), "memory.copy 1 0"),
        (Instr("memory.init", (0, 3)), "memory.init 3"),
        (Instr("memory.init", (1, 3)), "memory.init 1 3"),
        (Instr("data.drop", (3,)), "data.drop 3"),
        (Instr("i32.load", (MemArg(2, 0, 0),)), "i32.load"),
        (Instr("i32.load", (MemArg(0, 16, 0),)), "i32.load offset=16 align=1"),
        (Instr("i64.store32", (MemArg(2, 2**40, 3),)), "i64.store32 3 offset=1099511627776"),
        (Instr("v128.load8_lane", (MemArg(0, 0, 0), 15)), "v128.load8_lane 15"),
        (Instr("v128.store64_lane", (MemArg(3, 8, 1), 1)), "v128.store64_lane 1 offset=8 1"),
        (Instr("i8x16.extract_lane_s", (3,)), "i8x16.extract_lane_s 3"),
        (Instr("local.tee", (4,)), "local.tee 4"),
        (Instr("throw", (0,)), "throw 0"),
        (Instr("call_ref", (2,)), "call_ref 2"),
    ]
    text = print_module(func_module(*(i for i, _ in cases)))
    lines = text.splitlines()[3:-2]
    assert [line.strip() for line in lines] == [t for _, t in cases]


def test_locals_line():
    m = Module(types=(FT_VOID,), funcs=(Func(0, ("i32",) * 20 + ("v128",), ()),))
    lines = body_lines(m)
    assert lines[3] == "(local " + " ".join(["i32"] * 16) + ")"
    assert lines[4] == "(local " + " ".join(["i32"] * 4) + " v128)"


def test_deep_nesting_does_not_recurse():
    depth = 20000
    body: tuple = (Instr("nop"),)
    for _ in range(depth):
        body = (Instr("block", (None, body)),)
    text = print_module(func_module(*body))
    lines = text.splitlines()
    assert sum(1 for line in lines if line.strip() == "block") == depth
    assert sum(1 for line in lines if line.strip() == "end") == depth
    assert max(len(line) for line in lines) < 200  # indentation is capped


def test_structured_instruction_in_constant_expression_stays_on_one_line():
    g = Global(GlobalType(False, "i32"), (Instr("block", ("i32", (Instr("i32.const", (1,)),))),))
    text = print_module(Module(globals=(g,)))
    assert "(global (;0;) i32 block (result i32) i32.const 1 end)" in text


@pytest.mark.parametrize("module", [
    Module(types=(FT_VOID,), funcs=(Func(0, (), (Instr("no.such_op"),)),)),
    Module(types=(FT_VOID,), funcs=(Func(0, (), (Instr("i32.add", (1,)),)),)),
    Module(types=(FT_VOID,), funcs=(Func(0, ("i33",), ()),)),
    Module(types=(FT_VOID,), funcs=(Func(0, (), (Instr("block", (None,)),)),)),
    Module(exports=(Export("x", "thing", 0),)),
    Module(datas=(Data(b"", "sometimes"),)),
    Module(types=(FT_VOID,), funcs=(Func(0, (), (Instr("f32.const", (2**40,)),)),)),
])
def test_syntax_slips_raise_pyic_error(module):
    with pytest.raises(MalformedError):
        print_module(module)
