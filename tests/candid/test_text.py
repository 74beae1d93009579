"""Textual values: parsing, reading at types, printing as dfx does."""

from __future__ import annotations

import math

import pytest

from pyic.candid import (
    FuncRef, Opt, Principal, Record, ServiceRef, Variant, encode_text, parse_did, parse_types,
    parse_value_text, print_values,
)
from pyic.candid.types import idl_hash
from pyic.errors import CandidError


def read(text, types=None, env=None):
    return parse_value_text(text, parse_types(types) if isinstance(types, str) else types, env)


@pytest.mark.parametrize("text,types,expected", [
    ("(1_000_000)", "(nat)", 1_000_000),
    ("(0xFF_FF)", "(nat16)", 0xFFFF),
    ("(-0x10)", "(int)", -16),
    ("(+5)", "(int8)", 5),
    ("(255)", "(nat8)", 255),
    ("(-128)", "(int8)", -128),
    ("(18446744073709551615)", "(nat64)", (1 << 64) - 1),
    ("(3.)", "(float64)", 3.0),
    ("(0.5)", "(float32)", 0.5),
    ("(1e10)", "(float64)", 1e10),
    ("(-1.5E-3)", "(float64)", -1.5e-3),
    ("(0x1p4)", "(float64)", 16.0),
    ("(7)", "(float64)", 7.0),
    ("(42 : nat)", "(int)", 42),
])
def test_numbers(text, types, expected):
    assert read(text, types) == (expected,)


def test_float32_rounds():
    assert read("(0.1)", "(float32)")[0] == pytest.approx(0.1, rel=1e-7)
    assert read("(0.1)", "(float32)")[0] != 0.1
    assert math.isinf(read("(1e300)", "(float32)")[0])


@pytest.mark.parametrize("text,types,match", [
    ("(256)", "(nat8)", "out of range"),
    ("(-1)", "(nat)", "out of range"),
    ("(128)", "(int8)", "out of range"),
    ("(1.5)", "(nat)", "not of type"),
    ("(5)", "(opt nat)", "not of type"),       # no opt coercion in the textual direction
    ("(1__0)", "(nat)", "malformed number"),
    ("(1_)", "(nat)", "malformed number"),
    ("(\"x\")", "(nat)", "not of type"),
    ("(true)", "(text)", "not of type"),
    ("(principal \"aaaaa-aa\")", "(service {})", "not of type"),
])
def test_number_and_type_errors(text, types, match):
    with pytest.raises(CandidError, match=match):
        read(text, types)


def test_text_escapes():
    assert read(r'("\u{2603}\u{26_03}\n\t\r\"\'\\\41\e2\98\83")', "(text)") == ("☃☃\n\t\r\"'\\A☃",)
    with pytest.raises(CandidError, match="UTF-8"):
        read(r'("\ff")', "(text)")
    with pytest.raises(CandidError, match="scalar"):
        read(r'("\u{d800}")', "(text)")
    with pytest.raises(CandidError, match="escape"):
        read(r'("\q")', "(text)")
    with pytest.raises(CandidError, match="unclosed"):
        read('("abc', "(text)")


def test_blob_literals():
    assert read(r'(blob "\de\adA☃")', "(blob)") == (bytes.fromhex("dead41e29883"),)
    assert read("(vec { 1; 2 })", "(vec nat8)") == (b"\x01\x02",)
    with pytest.raises(CandidError):
        read('(blob "x")', "(vec nat16)")


def test_records():
    t = "(record { foo : nat; bar : opt text; \"☃\" : bool; 7 : int; 8 : int })"
    (r,) = read('(record { "☃" = true; foo = 1; 7 = -1; -2; extra = "dropped" })', t)
    assert r[idl_hash("foo")] == 1 and r["foo"] == 1
    assert r["bar"] is None                     # missing optional field
    assert r["☃"] is True and r[7] == -1 and r[8] == -2   # positional field after 7 is 8
    with pytest.raises(CandidError, match="missing"):
        read("(record {})", "(record { foo : nat })")
    with pytest.raises(CandidError, match="two fields"):
        read("(record { a = 1; a = 2 })")
    assert read("(record { 0x2a = 1 })", "(record { 42 : nat })") == (Record(((42, 1),)),)


def test_tuples_and_variants():
    assert read("(record { 1; \"a\" })", "(record { nat; text })") == (Record.tuple(1, "a"),)
    t = '(variant { ok : text; err; 3 : nat; "☃" })'
    assert read('(variant { ok = "x" })', t) == (Variant.of("ok", "x"),)
    assert read("(variant { err })", t) == (Variant.of("err"),)
    assert read("(variant { 3 = 5 })", t) == (Variant(3, 5),)
    assert read('(variant { "☃" })', t) == (Variant.of("☃"),)
    with pytest.raises(CandidError, match="not in type"):
        read("(variant { nope })", t)
    with pytest.raises(CandidError):
        read("(variant {})", "(variant {})")


def test_options_and_references():
    assert read("(opt opt null, null, opt null)", "(opt opt opt nat, opt nat, opt null)") == (
        Opt(Opt(None)), None, Opt(None))
    p = Principal.from_text("w7x7r-cok77-xa")
    assert read(
        '(principal "w7x7r-cok77-xa", service "w7x7r-cok77-xa", func "w7x7r-cok77-xa".foo, '
        'func "aaaaa-aa"."🐂")',
        "(principal, service {}, func () -> (), func () -> ())",
    ) == (p, ServiceRef(p), FuncRef(p, "foo"), FuncRef(Principal.management(), "🐂"))
    with pytest.raises(CandidError, match="checksum"):
        read('(principal "w7x7r-cok77-xq")')


def test_syntax_details():
    # comments, trailing separators, parenthesised and annotated values
    assert read(
        "( /* c /* nested */ */ 1, // line\n ((vec {} : vec int)), )", "(nat, vec int)"
    ) == (1, ())
    assert read("(vec { 1; 2; }, record { a = 1; })", "(vec nat, record { a : nat })")[0] == (1, 2)
    assert read("()") == ()


def test_errors_have_line_and_column():
    with pytest.raises(CandidError) as info:
        read("(1,\n  record { a = }\n)")
    assert info.value.position.line == 2 and info.value.position.column == 16


def test_missing_and_extra_arguments():
    assert read("()", "(opt nat, null, reserved)") == (None, None, None)
    with pytest.raises(CandidError, match="missing argument"):
        read("()", "(nat)")
    assert read("(1, 2 : nat8)", "(nat)") == (1, 2)   # extra arguments keep their own type


def test_reserved_accepts_anything_well_formed():
    assert read('("☃", record { a = vec { 1 } })', "(reserved, reserved)") == (None, None)
    with pytest.raises(CandidError):
        read(r'("\ff")', "(reserved)")


def test_annotation_coerces_like_the_decoder():
    assert read("((5 : nat))", "(int)") == (5,)
    assert read("((5 : nat))", "(opt nat)") == (Opt(5),)
    with pytest.raises(CandidError, match="does not fit"):
        read("((5 : int))", "(nat)")
    with pytest.raises(CandidError, match="does not fit"):
        read("(42 : nat8)", "(nat)")


def test_recursive_types():
    did = parse_did("type List = opt record { head : nat; tail : List };")
    t = parse_types("(List)")
    (v,) = read(
        "(opt record { head = 1; tail = opt record { head = 2; tail = null } })", t, did.env
    )
    assert v.value["tail"].value["head"] == 2


@pytest.mark.parametrize("text,types", [
    ('(55 : nat)', "(nat)"),
    ('("Hello, 世界 🌍!")', "(text)"),
    ('(vec { "a"; "b" })', "(vec text)"),
    ('(vec {})', "(vec text)"),
    ('()', "()"),
    ('(record { a = -1 : int; b = opt true; c = null })',
     "(record { a : int; b : opt bool; c : opt nat })"),
    ('(record { 1 : nat8; "x" })', "(record { nat8; text })"),
    ('(variant { ok = 5 : nat }, variant { err })',
     "(variant { ok : nat; err }, variant { ok : nat; err })"),
    ('(blob "\\00\\ffab\\22\\5c")', "(blob)"),
    ('(1.5 : float64, 3.0 : float32, -0.25 : float64)', "(float64, float32, float64)"),
    ('(principal "aaaaa-aa", service "w7x7r-cok77-xa", func "w7x7r-cok77-xa"."quoted name")',
     "(principal, service {}, func () -> ())"),
    ('("tab\\tquote\\"\\u{7}")', "(text)"),
    ('(record { "☃" = null; "type" = 1 : nat })', '(record { "☃" : null; "type" : nat })'),
])
def test_printing_round_trips(text, types):
    ts = parse_types(types)
    values = parse_value_text(text, ts)
    assert print_values(values, ts) == text
    assert parse_value_text(print_values(values, ts), ts) == values


def test_printing_without_types():
    assert print_values((1, "a", None, Opt(True), b"\x01", (1, 2))) == (
        '(1 : int, "a", null, opt true, blob "\\01", vec { 1 : int; 2 : int })')
    assert print_values((Record.of(a=1),)) == "(record { a = 1 : int })"
    assert print_values((10 ** 5000,)).endswith("0 : int)")   # beyond Python's default digit limit


def test_big_numbers_in_text():
    from pyic.candid.lexer import int_to_decimal
    n = 10 ** 5000 + 1
    assert read("(" + int_to_decimal(n) + ")", "(nat)") == (n,)


def test_encode_text_keeps_annotations():
    assert encode_text("(5 : nat, -1 : int8)").hex() == "4449444c00027d770 5ff".replace(" ", "")
    assert (
        encode_text('("extra", 5 : nat)', parse_types("(text)")).hex()
        == "4449444c0002717d05657874726105"
    )


def test_deep_nesting_is_refused_not_crashing():
    with pytest.raises(CandidError, match="nesting"):
        read("(" + "opt " * 50_000 + "null)")
    assert len(read("(" + "opt " * 2000 + "null)")) == 1
