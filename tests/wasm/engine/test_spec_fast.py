"""The whole wasm-2.0 suite on both tiers (spec_tests runs it on the default tier too):
every assertion passes, and every wasm-3.0 file fails exactly where the reference fails."""

import pytest

from pyic.wasm.runtime.store import Config
from pyic.wasm.script.runner import run_file
from pyic.wasm.script.spectest import SpecEngine

from .tiers import MISSING, SUITE, need, suite_files

FILES_2 = suite_files("wasm-2.0")
FILES_3 = ["return_call_indirect.wast", "memory64.wast", "memory_trap64.wast",
           "memory-multi.wast", "global.wast", "table_grow64.wast", "load0.wast", "call_ref.wast",
           "throw.wast", "try_table.wast", "i31.wast", "br_on_null.wast", "table_init64.wast"]


def _report(path, tier: str):
    return run_file(str(path), engine=SpecEngine(Config(tier=tier)))


@pytest.mark.parametrize("tier", ["fast", "reference"])
@pytest.mark.parametrize("name", FILES_2, ids=lambda n: "suite-missing" if n is MISSING else n)
def test_wasm2_file_passes_on_both_tiers(name, tier):
    need(name)
    report = _report(SUITE / "wasm-2.0" / name, tier)
    assert not report.failures, report.failures[:3]
    assert report.not_run == 0
    assert report.passed > 0


@pytest.mark.parametrize("name", FILES_3)
def test_wasm3_file_same_outcome_on_both_tiers(name):
    path = SUITE / "wasm-3.0" / name
    if not path.exists():
        pytest.fail(f"{name} is missing from the test suite at {SUITE}", pytrace=False)
    fast, ref = _report(path, "fast"), _report(path, "reference")
    assert [(f.line, f.command, f.message) for f in fast.failures] == \
        [(f.line, f.command, f.message) for f in ref.failures]
    assert fast.passed == ref.passed > 0


def test_files_collected():
    assert len(FILES_2) > 100
