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

# $PYIC_SHARED: set by the root conftest.py to ../shared beside the repository unless given
CANISTERS = sorted(glob.glob(os.path.join(os.environ["PYIC_SHARED"], "canisters", "*", "*.wasm")))


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


def test_the_canister_corpus_is_there():
    assert CANISTERS, f"no canisters in {os.environ['PYIC_SHARED']}/canisters (set PYIC_SHARED)"


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


BRANCH_HINTS = """(module
  (func $f (param i32) (result i32)
    (@metadata.code.branch_hint "\\01")
    (if (result i32) (local.get 0)
      (then (block (br_if 0 (local.get 0) (@metadata.code.branch_hint "\\00") (i32.const 1)))
            (i32.const 1))
      (else (i32.const 2)))
    local.get 0
    (@metadata.code.branch_hint "\\00")
    br_if 0))"""


def test_branch_hints_become_their_section_and_come_back():
    with using({"annotations"}):
        m = parse_module(BRANCH_HINTS.replace(
            '(br_if 0 (local.get 0) (@metadata.code.branch_hint "\\00") (i32.const 1))',
            "(drop (local.get 0))"))
        validate_module(m)
        data = encode_module(m)
        customs = _customs(data)
        assert customs[0].startswith(b"\x19metadata.code.branch_hint")
        # function 0: two hints; offsets from the locals' start (0 local entries: 1 byte)
        # (the block kept around the drop: br_if is at byte 19)
        assert customs[0][26:] == b"\x01\x00\x02\x03\x01\x01\x13\x01\x00"
        text = print_module(decode_module(data))
        assert text.count("@metadata.code.branch_hint") == 2 and "@custom" not in text
        assert encode_module(parse_module(text)) == data


def test_a_branch_hint_section_pyic_cannot_place_stays_a_custom_section():
    from attrs import evolve

    from pyic.wasm.syntax.modules import Custom

    m = parse_module("(module (func nop))")
    # one hint of function 0 at offset 1: a nop, no if/br_if
    hint = Custom("metadata.code.branch_hint", b"\x01\x00\x01\x01\x01\x01", 12)
    data = encode_module(evolve(m, customs=(hint,)))
    text = print_module(decode_module(data))
    assert '(@custom "metadata.code.branch_hint"' in text
    with using({"annotations"}):
        assert encode_module(parse_module(text)) == data
