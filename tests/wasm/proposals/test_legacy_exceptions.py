"""Legacy exception handling (exception-handling, legacy/Exceptions.md) behind the
'legacy-exceptions' feature: try/catch/catch_all/delegate/rethrow in both
formats, validation, and execution on both tiers."""

from __future__ import annotations

import pytest

from pyic.errors import InvalidError, MalformedError, UncaughtException
from pyic.wasm.binary import decode_module, encode_module
from pyic.wasm.features import using
from pyic.wasm.text import parse_module
from pyic.wasm.text.printer import print_module
from pyic.wasm.valid import validate_module

FEATURE = {"legacy-exceptions"}

WAT = """(module
  (tag $e0) (tag $e1 (param i32))
  (func $throw-if (param i32) (if (local.get 0) (then (throw $e1 (local.get 0)))))
  (func (export "catch") (param i32) (result i32)
    (try (result i32) (do (call $throw-if (local.get 0)) (i32.const 0))
      (catch $e1 (i32.add (i32.const 100)))
      (catch_all (i32.const -1))))
  (func (export "plain") (result i32)
    try (result i32) throw $e0 catch $e0 i32.const 2 catch_all i32.const 3 end)
  (func (export "delegate") (param i32) (result i32)
    (try $t (result i32)
      (do (try (result i32) (do (call $throw-if (local.get 0)) (i32.const 1))
            (catch $e0 (i32.const 7))
            ) (drop) (try (result i32) (do (call $throw-if (local.get 0)) (i32.const 1))
            (delegate $t)))
      (catch $e1)))
  (func (export "rethrow") (param i32) (result i32)
    (try (result i32) (do (call $throw-if (local.get 0)) (i32.const 0))
      (catch $e1 (drop) (try (result i32) (do (rethrow 1)) (catch $e1)))))
  (func (export "to-caller")
    (try (do (throw $e0)) (delegate 0))))"""


def _module():
    with using(FEATURE):
        return parse_module(WAT)


def test_off_by_default():
    with pytest.raises(MalformedError, match="unknown operator"):
        parse_module(WAT)
    data = encode_module(_module())
    with pytest.raises(MalformedError, match="illegal opcode 06"):
        decode_module(data)


def test_round_trips_through_binary_and_text():
    m = _module()
    with using(FEATURE):
        assert decode_module(encode_module(m)) == m
        assert parse_module(print_module(m)) == m
        validate_module(m)


@pytest.mark.parametrize("text, message", [
    ("(func (try (do) (catch_all (rethrow 1))))", "invalid rethrow label"),
    ("(func (block (rethrow 0)))", "invalid rethrow label"),
    ("(func (try (do) (delegate 1)))", "unknown label"),
    ("(tag $e (param i32)) (func (try (do) (catch $e)))", "type mismatch"),
])
def test_invalid(text, message):
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
        except UncaughtException as e:
            return "exception", e.payload


@pytest.mark.parametrize("name, args, expected", [
    ("catch", [0], [0]), ("catch", [5], [105]),
    ("plain", [], [2]),
    ("delegate", [0], [1]), ("delegate", [9], [9]),
    ("rethrow", [4], [4]), ("rethrow", [0], [0]),
])
def test_execution_on_both_tiers(name, args, expected):
    ref = _run("reference", name, args)
    assert ref[0] == expected
    assert _run("fast", name, args) == ref


def test_delegate_to_the_function_label_reaches_the_caller():
    assert _run("reference", "to-caller", [])[0] == "exception"
