"""Script forms of other engines' suites that `pyic spec` reads (docs/spec-runner.md,
"Other engines' suites"), each on a small script."""

from __future__ import annotations

import pytest

from pyic.wasm.script.runner import run_text

FUNCS = """
(module
  (func $f) (elem declare func $f)
  (func (export "f") (result funcref) ref.func $f)
  (func (export "null") (result funcref) ref.null func))
"""


def outcome(text: str, **options) -> tuple:
    report = run_text(text, "t.wast", **options)
    return report.passed, report.failed, report.not_run


def test_ref_func_with_an_index_matches_any_function_reference():
    # wasmtime's misc_testsuite writes (ref.func 0); the wast crate's runner matches it
    # like the reference interpreter's (ref.func) (interpreter/README.md, result_pat)
    script = FUNCS + """
(assert_return (invoke "f") (ref.func 0))
(assert_return (invoke "f") (ref.func $f))
(assert_return (invoke "f") (ref.func))
"""
    assert outcome(script) == (4, 0, 0)


def test_ref_func_with_an_index_does_not_match_null():
    assert outcome(FUNCS + '(assert_return (invoke "null") (ref.func 0))\n') == (1, 1, 0)


NAMED = """
(module $env (func (export "seven") (result i32) i32.const 7))
(module
  (import "env" "seven" (func $seven (result i32)))
  (import "wasmtime" "gc" (func $gc))
  (func (export "run") (result i32) call $gc call $seven))
(assert_return (invoke "run") (i32.const 7))
"""


def test_wasmtime_conventions_register_named_instances_and_link_gc():
    # wasmtime's wast runner (crates/wast/src/wast.rs: `module`, `register_wasmtime`)
    assert outcome(NAMED, conventions="wasmtime") == (3, 0, 0)


def test_reference_conventions_register_only_on_register():
    # interpreter/README.md: only (register "name" $m) makes an instance importable
    passed, failed, _ = outcome(NAMED)
    assert (passed, failed) == (1, 2)


def test_wasmi_conventions_link_wasmitest():
    # wasmi's wast runner (crates/wast/src/lib.rs: `register_wasmitest`, `module`)
    script = """
(module $m
  (import "wasmitest" "iota-3" (func $iota (param i64) (result i64 i64 i64)))
  (func (export "iota") (param i64) (result i64 i64 i64) (call $iota (local.get 0))))
(module (import "m" "iota" (func (param i64) (result i64 i64 i64))) (export "f" (func 0)))
(assert_return (invoke "f" (i64.const 10)) (i64.const 11) (i64.const 12) (i64.const 13))
"""
    assert outcome(script, conventions="wasmi") == (3, 0, 0)


def test_unknown_conventions_are_refused():
    with pytest.raises(ValueError):
        run_text(NAMED, "t.wast", conventions="wabt")


def test_wasmtime_conventions_check_traps_as_its_runner_does():
    # crates/wast/src/wast.rs: assert_exhaustion and assert_trap both accept any trap,
    # assert_unlinkable any failed instantiation
    script = """
(module (func $f (export "loop") call $f))
(assert_trap (invoke "loop") "call stack exhausted")
(assert_unlinkable (module (memory 1) (data (i32.const 65536) "x")) "out of bounds")
"""
    assert outcome(script, conventions="wasmtime") == (3, 0, 0)
    assert outcome(script) == (1, 2, 0)
