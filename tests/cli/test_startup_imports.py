"""``pyic run`` imports only what running a module needs (issue 13, start-up):
checked on ``sys.modules`` of a real ``pyic run`` process, so that a heavy import
added to the run path fails here instead of slowing every process silently."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SHARED = pathlib.Path(os.environ["PYIC_SHARED"])      # the root conftest.py sets it
FIB = SHARED / "bench" / "wasm" / "fib.wasm"

# Modules the run path must not import: the script layer, the encoder, the text
# format, Candid, the IC and its HTTPS interface, PocketIC, the other subcommands.
NOT_ON_RUN_PATH = (
    "pyic.wasm.script", "pyic.wasm.binary.encode", "pyic.wasm.text", "pyic.candid",
    "pyic.ic", "pyic.http", "pyic.pocketic", "pyic.testing", "pyic.sandbox",
    "pyic.universal", "pyic.cli.spec", "pyic.cli.wasmtools", "pyic.cli.candid",
    "pyic.cli.canister", "pyic.cli.replica", "py_ecc", "cbor2",
)

# Prints the modules loaded when the process ends (click exits through sys.exit).
PROBE = (
    "import atexit, json, sys\n"
    "atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))\n"
    "sys.argv = ['pyic', *sys.argv[1:]]\n"
    "from pyic.cli.main import main\n"
    "main()\n"
)


def pyic_modules(*args: str, cwd: pathlib.Path = REPO) -> tuple[str, set]:
    """What ``pyic ARGS`` printed and the modules it had loaded at exit."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(REPO)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])))
    p = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                       cwd=cwd, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout, set(json.loads(p.stderr.strip().splitlines()[-1]))


def heavy(modules: set) -> list:
    return sorted(m for m in modules
                  if any(m == h or m.startswith(h + ".") for h in NOT_ON_RUN_PATH))


@pytest.fixture
def fib():
    if not FIB.exists():
        pytest.fail(f"the bench kit is missing: {FIB} (set PYIC_SHARED)", pytrace=False)
    return str(FIB)


def test_run_imports_no_heavy_module(fib):
    out, modules = pyic_modules("run", fib, "--invoke", "run", "15")
    assert out == "610 : i32\n"
    assert "pyic.wasm.binary.decode" in modules and "pyic.cli.run" in modules  # the probe works
    assert heavy(modules) == []


def test_a_plain_run_imports_no_click(fib):
    # the process of issue 13's whole-process comparison: click is start-up it does not need
    out, modules = pyic_modules("run", fib, "--invoke", "run", "27")
    assert out == "196418 : i32\n"
    assert sorted(m for m in modules if m == "click" or m.startswith("click.")) == []
    assert "pyic.cli.group" not in modules and "pyic.cli.run_command" not in modules


def test_run_help_goes_through_click(fib):
    # what the fast path leaves to click still reaches it (the other half of the test above)
    out, modules = pyic_modules("run", "--help")
    assert "Usage:" in out and "--invoke NAME" in out
    assert "click" in modules and "pyic.cli.run_command" in modules


def test_spectest_is_made_for_a_module_importing_it(tmp_path):
    wat = tmp_path / "m.wat"
    wat.write_text('(module (import "spectest" "global_i32" (global i32))\n'
                   '  (func (export "f") (result i32) (global.get 0)))')
    out, modules = pyic_modules("run", str(wat), "--invoke", "f")
    assert out == "666 : i32\n"
    assert "pyic.wasm.script.spectest" in modules


def test_help_imports_no_subcommand():
    out, modules = pyic_modules("--help")
    assert "run" in out and "canister" in out
    cli = sorted(m for m in modules if m.startswith("pyic.cli."))
    assert cli == ["pyic.cli.group", "pyic.cli.main"]
