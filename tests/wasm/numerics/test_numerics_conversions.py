"""Conversions (4.3.4) against exact references: truncation by Fraction, rounding by ref_round."""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.wasm.numerics.numerics_wastlib import (
    bits_to_fraction, canonical_nan_mag, float_bits, is_nan, ref_round,
)
from pyic.errors import Trap
from pyic.wasm.numerics import NUMERIC


def signed(x: int, n: int) -> int:
    return x - (1 << n) if x >= 1 << (n - 1) else x


def fbits(n: int):
    m = 23 if n == 32 else 52
    bias = 127 if n == 32 else 1023
    # values around the integer ranges' boundaries matter most
    near = st.tuples(st.sampled_from([30, 31, 32, 62, 63, 64]), st.integers(-3, 3),
                     st.booleans()).map(
        lambda t: (float_bits(2.0 ** t[0], n) + t[1]) | ((1 << (n - 1)) if t[2] else 0))
    return st.one_of(st.integers(0, (1 << n) - 1), near,
                     st.floats(width=n, allow_nan=False).map(lambda x: float_bits(x, n)),
                     st.sampled_from([0, 1 << (n - 1), ((1 << (n - 1 - m)) - 1) << m,
                                      (((1 << (n - 1 - m)) - 1) << m) | 1, (bias << m) - 1]))


@pytest.mark.parametrize("src", [32, 64])
@pytest.mark.parametrize("dst", [32, 64])
@pytest.mark.parametrize("sx", ["s", "u"])
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_trunc_and_trunc_sat(src, dst, sx, data):
    a = data.draw(fbits(src))
    lo, hi = (-(1 << (dst - 1)), (1 << (dst - 1)) - 1) if sx == "s" else (0, (1 << dst) - 1)
    trunc = NUMERIC[f"i{dst}.trunc_f{src}_{sx}"][0]
    sat = NUMERIC[f"i{dst}.trunc_sat_f{src}_{sx}"][0]
    if is_nan(a, src):
        with pytest.raises(Trap) as e:
            trunc(a)
        assert e.value.message == "invalid conversion to integer"
        assert sat(a) == 0
        return
    q = bits_to_fraction(a, src)
    if q is None:  # infinity
        i = hi + 1 if a >> (src - 1) == 0 else lo - 1
    else:
        i = math.trunc(q)
    if lo <= i <= hi:
        assert trunc(a) == i % (1 << dst)
    else:
        with pytest.raises(Trap) as e:
            trunc(a)
        assert e.value.message == "integer overflow"
    assert sat(a) == min(max(i, lo), hi) % (1 << dst)


@pytest.mark.parametrize("src", [32, 64])
@pytest.mark.parametrize("dst", [32, 64])
@pytest.mark.parametrize("sx", ["s", "u"])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_convert(src, dst, sx, data):
    # integers with a long run of significant bits followed by a tie pattern stress the rounding
    a = data.draw(st.one_of(
        st.integers(0, (1 << src) - 1),
        st.tuples(st.integers(0, (1 << 25) - 1), st.integers(0, src - 25), st.integers(0, 3)).map(
            lambda t: ((t[0] << t[1]) | t[2]) % (1 << src)),
        # 24 bits, a half bit, zeros, a sticky 1: one ulp/2 above a tie, lost by double rounding
        st.tuples(st.integers(1 << 23, (1 << 24) - 1), st.integers(max(0, src - 34), src - 25)).map(
            lambda t: ((((t[0] << 1) | 1) << t[1]) | 1) % (1 << src))))
    i = signed(a, src) if sx == "s" else a
    r = NUMERIC[f"f{dst}.convert_i{src}_{sx}"][0](a)
    assert type(r) is int and r == ref_round(i, dst)


def test_convert_i64_to_f32_single_rounding():
    # 2**60 + 2**36 + 1 lies just above a tie at f32 precision; rounding via f64 first
    # would land exactly on the tie and round down to even.
    x = (1 << 60) + (1 << 36) + 1
    assert float(x) == float((1 << 60) + (1 << 36))  # the trap a double rounding falls into
    expected = ref_round(x, 32)
    assert expected == struct.unpack("<I", struct.pack("<f", 2.0 ** 60 + 2.0 ** 37))[0]
    assert NUMERIC["f32.convert_i64_u"][0](x) == expected
    assert NUMERIC["f32.convert_i64_s"][0](x) == expected
    assert NUMERIC["f32.convert_i64_s"][0]((-x) % 2**64) == expected | 1 << 31


@settings(max_examples=100, deadline=None)
@given(a=fbits(64))
@example(a=float_bits(3.4028235677973366e38, 64))   # the tie between max f32 and 2**128
@example(a=float_bits(3.4028235677973362e38, 64))
@example(a=float_bits(-3.4028235677973366e38, 64))
@example(a=float_bits(7e-46, 64))
def test_demote(a):
    r = NUMERIC["f32.demote_f64"][0](a)
    if is_nan(a, 64):
        assert r == canonical_nan_mag(32)
        return
    q = bits_to_fraction(a, 64)
    if q is None or q == 0:  # infinities and zeros keep their sign
        assert r == ((a >> 32) & 0x8000_0000) | (0x7F80_0000 if q is None else 0)
        return
    assert r == ref_round(q, 32)


@given(a=fbits(32))
def test_promote(a):
    r = NUMERIC["f64.promote_f32"][0](a)
    if is_nan(a, 32):
        assert r == canonical_nan_mag(64)
        return
    q = bits_to_fraction(a, 32)
    if q is None:
        assert r == (0xFFF0 << 48 if a >> 31 else 0x7FF0 << 48)
    elif q == 0:
        assert r == (a >> 31) << 63
    else:
        assert r == ref_round(q, 64)


@given(a=st.integers(0, 2**64 - 1))
def test_wrap_extend_reinterpret(a):
    lo = a & 0xFFFF_FFFF
    assert NUMERIC["i32.wrap_i64"][0](a) == lo
    assert NUMERIC["i64.extend_i32_u"][0](lo) == lo
    assert NUMERIC["i64.extend_i32_s"][0](lo) == signed(lo, 32) % 2**64
    assert NUMERIC["i32.reinterpret_f32"][0](lo) == lo
    assert NUMERIC["f32.reinterpret_i32"][0](lo) == lo
    assert NUMERIC["i64.reinterpret_f64"][0](a) == a
    assert NUMERIC["f64.reinterpret_i64"][0](a) == a
