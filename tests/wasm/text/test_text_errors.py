"""Malformed texts: the test suite's messages, positions, and no other exception."""

from __future__ import annotations

import random

import pytest

from pyic.errors import MalformedError
from pyic.wasm.text import parse_module, parse_script
from pyic.wasm.text.lexer import tokenize


def error_of(text: str) -> MalformedError:
    with pytest.raises(MalformedError) as info:
        parse_module(text)
    return info.value


@pytest.mark.parametrize("text, message", [
    ("(func (i32.add_x))", "unknown operator i32.add_x"),
    ("(func (i32.const 0x))", "unknown operator 0x"),
    ("(func (i32.const 1__0))", "unknown operator"),
    ("(func (get_local 0))", "unknown operator get_local"),
    ("(data \"a\"\"b\")", "unknown operator"),
    ("(func $l\"a\")", "unknown operator"),
    ("(func (local $x i32) (local $x i32))", "duplicate local $x"),
    ("(func $f) (func $f)", "duplicate function $f"),
    ("(global $g i32 (i32.const 0)) (global $g i32 (i32.const 0))", "duplicate global"),
    ("(type (struct (field $x i32) (field $x i32)))", "duplicate field"),
    ("(func (call $nope))", "unknown function $nope"),
    ("(func (local.get $x))", "unknown local $x"),
    ("(func (br $l))", "unknown label $l"),
    ("(func (global.get $g))", "unknown global $g"),
    ("(func (type $t))", "unknown type $t"),
    ("(func (table.get $t (i32.const 0)))", "unknown table"),
    ("(func (i32.load $m (i32.const 0)))", "unknown memory"),
    ("(func (elem.drop $e))", "unknown elem segment"),
    ("(func (data.drop $d))", "unknown data segment"),
    ("(func block $a end $b)", "mismatching label"),
    ("(func block end $b)", "mismatching label"),
    ("(func if $a else $b end)", "mismatching label"),
    ("(type $t (func (param i32))) (func (type $t) (param i64))", "inline function type"),
    ("(func (type 2) (param i32))", "unknown type"),
    ("(func (i32.const 4294967296))", "constant out of range"),
    ("(func (i64.const -9223372036854775809))", "constant out of range"),
    ("(func (f32.const 1e39))", "constant out of range"),
    ("(func (f32.const nan:0x0))", "constant out of range"),
    ("(func (i32.const 1.5))", "constant out of range"),
    ("(memory 1) (func (i32.load align=3 (i32.const 0)))", "alignment must be a power of two"),
    ("(func (v128.const i32x4 1 2 3))", "wrong number of lane literals"),
    ("(func (i8x16.shuffle 1 2 3))", "invalid lane length"),
    ("(func (i8x16.extract_lane_s 256 (v128.const i64x2 0 0)))", "i8 constant out of range"),
    ("(func (i8x16.extract_lane_s -1 (v128.const i64x2 0 0)))", "unexpected token"),
    ("(func) (import \"a\" \"b\" (func))", "import after function"),
    ("(global i32 (i32.const 0)) (func (import \"a\" \"b\"))", "import after global"),
    ("(memory 1) (import \"a\" \"b\" (table 1 funcref))", "import after memory"),
    ("(table 1 funcref) (import \"a\" \"b\" (memory 1))", "import after table"),
    ("(func) (start 0) (start 0)", "multiple start sections"),
    ("(func (export \"\\ff\"))", "malformed UTF-8 encoding"),
    ("(func $)", "empty identifier"),
    ("(func $\"\")", "empty identifier"),
    ("(@)", "empty annotation id"),
    ("(@x (y)", "unclosed annotation"),
    ("(@x \x01)", "illegal character"),
    ("(func \"abc)", "unclosed string"),
    ("(func \"a\\qb\")", "illegal escape"),
    ("(func \"a\x01b\")", "illegal control character"),
    ("(module (; unclosed", "unclosed comment"),
    ("(module \x07)", "misplaced control character"),
    ("(module é)", "misplaced unicode character"),
    ("(module \udcff)", "malformed UTF-8 encoding"),
    ("(func (result i32) (param i32))", "unexpected token"),
    ("(func (block (param $x i32)))", "unexpected token"),
    ("(func (i32.add (i32.const 1) i32.const 2))", "unexpected token"),
    ("(func (then))", "unexpected token"),
    ("(func end)", "unexpected token"),
    ("(module (func)", "unexpected token"),
    ("(module (func)))", "unexpected token"),
    ("(module) (module)", "unexpected token"),
    ("(frob)", "unknown operator frob"),
    ("(func (struct.get 0 $f))", "unknown field $f"),
    ("(memory 1) (func (i32.load offset=0x1_0000_0000_0000_0000 (i32.const 0)))",
     "i64 constant out of range"),
    ("(memory 0x1_0000_0000_0000_0000)", "i64 constant out of range"),
    ("(func (call 4294967296))", "i32 constant out of range"),
])
def test_messages(text, message):
    assert error_of(text).message.startswith(message)


def test_positions_are_line_and_column():
    e = error_of("(module\n  (func\n    (call $nope)))")
    assert (e.position.line, e.position.column) == (3, 11)
    e = error_of("(module\r\n(func (i32.const 0x)))")
    assert (e.position.line, e.position.column) == (2, 18)
    with pytest.raises(MalformedError) as info:
        parse_script('(module)\n(assert_return (invoke "f") (i32.const 1.5))', source="x.wast")
    assert info.value.position.source == "x.wast" and info.value.position.line == 2
    assert str(info.value).startswith("x.wast:2:")


def test_bytes_input_that_is_not_utf8():
    with pytest.raises(MalformedError) as info:
        parse_module(b'(module (func (export "\xff")))')
    assert info.value.message == "malformed UTF-8 encoding"
    assert parse_module(b";; \xc3\xa9\n(module)") == parse_module("(module)")


@pytest.mark.parametrize("depth", [100_000])
def test_deep_nesting_never_recurses(depth):
    folded = "(func " + "(block " * depth + ")" * depth + ")"
    m = parse_module(folded)
    assert m.funcs[0].body[0].op == "block"
    plain = ("(func (result i32) " + "(i32.add (i32.const 1) " * depth + "(i32.const 0)"
             + ")" * depth + ")")
    assert len(parse_module(plain).funcs[0].body) == 2 * depth + 1
    with pytest.raises(MalformedError):
        parse_module("(" * depth)
    with pytest.raises(MalformedError):
        parse_module("(func " + "block " * depth)
    with pytest.raises(MalformedError):
        parse_script("(" * depth + ")" * depth)
    assert tokenize("(;" * depth + ";)" * depth).kinds == [9]   # only EOF


def test_mutated_texts_only_raise_malformed():
    random.seed(7)
    base = ("""(module (type $t (func (param i32) (result i32)))
      (func $f (export "f") (type $t) (local $x i64) (block $b (result i32)
        (br_if $b (i32.const 1) (local.get 0)) (if (result i32) (i32.const 0) (then (i32.const 2))
        (else (call $f (i32.const 3)))))) (memory 1 2) (data (i32.const 0) "\\00ab")
      (table 2 funcref) (elem (i32.const 0) $f) (global (mut f32) (f32.const 0x1p3))
      (func (v128.const f64x2 1.5 -inf) """
            "(i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15) drop))")
    pieces = ["(", ")", "$x", "0", "-1", '"', "end", "else", "(then", "(param", "nan:0x1", "(;",
              "(@a", ";;", "\n", "offset=4", "align=3", "i8x16", "\udc80", "\x00", "é", "$",
              "1e999"]
    for _ in range(400):
        t = list(base)
        for _ in range(random.randint(1, 4)):
            pos = random.randrange(len(t))
            if random.random() < 0.5:
                t[pos:pos] = [random.choice(pieces)]
            else:
                del t[pos:pos + random.randint(1, 8)]
        text = "".join(t)
        for parse in (parse_module, parse_script):
            try:
                parse(text)
            except MalformedError:
                pass


# Texts whose rules changed from Wasm 2.0 to 3.0: (text, 2.0 message, 3.0 outcome)
_SHUFFLE = "(func (result v128) (i8x16.shuffle {} (v128.const i64x2 0 0) (v128.const i64x2 0 0)))"
_VERSIONED = [
    ("(memory 0x1_0000_0000)", "i32 constant out of range", None),
    ("(memory 0 0x1_0000_0000)", "i32 constant out of range", None),
    ("(table 0x1_0000_0000 funcref)", "i32 constant out of range", None),
    ('(import "m" "t" (table 0 0x1_0000_0000 funcref))', "i32 constant out of range", None),
    ('(import "m" "m" (memory 0x1_0000_0000))', "i32 constant out of range", None),
    ("(memory 1) (func (drop (i32.load offset=4294967296 (i32.const 0))))",
     "i32 constant out of range", None),
    ("(memory 1) (func (i32.load offset=18446744073709551616 (i32.const 0)))",
     "i32 constant out of range", "i64 constant out of range"),
    ("(func (i8x16.extract_lane_s 256 (v128.const i64x2 0 0)))",
     "malformed lane index", "i8 constant out of range"),
    ("(memory 1) (func (v128.load8_lane 256 (i32.const 0) (v128.const i64x2 0 0)))",
     "malformed lane index", "i8 constant out of range"),
    (_SHUFFLE.format("0 " * 15 + "256"), "malformed lane index", "i8 constant out of range"),
    (_SHUFFLE.format("0 " * 15 + "1.0"), "malformed lane index", "i8 constant out of range"),
    (_SHUFFLE.format("-1 " + "0 " * 15), "malformed lane index", "i8 constant out of range"),
]


@pytest.mark.parametrize("text, message2, message3", _VERSIONED)
def test_wasm_2_0_text_rules(text, message2, message3):
    """version=2 applies Wasm 2.0's rule and message; version=3 (the default) 3.0's."""
    with pytest.raises(MalformedError) as info:
        parse_module(text, version=2)
    assert info.value.message == message2
    if message3 is None:
        parse_module(text)      # a validation matter in 3.0
    else:
        assert error_of(text).message == message3


def test_wasm_2_0_boundaries_parse_alike():
    text = ("(memory 0xffff_ffff 0xffff_ffff) (table 0xffff_ffff funcref)"
            "(func (drop (i32.load offset=0xffff_ffff (i32.const 0))))"
            "(func (drop (i8x16.extract_lane_u 255 (v128.const i64x2 0 0))))")
    m = parse_module(text, version=2)
    assert m == parse_module(text)
    assert m.mems[0].type.limits.min == 0xFFFF_FFFF
    assert m.funcs[0].body[1].imm[0].offset == 0xFFFF_FFFF


def test_parse_script_passes_version_to_its_modules():
    script = '(module (memory 0x1_0000_0000))'
    assert parse_script(script)
    with pytest.raises(MalformedError, match="i32 constant out of range"):
        parse_script(script, version=2)
    with pytest.raises(MalformedError, match="i32 constant out of range"):
        parse_script("(memory 0x1_0000_0000)", version=2)


def test_spec_frontend_passes_version():
    """The spec runner's frontend finds the ``version`` parameter and uses it."""
    from pyic.wasm.script.engine import Frontend
    quoted = "(memory 0x1_0000_0000)"
    assert Frontend(version=3).parse_module(quoted).mems
    with pytest.raises(MalformedError, match="i32 constant out of range"):
        Frontend(version=2).parse_module(quoted)
    with pytest.raises(MalformedError, match="i32 constant out of range"):
        Frontend(version=2).parse_script(f"(module {quoted})")


def test_wasm_2_0_limits_of_i64_address_type_stay_u64():
    text = "(memory i64 0x1_0000_0000) (table i64 0 0x1_0000_0000 funcref)"
    assert parse_module(text, version=2) == parse_module(text)
