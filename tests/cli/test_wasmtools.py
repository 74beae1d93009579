"""``pyic validate / inspect / wat2wasm / wasm2wat``, through click's CliRunner."""

from __future__ import annotations

import importlib
import json

import leb128
import pytest
from click.testing import CliRunner

from pyic.cli.common import error_line
from pyic.cli.main import cli
from pyic.errors import MalformedError, Position

GOOD_WAT = """(module
  (type (func (param i32) (result i32)))
  (memory 1)
  (global $g (mut i32) (i32.const 7))
  (func $inc (type 0) local.get 0 i32.const 1 i32.add)
  (export "inc" (func $inc))
  (export "mem" (memory 0))
  (data (i32.const 0) "hi")
)
"""
INVALID_WAT = '(module (func (result i32) f32.const 1))'
BAD_WAT = "(module\n  (func (i32.add\n"
# magic, version, then a type section (id 1) claiming 5 bytes that are not there
TRUNCATED_WASM = b"\0asm\x01\0\0\0\x01\x05\x01"


def run(*args):
    return CliRunner().invoke(cli, list(args))


def needs(module: str, name: str):
    """Fails (never skips) when a piece the command needs is missing."""
    assert hasattr(importlib.import_module(module), name), f"{module}.{name} is missing"


def needs_all():
    needs("pyic.wasm.text", "parse_module")
    needs("pyic.wasm.binary", "decode_module")
    needs("pyic.wasm.binary", "encode_module")
    needs("pyic.wasm.valid", "validate_module")


def assert_one_line_failure(result, *fragments):
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("pyic: ")
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]
    assert "internal error" not in lines[0]
    return lines[0]


@pytest.fixture
def files(tmp_path):
    (tmp_path / "good.wat").write_text(GOOD_WAT)
    (tmp_path / "invalid.wat").write_text(INVALID_WAT)
    (tmp_path / "bad.wat").write_text(BAD_WAT)
    (tmp_path / "trunc.wasm").write_bytes(TRUNCATED_WASM)
    (tmp_path / "notwasm.wasm").write_bytes(b"\0asn\x01\0\0\0")
    (tmp_path / "latin1.wat").write_bytes(b'(module (export "\xe9" (func 0)))')
    (tmp_path / "dir.wasm").mkdir()
    return tmp_path


# ---------------------------------------------------------------- error reporting

def test_error_line_formats():
    err = MalformedError("unexpected end", Position(offset=17))
    assert error_line("a.wasm", err) == "pyic: a.wasm:@0x11: unexpected end"
    err = MalformedError("unknown operator", Position(line=3, column=5, source="a.wat"))
    assert error_line("a.wat", err) == "pyic: a.wat:3:5: unknown operator"
    assert error_line("a.wat", MalformedError("x\ny")) == "pyic: a.wat: x y"
    assert error_line("a", FileNotFoundError(2, "No such file or directory", "a")) == \
        "pyic: a: No such file or directory"


@pytest.mark.parametrize("command", ["validate", "inspect", "wat2wasm", "wasm2wat"])
def test_missing_file(command, files):
    result = run(command, str(files / "nope.wasm"))
    assert_one_line_failure(result, "nope.wasm", "No such file or directory")


@pytest.mark.parametrize("command", ["validate", "inspect", "wat2wasm", "wasm2wat"])
def test_directory_instead_of_file(command, files):
    result = run(command, str(files / "dir.wasm"))
    assert_one_line_failure(result, "dir.wasm", "directory")


@pytest.mark.parametrize("command", ["validate", "inspect", "wat2wasm", "wasm2wat"])
def test_usage_error_exits_2(command):
    result = run(command)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["validate", "inspect", "wat2wasm", "wasm2wat"])
def test_truncated_wasm(command, files):
    needs_all()
    line = assert_one_line_failure(run(command, str(files / "trunc.wasm")), "trunc.wasm:@0x")
    assert line.split(": ", 2)[2]  # a message after the position


@pytest.mark.parametrize("command", ["validate", "inspect", "wasm2wat"])
def test_bad_magic(command, files):
    needs_all()
    assert_one_line_failure(
        run(command, str(files / "notwasm.wasm")), "notwasm.wasm", "magic header"
    )


@pytest.mark.parametrize("command", ["validate", "inspect", "wat2wasm", "wasm2wat"])
def test_bad_wat(command, files):
    needs_all()
    line = assert_one_line_failure(run(command, str(files / "bad.wat")))
    assert f"{files / 'bad.wat'}:" in line
    position = line.split(f"{files / 'bad.wat'}:", 1)[1].split(":")[:2]
    assert all(p.strip().isdigit() for p in position), line  # line:column


def test_text_that_is_not_utf8(files):
    needs_all()
    assert_one_line_failure(run("validate", str(files / "latin1.wat")), "latin1.wat", "UTF-8")


# ---------------------------------------------------------------- validate

def test_validate_good(files):
    needs_all()
    result = run("validate", str(files / "good.wat"))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{files / 'good.wat'}: valid\n"


def test_validate_invalid(files):
    needs_all()
    assert_one_line_failure(
        run("validate", str(files / "invalid.wat")), "invalid.wat", "type mismatch"
    )


def test_validate_several_files_reports_each(files):
    needs_all()
    result = run(
        "validate", str(files / "good.wat"), str(files / "nope.wat"), str(files / "good.wat")
    )
    assert result.exit_code == 1
    assert result.stdout.count(": valid\n") == 2
    assert len(result.stderr.splitlines()) == 1


# ---------------------------------------------------------------- wat2wasm / wasm2wat

def test_wat2wasm_default_output_then_wasm2wat(files):
    needs_all()
    result = run("wat2wasm", str(files / "good.wat"))
    assert result.exit_code == 0, result.output
    data = (files / "good.wasm").read_bytes()
    assert data.startswith(b"\0asm\x01\0\0\0")
    assert run("validate", str(files / "good.wasm")).exit_code == 0

    result = run("wasm2wat", str(files / "good.wasm"))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("(module")
    from pyic.wasm.binary import decode_module
    from pyic.wasm.text import parse_module

    assert parse_module(result.stdout) == decode_module(data)


def test_wat2wasm_output_option_and_no_validate(files):
    needs_all()
    out = files / "x.bin"
    assert_one_line_failure(
        run("wat2wasm", str(files / "invalid.wat"), "-o", str(out)), "type mismatch"
    )
    assert not out.exists()
    result = run("wat2wasm", str(files / "invalid.wat"), "-o", str(out), "--no-validate")
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\0asm")


def test_wat2wasm_unwritable_output(files):
    needs_all()
    result = run("wat2wasm", str(files / "good.wat"), "-o", str(files / "no" / "such" / "dir.wasm"))
    assert_one_line_failure(result, "dir.wasm")


def test_wasm2wat_to_file(files):
    needs_all()
    assert run("wat2wasm", str(files / "good.wat")).exit_code == 0
    result = run("wasm2wat", str(files / "good.wasm"), "-o", str(files / "back.wat"))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert (files / "back.wat").read_text().startswith("(module")
    assert run("validate", str(files / "back.wat")).exit_code == 0


# ---------------------------------------------------------------- inspect

def test_inspect_text_report(files):
    needs_all()
    assert run("wat2wasm", str(files / "good.wat")).exit_code == 0
    result = run("inspect", str(files / "good.wasm"))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "binary" in out
    assert "sections:" in out and "type" in out and "code" in out
    assert "functions: 1 (0 imported)" in out
    assert "(func (param i32) (result i32))" in out
    assert 'export "inc"' in out
    assert "memories: 1" in out and "globals: 1" in out


def test_inspect_json(files):
    needs_all()
    assert run("wat2wasm", str(files / "good.wat")).exit_code == 0
    data = (files / "good.wasm").read_bytes()
    result = run("inspect", "--json", str(files / "good.wasm"))
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["format"] == "binary" and d["size"] == len(data)
    # Sections tile the file after the 8-byte header.
    end = 8
    for s in d["sections"]:
        assert s["offset"] == end
        end = s["offset"] + 1 + len(leb128.u.encode(s["size"])) + s["size"]
    assert end == len(data)
    assert [s["name"] for s in d["sections"]][:1] == ["type"]
    (f,) = d["functions"]
    assert f["signature"] == "(func (param i32) (result i32))"
    assert f["exports"] == ["inc"] and f["body_size"] > 0
    assert d["exports"] == [{"name": "inc", "kind": "func", "index": 0},
                            {"name": "mem", "kind": "memory", "index": 0}]
    assert d["data"] == 1 and d["elements"] == 0


def test_inspect_text_input(files):
    needs_all()
    result = run("inspect", "--json", str(files / "good.wat"))
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["format"] == "text"
    assert len(d["globals"]) == 1 and d["globals"][0]["type"] == "(mut i32)"


def test_wast_input_uses_first_module(files):
    needs_all()
    script = files / "s.wast"
    script.write_text('(module binary "\\00asm" "\\01\\00\\00\\00")\n(module (func))\n'
                      '(assert_return (invoke "f") (i32.const 1))\n')
    result = run("inspect", "--json", str(script))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["functions"] == []
    assert run("validate", str(script)).stdout == f"{script}: valid\n"


def test_inspect_imports_of_every_kind(files):
    needs_all()
    (files / "imp.wat").write_text("""(module
      (type (func (param i64)))
      (import "a" "f" (func (type 0)))
      (import "a" "t" (table 1 funcref))
      (import "a" "m" (memory i64 1 2))
      (import "a" "g" (global (mut f32)))
      (import "a" "e" (tag (type 0)))
      (export "g" (global 0)))""")
    result = run("inspect", str(files / "imp.wat"))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert 'func "a" "f": (type 0) (func (param i64))' in out
    assert 'table "a" "t": 1 funcref' in out
    assert 'memory "a" "m": i64 1 2' in out
    assert 'global "a" "g": (mut f32)' in out
    assert 'tag "a" "e": (type 0) (func (param i64))' in out
    assert '  0: (mut f32) imported "a" "g" export "g"' in out


def test_a_bug_still_gives_one_line(files, monkeypatch):
    import pyic.cli.wasmtools as tools

    def broken(path):
        raise ValueError("boom")

    monkeypatch.setattr(tools, "load_module", broken)
    monkeypatch.delenv("PYIC_DEBUG", raising=False)
    result = run("inspect", str(files / "good.wat"))
    assert result.exit_code == 1
    assert result.stderr == f"pyic: {files / 'good.wat'}: internal error: ValueError: boom\n"
