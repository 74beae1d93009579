"""Annotations (WebAssembly/annotations, branch-hinting): custom sections and
names between the text and binary formats (docs/proposals.md)."""

from __future__ import annotations

import glob
import os

import pytest

from pyic.errors import InvalidError, MalformedError
from pyic.wasm.binary import decode_module, encode_module
from pyic.wasm.features import using
from pyic.wasm.text import parse_module
from pyic.wasm.text.printer import print_module
from pyic.wasm.valid import validate_module

CANISTERS = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..",
                                          "shared", "canisters", "*", "*.wasm")))


def _customs(data: bytes) -> list:
    """The custom sections of a binary, as raw bytes, in order."""
    out, pos = [], 8
    while pos < len(data):
        sid = data[pos]
        size = shift = 0
        pos += 1
        while True:
            b = data[pos]
            pos += 1
            size |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                break
        if sid == 0:
            out.append(data[pos:pos + size])
        pos += size
    return out


def test_custom_annotation_becomes_a_custom_section_where_placed():
    with using({"annotations"}):
        m = parse_module('(module (@custom "a" (before first) "x") (func) '
                         '(@custom "b" (after func) "y" "z") (@custom "c" "w"))')
    data = encode_module(m)
    assert _customs(data) == [b"\x01ax", b"\x01byz", b"\x01cw"]
    assert data.index(b"\x01ax") < data.index(b"\x03\x02\x01\x00")   # before the func section
    assert data.index(b"\x01cw") > data.index(b"\x01byz")


def test_annotations_are_skipped_without_the_feature():
    m = parse_module('(module (@custom "a" "x") (func (@name "f")))')
    assert m.customs == () and m.names is None


@pytest.mark.parametrize("text, message", [
    ('(@custom)', "@custom annotation: missing section name"),
    ('(@custom "a" (type))', "@custom annotation: malformed placement"),
    ('(@custom "a" (after types))', "@custom annotation: malformed section kind"),
    ('(func (@custom "a"))', "misplaced @custom annotation"),
    ('(module (func) (@name "M"))', "misplaced @name annotation"),
    ('(module (@name "a") (@name "b"))', "@name annotation: multiple module"),
])
def test_malformed_annotations(text, message):
    with using({"annotations"}), pytest.raises(MalformedError, match=message):
        parse_module(text)


def test_name_annotation_names_what_no_identifier_can():
    with using({"annotations"}):
        m = parse_module('(module (@name "Mod ü") (func $a (@name "λ x")) (func (@name "λ x")))')
    assert m.names.module == "Mod ü"
    assert m.names.funcs == ((0, "λ x"), (1, "λ x"))
    text = print_module(decode_module(encode_module(m)))
    assert '(@name "λ x")' not in text  # printed with ASCII escapes
    with using({"annotations"}):
        again = parse_module(text)
    assert again.names == m.names


def test_unique_names_print_as_quoted_identifiers():
    with using({"annotations"}):
        m = parse_module('(module (func $"a b" (call $"a b")))')
    text = print_module(m)
    assert '(func $"a b"' in text and 'call $"a b"' in text


def test_branch_hint_must_stand_before_if_or_br_if():
    with using({"annotations"}):
        good = parse_module('(module (func (param i32) (@metadata.code.branch_hint "\\01") '
                            '(if (local.get 0) (then))))')
        bad = parse_module('(module (func (param i32) (@metadata.code.branch_hint "\\01") '
                           'nop))')
    validate_module(good)
    assert good.hints[0].value == 1
    with pytest.raises(InvalidError, match="invalid target"):
        validate_module(bad)


@pytest.mark.skipif(not CANISTERS, reason="../shared/canisters is not there")
@pytest.mark.parametrize("path", CANISTERS, ids=os.path.basename)
def test_canister_custom_sections_and_names_survive_wasm2wat_wat2wasm(path):
    with open(path, "rb") as f:
        data = f.read()
    m = decode_module(data)
    with using({"annotations"}):
        again = parse_module(print_module(m))
    out = encode_module(again)
    assert _customs(out) == _customs(data)
    assert decode_module(out).names == m.names
    assert again == m
