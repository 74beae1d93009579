"""Spot checks from the spec test suite: every assert_return / assert_trap on a
straight-line numeric function, run directly on `NUMERIC` (see numerics_wastlib)."""

from __future__ import annotations

from pathlib import Path

import glob
import os

import pytest

from tests.wasm.numerics.numerics_wastlib import check_file

# The shared test material (suites, bench kit, canisters): $PYIC_SHARED, set by the
# repository's conftest.py to ../shared beside the checkout unless given.
SHARED = os.environ.get("PYIC_SHARED") or str(Path(__file__).resolve().parents[4] / "shared")

SUITE = SHARED + "/wasm-testsuite"
_SCALAR = ("i32 i64 f32 f64 conversions f32_bitwise f64_bitwise f32_cmp f64_cmp int_exprs "
           "float_exprs float_misc float_literals const").split()
_RELAXED = ("i16x8_relaxed_q15mulr_s i8x16_relaxed_swizzle relaxed_dot_product relaxed_laneselect "
            "relaxed_madd_nmadd relaxed_min_max").split()
FILES = ([f"{SUITE}/wasm-2.0/{n}.wast" for n in _SCALAR]
         + [f for f in sorted(glob.glob(f"{SUITE}/wasm-2.0/simd_*.wast"))
            if not any(k in f for k in ("load", "store", "address", "align", "linking", "select"))]
         + [f"{SUITE}/wasm-3.0/{n}.wast" for n in _RELAXED])


@pytest.mark.parametrize("path", FILES, ids=lambda p: os.path.basename(p))
def test_wast_numeric_assertions(path: str) -> None:
    r = check_file(path)
    assert r["failed"] == 0, "\n".join(r["failures"])
    assert r["passed"] > 0


def test_files_collected() -> None:
    assert len(FILES) >= 60
