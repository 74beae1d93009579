"""f32/f64 operations against exact rational references (4.3.3).

References compute with `fractions.Fraction` and round with `ref_round`, a
binary search over bit patterns, so they share nothing with the library.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.wasm.numerics.numerics_wastlib import (
    bits_to_fraction, canonical_nan_mag, float_bits, is_nan, ref_round,
)
from pyic.wasm.numerics import NUMERIC, conversions, floats

SIGN = {32: 1 << 31, 64: 1 << 63}
INF = {32: 0x7F80_0000, 64: 0x7FF0_0000_0000_0000}
CANON = {n: canonical_nan_mag(n) for n in (32, 64)}


def specials(n: int) -> list:
    s, inf = SIGN[n], INF[n]
    m = 23 if n == 32 else 52
    base = [0, 1, 2, (1 << m) - 1, 1 << m, inf - 1, inf, inf + 1, CANON[n], CANON[n] + 5,
            float_bits(1.0, n), float_bits(0.5, n), float_bits(1.5, n), float_bits(2.5, n),
            float_bits(-0.5, n) & (s - 1), float_bits(3.0, n), float_bits(1e10, n)]
    return base + [b | s for b in base]


def fbits(n: int):
    return st.one_of(st.sampled_from(specials(n)), st.integers(0, (1 << n) - 1),
                     st.floats(width=n, allow_nan=False).map(lambda x: float_bits(x, n)))


def value(bits: int, n: int):
    """('nan',) / ('inf', sign) / Fraction, with the sign of zero kept apart."""
    if is_nan(bits, n):
        return "nan"
    q = bits_to_fraction(bits, n)
    return "inf" if q is None else q


def neg(bits: int, n: int) -> bool:
    return bool(bits & SIGN[n])


def ref_arith(op: str, a: int, b: int, n: int) -> int | None:
    """fadd/fsub/fmul/fdiv from the spec's case lists; None means 'a NaN'."""
    if is_nan(a, n) or is_nan(b, n):
        return None
    x, y = bits_to_fraction(a, n), bits_to_fraction(b, n)
    sa, sb = neg(a, n), neg(b, n)
    if op == "sub":
        b ^= SIGN[n]
        sb = not sb
        op = "add"
    if op == "add":
        if x is None and y is None:
            return a if sa == sb else None
        if x is None:
            return a
        if y is None:
            return b
        if x == 0 and y == 0:
            return SIGN[n] if sa and sb else 0
        r = x + bits_to_fraction(b, n)
        return ref_round(r, n) if r != 0 else 0
    sign = SIGN[n] if sa != sb else 0
    if op == "mul":
        if x is None or y is None:
            if (x == 0) or (y == 0):
                return None
            return sign | INF[n]
        if x == 0 or y == 0:
            return sign
        return sign | ref_round(abs(x * y), n)
    if op == "div":
        if x is None and y is None:
            return None
        if x is None:
            return sign | INF[n]
        if y is None:
            return sign
        if y == 0:
            return None if x == 0 else sign | INF[n]
        if x == 0:
            return sign
        return sign | ref_round(abs(x / y), n)
    raise AssertionError(op)


def check(result: int, expected: int | None, n: int) -> None:
    assert type(result) is int
    if expected is None:
        assert result == CANON[n], hex(result)  # deterministic: positive canonical NaN
    else:
        assert result == expected, (hex(result), hex(expected))


@pytest.mark.parametrize("n", [32, 64])
@pytest.mark.parametrize("name", ["add", "sub", "mul", "div"])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_arith(n, name, data):
    a, b = data.draw(fbits(n)), data.draw(fbits(n))
    fn, arity = NUMERIC[f"f{n}.{name}"]
    assert arity == 2
    check(fn(a, b), ref_arith(name, a, b, n), n)


@pytest.mark.parametrize("n", [32, 64])
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_arith_near_ties(n, data):
    # operands within a few binades of each other, so + and - round often
    m = 23 if n == 32 else 52
    a = data.draw(st.integers(0, (1 << (n - 1)) - 1 - INF[n] // 2)) + INF[n] // 4
    b = (a + data.draw(st.integers(-(3 << m), 3 << m))) & ((1 << (n - 1)) - 1)
    if data.draw(st.booleans()):
        b |= SIGN[n]
    for name in ("add", "sub", "mul", "div"):
        check(NUMERIC[f"f{n}.{name}"][0](a, b), ref_arith(name, a, b, n), n)


def ref_sqrt(a: int, n: int) -> int | None:
    if is_nan(a, n):
        return None
    if a & (SIGN[n] - 1) == 0:
        return a
    if neg(a, n):
        return None
    if a == INF[n]:
        return a
    q = bits_to_fraction(a, n)
    lo, hi = 0, INF[n] - 1   # largest p with p**2 <= q
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if bits_to_fraction(mid, n) ** 2 <= q:
            lo = mid
        else:
            hi = mid - 1
    z1 = bits_to_fraction(lo, n)
    if z1 * z1 == q:
        return lo
    z2 = bits_to_fraction(lo + 1, n)
    return lo if q < ((z1 + z2) / 2) ** 2 else lo + 1


@pytest.mark.parametrize("n", [32, 64])
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_sqrt(n, data):
    a = data.draw(fbits(n))
    check(NUMERIC[f"f{n}.sqrt"][0](a), ref_sqrt(a, n), n)


def ref_round_int(kind: str, a: int, n: int) -> int | None:
    if is_nan(a, n):
        return None
    q = bits_to_fraction(a, n)
    if q is None or q == 0:
        return a
    i = {"ceil": math.ceil, "floor": math.floor, "trunc": math.trunc, "nearest": round}[kind](q)
    if i == 0:
        return a & SIGN[n]   # the zero keeps the operand's sign
    return ref_round(Fraction(i), n)


@pytest.mark.parametrize("n", [32, 64])
@pytest.mark.parametrize("kind", ["ceil", "floor", "trunc", "nearest"])
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_rounding_to_integral(n, kind, data):
    a = data.draw(st.one_of(fbits(n), st.floats(-1e8, 1e8, width=n).map(lambda x: float_bits(x, n)),
                            st.integers(-40, 40).map(lambda k: float_bits(k / 2, n))))
    check(NUMERIC[f"f{n}.{kind}"][0](a), ref_round_int(kind, a, n), n)


def order_key(bits: int, n: int):
    """The value for ordering: a Fraction, or +-inf."""
    q = bits_to_fraction(bits, n)
    if q is None:
        return -math.inf if neg(bits, n) else math.inf
    return q


def ref_minmax(kind: str, a: int, b: int, n: int) -> int | None:
    if is_nan(a, n) or is_nan(b, n):
        return None
    x, y = order_key(a, n), order_key(b, n)
    if x == 0 and y == 0:  # fmin(+-0, -+0) = -0, fmax = +0
        if neg(a, n) != neg(b, n):
            return SIGN[n] if kind == "min" else 0
        return a
    if kind == "min":
        return a if x <= y else b
    return a if x >= y else b


def ref_cmp(kind: str, a: int, b: int, n: int) -> int:
    if is_nan(a, n) or is_nan(b, n):
        return int(kind == "ne")
    x, y = order_key(a, n), order_key(b, n)
    return int(
        {"eq": x == y, "ne": x != y, "lt": x < y, "gt": x > y, "le": x <= y, "ge": x >= y}[kind]
    )


@pytest.mark.parametrize("n", [32, 64])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_min_max_pmin_pmax_cmp(n, data):
    pool = st.one_of(fbits(n), st.sampled_from(specials(n)))
    a, b = data.draw(pool), data.draw(pool)
    for kind in ("min", "max"):
        check(NUMERIC[f"f{n}.{kind}"][0](a, b), ref_minmax(kind, a, b, n), n)
    for kind in ("eq", "ne", "lt", "gt", "le", "ge"):
        r = NUMERIC[f"f{n}.{kind}"][0](a, b)
        assert type(r) is int and r == ref_cmp(kind, a, b, n)
    # 4.3.3 fpmin/fpmax: an operand's bits, unchanged, even for NaNs
    assert getattr(floats, f"f{n}_pmin")(a, b) == (b if ref_cmp("lt", b, a, n) else a)
    assert getattr(floats, f"f{n}_pmax")(a, b) == (b if ref_cmp("lt", a, b, n) else a)


@pytest.mark.parametrize("n", [32, 64])
@given(a=st.integers(0, 2**64 - 1), b=st.integers(0, 2**64 - 1))
def test_sign_ops_are_bit_ops(n, a, b):
    a &= (1 << n) - 1
    b &= (1 << n) - 1
    s = SIGN[n]
    assert NUMERIC[f"f{n}.abs"][0](a) == a & ~s
    assert NUMERIC[f"f{n}.neg"][0](a) == a ^ s
    assert NUMERIC[f"f{n}.copysign"][0](a, b) == (a & ~s) | (b & s)


@settings(max_examples=150, deadline=None)
@given(num=st.integers(-(2**200), 2**200), den=st.integers(1, 2**200), k=st.integers(-1200, 200))
def test_ieee_matches_reference(num, den, k):
    q = Fraction(num, den) * Fraction(2) ** k
    for n in (32, 64):
        assert conversions.ieee(q, n) == ref_round(q, n)


@pytest.mark.parametrize("q", [
    Fraction(2) ** 1024, Fraction(2) ** 1024 - Fraction(2) ** 970,
    Fraction(2) ** 1024 - Fraction(2) ** 971,
    Fraction(2) ** 128 - Fraction(2) ** 103, Fraction(2) ** 128 - Fraction(2) ** 104 - 1,
    Fraction(2) ** -1075, Fraction(2) ** -1075 + Fraction(2) ** -1200,
    Fraction(3, 2) * Fraction(2) ** -1074,
    Fraction(2) ** -150, Fraction(2) ** -149 * Fraction(3, 2), -Fraction(2) ** -2000,
    Fraction(1, 3),
    Fraction(2) ** -126 - Fraction(2) ** -150, Fraction(2) ** -1022 - Fraction(2) ** -1075,
])
def test_ieee_boundaries(q):
    for n in (32, 64):
        assert conversions.ieee(q, n) == ref_round(q, n)
