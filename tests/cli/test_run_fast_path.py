"""``pyic run``'s fast path (`pyic.cli.run.fast`, no click) against its click command.

For every command line of the matrix the two front ends give the same stdout, stderr
and exit status.  The fast path must handle the plain command lines itself (``fast``
returns a status, not None: a silent fallback to click fails here) and leave every
other one to click untouched (None, nothing printed), which `pyic.cli.main.main`
then hands to the click group.  The click path is the group itself, called in the
same process with the same ``sys.argv`` (so click names the program the same way).
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import click
import pytest

from pyic.cli import main as cli_main
from pyic.cli import run as run_module
from pyic.cli.group import cli
from pyic.cli.run_command import run as run_command

REPO = pathlib.Path(__file__).resolve().parents[2]
SHARED = pathlib.Path(os.environ["PYIC_SHARED"])      # the root conftest.py sets it
FIB = SHARED / "bench" / "wasm" / "fib.wasm"

VALUES = """(module
  (global (export "g") i32 (i32.const 0))
  (func (export "i32") (param i32) (result i32) (local.get 0))
  (func (export "i64") (param i64) (result i64) (local.get 0))
  (func (export "f32") (param f32) (result f32) (local.get 0))
  (func (export "f64") (param f64) (result f64) (local.get 0))
  (func (export "v128") (param v128) (result v128) (local.get 0))
  (func (export "ext") (param externref) (result externref) (local.get 0))
  (func $f (export "fref") (result funcref) (ref.func $f))
  (func (export "add") (param i32 i64) (result i32 i64) (local.get 0) (local.get 1))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "nan") (param f32) (result f32) (f32.add (local.get 0) (f32.const 1)))
  (func (export "spin") (param $n i32) (result i32)
    (loop $l (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n)))
    (local.get $n))
  (func (export "trap") unreachable)
  (func (export "_start")))
"""

START = """(module
  (global $g (mut i32) (i32.const 0))
  (func $init (global.set $g (i32.add (global.get $g) (i32.const 41))))
  (start $init)
  (func (export "f") (result i32) (i32.add (global.get $g) (i32.const 1))))
"""

FILES = {
    "values.wat": VALUES,
    "start.wat": START,
    "spectest.wat": '(module (import "spectest" "global_i32" (global i32))\n'
                    '  (func (export "f") (result i32) (global.get 0)))',
    "script.wast": '(module (func (export "f") (result i32) (i32.const 7)))\n'
                   '(assert_return (invoke "f") (i32.const 7))\n',
    "malformed.wat": '(module (func (export "f") (i32.const)))',
    "invalid.wat": '(module (func (export "f") (result i32) (i64.const 0)))',
    "malformed.wasm": b"\0asm\1\0\0\0\1",
    "latin1.wat": b"(module) \xff",
}

# (id, argv after ``run`` with {name} for the files above, {fib}, {tmp}; plain or not)
PLAIN, CLICK = True, False
CASES = [
    ("i32", ["{values.wat}", "--invoke", "i32", "42"], PLAIN),
    ("i32-negative", ["{values.wat}", "--invoke", "i32", "-5"], PLAIN),
    ("i32-hex", ["{values.wat}", "--invoke", "i32", "0xFFFFFFFF"], PLAIN),
    ("i32-negative-hex", ["{values.wat}", "--invoke", "i32", "-0x10"], PLAIN),
    ("i32-underscores", ["{values.wat}", "--invoke", "i32", "1_000"], PLAIN),
    ("i32-out-of-range", ["{values.wat}", "--invoke", "i32", "4294967296"], PLAIN),
    ("i32-not-a-number", ["{values.wat}", "--invoke", "i32", "x"], PLAIN),
    ("i64-min", ["{values.wat}", "--invoke", "i64", "-9223372036854775808"], PLAIN),
    ("f32-decimal", ["{values.wat}", "--invoke", "f32", "-1.5"], PLAIN),
    ("f32-inf", ["{values.wat}", "--invoke", "f32", "-inf"], PLAIN),
    ("f32-nan-payload", ["{values.wat}", "--invoke", "f32", "nan:0x200000"], PLAIN),
    ("f32-bits", ["{values.wat}", "--invoke", "f32", "0x3fc00000"], PLAIN),
    ("f32-overflow", ["{values.wat}", "--invoke", "f32", "1e400"], PLAIN),
    ("f64-hexfloat", ["{values.wat}", "--invoke", "f64", "0x1.8p1"], PLAIN),
    ("f64-bad", ["{values.wat}", "--invoke", "f64", "1.5.5"], PLAIN),
    ("v128", ["{values.wat}", "--invoke", "v128", "0x1"], PLAIN),
    ("externref-null", ["{values.wat}", "--invoke", "ext", "null"], PLAIN),
    ("externref-bad", ["{values.wat}", "--invoke", "ext", "5"], PLAIN),
    ("funcref-result", ["{values.wat}", "--invoke", "fref"], PLAIN),
    ("two-results", ["{values.wat}", "--invoke", "add", "-2", "0x10"], PLAIN),
    ("options-after-args", ["{values.wat}", "-2", "0x10", "--invoke", "add"], PLAIN),
    ("invoke-equals", ["{values.wat}", "--invoke=add", "1", "2"], PLAIN),
    ("invoke-empty", ["{values.wat}", "--invoke="], PLAIN),
    ("invoke-takes-next-word", ["{values.wat}", "--invoke", "--count"], PLAIN),
    ("default-export", ["{values.wat}"], PLAIN),
    ("too-few-args", ["{values.wat}", "--invoke", "add", "1"], PLAIN),
    ("too-many-args", ["{values.wat}", "--invoke", "i32", "1", "2"], PLAIN),
    ("missing-export", ["{values.wat}", "--invoke", "nope"], PLAIN),
    ("global-not-a-function", ["{values.wat}", "--invoke", "g"], PLAIN),
    ("escape-in-name", ["{values.wat}", "--invoke", "\x1b[31mred"], PLAIN),
    ("non-ascii-name", ["{values.wat}", "--invoke", "caf\u00e9"], PLAIN),
    ("trap", ["{values.wat}", "--invoke", "trap"], PLAIN),
    ("trap-counted", ["{values.wat}", "--invoke", "div", "1", "0", "--count"], PLAIN),
    ("limit-hit", ["{values.wat}", "--invoke", "spin", "1000", "--limit", "50", "--count"],
     PLAIN),
    ("limit-not-hit", ["{values.wat}", "--invoke", "spin", "10", "--limit=1000", "--count"],
     PLAIN),
    ("limit-zero", ["{values.wat}", "--invoke", "spin", "10", "--limit", "0"], PLAIN),
    ("canonical-nan", ["{values.wat}", "--invoke", "nan", "nan:0x1", "--canonical-nan"], PLAIN),
    ("arithmetic-nan", ["{values.wat}", "--invoke", "nan", "nan:0x1"], PLAIN),
    ("count-with-start", ["{start.wat}", "--invoke", "f", "--count"], PLAIN),
    ("start-uncounted", ["{start.wat}", "--invoke", "f"], PLAIN),
    ("spectest-import", ["{spectest.wat}", "--invoke", "f"], PLAIN),
    ("wast-first-module", ["{script.wast}", "--invoke", "f"], PLAIN),
    ("malformed-text", ["{malformed.wat}", "--invoke", "f"], PLAIN),
    ("invalid-module", ["{invalid.wat}", "--invoke", "f"], PLAIN),
    ("malformed-binary", ["{malformed.wasm}", "--invoke", "f"], PLAIN),
    ("malformed-utf8", ["{latin1.wat}"], PLAIN),
    ("missing-file", ["{tmp}/nope.wasm", "--invoke", "f"], PLAIN),
    ("fib-count", ["{fib}", "--invoke", "run", "15", "--count"], PLAIN),
    ("fib-reference", ["{fib}", "--invoke", "run", "12", "--tier", "reference", "--count"],
     PLAIN),
    ("fib-fast", ["{fib}", "--invoke", "run", "12", "--tier=fast"], PLAIN),
    ("fib-limit-hit", ["{fib}", "--invoke", "run", "15", "--limit", "100", "--count"], PLAIN),
    ("dash-words-are-args", ["{fib}", "--invoke", "run", "-x=--count"], PLAIN),
    # left to click: its help, its usage errors, and what it reads its own way
    ("help", ["--help"], CLICK),
    ("help-after-file", ["{fib}", "--help"], CLICK),
    ("limit-negative", ["{fib}", "--invoke", "run", "15", "--limit", "-1"], CLICK),
    ("limit-not-a-number", ["{fib}", "--invoke", "run", "15", "--limit=ten"], CLICK),
    ("limit-signed", ["{fib}", "--invoke", "run", "15", "--limit", "+500"], CLICK),
    ("tier-unknown", ["{fib}", "--invoke", "run", "15", "--tier", "jit"], CLICK),
    ("unknown-option", ["{fib}", "--invoke", "run", "--verbose"], CLICK),
    ("double-dash", ["{values.wat}", "--invoke", "i32", "--", "-7"], CLICK),
    ("repeated-option", ["{fib}", "--invoke", "run", "--invoke", "run", "15"], CLICK),
    ("repeated-flag", ["{start.wat}", "--invoke", "f", "--count", "--count"], CLICK),
    ("flag-with-value", ["{start.wat}", "--invoke", "f", "--count=1"], CLICK),
    ("missing-value", ["{fib}", "--invoke"], CLICK),
    ("no-file", ["--invoke", "run"], CLICK),
    ("directory", ["{tmp}", "--invoke", "run"], CLICK),
]


@pytest.fixture
def paths(tmp_path):
    if not FIB.exists():
        pytest.fail(f"the bench kit is missing: {FIB} (set PYIC_SHARED)", pytrace=False)
    out = {"fib": str(FIB), "tmp": str(tmp_path)}
    for name, content in FILES.items():
        p = tmp_path / name
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content)
        out[name] = str(p)
    return out


def fill(words: list, paths: dict) -> list:
    """The command line with ``{name}`` (at a word's start) replaced by its path."""
    out = []
    for w in words:
        if w.startswith("{"):
            key, rest = w[1:].split("}", 1)
            w = paths[key] + rest
        out.append(w)
    return out


def exits(entry, argv, monkeypatch, capsys) -> tuple:
    """``(status, stdout, stderr)`` of a command-line entry point run in this process."""
    monkeypatch.setattr(sys, "argv", ["pyic", "run", *argv])
    with pytest.raises(SystemExit) as e:
        entry()
    return (e.value.code, *capsys.readouterr())


def by_click(argv, monkeypatch, capsys) -> tuple:
    return exits(cli, argv, monkeypatch, capsys)


def by_fast(argv, capsys) -> tuple:
    status = run_module.fast(list(argv))
    return (status, *capsys.readouterr())


@pytest.mark.parametrize("words,plain", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_fast_path_and_click_agree(words, plain, paths, monkeypatch, capsys):
    argv = fill(words, paths)
    expected = by_click(argv, monkeypatch, capsys)
    got = by_fast(argv, capsys)
    if plain:
        assert got[0] is not None, "the fast path left a plain command line to click"
        assert got == expected
    else:
        assert got == (None, "", ""), "the fast path read a command line click must read"
    assert exits(cli_main.main, argv, monkeypatch, capsys) == expected


def test_the_matrix_checks_what_it_claims(paths, monkeypatch, capsys):
    # both front ends identically wrong would pass the matrix: pin a few replies
    v = paths["values.wat"]
    assert by_fast([v, "--invoke", "add", "-2", "0x10"], capsys) == (
        0, "-2 : i32\n16 : i64\n", "")
    assert by_fast([paths["start.wat"], "--invoke", "f", "--count"], capsys) == (
        0, "42 : i32\n", "start instructions: 4\ninstructions: 3\n")
    status, out, err = by_fast([v, "--invoke", "div", "1", "0"], capsys)
    assert (status, out, err) == (1, "", f"pyic: {v}: integer divide by zero\n")
    status, out, err = by_click([v, "--invoke", "i32", "--limit", "-1"], monkeypatch, capsys)
    assert status == 2 and "-1 is not in the range x>=0" in err


@pytest.mark.parametrize("raised,debug,reply", [
    (KeyboardInterrupt, False, (1, "", "\nAborted!\n")),      # as click's main reports it
    (EOFError, "1", (1, "", "\nAborted!\n")),
    (RuntimeError, False, (1, "", "pyic: f.wasm: internal error: RuntimeError: boom\n")),
    (RuntimeError, "1", None),                                 # PYIC_DEBUG: the traceback
])
def test_interrupts_and_bugs_are_reported_alike(raised, debug, reply, monkeypatch, capsys):
    def load_module(path):
        raise raised("boom")

    monkeypatch.setattr(run_module, "load_module", load_module)  # run_file's, on both paths
    if debug:
        monkeypatch.setenv("PYIC_DEBUG", debug)
    else:
        monkeypatch.delenv("PYIC_DEBUG", raising=False)
    argv = ["f.wasm", "--invoke", "f"]
    if reply is None:
        with pytest.raises(raised):
            by_fast(argv, capsys)
        with pytest.raises(raised):
            by_click(argv, monkeypatch, capsys)
        return
    assert by_fast(argv, capsys) == reply
    assert by_click(argv, monkeypatch, capsys) == reply


def test_the_fast_grammar_is_the_click_commands():
    # run.FLAGS and run.VALUED are the click command's options, with the same keywords
    options = [p for p in run_command.params if isinstance(p, click.Option)]
    assert all(len(p.opts) == 1 and not p.secondary_opts for p in options)
    assert {p.opts[0]: p.name for p in options if p.is_flag} == run_module.FLAGS
    assert {p.opts[0]: p.name for p in options if not p.is_flag} == run_module.VALUED
    arguments = [(p.name, p.nargs) for p in run_command.params if isinstance(p, click.Argument)]
    assert arguments == [("file", 1), ("args", -1)]
    assert run_command.context_settings == {"ignore_unknown_options": True}


# Whole processes: the entry point against the click group alone, stderr merged into
# stdout so that the order of the lines (each flushed at once) is compared too.
ENTRY = "import sys; sys.argv[0] = 'pyic'; from pyic.cli.main import main; main()"
GROUP = "import sys; sys.argv[0] = 'pyic'; from pyic.cli.group import cli; cli()"


def process(script: str, argv: list, stdin: str = "") -> tuple:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(REPO)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])))
    env.pop("PYTHONUNBUFFERED", None)  # a buffered stdout, as users have: the order can differ
    p = subprocess.run([sys.executable, "-c", script, "run", *argv], input=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       env=env, timeout=120)
    return p.returncode, p.stdout


@pytest.mark.parametrize("words,stdin,reply", [
    (["{start.wat}", "--invoke", "f", "--count"], "",
     "start instructions: 4\n42 : i32\ninstructions: 3\n"),
    (["{fib}", "--invoke", "run", "15", "--limit", "100", "--count"], "",
     "instructions: 100\npyic: {fib}: instruction limit 100 exceeded\n"),
    (["-", "--invoke", "f"], START, "42 : i32\n"),
    (["--help"], "", "Usage: pyic run [OPTIONS] FILE [ARGS]...\n"),
], ids=["count-with-start", "limit-hit", "stdin", "help"])
def test_whole_processes_agree(words, stdin, reply, paths):
    argv = fill(words, paths)
    entry = process(ENTRY, argv, stdin)
    assert entry == process(GROUP, argv, stdin)
    assert entry[1].startswith(reply.replace("{fib}", paths["fib"]))  # in this order
