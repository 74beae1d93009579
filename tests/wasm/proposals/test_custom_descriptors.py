"""Custom descriptors (WebAssembly/custom-descriptors) behind the
'custom-descriptors' feature: exact heap types so far (docs/proposals.md)."""

from __future__ import annotations

import pytest

from pyic.errors import InvalidError, MalformedError, Trap
from pyic.wasm.binary import decode_module, encode_module
from pyic.wasm.features import using
from pyic.wasm.syntax.types import RefType
from pyic.wasm.text import parse_module
from pyic.wasm.text.printer import print_module
from pyic.wasm.valid import validate_module

FEATURE = {"custom-descriptors"}

WAT = """(module
  (type $super (sub (struct)))
  (type $sub (sub $super (struct)))
  (global (ref null (exact $super)) (ref.null (exact $super)))
  (func (export "new-super") (result (ref (exact $super))) (struct.new $super))
  (func (export "cast-exact") (param i32) (result i32)
    (ref.test (ref (exact $super))
      (if (result (ref $super)) (local.get 0)
        (then (struct.new $sub)) (else (struct.new $super))))))"""


def _module():
    with using(FEATURE):
        return parse_module(WAT)


def test_off_by_default():
    with pytest.raises(MalformedError):
        parse_module(WAT)
    data = encode_module(_module())
    with pytest.raises(MalformedError):
        decode_module(data)


def test_exact_types_round_trip_and_validate():
    m = _module()
    assert m.globals[0].type.valtype == RefType(True, 0, True)
    with using(FEATURE):
        assert decode_module(encode_module(m)) == m
        assert parse_module(print_module(m)) == m
        validate_module(m)


@pytest.mark.parametrize("body, message", [
    # a subtype's instance is no exact $super
    ("(func (result (ref (exact $super))) (struct.new $sub))", "type mismatch"),
    # nor is an inexact reference
    ("(func (param (ref $super)) (result (ref (exact $super))) (local.get 0))", "type mismatch"),
])
def test_exact_subtyping(body, message):
    text = "(module (type $super (sub (struct))) (type $sub (sub $super (struct))) " + body + ")"
    with using(FEATURE), pytest.raises(InvalidError, match=message):
        validate_module(parse_module(text))


def _run(tier: str, name: str, args: list):
    from pyic.wasm.embed import invoke_export, module_instantiate, store_init
    from pyic.wasm.runtime.store import Config

    with using(FEATURE):
        store = store_init(Config(tier=tier))
        inst = module_instantiate(store, _module(), [])
        try:
            return invoke_export(store, inst, name, args)
        except Trap as e:
            return e.message


@pytest.mark.parametrize("args, expected", [([0], [1]), ([1], [0])])
def test_exact_casts_on_both_tiers(args, expected):
    ref = _run("reference", "cast-exact", args)
    assert ref[0] == expected
    assert _run("fast", "cast-exact", args) == ref


def test_exact_function_imports():
    text = """(module
      (type $f (func))
      (import "m" "a" (func $a (exact (type $f))))
      (import "m" "b" (func $b (type $f)))
      (global (ref (exact $f)) (ref.func $a))
      (global (ref $f) (ref.func $b)))"""
    with using(FEATURE):
        m = parse_module(text)
        validate_module(m)
        data = encode_module(m)
        assert b"\x01m\x01a\x20\x00" in data
        assert decode_module(data) == m and parse_module(print_module(m)) == m
        bad = text.replace(
            "(global (ref $f) (ref.func $b))", "(global (ref (exact $f)) (ref.func $b))"
        )
        with pytest.raises(InvalidError, match="type mismatch"):
            validate_module(parse_module(bad))


DESC = """(module
  (rec
    (type $a (descriptor $a.desc) (struct (field i32)))
    (type $a.desc (describes $a) (struct)))
  (global $d (ref (exact $a.desc)) (struct.new $a.desc))
  (global $other (ref (exact $a.desc)) (struct.new $a.desc))
  (func (export "same") (result i32)
    (struct.get $a 0
      (ref.cast_desc_eq (ref (exact $a))
        (struct.new_desc $a (i32.const 7) (global.get $d)) (global.get $d))))
  (func (export "other") (result i32)
    (struct.get $a 0
      (ref.cast_desc_eq (ref $a)
        (struct.new_desc $a (i32.const 7) (global.get $d)) (global.get $other))))
  (func (export "get") (result i32)
    (ref.eq (ref.get_desc $a (struct.new_default_desc $a (global.get $d))) (global.get $d)))
  (func (export "null-desc") (result i32)
    (drop (struct.new_default_desc $a (ref.null none))) (i32.const 0)))"""


def test_descriptor_clauses_round_trip():
    with using(FEATURE):
        m = parse_module(DESC)
        st = m.types[0].subtypes
        assert (st[0].descriptor, st[1].describes) == (1, 0)
        assert decode_module(encode_module(m)) == m
        assert parse_module(print_module(m)) == m
        validate_module(m)


@pytest.mark.parametrize("text, message", [
    ("(type (descriptor 1) (struct))", "descriptor type is outside rec group"),
    ("(rec (type (descriptor 1) (struct)) (type (struct)))",
     "type is not described by its descriptor"),
    ("(rec (type (descriptor 1) (func)) (type (describes 0) (struct)))",
     "descriptor type must be a struct"),
    ("(rec (type $a (descriptor $b) (struct)) (type $b (describes $a) (struct)))"
     " (func (drop (struct.new $a)))", "type with descriptor requires descriptor allocation"),
])
def test_descriptor_validation(text, message):
    with using(FEATURE), pytest.raises(InvalidError, match=message):
        validate_module(parse_module(text))


def _run_desc(tier: str, name: str):
    from pyic.wasm.embed import invoke_export, module_instantiate, store_init
    from pyic.wasm.runtime.store import Config

    with using(FEATURE):
        store = store_init(Config(tier=tier))
        inst = module_instantiate(store, parse_module(DESC), [])
        try:
            return invoke_export(store, inst, name, [])
        except Trap as e:
            return e.message


@pytest.mark.parametrize("name, expected", [
    ("same", [7]), ("other", "descriptor cast failure"), ("get", [1]),
    ("null-desc", "null descriptor reference"),
])
def test_descriptors_at_run_time_on_both_tiers(name, expected):
    ref = _run_desc("reference", name)
    assert (ref[0] if isinstance(ref, tuple) else ref) == expected
    assert _run_desc("fast", name) == ref
