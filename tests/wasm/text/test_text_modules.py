"""Modules: every abbreviation of the text format, desugared as the spec says."""

from __future__ import annotations

from pyic.wasm.syntax import (
    DECLARATIVE, PASSIVE, Active, ArrayType, Catch, Data, Elem, Export, FieldType, FuncType,
    GlobalType, Import, Instr, Limits, MemArg, MemType, RecType, RefType, StructType, SubType,
    TableType, TagType,
)
from pyic.wasm.syntax.types import FUNCREF
from pyic.wasm.text import parse_module

I = Instr  # noqa: E741  (short: the instructions it builds read in rows)
REFFUNC = RefType(False, "func")


def ft(params=(), results=()):
    return RecType((SubType(True, (), FuncType(tuple(params), tuple(results))),))


def body(text, prelude=""):
    return parse_module(f"(module {prelude} (func {text}))").funcs[-1].body


def test_bare_fields_and_module_wrapper_agree():
    text = '(func (export "f") (result i32) i32.const 7) (memory 1)'
    assert parse_module(text) == parse_module(f"(module $m {text})")


def test_implicit_type_uses_appended_in_order():
    m = parse_module("""(module
      (type $a (func (param i32)))
      (func (param i64))
      (func (param i32))
      (func (result i32) (block (param i32) (result i32 i32) unreachable) unreachable)
      (func (param i64) (call_indirect (param f32) (i32.const 0)))
      (table 0 funcref)
      (type $b (func (param i64))))""")
    assert m.types == (ft(["i32"]), ft(["i64"]), ft([], ["i32"]), ft(["i32"], ["i32", "i32"]),
                       ft(["f32"]))
    assert [f.typeidx for f in m.funcs] == [1, 0, 2, 1]
    assert m.funcs[2].body[0] == I("block", (3, (I("unreachable"),)))
    assert m.funcs[3].body[-1] == I("call_indirect", (0, 4))


def test_implicit_type_use_does_not_match_non_plain_types():
    m = parse_module("""(module (type (sub (func))) (rec (type (func)) (type (func)))
                         (type (func (param i32))) (func))""")
    assert len(m.types) == 4 and m.funcs[0].typeidx == 4


def test_explicit_type_use_with_inline_signature_and_locals():
    m = parse_module("""(module (type $t (func (param i32 i64) (result i32)))
      (func (type $t) (param $a i32) (param i64) (result i32) (local $l f32)
        local.get $l drop local.get $a)
      (func (type $t) (local f64) (local $x i32) local.get $x))""")
    assert m.funcs[0].typeidx == 0 and m.funcs[0].locals == ("f32",)
    assert m.funcs[0].body == (I("local.get", (2,)), I("drop"), I("local.get", (0,)))
    assert m.funcs[1].body == (I("local.get", (3,)),)
    assert len(m.types) == 1


def test_inline_imports_and_exports():
    m = parse_module("""(module
      (func $f (export "a") (export "b") (import "m" "f") (param i32))
      (table $t (export "t") (import "m" "t") 1 2 funcref)
      (memory (import "m" "mem") i64 1)
      (global $g (export "g") (import "m" "g") (mut i32))
      (tag (export "e") (import "m" "e") (param i32))
      (export "c" (func $f))
      (global (export "h") i32 (global.get $g)))""")
    assert m.imports == (
        Import("m", "f", "func", 0),
        Import("m", "t", "table", TableType(Limits(1, 2), FUNCREF)),
        Import("m", "mem", "memory", MemType(Limits(1, None, "i64"))),
        Import("m", "g", "global", GlobalType(True, "i32")),
        Import("m", "e", "tag", TagType(0)),
    )
    assert m.exports == (Export("a", "func", 0), Export("b", "func", 0), Export("t", "table", 0),
                         Export("g", "global", 0), Export("e", "tag", 0), Export("c", "func", 0),
                         Export("h", "global", 1))
    assert m.globals[0].init == (I("global.get", (0,)),)


def test_table_with_inline_elements():
    m = parse_module("""(module (func $f) (func $g)
      (table $t (export "t") funcref (elem $g $f $g))
      (table i64 (ref func) (elem (ref.func $f) (item ref.func $g)))
      (table 3 externref)
      (table 3 (ref null extern) (ref.null extern)))""")
    assert m.tables[0].type == TableType(Limits(3, 3), FUNCREF) and m.tables[0].init is None
    assert m.tables[1].type == TableType(Limits(2, 2, "i64"), REFFUNC)
    assert m.tables[2].init is None
    assert m.tables[3].init == (I("ref.null", ("extern",)),)
    assert m.elems == (
        Elem(FUNCREF, ((I("ref.func", (1,)),), (I("ref.func", (0,)),), (I("ref.func", (1,)),)),
             Active(0, (I("i32.const", (0,)),))),
        Elem(REFFUNC, ((I("ref.func", (0,)),), (I("ref.func", (1,)),)),
             Active(1, (I("i64.const", (0,)),))),
    )
    assert m.exports == (Export("t", "table", 0),)


def test_memory_with_inline_data():
    m = parse_module(
        '(module (memory (data "ab" "c")) (memory $m i64 (data)) (memory (export "x") 1 2))'
    )
    assert m.mems[0].type == MemType(Limits(1, 1, "i32"))
    assert m.mems[1].type == MemType(Limits(0, 0, "i64"))
    assert m.mems[2].type == MemType(Limits(1, 2))
    assert m.datas == (Data(b"abc", Active(0, (I("i32.const", (0,)),))),
                       Data(b"", Active(1, (I("i64.const", (0,)),))))
    big = parse_module('(module (memory (data "%s")))' % ("a" * 65537))
    assert big.mems[0].type.limits == Limits(2, 2)


def test_element_segment_forms():
    m = parse_module("""(module (table $t 1 funcref) (func $f) (func $g)
      (elem (i32.const 0) $f $g)
      (elem (i32.const 0))
      (elem (table $t) (offset (i32.const 1) (i32.const 1) i32.add) func $f)
      (elem $p funcref (ref.func $f) (item (ref.null func)))
      (elem declare func $g)
      (elem (offset i32.const 2) externref (ref.null extern))
      (elem $e func))""")
    off0 = (I("i32.const", (0,)),)
    assert m.elems[0] == Elem(
        REFFUNC, ((I("ref.func", (0,)),), (I("ref.func", (1,)),)), Active(0, off0)
    )
    assert m.elems[1] == Elem(REFFUNC, (), Active(0, off0))
    assert m.elems[2].mode == Active(0, (I("i32.const", (1,)), I("i32.const", (1,)), I("i32.add")))
    assert m.elems[3] == Elem(
        FUNCREF, ((I("ref.func", (0,)),), (I("ref.null", ("func",)),)), PASSIVE
    )
    assert m.elems[4] == Elem(REFFUNC, ((I("ref.func", (1,)),),), DECLARATIVE)
    assert m.elems[5].mode == Active(0, (I("i32.const", (2,)),))
    assert m.elems[6] == Elem(REFFUNC, (), PASSIVE)


def test_data_segment_forms():
    m = parse_module("""(module (memory $a 1) (memory $b 1)
      (data (i32.const 1) "x" "\\01\\u{e9}")
      (data $d (memory $b) (offset (i32.const 2)) "y")
      (data $p "z")
      (func (memory.init $b $d (i32.const 0) (i32.const 0) (i32.const 0)) (data.drop $p)))""")
    assert m.datas == (Data(b"x\x01\xc3\xa9", Active(0, (I("i32.const", (1,)),))),
                       Data(b"y", Active(1, (I("i32.const", (2,)),))), Data(b"z", PASSIVE))
    assert m.funcs[0].body[-2:] == (I("memory.init", (1, 1)), I("data.drop", (2,)))


def test_start_and_export_kinds():
    m = parse_module("""(module (func $s) (start $s) (memory $m 1) (export "m" (memory $m))
                         (tag $e) (export "e" (tag $e)))""")
    assert m.start.func == 0
    assert m.exports == (Export("m", "memory", 0), Export("e", "tag", 0))


def test_rec_and_sub_types_and_fields():
    m = parse_module("""(module
      (rec (type $a (sub (struct (field $x i32) (field (mut i64) i8))))
           (type $b (sub final $a
             (struct (field $x i32) (field (mut i64) i8) (field (ref null $b))))))
      (type $arr (array (mut i16)))
      (func (param (ref $b)) (result i64)
        (struct.get $b 1 (local.get 0)) drop (struct.get $a $x (local.get 0)) drop
        (array.new_fixed $arr 2 (i32.const 1) (i32.const 2)) drop
        (ref.test (ref null $a) (local.get 0)) drop unreachable))""")
    a = SubType(False, (), StructType((FieldType(False, "i32"), FieldType(True, "i64"),
                                       FieldType(False, "i8"))))
    b = SubType(True, (0,), StructType(a.comptype.fields + (FieldType(False, RefType(True, 1)),)))
    assert m.types[0] == RecType((a, b))
    assert m.types[1] == RecType((SubType(True, (), ArrayType(FieldType(True, "i16"))),))
    ops = [i for i in m.funcs[0].body if i.op not in ("drop", "local.get", "i32.const")]
    assert ops[:4] == [
        I("struct.get", (1, 1)),
        I("struct.get", (0, 0)),
        I("array.new_fixed", (2, 2)),
        I("ref.test", (RefType(True, 0),)),
    ]


def test_labels_resolve_innermost_first():
    assert body("block $a block $b br $a br $b end br $a end") == (
        I("block", (None, (I("block", (None, (I("br", (1,)), I("br", (0,))))), I("br", (0,))))),)
    # shadowing, and the function body's own label
    assert body("(block $l (block $l (br $l)) (br $l)) br 0") == (
        I("block", (None, (I("block", (None, (I("br", (0,)),))), I("br", (0,))))), I("br", (0,)))
    assert body("block $x end $x loop $y (result i32) i32.const 0 end $y drop") == (
        I("block", (None, ())), I("loop", ("i32", (I("i32.const", (0,)),))), I("drop"))


def test_if_forms():
    expected = (
        I("i32.const", (1,)),
        I("if", ("i32", (I("i32.const", (2,)),), (I("i32.const", (3,)),))),
    )
    assert (
        body(
            "(result i32) (if (result i32) (i32.const 1) (then (i32.const 2)) (else (i32.const 3)))"
        )
        == expected
    )
    assert (
        body("(result i32) i32.const 1 if $l (result i32) i32.const 2 else $l i32.const 3 end $l")
        == expected
    )
    assert body("(if (i32.const 1) (then))") == (I("i32.const", (1,)), I("if", (None, (), ())))
    # the condition is outside the if's label
    assert body("(block $b (if $i (br_if $b (i32.const 1)) (then (br $i) (br $b))))") == (
        I("block", (None, (I("i32.const", (1,)), I("br_if", (0,)),
                            I("if", (None, (I("br", (0,)), I("br", (1,))), ()))))),)


def test_try_table_catches_resolve_outside():
    m = parse_module("""(module (tag $e (param i32)) (func (result i32)
      (block $out (result i32)
        (try_table $t (result i32) (catch $e $out) (catch_all_ref 0) (i32.const 1))
        try_table (catch_ref $e 0) (catch_all $out) end)))""")
    tt = m.funcs[0].body[0].imm[1]
    assert tt[0] == I("try_table", ("i32", (Catch("catch", 0, 0), Catch("catch_all_ref", None, 0)),
                                   (I("i32.const", (1,)),)))
    assert tt[1].imm[1] == (Catch("catch_ref", 0, 0), Catch("catch_all", None, 0))


def test_plain_instruction_immediates():
    pre = ("(memory $m 1) (memory $n 1) (table $t 1 funcref) (table $u 1 funcref) "
           "(elem $e func) (type $v (func))")
    b = body("""i32.load i64.load8_s offset=3 f32.load $n align=2 i64.store 1 offset=0x10 align=1
                v128.load8_lane 1 v128.load8_lane 1 2 v128.load16_lane $n offset=2 3
                v128.store offset=1
                table.get table.get $u table.copy table.copy $u $t table.init $e table.init $u $e
                memory.size memory.grow $n memory.copy memory.copy $n $m memory.fill 1
                select (select (result i32) (result) (i32.const 1))
                ref.null func ref.null $v ref.is_null
                call_indirect (type $v) call_indirect $u (type $v) br_table 0 0 0""", pre)
    assert list(b) == [
        I("i32.load", (MemArg(2, 0, 0),)), I("i64.load8_s", (MemArg(0, 3, 0),)),
        I("f32.load", (MemArg(1, 0, 1),)), I("i64.store", (MemArg(0, 16, 1),)),
        I("v128.load8_lane", (MemArg(0, 0, 0), 1)), I("v128.load8_lane", (MemArg(0, 0, 1), 2)),
        I("v128.load16_lane", (MemArg(1, 2, 1), 3)), I("v128.store", (MemArg(4, 1, 0),)),
        I("table.get", (0,)), I("table.get", (1,)),
        I("table.copy", (0, 0)), I("table.copy", (1, 0)),
        I("table.init", (0, 0)), I("table.init", (1, 0)),
        I("memory.size", (0,)), I("memory.grow", (1,)), I("memory.copy", (0, 0)),
        I("memory.copy", (1, 0)), I("memory.fill", (1,)),
        I("select"), I("i32.const", (1,)), I("select", (("i32",),)), I("ref.null", ("func",)),
        I("ref.null", (0,)), I("ref.is_null"),
        I("call_indirect", (0, 0)), I("call_indirect", (1, 0)),
        I("br_table", ((0, 0), 0)),
    ]


def test_constants_are_bit_patterns():
    b = body("""i32.const -1 i64.const 0x8000_0000_0000_0000 f32.const -0.0 f64.const nan:0x4
                v128.const i8x16 -1 0 1 2 3 4 5 6 7 8 9 10 11 12 13 255
                v128.const f32x4 1 -0 inf nan v128.const i64x2 -1 1
                i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31 i8x16.extract_lane_u 15""")
    lanes = [0xFF, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 255]
    assert list(b) == [
        I("i32.const", (0xFFFFFFFF,)), I("i64.const", (1 << 63,)), I("f32.const", (0x80000000,)),
        I("f64.const", (0x7FF0000000000004,)),
        I("v128.const", (sum(v << (8 * k) for k, v in enumerate(lanes)),)),
        I("v128.const", (0x3F800000 | 0x80000000 << 32 | 0x7F800000 << 64 | 0x7FC00000 << 96,)),
        I("v128.const", ((1 << 64) - 1 | 1 << 64,)),
        I("i8x16.shuffle", (tuple(range(15)) + (31,),)), I("i8x16.extract_lane_u", (15,)),
    ]


def test_gc_and_reference_instructions():
    pre = "(type $s (struct (field $f i32))) (type $a (array i8)) (data $d \"\") (elem $e funcref)"
    b = body("""(param anyref) (local (ref null $s))
                br_on_cast 0 anyref (ref $s) br_on_cast_fail 0 (ref null any) (ref null $s)
                ref.cast (ref i31) struct.new_default $s struct.set $s $f array.new_data $a $d
                array.copy $a $a array.init_elem $a $e ref.i31 i31.get_s any.convert_extern""", pre)
    assert list(b) == [
        I("br_on_cast", (0, RefType(True, "any"), RefType(False, 0))),
        I("br_on_cast_fail", (0, RefType(True, "any"), RefType(True, 0))),
        I("ref.cast", (RefType(False, "i31"),)), I("struct.new_default", (0,)),
        I("struct.set", (0, 0)), I("array.new_data", (1, 0)), I("array.copy", (1, 1)),
        I("array.init_elem", (1, 0)), I("ref.i31"), I("i31.get_s"), I("any.convert_extern"),
    ]


def test_identifiers_may_be_strings():
    m = parse_module('(module (func $"a b" (export "x")) (func $f (call $"a b") (call $f)))')
    assert m.funcs[1].body == (I("call", (0,)), I("call", (1,)))
    assert parse_module('(module (func $"abc") (func (call $abc)))').funcs[1].body == (
        I("call", (0,)),
    )


def test_comments_and_annotations_are_skipped():
    m = parse_module("""(module (; a (; nested ;) comment ;) (@custom "x" (bla (@y)) "z")
      ;; line comment
      (func (@name "f") nop (;x;)nop))""")
    assert m.funcs[0].body == (I("nop"), I("nop"))


def test_names_recorded():
    m = parse_module("(module $m (func $f (param $p i32) (local $l i32)))")
    assert m.names.module == "m" and m.names.funcs == ((0, "f"),)
    assert m.names.locals == ((0, ((0, "p"), (1, "l"))),)
