"""A sample of the official suite run through the script runner on this engine:
every execution command (assert_return, assert_trap, assert_exhaustion,
assert_unlinkable, actions, module instantiation) passes.  The whole suite is
run by ``pyic spec`` (figures in docs/semantics.md and the report)."""

from pathlib import Path
import os
import pathlib

import pytest

# The shared test material (suites, bench kit, canisters): $PYIC_SHARED, set by the
# repository's conftest.py to ../shared beside the checkout unless given.
SHARED = os.environ.get("PYIC_SHARED") or str(Path(__file__).resolve().parents[4] / "shared")

SUITE = pathlib.Path(SHARED + "/wasm-testsuite")
EXEC_COMMANDS = ("module", "register", "action", "assert_return", "assert_trap",
                 "assert_exhaustion", "assert_unlinkable", "assert_exception")
FILES = [
    "wasm-2.0/call.wast", "wasm-2.0/call_indirect.wast", "wasm-2.0/br_table.wast",
    "wasm-2.0/memory_grow.wast", "wasm-2.0/bulk.wast", "wasm-2.0/table_copy.wast",
    "wasm-2.0/linking.wast", "wasm-2.0/imports.wast", "wasm-2.0/simd_lane.wast",
    "wasm-2.0/skip-stack-guard-page.wast", "wasm-2.0/ref_func.wast", "wasm-2.0/start.wast",
    "wasm-3.0/return_call.wast", "wasm-3.0/return_call_indirect.wast", "wasm-3.0/memory64.wast",
    "wasm-3.0/memory_trap64.wast", "wasm-3.0/memory-multi.wast", "wasm-3.0/global.wast",
    "wasm-3.0/table_grow64.wast", "wasm-3.0/load0.wast",
    # GC, function references, exception handling, types across modules
    "wasm-3.0/table_init64.wast", "wasm-3.0/struct.wast", "wasm-3.0/array.wast",
    "wasm-3.0/array_copy.wast", "wasm-3.0/array_fill.wast", "wasm-3.0/array_init_data.wast",
    "wasm-3.0/array_init_elem.wast", "wasm-3.0/array_new_data.wast",
    "wasm-3.0/array_new_elem.wast", "wasm-3.0/i31.wast", "wasm-3.0/ref_eq.wast",
    "wasm-3.0/ref_test.wast", "wasm-3.0/ref_cast.wast", "wasm-3.0/br_on_cast.wast",
    "wasm-3.0/br_on_cast_fail.wast", "wasm-3.0/extern.wast", "wasm-3.0/call_ref.wast",
    "wasm-3.0/return_call_ref.wast", "wasm-3.0/type-subtyping.wast", "wasm-3.0/type-rec.wast",
    "wasm-3.0/type-equivalence.wast", "wasm-3.0/try_table.wast", "wasm-3.0/throw.wast",
    "wasm-3.0/throw_ref.wast", "wasm-3.0/tag.wast", "wasm-3.0/imports.wast",
    "wasm-3.0/instance.wast", "wasm-3.0/linking.wast",
]


def _runner():
    from pyic.wasm.script.runner import run_file   # missing: the test fails, never skips

    return run_file


@pytest.mark.parametrize("name", FILES)
def test_execution_commands_pass(name):
    run_file = _runner()
    path = SUITE / name
    assert path.exists(), f"the test suite is missing: {path} (set PYIC_SHARED)"
    report = run_file(str(path), tier="reference")   # the reference interpreter's own test
    failures = [f for f in report.failures if f.command in EXEC_COMMANDS]
    assert not failures, failures[:5]
    passed = sum(report.by_command[c].passed for c in EXEC_COMMANDS if c in report.by_command)
    assert passed > 0
    assert all(report.by_command[c].not_run == 0 for c in EXEC_COMMANDS if c in report.by_command)
