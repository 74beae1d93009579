"""``pyic run``: results in Wasm value syntax, counts, limits, one-line failures."""

from pathlib import Path
import os
import pathlib

import pytest
from click.testing import CliRunner

from pyic.cli.run import format_value, parse_arg
from pyic.cli.run_command import run

# The shared test material (suites, bench kit, canisters): $PYIC_SHARED, set by the
# repository's conftest.py to ../shared beside the checkout unless given.
SHARED = os.environ.get("PYIC_SHARED") or str(Path(__file__).resolve().parents[3] / "shared")

FIB = SHARED + "/bench/wasm/fib.wasm"


@pytest.fixture
def bench_kit():
    """Tests that need the bench kit fail without it (they never skip)."""
    if not pathlib.Path(FIB).exists():
        pytest.fail(f"the bench kit is missing: {FIB} (set PYIC_SHARED)", pytrace=False)


needs_bench = pytest.mark.usefixtures("bench_kit")


@needs_bench
def test_run_prints_results_and_count():
    r = CliRunner().invoke(run, [FIB, "--invoke", "run", "15", "--count"])
    assert r.exit_code == 0, r.output
    assert r.stdout == "610 : i32\n"
    assert r.stderr == "instructions: 17755\n"


@needs_bench
def test_limit_gives_one_line_and_exit_1():
    r = CliRunner().invoke(run, [FIB, "--invoke", "run", "15", "--limit", "100"])
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1 and "instruction limit 100 exceeded" in r.stderr


@needs_bench
def test_bad_argument_and_missing_export():
    r = CliRunner().invoke(run, [FIB, "--invoke", "run", "x"])
    assert r.exit_code == 1 and "not an integer" in r.stderr
    r = CliRunner().invoke(run, [FIB, "--invoke", "nope"])
    assert r.exit_code == 1 and "no exported function" in r.stderr


def test_bad_file_is_one_line(tmp_path):
    p = tmp_path / "bad.wasm"
    p.write_bytes(b"\0asm\1\0\0\0\1")
    r = CliRunner().invoke(run, [str(p), "--invoke", "f"])
    assert r.exit_code == 1 and r.stderr.count("\n") == 1 and r.stderr.startswith("pyic:")


def test_trap_exits_1(tmp_path):
    # (module (func (export "f") unreachable))
    data = bytes.fromhex("0061736d01000000010401600000030201000705010166000"
                         "00a05010300000b")
    p = tmp_path / "t.wasm"
    p.write_bytes(data)
    r = CliRunner().invoke(run, [str(p), "--invoke", "f"])
    assert r.exit_code == 1 and r.stderr.strip().endswith("unreachable")


def test_value_syntax():
    assert format_value(0xFFFFFFFF, "i32") == "-1 : i32"
    assert format_value(0x3FC00000, "f32") == "1.5 : f32"
    assert format_value(0x7FF8000000000000, "f64") == "nan : f64"
    assert format_value(0xFF800000, "f32") == "-inf : f32"
    assert parse_arg("-1", "i64") == 0xFFFFFFFFFFFFFFFF
    assert parse_arg("0.1", "f32") == 0x3DCCCCCD
    assert parse_arg("nan:0x200000", "f32") == 0x7FA00000


def test_wat_file_negative_arguments_and_multiple_results(tmp_path):
    p = tmp_path / "t.wat"
    p.write_text('(module (func (export "add") (param i32 i64) (result i32 i64)'
                 ' (local.get 0) (local.get 1)))')
    r = CliRunner().invoke(run, [str(p), "--invoke", "add", "-2", "0x10"])
    assert r.exit_code == 0, r.output
    assert r.stdout == "-2 : i32\n16 : i64\n"
