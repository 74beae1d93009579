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
        bad = text.replace("(global (ref $f) (ref.func $b))", "(global (ref (exact $f)) (ref.func $b))")
        with pytest.raises(InvalidError, match="type mismatch"):
            validate_module(parse_module(bad))
