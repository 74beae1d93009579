"""``pyic spec`` through the click group, on scripts whose parsing, decoding and
validation are faked, so the figures do not depend on the state of those parts."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import pyic.wasm.script.runner as runner
import pyic.wasm.text as text
from pyic.cli.main import cli
from pyic.errors import InvalidError, MalformedError, Position
from pyic.wasm.script.commands import (
    AssertMalformed, AssertReturn, BinaryModule, Invoke, Meta, ModuleCmd, Num,
)
from pyic.wasm.script.engine import Frontend
from pyic.wasm.syntax import Export, Module

SCRIPTS = {
    # file text -> commands
    "good": (ModuleCmd(1, None, BinaryModule(b"ok")),
             AssertMalformed(2, BinaryModule(b"malformed"), "unexpected end")),
    "bad": (ModuleCmd(1, None, BinaryModule(b"ok")),
            ModuleCmd(4, None, BinaryModule(b"invalid"))),
    "later": (ModuleCmd(1, None, BinaryModule(b"ok")),
              AssertReturn(2, Invoke(None, "f", ()), (Num("i32", 0),)),
              Meta(3, "script")),
}


def fake_parse_script(source_text, source=None):
    if source_text == "unparsable":
        raise MalformedError("unexpected end of script", Position(line=2, column=1))
    return SCRIPTS[source_text]


def fake_decode(data):
    if data == b"malformed":
        raise MalformedError("unexpected end of section or function")
    return Module(exports=(Export(data.decode(), "func", 0),))


def fake_validate(module):
    if module.exports[0].name == "invalid":
        raise InvalidError("type mismatch")


@pytest.fixture(autouse=True)
def fakes(monkeypatch):
    monkeypatch.setattr(text, "parse_script", fake_parse_script, raising=False)
    monkeypatch.setattr(runner, "default_engine", lambda: None)
    monkeypatch.setattr(runner, "Frontend",
                        lambda **kw: Frontend(decode=fake_decode, validate=fake_validate, **kw))


@pytest.fixture
def suite(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "b_good.wast").write_text("good")
    (tmp_path / "a_later.wast").write_text("later")
    (tmp_path / "sub" / "c_bad.wast").write_text("bad")
    (tmp_path / "notes.txt").write_text("not a script")
    return tmp_path


def spec(*args):
    return CliRunner().invoke(cli, ["spec", *map(str, args)])


def test_passing_file_exits_0_with_a_table(suite):
    result = spec(suite / "b_good.wast")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["file", "passed", "failed", "not_run"]
    assert any(line.endswith("b_good.wast         2         0         0") for line in lines)
    assert [line.split() for line in lines if line.startswith("total")] == [
        ["total", "2", "0", "0"]]


def test_not_run_is_shown_but_does_not_fail(suite):
    result = spec(suite / "a_later.wast")
    assert result.exit_code == 0
    assert ["total", "1", "0", "2"] in [line.split() for line in result.stdout.splitlines()]
    assert "assert_return" in result.stdout and "meta" in result.stdout


def test_folder_json_report(suite):
    result = spec(suite, "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)   # exactly one JSON object on stdout
    assert list(data) == ["total", "by_command", "files", "failures"]
    assert data["total"] == {"passed": 4, "failed": 1, "not_run": 2}
    assert [f["path"] for f in data["files"]] == [
        str(suite / "a_later.wast"), str(suite / "b_good.wast"), str(suite / "sub" / "c_bad.wast")]
    assert data["files"][2] == {"path": str(suite / "sub" / "c_bad.wast"),
                                "passed": 1, "failed": 1, "not_run": 0}
    assert data["by_command"]["module"] == {"passed": 3, "failed": 1, "not_run": 0}
    assert data["by_command"]["assert_malformed"] == {"passed": 1, "failed": 0, "not_run": 0}
    assert data["by_command"]["assert_return"] == {"passed": 0, "failed": 0, "not_run": 1}
    assert set(data["by_command"]) >= {"assert_trap", "assert_invalid", "register", "script"}
    assert data["failures"] == [{
        "path": str(suite / "sub" / "c_bad.wast"), "line": 4, "command": "module",
        "message": 'unexpected invalid error "type mismatch"'}]


def test_failures_are_listed_and_exit_is_1(suite):
    result = spec(suite)
    assert result.exit_code == 1
    assert f"{suite / 'sub' / 'c_bad.wast'}:4: module: unexpected invalid error" in result.stdout
    assert "failures (1):" in result.stdout


def test_unparsable_file_is_one_failure_at_its_line(tmp_path):
    (tmp_path / "x.wast").write_text("unparsable")
    result = spec(tmp_path, "--json")
    assert result.exit_code == 1
    failure, = json.loads(result.stdout)["failures"]
    assert (failure["line"], failure["command"]) == (2, "script")
    assert "unexpected end of script" in failure["message"]


def test_filter(suite):
    result = spec(suite, "--filter", "*good*", "--filter", "a_*", "--json")
    assert result.exit_code == 0
    assert [f["path"].rsplit("/", 1)[1] for f in json.loads(result.stdout)["files"]] == [
        "a_later.wast", "b_good.wast"]


def test_no_file_found_exits_1_with_a_message(suite, tmp_path):
    result = spec(suite, "--filter", "nothing*")
    assert result.exit_code == 1
    assert "no .wast file found" in result.stderr
    assert result.stdout == ""
    empty = tmp_path / "empty"
    empty.mkdir()
    assert spec(empty).exit_code == 1


def test_missing_path_is_a_usage_error(tmp_path):
    result = spec(tmp_path / "missing.wast")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_fail_fast_stops_after_the_first_failing_file(suite):
    (suite / "0_bad.wast").write_text("bad")
    result = spec(suite, "--fail-fast", "--json")
    assert result.exit_code == 1
    assert [f["path"].rsplit("/", 1)[1] for f in json.loads(result.stdout)["files"]] == [
        "0_bad.wast"]
    assert "stopped after the first failing file (1 of 4 run)" in result.stderr


def test_max_failures_limits_the_listing_not_the_json(tmp_path):
    for index in range(3):
        (tmp_path / f"f{index}.wast").write_text("bad")
    shown = spec(tmp_path, "--max-failures", "1")
    assert shown.exit_code == 1
    assert "failures (3):" in shown.stdout
    assert "... and 2 more" in shown.stdout
    assert len(json.loads(spec(tmp_path, "--max-failures", "1", "--json").stdout)["failures"]) == 3


def test_help_lists_the_options():
    result = CliRunner().invoke(cli, ["spec", "--help"])
    assert result.exit_code == 0
    for option in ("--json", "--filter", "--jobs", "--fail-fast", "--max-failures"):
        assert option in result.output


def test_wasm_version_option_reaches_the_frontend(suite, monkeypatch):
    seen = []

    def frontend(**kw):
        seen.append(kw.get("version"))
        return Frontend(decode=fake_decode, validate=fake_validate, **kw)

    monkeypatch.setattr(runner, "Frontend", frontend)
    assert spec(suite / "b_good.wast", "--wasm-version", "2").exit_code == 0
    assert spec(suite / "b_good.wast").exit_code == 0        # auto: not in a wasm-2.0 folder
    assert seen == [2, 3]
    assert spec(suite / "b_good.wast", "--wasm-version", "4").exit_code == 2
