"""The WAST runner on hand-built commands, with a fake frontend and engine, so
that every outcome is exercised whatever state the real parser and engine are in."""

from __future__ import annotations

import json

import pytest

from pyic.errors import (
    Exhaustion, InvalidError, LinkError, MalformedError, Position, Trap, WasmError,
)
from pyic.wasm.script.commands import (
    ActionCmd, AssertException, AssertExhaustion, AssertInvalid, AssertInvalidCustom,
    AssertMalformed, AssertReturn, AssertTrap, AssertUnlinkable, BinaryModule, Either, Get,
    Invoke, Meta, ModuleCmd, ModuleInstance, NanPattern, Num, QuoteModule, RefValue, Register,
    TextModule, Vec,
)
from pyic.wasm.script.engine import Frontend
from pyic.wasm.script.runner import find_scripts, run_file, run_files, run_script, run_text
from pyic.wasm.syntax import Export, Import, Module

# ------------------------------------------------------------------ fakes


def module(*exports: str, imports: tuple = ()) -> Module:
    return Module(imports=tuple(Import(m, n, "func", 0) for m, n in imports),
                  exports=tuple(Export(name, "func", 0) for name in exports))


def fake_decode(data: bytes) -> Module:
    """``b"malformed:msg"`` fails to decode; ``b"invalid:msg"`` decodes to a module
    that fails validation; anything else is a module exporting the words."""
    text = data.decode()
    if text.startswith("malformed:"):
        raise MalformedError(text[len("malformed:"):], Position(offset=3))
    if text.startswith("crash"):
        raise ZeroDivisionError("decoder bug")
    if text.startswith("invalid:"):
        return module(text)
    return module(*text.split())


def fake_parse(text: str) -> Module:
    return fake_decode(text.encode())


def fake_validate(m: Module) -> None:
    for export in m.exports:
        if export.name.startswith("invalid:"):
            raise InvalidError(export.name[len("invalid:"):])
        if export.name == "deep":
            raise RecursionError("maximum recursion depth exceeded")


FRONTEND = Frontend(decode=fake_decode, parse=fake_parse, validate=fake_validate)


class UncaughtException(WasmError):
    kind = "exception"


class FakeEngine:
    """Instances are dicts of export name -> function of script values."""

    LIBRARY = {
        "add": lambda a, b: (Num("i32", (a.bits + b.bits) & 0xFFFF_FFFF),),
        "div": lambda a, b: (_ for _ in ()).throw(Trap("integer divide by zero"))
        if b.bits == 0 else (Num("i32", a.bits // b.bits),),
        "nan": lambda: (Num("f32", 0x7FC0_0000),),
        "snan": lambda: (Num("f32", 0x7FA0_0000),),
        "vec": lambda: (Vec("i64x2", (0x0000_0002_0000_0001, 0x7FC0_0000_0000_0003)),),
        "null": lambda: (RefValue("null", "func"),),
        "ext": lambda: (RefValue("extern", 7),),
        "loop": lambda: (_ for _ in ()).throw(Exhaustion("call stack exhausted")),
        "throw": lambda: (_ for _ in ()).throw(UncaughtException("uncaught exception")),
        "none": lambda: (),
    }

    def __init__(self) -> None:
        self.instantiated = []

    def spectest(self):
        return {"print": lambda: ()}

    def instantiate(self, m: Module, registry):
        for imp in m.imports:
            if imp.module not in registry:
                raise LinkError(f'unknown import "{imp.module}"."{imp.name}"')
            if imp.name not in registry[imp.module]:
                raise LinkError("unknown import")
        names = [e.name for e in m.exports]
        if "start_traps" in names:
            raise Trap("unreachable executed")
        instance = {name: self.LIBRARY.get(name) for name in names}
        self.instantiated.append(instance)
        return instance

    def invoke(self, instance, name, args):
        func = instance.get(name)
        if func is None:
            from pyic.errors import ScriptError
            raise ScriptError("undefined export")
        return func(*args)

    def get(self, instance, name):
        return Num("i32", 42)


def run(commands, engine=None):
    return run_script(commands, "t.wast", engine=engine, frontend=FRONTEND)


def outcomes(report):
    return {kind: (t.passed, t.failed, t.not_run) for kind, t in report.by_command.items()}


def i32(n: int) -> Num:
    return Num("i32", n)


# ------------------------------------------------------------------ without an engine


def test_modules_pass_when_accepted_and_execution_is_not_run():
    report = run([
        ModuleCmd(1, None, BinaryModule(b"add")),
        ModuleCmd(2, "$m", QuoteModule("add div")),
        ModuleCmd(3, None, TextModule(module("add"))),
        ModuleCmd(4, "$d", BinaryModule(b"f"), definition=True),
        ModuleInstance(5, "$i", "$d"),
        Register(6, "M", None),
        ActionCmd(7, Invoke(None, "add", (i32(1), i32(2)))),
        AssertReturn(8, Invoke("$m", "add", (i32(1), i32(2))), (i32(3),)),
        AssertTrap(9, Invoke(None, "div", (i32(1), i32(0))), "integer divide"),
        AssertExhaustion(10, Invoke(None, "loop", ()), "call stack"),
        AssertException(11, Invoke(None, "throw", ())),
        Meta(12, "script"),
        AssertInvalidCustom(13, BinaryModule(b"x"), "whatever"),
    ])
    assert (report.passed, report.failed, report.not_run) == (4, 0, 9)
    assert outcomes(report)["module"] == (4, 0, 1)
    assert outcomes(report)["assert_return"] == (0, 0, 1)
    assert report.failures == []


def test_module_that_does_not_validate_fails_with_its_message_and_line():
    report = run([ModuleCmd(17, None, BinaryModule(b"invalid:type mismatch"))])
    assert (report.passed, report.failed, report.not_run) == (0, 1, 0)
    failure = report.failures[0]
    assert (failure.path, failure.line, failure.command) == ("t.wast", 17, "module")
    assert "invalid" in failure.message and "type mismatch" in failure.message


def test_assert_unlinkable_and_module_trap_still_check_the_module_is_valid():
    report = run([
        AssertUnlinkable(1, BinaryModule(b"f"), "unknown import"),
        AssertUnlinkable(2, BinaryModule(b"invalid:type mismatch"), "unknown import"),
        AssertTrap(3, ModuleCmd(3, None, BinaryModule(b"malformed:unexpected end")), "unreachable"),
    ])
    assert outcomes(report)["assert_unlinkable"] == (0, 1, 1)
    assert outcomes(report)["assert_trap"] == (0, 1, 0)


# ------------------------------------------------------------------ malformed / invalid


@pytest.mark.parametrize("source, expected, ok, words", [
    (BinaryModule(b"malformed:unexpected end of section"), "unexpected end", True, ()),
    (QuoteModule("malformed:unknown operator"), "unknown operator", True, ()),
    (BinaryModule(b"malformed:unexpected end"), "unexpected end of section", False,
     ('expected "unexpected end of section"', 'got "unexpected end"')),
    (BinaryModule(b"malformed:length out of bounds"), "unexpected end", False,
     ("wrong malformed error",)),
    (BinaryModule(b"add"), "unexpected end", False, ("expected malformed error", "none")),
    (QuoteModule("add"), "unexpected end", False, ("expected malformed error",)),
])
def test_assert_malformed(source, expected, ok, words):
    report = run([AssertMalformed(5, source, expected)])
    assert outcomes(report)["assert_malformed"] == ((1, 0, 0) if ok else (0, 1, 0))
    for word in words:
        assert word in report.failures[0].message


def test_assert_malformed_does_not_validate():
    # A module that decodes but is invalid is not malformed: the assertion fails.
    report = run([AssertMalformed(5, BinaryModule(b"invalid:type mismatch"), "type")])
    assert report.failed == 1
    assert "expected malformed error" in report.failures[0].message


@pytest.mark.parametrize("source, expected, ok, words", [
    (BinaryModule(b"invalid:type mismatch"), "type mismatch", True, ()),
    (QuoteModule("invalid:unknown local 3"), "unknown local", True, ()),
    (TextModule(module("invalid:unknown global")), "unknown global", True, ()),
    (BinaryModule(b"invalid:unknown global"), "type mismatch", False,
     ('expected "type mismatch"', 'got "unknown global"')),
    (BinaryModule(b"malformed:unexpected end"), "type mismatch", False,
     ("expected invalid error", "got malformed error")),
    (BinaryModule(b"add"), "type mismatch", False, ("expected invalid error", "none")),
])
def test_assert_invalid(source, expected, ok, words):
    report = run([AssertInvalid(9, source, expected)])
    assert outcomes(report)["assert_invalid"] == ((1, 0, 0) if ok else (0, 1, 0))
    for word in words:
        assert word in report.failures[0].message


def test_bugs_in_pyic_are_failures_not_crashes():
    report = run([
        AssertMalformed(1, BinaryModule(b"crash"), "x"),
        ModuleCmd(2, None, BinaryModule(b"deep")),
        AssertInvalid(3, BinaryModule(b"ok"), "x"),
    ])
    assert report.failed == 3 and report.passed == 0
    assert "ZeroDivisionError" in report.failures[0].message
    assert "decoder bug" in report.failures[0].message
    assert "RecursionError" in report.failures[1].message
    assert report.failures[2].message.startswith("expected invalid error")


def test_unknown_command_is_a_failure():
    report = run([object()])
    assert report.failed == 1


# ------------------------------------------------------------------ with an engine


def test_assert_return_and_actions_with_an_engine():
    report = run([
        ModuleCmd(1, "$m", BinaryModule(b"add div nan snan vec null ext none")),
        AssertReturn(2, Invoke(None, "add", (i32(1), i32(2))), (i32(3),)),
        AssertReturn(3, Invoke("$m", "add", (i32(1), i32(2))), (i32(4),)),
        AssertReturn(4, Invoke(None, "nan", ()), (NanPattern("f32", "canonical"),)),
        AssertReturn(5, Invoke(None, "nan", ()), (NanPattern("f32", "arithmetic"),)),
        AssertReturn(6, Invoke(None, "snan", ()), (NanPattern("f32", "arithmetic"),)),
        AssertReturn(7, Invoke(None, "vec", ()),
                     (Vec("i32x4", (1, 2, 3, NanPattern("f32", "canonical"))),)),
        AssertReturn(8, Invoke(None, "null", ()), (RefValue("null", None),)),
        AssertReturn(9, Invoke(None, "ext", ()), (RefValue("extern", 7),)),
        AssertReturn(10, Invoke(None, "ext", ()), (RefValue("extern", 8),)),
        AssertReturn(11, Invoke(None, "none", ()), ()),
        AssertReturn(12, Invoke(None, "add", (i32(1), i32(2))),
                     (Either((i32(0), i32(3))),)),
        AssertReturn(13, Get(None, "g"), (i32(42),)),
        ActionCmd(14, Invoke(None, "add", (i32(1), i32(1)))),
        ActionCmd(15, Invoke(None, "missing", ())),
        AssertReturn(16, Invoke(None, "div", (i32(1), i32(0))), (i32(0),)),
    ], engine=FakeEngine())
    assert [f.line for f in report.failures] == [3, 6, 10, 15, 16]
    assert "got [(i32.const 0x3)], expected [(i32.const 0x4)]" in report.failures[0].message
    assert report.failures[3].message == "undefined export"
    assert 'unexpected trap error "integer divide by zero"' in report.failures[4].message
    assert report.not_run == 0


def test_assert_trap_exhaustion_exception_with_an_engine():
    report = run([
        ModuleCmd(1, None, BinaryModule(b"div loop throw add")),
        AssertTrap(2, Invoke(None, "div", (i32(1), i32(0))), "integer divide by zero"),
        AssertTrap(3, Invoke(None, "div", (i32(1), i32(0))), "integer overflow"),
        AssertTrap(4, Invoke(None, "div", (i32(4), i32(2))), "integer divide"),
        AssertExhaustion(5, Invoke(None, "loop", ()), "call stack exhausted"),
        AssertTrap(6, Invoke(None, "loop", ()), "call stack exhausted"),
        AssertException(7, Invoke(None, "throw", ())),
        AssertException(8, Invoke(None, "add", (i32(1), i32(1)))),
        AssertTrap(9, ModuleCmd(9, None, BinaryModule(b"start_traps")), "unreachable"),
        AssertTrap(10, ModuleCmd(10, None, BinaryModule(b"add")), "unreachable"),
    ], engine=FakeEngine())
    assert [f.line for f in report.failures] == [3, 4, 6, 8, 10]
    messages = [f.message for f in report.failures]
    assert (
        messages[0] == 'wrong trap error: expected "integer overflow", got "integer divide by zero"'
    )
    assert messages[1] == 'expected trap error "integer divide", but there was none'
    assert messages[2] == ('expected trap error "call stack exhausted", '
                           'got exhaustion error "call stack exhausted"')
    assert messages[3] == "expected exception error, but there was none"


def test_linking_registering_and_named_instances():
    engine = FakeEngine()
    report = run([
        ModuleCmd(1, "$a", BinaryModule(b"add")),
        Register(2, "A", "$a"),
        ModuleCmd(3, None, BinaryModule(b"div"), definition=False),
        ModuleCmd(5, "$d", BinaryModule(b"add"), definition=True),
        ModuleInstance(6, "$i", "$d"),
        AssertReturn(7, Invoke("$i", "add", (i32(2), i32(2))), (i32(4),)),
        AssertReturn(8, Invoke("$a", "add", (i32(2), i32(3))), (i32(5),)),
        AssertReturn(9, Invoke("$nope", "add", ()), ()),
        Register(10, "B", "$nope"),
    ], engine=engine)
    assert [f.line for f in report.failures] == [9, 10]
    assert "unknown module instance $nope" in report.failures[0].message
    assert len(engine.instantiated) == 3  # $a, the anonymous one, $i


def test_imports_resolve_through_the_registry():
    def fake_decode_imports(data):
        if data == b"imports":
            return module("add", imports=(("A", "add"), ("spectest", "print")))
        if data == b"imports_missing":
            return module(imports=(("B", "x"),))
        return fake_decode(data)

    frontend = Frontend(decode=fake_decode_imports, parse=fake_parse, validate=fake_validate)
    report = run_script([
        AssertUnlinkable(1, BinaryModule(b"imports"), "unknown import"),
        ModuleCmd(2, None, BinaryModule(b"add")),
        Register(3, "A", None),
        ModuleCmd(4, None, BinaryModule(b"imports")),
        AssertUnlinkable(5, BinaryModule(b"imports_missing"), "unknown import"),
        AssertUnlinkable(6, BinaryModule(b"imports_missing"), "incompatible import type"),
    ], "t.wast", engine=FakeEngine(), frontend=frontend)
    assert (report.passed, report.failed) == (5, 1)
    assert report.failures[0].line == 6
    assert 'got "unknown import' in report.failures[0].message


def test_a_failed_module_is_not_replaced_by_the_previous_one():
    report = run([
        ModuleCmd(1, None, BinaryModule(b"add")),
        ModuleCmd(2, None, BinaryModule(b"invalid:type mismatch")),
        AssertReturn(3, Invoke(None, "add", (i32(1), i32(1))), (i32(2),)),
        ModuleCmd(4, "$x", BinaryModule(b"start_traps")),
        AssertReturn(5, Invoke("$x", "add", (i32(1), i32(1))), (i32(2),)),
    ], engine=FakeEngine())
    assert [f.line for f in report.failures] == [2, 3, 4, 5]
    assert "line 2" in report.failures[1].message
    assert "line 4" in report.failures[3].message


def test_an_engine_that_crashes_is_a_failure():
    class Crashing(FakeEngine):
        def invoke(self, instance, name, args):
            raise KeyError(name)

    report = run([
        ModuleCmd(1, None, BinaryModule(b"add")),
        AssertReturn(2, Invoke(None, "add", ()), ()),
    ], engine=Crashing())
    assert report.failures[0].line == 2
    assert report.failures[0].message.startswith("internal error: KeyError")


# ------------------------------------------------------------------ files


def test_run_text_reports_a_parse_error_as_one_failure_with_its_line(monkeypatch):
    import pyic.wasm.text as text

    def parse_script(source_text, source=None):
        raise MalformedError("unexpected token", Position(line=7, column=3, source=source))

    monkeypatch.setattr(text, "parse_script", parse_script, raising=False)
    report = run_text("(module", "bad.wast", engine=None)
    assert (report.passed, report.failed, report.not_run) == (0, 1, 0)
    failure = report.failures[0]
    assert (failure.path, failure.line, failure.command) == ("bad.wast", 7, "script")
    assert "unexpected token" in failure.message


def test_run_text_survives_a_crashing_parser(monkeypatch):
    import pyic.wasm.text as text

    def parse_script(source_text, source=None):
        raise IndexError("list index out of range")

    monkeypatch.setattr(text, "parse_script", parse_script, raising=False)
    report = run_text("(module)", "x.wast", engine=None)
    assert report.failed == 1
    assert "IndexError: list index out of range" in report.failures[0].message


def test_run_file_on_unreadable_input(tmp_path):
    for path in (tmp_path / "missing.wast", tmp_path):
        report = run_file(str(path), engine=None)
        assert (report.passed, report.failed, report.not_run) == (0, 1, 0)
        assert report.failures[0].message.startswith("cannot read script")


def test_run_file_on_bytes_that_are_not_utf8(tmp_path):
    bad = tmp_path / "latin1.wast"
    bad.write_bytes(b'(module)\n(assert_malformed (module quote "\xff") "x")')
    report = run_file(str(bad), engine=None)   # whatever the parser says, no crash
    assert report.tally.total >= 1


def test_find_scripts_sorts_recurses_and_filters(tmp_path):
    for name in ("b.wast", "a.wast", "sub/c.wast", "sub/z/d.wast", "notes.txt"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    found = find_scripts([str(tmp_path)])
    assert [p[len(str(tmp_path)) + 1:] for p in found] == [
        "a.wast", "b.wast", "sub/c.wast", "sub/z/d.wast"]
    assert find_scripts([str(tmp_path)], ["[ab].wast"]) == found[:2]
    assert find_scripts([str(tmp_path)], ["*/sub/*"]) == found[2:]
    assert find_scripts([str(tmp_path / "b.wast"), str(tmp_path)])[0].endswith("b.wast")
    assert find_scripts([str(tmp_path / "nothing")]) == []


def test_run_files_keeps_order_in_parallel_and_stops_early(tmp_path):
    paths = []
    for index in range(4):
        path = tmp_path / f"f{index}.wast"
        # A folder cannot be read: one failure whatever state the parser is in.
        path.mkdir()
        paths.append(str(path))
    parallel = run_files(paths, jobs=2)
    assert [r.path for r in parallel.files] == paths
    assert parallel.total.failed == 4
    seen = []
    serial = run_files(paths, fail_fast=True, on_done=lambda n, r: seen.append((n, r.path)))
    assert [r.path for r in serial.files] == paths[:1]
    assert seen == [(1, paths[0])]


def test_report_json_shape():
    report = run([
        ModuleCmd(1, None, BinaryModule(b"add")),
        AssertMalformed(2, BinaryModule(b"add"), "unexpected end"),
        AssertReturn(3, Invoke(None, "add", ()), ()),
    ])
    from pyic.wasm.script.report import SuiteReport
    data = json.loads(json.dumps(SuiteReport([report]).to_json()))
    assert list(data) == ["total", "by_command", "files", "failures"]
    assert data["total"] == {"passed": 1, "failed": 1, "not_run": 1}
    assert data["by_command"]["module"] == {"passed": 1, "failed": 0, "not_run": 0}
    assert data["by_command"]["assert_malformed"] == {"passed": 0, "failed": 1, "not_run": 0}
    assert data["by_command"]["assert_return"] == {"passed": 0, "failed": 0, "not_run": 1}
    assert data["by_command"]["assert_trap"] == {"passed": 0, "failed": 0, "not_run": 0}
    assert data["files"] == [{"path": "t.wast", "passed": 1, "failed": 1, "not_run": 1}]
    assert data["failures"] == [{
        "path": "t.wast", "line": 2, "command": "assert_malformed",
        "message": 'expected malformed error "unexpected end", but there was none'}]


# ------------------------------------------------------------------ Wasm versions


def test_version_of_path():
    from pyic.wasm.script.engine import version_of_path
    assert version_of_path("/s/wasm-2.0/i32.wast") == 2
    assert version_of_path("wasm-2.0/sub/i32.wast") == 2
    assert version_of_path("/s/wasm-3.0/i32.wast") == 3
    assert version_of_path("i32.wast") == 3
    assert version_of_path("/s/x/wasm-2.0") == 3   # the file's own name does not count


def test_frontend_passes_the_version_only_to_functions_that_take_it():
    calls = []

    def with_version(m, version=3):
        calls.append(("with", version))

    def without(m):
        calls.append(("without",))

    Frontend(validate=with_version, version=2).validate_module(Module())
    Frontend(validate=without, version=2).validate_module(Module())
    Frontend(validate=with_version).validate_module(Module())
    Frontend(decode=lambda data, version=3: calls.append(("decode", version)) or Module(),
             version=2).decode_module(b"")
    assert calls == [("with", 2), ("without",), ("with", 3), ("decode", 2)]


def test_run_file_takes_the_rules_from_the_folder(tmp_path):
    script = '(assert_invalid (module (memory 1) (memory 1)) "multiple memories")\n'
    for folder, version, outcome in (("wasm-2.0", None, 1), ("wasm-3.0", None, 0),
                                     ("wasm-3.0", 2, 1)):
        path = tmp_path / folder / "m.wast"
        path.parent.mkdir(exist_ok=True)
        path.write_text(script)
        report = run_file(str(path), engine=None, version=version)
        assert (report.passed, report.failed) == (outcome, 1 - outcome), (folder, version)


def test_a_failed_module_instance_is_named_as_the_cause():
    report = run([
        ModuleCmd(1, "M", BinaryModule(b"start_traps"), definition=True),
        ModuleInstance(2, "I", "M"),
        Register(3, "I", "I"),
        AssertReturn(4, Invoke(None, "add", ()), ()),
    ], engine=FakeEngine())
    assert [f.line for f in report.failures] == [2, 3, 4]
    assert report.failures[0].message == 'unexpected trap error "unreachable executed"'
    assert report.failures[1].message == "module instance of line 2 was not loaded"
    assert report.failures[2].message == "module instance of line 2 was not loaded"


def test_the_script_parser_gets_the_version_too(monkeypatch):
    import pyic.wasm.text as text
    seen = []

    def parse_script(source_text, source=None, version=3):
        seen.append((source, version))
        return ()

    monkeypatch.setattr(text, "parse_script", parse_script, raising=False)
    run_text("", "a.wast", engine=None, frontend=Frontend(version=2))
    run_text("", "b.wast", engine=None)
    assert seen == [("a.wast", 2), ("b.wast", 3)]
