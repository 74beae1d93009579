"""Runner of the official Candid conformance tests (``*.test.did``).

Format (``candid-tests/README.md``)::

    <file>  ::= (<def> ;)* (<test> ;)*
    <test>  ::= assert <input> : <tuptype> <desc>?        -- decodes      (assert_ok)
              | assert <input> !: <tuptype> <desc>?       -- fails        (assert_fail)
              | assert <input> == <input> : <tuptype> <desc>?   -- equal  (assert_eq)
              | assert <input> != <input> : <tuptype> <desc>?   -- differ (assert_ne)
    <input> ::= <text> | blob <text>

A ``blob`` input is a binary message decoded at the type sequence; a text
input is a textual argument list read at it.  Values compare after coercion.
"""

from __future__ import annotations

import os
from typing import Any

import attrs

from pyic.candid import lexer as L
from pyic.candid._stack import run
from pyic.candid.decode import decode
from pyic.candid.did import TypeParser, text_to_str
from pyic.candid.text import annotate_args, parse_args
from pyic.candid.types import KEYWORDS, check_env
from pyic.errors import CandidError

COMMANDS = {":": "assert_ok", "!:": "assert_fail", "==": "assert_eq", "!=": "assert_ne"}


@attrs.frozen
class Input:
    blob: bool
    data: bytes      # message bytes, or the UTF-8 of the textual value
    offset: int


@attrs.frozen
class Assertion:
    line: int
    op: str
    left: Input
    right: Input | None
    types: tuple
    description: str | None

    @property
    def command(self) -> str:
        return COMMANDS[self.op]


@attrs.frozen
class Outcome:
    assertion: Assertion | None
    passed: bool
    message: str = ""
    line: int = 0
    command: str = "parse"


@attrs.define
class FileResult:
    path: str
    outcomes: list[Outcome] = attrs.field(factory=list)

    def count(self, command: str | None = None) -> dict[str, int]:
        sel = [o for o in self.outcomes if command is None or o.command == command]
        return {"passed": sum(o.passed for o in sel), "failed": sum(not o.passed for o in sel),
                "not_run": 0}


def parse_test_file(text: str, source: str | None = None) -> tuple[dict, list[Assertion]]:
    lx = L.Lexer(text, source)
    parser = TypeParser(lx)
    env: dict = {}
    while lx.peek().is_id("type") or lx.peek().is_id("import"):
        if lx.peek().is_id("import"):
            raise lx.error("imports are not supported in test files")
        lx.next()
        name = lx.next()
        if name.kind != L.ID or name.value in KEYWORDS:
            raise lx.error(f"expected a type name, found {name.describe()}", name.offset)
        lx.expect_sym("=")
        env[name.value] = run(parser.datatype())
        lx.accept_sym(";")
    try:
        check_env(env)
    except CandidError as e:
        raise lx.error(e.message, 0) from None
    assertions = []
    while not lx.peek().kind == L.EOF:
        tok = lx.peek()
        if not tok.is_id("assert"):
            raise lx.error(f"expected 'assert', found {tok.describe()}")
        lx.next()
        line = lx.position(tok.offset).line
        left = _input(lx)
        right = None
        op_tok = lx.next()
        if op_tok.kind != L.SYM or op_tok.value not in COMMANDS:
            raise lx.error(f"expected ':', '!:', '==' or '!=', found {op_tok.describe()}",
                           op_tok.offset)
        op = op_tok.value
        if op in ("==", "!="):
            right = _input(lx)
            lx.expect_sym(":")
        types = run(parser.tuptype())
        desc = None
        if lx.peek().kind == L.TEXT:
            off = lx.peek().offset
            desc = text_to_str(lx.expect_text(), lx, off)
        assertions.append(Assertion(line, op, left, right, types, desc))
        if not lx.accept_sym(";"):
            break
    lx.expect_eof()
    return env, assertions


def _input(lx: L.Lexer) -> Input:
    blob = lx.accept_id("blob")
    offset = lx.peek().offset
    return Input(blob, lx.expect_text(), offset)


def read_input(inp: Input, types: tuple, env: dict) -> tuple:
    """The values of an input at the assertion's types (raises CandidError)."""
    if inp.blob:
        return decode(inp.data, types, env)
    text = text_to_str(inp.data)
    return annotate_args(parse_args(text), types, env)[0]


def check(assertion: Assertion, env: dict) -> tuple[bool, str]:
    """Run one assertion: (passed, message explaining a failure)."""
    def attempt(inp: Input):
        try:
            return read_input(inp, assertion.types, env), None
        except CandidError as e:
            return None, e
    left, left_err = attempt(assertion.left)
    if assertion.op == "!:":
        if left_err is None:
            return False, "decoded, but should have failed"
        return True, ""
    if left_err is not None:
        return False, f"left input failed: {left_err}"
    if assertion.op == ":":
        return True, ""
    right, right_err = attempt(assertion.right)  # type: ignore[arg-type]
    if right_err is not None:
        return False, f"right input failed: {right_err}"
    if (left == right) != (assertion.op == "=="):
        verdict = "differ" if assertion.op == "==" else "are equal"
        return False, f"values {verdict}: {left!r} vs {right!r}"
    return True, ""


def run_file(path: str) -> FileResult:
    result = FileResult(path)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        env, assertions = parse_test_file(text, path)
    except (OSError, UnicodeDecodeError) as e:
        result.outcomes.append(Outcome(None, False, f"cannot read: {e}"))
        return result
    except CandidError as e:
        line = e.position.line if e.position is not None and e.position.line else 0
        result.outcomes.append(Outcome(None, False, str(e), line))
        return result
    for a in assertions:
        try:
            passed, message = check(a, env)
        except Exception as e:  # noqa: BLE001 - a bug must show as a failed assertion, not stop the run
            passed, message = False, f"internal error: {type(e).__name__}: {e}"
        result.outcomes.append(Outcome(a, passed, message, a.line, a.command))
    return result


def collect(paths: list[str]) -> list[str]:
    files = []
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in sorted(os.walk(p)):
                files.extend(os.path.join(root, n) for n in sorted(names)
                             if n.endswith(".test.did"))
        else:
            files.append(p)
    return files


def summarize(results: list[FileResult]) -> dict[str, Any]:
    """The JSON report, shaped like ``pyic spec --json``."""
    total = {"passed": 0, "failed": 0, "not_run": 0}
    by_command: dict[str, dict[str, int]] = {}
    files, failures = [], []
    for r in results:
        counts = r.count()
        files.append({"path": r.path, **counts})
        for k in total:
            total[k] += counts[k]
        for o in r.outcomes:
            slot = by_command.setdefault(o.command, {"passed": 0, "failed": 0, "not_run": 0})
            slot["passed" if o.passed else "failed"] += 1
            if not o.passed:
                failures.append({"path": r.path, "line": o.line, "command": o.command,
                                 "message": o.message})
    return {"total": total, "by_command": by_command, "files": files, "failures": failures}
