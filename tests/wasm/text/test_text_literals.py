"""Numeric literals: integers to the bit, floats rounded exactly (checked against
a slow reference written with `fractions.Fraction`)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyic.wasm.text.literals import LiteralError, parse_f32, parse_f64, parse_fN, parse_iN, parse_uN

# ------------------------------------------------------------------ slow reference

FORMATS = {32: (24, 8), 64: (53, 11)}


def value_of(bits: int, n: int) -> Fraction:
    """The exact value of a finite, positive bit pattern."""
    p, e = FORMATS[n]
    bias = (1 << (e - 1)) - 1
    exp = bits >> (p - 1)
    frac = bits & ((1 << (p - 1)) - 1)
    if exp == 0:
        return Fraction(frac) * Fraction(2) ** (1 - bias - (p - 1))
    return Fraction(frac + (1 << (p - 1))) * Fraction(2) ** (exp - bias - (p - 1))


def reference_round(q: Fraction, n: int):
    """Bits of q >= 0 rounded to nearest-even, or None for overflow: a binary search
    over the positive bit patterns, whose order is the order of their values."""
    p, e = FORMATS[n]
    inf = ((1 << e) - 1) << (p - 1)
    lo, hi = 0, inf - 1          # largest finite pattern with value <= q
    if q >= value_of(hi, n):
        lo = hi
    else:
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if value_of(mid, n) <= q:
                lo = mid
            else:
                hi = mid - 1
    below = value_of(lo, n)
    if below == q:
        return lo
    if lo == inf - 1:
        ulp = value_of(lo, n) - value_of(lo - 1, n)
        above = below + ulp       # where the next binade would start: rounds to inf
    else:
        above = value_of(lo + 1, n)
    if q - below < above - q or (q - below == above - q and lo % 2 == 0):
        return lo
    if lo + 1 == inf:
        return None
    return lo + 1


def to_hex_literal(q: Fraction) -> str:
    """An exact hex float literal for a dyadic rational."""
    num, den = q.numerator, q.denominator
    shift = den.bit_length() - 1
    assert den == 1 << shift
    return f"0x{num:x}p-{shift}"


def to_dec_literal(q: Fraction) -> str:
    """An exact decimal literal for a dyadic rational (finite expansion)."""
    num, den = q.numerator, q.denominator
    k = den.bit_length() - 1
    digits = num * 5 ** k         # q = digits / 10**k
    s = str(digits).rjust(k + 1, "0")
    return s[:-k] + "." + s[-k:] if k else s


# ------------------------------------------------------------------ integers


def test_integers():
    assert parse_iN("0", 32) == 0
    assert parse_iN("-1", 32) == 0xFFFFFFFF
    assert parse_iN("0xffff_ffff", 32) == 0xFFFFFFFF
    assert parse_iN("+0xffffffff", 32) == 0xFFFFFFFF
    assert parse_iN("-0x8000_0000", 32) == 0x80000000
    assert parse_iN("18446744073709551615", 64) == (1 << 64) - 1
    assert parse_iN("-9223372036854775808", 64) == 1 << 63
    for bad in ("4294967296", "-2147483649", "0x1_0000_0000"):
        with pytest.raises(LiteralError):
            parse_iN(bad, 32)
    assert parse_uN("255", 8) == 255
    with pytest.raises(LiteralError):
        parse_uN("256", 8)
    with pytest.raises(LiteralError):
        parse_uN("+1", 8)


# ------------------------------------------------------------------ floats: fixed cases

@pytest.mark.parametrize("text, bits", [
    ("0", 0), ("-0", 0x80000000), ("1", 0x3F800000), ("0.1", 0x3DCCCCCD),
    ("0x1p-149", 1), ("0x1p-150", 0), ("0x1.8p-150", 1), ("0x1.000001p0", 0x3F800000),
    ("0x1.0000010000000000001p0", 0x3F800001), ("0x1.fffffep127", 0x7F7FFFFF),
    ("0x1.fffffefffffffffffp127", 0x7F7FFFFF), ("inf", 0x7F800000), ("-inf", 0xFF800000),
    ("nan", 0x7FC00000), ("-nan", 0xFFC00000), ("nan:0x1", 0x7F800001),
    ("+nan:0x7f_ffff", 0x7FFFFFFF), ("1e-45", 1), ("1_000.000_1", 0x447A0002),
    ("+0x1.00000100000000001p-50", 0x26800001), ("3.4028235e38", 0x7F7FFFFF),
])
def test_f32(text, bits):
    assert parse_f32(text) == bits


@pytest.mark.parametrize("text, bits", [
    ("0.1", 0x3FB999999999999A), ("4.9e-324", 1), ("2.4703282292062327e-324", 0),
    ("2.4703282292062328e-324", 1), ("0x1.fffffffffffffp1023", 0x7FEFFFFFFFFFFFFF),
    ("nan:0xf_ffff_ffff_ffff", 0x7FFFFFFFFFFFFFFF), ("-0x0.0p0", 1 << 63),
    ("1e-400", 0), ("0." + "0" * 5000 + "1", 0),
])
def test_f64(text, bits):
    assert parse_f64(text) == bits


@pytest.mark.parametrize("text, n", [
    ("0x1p128", 32), ("1e39", 32), ("0x1.ffffffp127", 32), ("nan:0x0", 32),
    ("nan:0x80_0000", 32), ("1e309", 64), ("0x1p1024", 64), ("nan:0x10_0000_0000_0000", 64),
    ("1e" + "9" * 30, 64),
])
def test_out_of_range(text, n):
    with pytest.raises(LiteralError):
        parse_fN(text, n)


# ------------------------------------------------------------------ floats: against the reference

def _check(q: Fraction, text: str, n: int):
    expected = reference_round(q, n)
    if expected is None:
        with pytest.raises(LiteralError):
            parse_fN(text, n)
    else:
        assert parse_fN(text, n) == expected, text


@settings(max_examples=300, deadline=None)
@given(n=st.sampled_from([32, 64]), bits=st.integers(0, (1 << 31) - 1),
       wide=st.integers(0, (1 << 63) - 1), nudge=st.sampled_from([-1, 0, 1]),
       decimal=st.booleans())
def test_midpoints(n, bits, wide, nudge, decimal):
    """Values at, just below and just above the midpoint of two neighbours."""
    p, e = FORMATS[n]
    inf = ((1 << e) - 1) << (p - 1)
    b = (bits if n == 32 else wide) % (inf - 1)
    mid = (value_of(b, n) + value_of(b + 1, n)) / 2
    q = mid + nudge * mid / (1 << 80)
    if decimal and q.denominator.bit_length() < 1200:
        text = to_dec_literal(q)
    else:
        text = to_hex_literal(q)
    _check(q, text, n)


@settings(max_examples=300, deadline=None)
@given(n=st.sampled_from([32, 64]), mantissa=st.integers(0, 10 ** 25),
       exp=st.integers(-350, 320), dot=st.integers(0, 25))
def test_decimal_literals(n, mantissa, exp, dot):
    digits = str(mantissa)
    dot = min(dot, len(digits))
    whole, frac = digits[:len(digits) - dot] or "0", digits[len(digits) - dot:]
    text = f"{whole}.{frac}e{exp}"
    q = Fraction(int(whole + frac)) * Fraction(10) ** (exp - len(frac))
    _check(q, text, n)


@settings(max_examples=300, deadline=None)
@given(n=st.sampled_from([32, 64]), mantissa=st.integers(0, 1 << 90), exp=st.integers(-1200, 1100))
def test_hex_literals(n, mantissa, exp):
    text = f"0x{mantissa:x}p{exp}"
    _check(Fraction(mantissa) * Fraction(2) ** exp, text, n)


def test_reference_agrees_with_host_for_f64():
    """The slow reference is itself right: Python's float() rounds exactly for f64."""
    import struct
    for text in ("0.1", "1e-320", "123456789.987654321", "1.7976931348623157e308"):
        expected = struct.unpack("<Q", struct.pack("<d", float(text)))[0]
        q = Fraction(text)
        assert reference_round(q, 64) == expected
