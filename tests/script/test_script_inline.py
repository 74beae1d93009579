"""The runner on small real scripts: pyic's own parser, decoder and validator,
with and without the execution engine."""

from __future__ import annotations

from pyic.wasm.script.runner import run_text

SCRIPT = r'''
(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
  (func (export "nan") (result f32) (f32.div (f32.const 0) (f32.const 0)))
  (global (export "g") i32 (i32.const 42)))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 4))
(assert_return (invoke "nan") (f32.const nan:canonical))
(assert_return (get "g") (i32.const 42))
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_malformed (module quote "(func (i32.add1))") "unknown operator")
(assert_malformed (module binary "\00asm\01\00\00") "unexpected end")
(assert_invalid (module (func (result i32) (i64.const 0))) "type mismatch")
(assert_invalid (module (func (result i32) (i64.const 0))) "unknown global")
(module binary "\00asm\01\00\00\00")
(invoke "add" (i32.const 1) (i32.const 1))
'''


def test_without_engine_only_static_commands_are_checked():
    report = run_text(SCRIPT, "inline.wast", engine=None)
    kinds = {kind: (t.passed, t.failed, t.not_run) for kind, t in report.by_command.items()}
    assert kinds["module"] == (2, 0, 0)
    assert kinds["assert_return"] == (0, 0, 4)
    assert kinds["assert_trap"] == (0, 0, 1)
    assert kinds["assert_malformed"] == (2, 0, 0)
    assert kinds["assert_invalid"] == (1, 1, 0)
    assert kinds["action"] == (0, 0, 1)
    failure, = report.failures
    assert (failure.line, failure.command) == (15, "assert_invalid")
    assert failure.message.startswith(
        'wrong invalid error: expected "unknown global", got "type mismatch'
    )


def test_with_the_engine_everything_is_checked():
    report = run_text(SCRIPT, "inline.wast")   # pyic's engine
    assert report.not_run == 0
    assert [(f.line, f.command) for f in report.failures] == [
        (8, "assert_return"), (15, "assert_invalid"), (17, "action")]
    assert "got [(i32.const 0x3)], expected [(i32.const 0x4)]" in report.failures[0].message
    # The last module has no "add": the bare invoke fails rather than use the first one.
    assert "add" in report.failures[2].message


def test_a_script_that_does_not_parse_is_one_failure_at_its_line():
    report = run_text('(module)\n\n(assert_return (invoke "f")\n', "cut.wast")
    assert (report.passed, report.failed, report.not_run) == (0, 1, 0)
    failure, = report.failures
    assert failure.command == "script"
    assert failure.line >= 3
    assert failure.message.startswith("cannot parse script: malformed: ")
