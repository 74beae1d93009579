"""pyic against wasmtime (an independent engine) on programs from tools/wasmgen.py.

``PYIC_DIFF_N`` sets the number of programs per mode (default 300: about a
minute).  wasmtime is required (``pip install -e .[test]``): without it these
tests fail.
"""

from __future__ import annotations

import dataclasses
import os

import pytest

import diff_harness as h

N = int(os.environ.get("PYIC_DIFF_N", "300"))
BLOCK = 25          # programs per test item: failures stay local, collection stays small


# Each tier of pyic is compared with wasmtime.
TIERS = h.tiers()


def check_block(start: int, canonical: bool, tier) -> None:
    failures = []
    for seed in range(start, min(start + BLOCK, N)):
        prog, calls, diffs, _ = h.check_program(seed, canonical, tier=tier)
        if diffs:
            failures.append(f"seed {seed}: " + "; ".join(diffs))
    mode = ("" if canonical else " --no-canonical") + (f" --tier {tier}" if tier else "")
    assert not failures, (
        "pyic and wasmtime differ (reproduce with `python tools/wasmgen.py --seed N` and "
        f"`python tests/differential/diff_harness.py --start N --count 1{mode}`):\n"
        + "\n".join(failures)
    )


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("start", range(0, N, BLOCK), ids=lambda s: f"seeds{s}")
def test_exact_with_canonical_nans(start, tier):
    """wasmtime canonicalises NaNs as pyic does: every result, trap, byte and global must agree."""
    check_block(start, True, tier)


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("start", range(0, N, BLOCK), ids=lambda s: f"seeds{s}")
def test_nan_class_with_hardware_nans(start, tier):
    """wasmtime's own NaNs; programs that never expose NaN bits; NaN results compare as NaNs."""
    check_block(start, False, tier)


@pytest.mark.parametrize("start", range(0, N, BLOCK), ids=lambda s: f"seeds{s}")
def test_tiers_agree_exactly(start):
    """pyic's tiers (reference interpreter, compiled fast tier): same results, traps, memory,
    globals and instruction counts on every call.  Needs no oracle."""
    failures = []
    for seed in range(start, min(start + BLOCK, N)):
        diffs = h.check_tiers(seed)[2]
        if diffs:
            failures.append(f"seed {seed}: " + "; ".join(diffs))
    assert not failures, "pyic's tiers differ:\n" + "\n".join(failures)


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("canonical", [True, False], ids=["canonical", "hardware-nans"])
def test_each_numeric_instruction(canonical, tier):
    """Every scalar numeric instruction on random operands biased to the delicate cases
    (NaNs, signed zeros, subnormals, integer limits, rounding boundaries)."""
    failures = []
    for seed in range(max(1, N // 100)):
        failures += h.check_ops(seed, 30, canonical, tier)[2]
    assert not failures, f"{len(failures)} differences:\n" + "\n".join(failures[:40])


@pytest.mark.parametrize("tier", TIERS)
def test_each_vector_instruction(tier):
    """Every deterministic SIMD instruction, vector loads and stores at random addresses included
    (memory compared after each)."""
    failures = []
    for seed in range(max(1, N // 150)):
        failures += h.check_ops(seed, 10, True, tier, vector=True)[2]
    assert not failures, f"{len(failures)} differences:\n" + "\n".join(failures[:40])


@pytest.mark.parametrize("tier", TIERS)
def test_wasm3_features(tier):
    """Programs that also use tail calls, a 64-bit memory and a second memory."""
    failures = []
    for seed in range(max(1, N // 3)):
        diffs = h.check_program(seed, True, tier=tier, features=h.wasmgen.WASM3)[2]
        if diffs:
            failures.append(f"seed {seed}: " + "; ".join(diffs))
    assert not failures, (
        "pyic and wasmtime differ (reproduce with `python tests/differential/diff_harness.py "
        "--wasm3 --start N --count 1`):\n" + "\n".join(failures)
    )


def test_harness_sees_differences():
    """The comparison is not vacuous: a changed instruction in pyic's copy is noticed."""
    noticed = 0
    for seed in range(60):
        prog = h.wasmgen.generate(seed)
        changed = prog.wat.replace("i32.add", "i32.sub").replace("i64.xor", "i64.or")
        if changed == prog.wat:
            continue
        calls = h.plan_calls(prog)
        mine = h.run_pyic(dataclasses.replace(prog, wat=changed), calls)
        if h.compare(prog, calls, mine, h.run_wasmtime(prog, calls)):
            noticed += 1
    assert noticed >= 10


def test_trap_kinds_map_to_spec_messages():
    """Every trap wasmtime reports maps to the reference interpreter's message for it."""
    wat = """(module (type $t (func)) (table 2 funcref) (func $f) (elem (i32.const 0) $f)
      (memory (export "mem") 1)
      (func (export "a") (call_indirect (type $t) (i32.const 5)))
      (func (export "b") (call_indirect (type $t) (i32.const 1)))
      (func (export "c") (call_indirect (param i32) (i32.const 0) (i32.const 0)))
      (func (export "d") (drop (table.get (i32.const 9))))
      (func (export "e") (drop (i32.load (i32.const 65535))))
      (func (export "f") (drop (i32.div_s (i32.const 1) (i32.const 0))))
      (func (export "g") (drop (i32.div_s (i32.const 0x80000000) (i32.const -1))))
      (func (export "h") (drop (i32.trunc_f32_s (f32.const nan))))
      (func (export "i") unreachable)
      (func (export "globals")))"""
    sig = h.wasmgen.Sig((), ())
    prog = h.wasmgen.Program(0, wat, [(n, sig, sig) for n in "abcdefghi"], sig, (), True, 0)
    calls = [(n, ()) for n in "abcdefghi"]
    mine, theirs = h.run_pyic(prog, calls), h.run_wasmtime(prog, calls)
    kinds = [e[0] for e in theirs.events]
    assert kinds == [("trap", k) for k in (
        "TABLE_OUT_OF_BOUNDS", "INDIRECT_CALL_TO_NULL", "BAD_SIGNATURE", "TABLE_OUT_OF_BOUNDS",
        "MEMORY_OUT_OF_BOUNDS", "INTEGER_DIVISION_BY_ZERO", "INTEGER_OVERFLOW",
        "BAD_CONVERSION_TO_INTEGER", "UNREACHABLE")]
    assert h.compare(prog, calls, mine, theirs) == []
