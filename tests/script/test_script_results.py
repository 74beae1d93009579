"""Result matching of assert_return: exact bits, NaN patterns, lanes, references."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from pyic.wasm.script.commands import Either, NanPattern, Num, RefValue, Vec
from pyic.wasm.script.results import lanes_of, match_nan, match_result, match_results, vec_bits

CANON32 = NanPattern("f32", "canonical")
ARITH32 = NanPattern("f32", "arithmetic")
CANON64 = NanPattern("f64", "canonical")
ARITH64 = NanPattern("f64", "arithmetic")


@pytest.mark.parametrize("bits, pattern, ok", [
    (0x7FC0_0000, CANON32, True),
    (0xFFC0_0000, CANON32, True),            # either sign
    (0x7FC0_0001, CANON32, False),           # payload beyond the canonical bit
    (0x7FA0_0000, CANON32, False),           # signalling
    (0x7FC0_0001, ARITH32, True),
    (0xFFE0_0000, ARITH32, True),
    (0x7FA0_0000, ARITH32, False),
    (0x7F80_0000, ARITH32, False),           # infinity
    (0x3FC0_0000, ARITH32, False),
    (0x7FF8_0000_0000_0000, CANON64, True),
    (0xFFF8_0000_0000_0000, CANON64, True),
    (0x7FF8_0000_0000_0001, CANON64, False),
    (0x7FFC_0000_0000_0000, ARITH64, True),
    (0x7FF4_0000_0000_0000, ARITH64, False),
])
def test_nan_patterns(bits, pattern, ok):
    assert match_nan(bits, pattern) is ok
    assert match_result(Num(pattern.type, bits), pattern) is ok


def test_nan_pattern_needs_the_same_type():
    assert not match_result(Num("f64", 0x7FC0_0000), CANON32)
    assert not match_result(Num("i32", 0x7FC0_0000), CANON32)


def test_numbers_match_by_type_and_bits():
    assert match_result(Num("i32", 5), Num("i32", 5))
    assert not match_result(Num("i64", 5), Num("i32", 5))
    assert not match_result(Num("f32", 0x8000_0000), Num("f32", 0))   # -0 is not +0
    assert match_result(Num("f64", 0x7FF8_0000_0000_0001), Num("f64", 0x7FF8_0000_0000_0001))
    assert not match_result(Vec("i32x4", (5, 0, 0, 0)), Num("i32", 5))


@given(st.integers(0, 2**128 - 1), st.sampled_from(["i8x16", "i16x8", "i32x4", "i64x2",
                                                     "f32x4", "f64x2"]))
def test_vec_lanes_round_trip(bits, shape):
    lanes = lanes_of(bits, shape)
    assert vec_bits(Vec(shape, lanes)) == bits
    # A value in one shape matches a pattern in any other shape with the same bits.
    assert match_result(Vec("i64x2", lanes_of(bits, "i64x2")), Vec(shape, lanes))
    flipped = Vec(shape, (lanes[0] ^ 1,) + lanes[1:])
    assert not match_result(Vec("i8x16", lanes_of(bits, "i8x16")), flipped)


def test_vec_patterns_with_nan_lanes_and_negative_lanes():
    value = Vec("f32x4", (0x7FC0_0000, 0xFFC0_0000, 0x7FC0_0001, 0x3F80_0000))
    assert match_result(value, Vec("f32x4", (CANON32, CANON32, ARITH32, 0x3F80_0000)))
    assert not match_result(value, Vec("f32x4", (CANON32, CANON32, CANON32, 0x3F80_0000)))
    assert match_result(Vec("i8x16", (0xFF,) * 16), Vec("i8x16", (-1,) * 16))
    assert not match_result(value, Vec("f32x4", (CANON32,) * 3))


def test_references():
    null = RefValue("null", "func")
    assert match_result(null, RefValue("null", None))
    assert match_result(null, RefValue("null", "extern"))
    assert not match_result(null, RefValue("func"))
    assert not match_result(null, RefValue("extern", None))
    assert match_result(RefValue("extern", 3), RefValue("extern", 3))
    assert not match_result(RefValue("extern", 3), RefValue("extern", 4))
    assert not match_result(RefValue("extern", 3), RefValue("null", None))
    assert match_result(RefValue("func", 12), RefValue("func"))
    assert match_result(RefValue("i31", 5), RefValue("eq"))
    assert not match_result(RefValue("func", 1), RefValue("any"))
    assert match_result(RefValue("struct", 1), RefValue("any"))


def test_either_and_counts():
    assert match_result(Num("i32", 2), Either((Num("i32", 1), Num("i32", 2))))
    assert not match_result(Num("i32", 3), Either((Num("i32", 1), Num("i32", 2))))
    assert match_results((), ())
    assert not match_results((Num("i32", 1),), ())
    assert not match_results((), (Num("i32", 1),))
