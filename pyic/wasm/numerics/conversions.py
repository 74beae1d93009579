"""Conversions between numeric types (spec 4.3.4), and correct rounding to floats.

Truncation of a float to an integer (``trunc``) is partial: on NaN it traps
with "invalid conversion to integer", on an infinity or an out-of-range value
with "integer overflow" (the reference interpreter's messages).  ``trunc_sat``
clamps instead.

Integer-to-float conversion rounds the integer once (4.3.3 ``ieee_N``):
``float(i)`` is correctly rounded to a double, so it serves every conversion to
f64 and, for |i| < 2**53, to f32 (the second rounding, double to float, is then
the only one).  ``f32.convert_i64`` can exceed 2**53, where rounding first to a
double and then to f32 could be wrong at ties; it rounds the integer to 24
significant bits directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyic.errors import Trap

from .floats import (F32_CANON, F32_INF, F32_NEG_INF, F64_CANON, _pack_d, _pack_f, _pack_I, _pack_Q,
                     _unpack_d, _unpack_f, _unpack_I, _unpack_Q)
from .ints import H32, H64, M32, M64

if TYPE_CHECKING:  # annotations only: importing fractions costs every process ~2 ms
    from fractions import Fraction

# ------------------------------------------------------------------ rounding (4.3.3)

# (significand bits M, exponent bits E) of binary32 and binary64
_FORMATS = {32: (23, 8), 64: (52, 11)}


def ieee(q: Fraction | int, n: int) -> int:
    """ieee_N(q): the bit pattern of the float of width N nearest to the rational q.

    Round to nearest, ties to even; magnitudes at or past the limit number give
    an infinity; a nonzero q that rounds to zero keeps its sign (``rectify``).
    """
    sign = 1 << (n - 1) if q < 0 else 0
    q = abs(q)
    return sign | round_magnitude(q.numerator, q.denominator, n)


def round_magnitude(num: int, den: int, n: int) -> int:
    """ieee_N(num/den) for num >= 0, den > 0: the bit pattern (sign clear) of the
    nearest float of width N, ties to even, an infinity at or past the limit number."""
    if num == 0:
        return 0
    m_bits, e_bits = _FORMATS[n]
    # e = floor(log2 q)
    e = num.bit_length() - den.bit_length()
    if (num << max(0, -e)) < (den << max(0, e)):
        e -= 1
    bias = (1 << (e_bits - 1)) - 1
    emin = 1 - bias
    # Quantum (unit in the last place) of the result: 2**u; subnormals share emin's.
    u = max(e, emin) - m_bits
    if u >= 0:
        m, r = divmod(num, den << u)
        twice_r, d = 2 * r, den << u
    else:
        m, r = divmod(num << -u, den)
        twice_r, d = 2 * r, den
    if twice_r > d or (twice_r == d and m & 1):
        m += 1
    # With m = 2**M + fraction for normals (or m < 2**M for subnormals), this one
    # formula gives the encoding, including a carry into the next exponent.
    bits = ((u - emin + m_bits) << m_bits) + m
    inf = ((1 << e_bits) - 1) << m_bits
    return inf if bits >= inf else bits


def _int_to_f32(i: int) -> int:
    """ieee_32(i) for an integer |i| < 2**64, rounding only once."""
    n = abs(i)
    s = n.bit_length() - 24
    if s > 0:
        # keep 24 significant bits, round to nearest even on the dropped ones
        m = n >> s
        rest = n & ((1 << s) - 1)
        half = 1 << (s - 1)
        if rest > half or (rest == half and m & 1):
            m += 1
        n = m << s
    # n now has at most 24 significant bits (maybe 2**k after a carry): exact below
    return _unpack_I(_pack_f(-float(n) if i < 0 else float(n)))[0]


# ------------------------------------------------------------------ integer <-> integer

def i32_wrap_i64(a: int) -> int:
    return a & M32


def i64_extend_i32_s(a: int) -> int:
    return ((a ^ H32) - H32) & M64


def i64_extend_i32_u(a: int) -> int:
    return a


# ------------------------------------------------------------------ float -> integer

def _trunc(unpack, pack, lo: float, hi: float, mask: int):
    """trunc_{M,N}: defined when lo < z < hi (bounds exact in double)."""
    def trunc(a: int) -> int:
        x = unpack(pack(a))[0]
        if lo < x < hi:
            return int(x) & mask  # int() truncates toward zero, exactly
        if x != x:
            raise Trap("invalid conversion to integer")
        raise Trap("integer overflow")
    return trunc


def _trunc_sat(unpack, pack, lo: float, hi: float, lo_bits: int, hi_bits: int, mask: int):
    """trunc_sat_{M,N}: NaN -> 0, otherwise trunc clamped to [lo, hi]."""
    def trunc_sat(a: int) -> int:
        x = unpack(pack(a))[0]
        if lo < x < hi:
            return int(x) & mask
        if x != x:
            return 0
        return lo_bits if x < 0 else hi_bits
    return trunc_sat


# Bounds: trunc(z) lies in the target range exactly when lo < z < hi.  For the
# signed 64-bit case lo = -2**63 - 1 is no double; the next double below -2**63
# is -2**63 - 2048, so "z >= -2**63" is written as "z > -2**63 - 2048".
_S32 = (-2147483649.0, 2147483648.0)
_U32 = (-1.0, 4294967296.0)
_S64 = (-9223372036854777856.0, 9223372036854775808.0)
_U64 = (-1.0, 18446744073709551616.0)

_F32 = (_unpack_f, _pack_I)
_F64 = (_unpack_d, _pack_Q)

i32_trunc_f32_s = _trunc(*_F32, *_S32, M32)
i32_trunc_f32_u = _trunc(*_F32, *_U32, M32)
i32_trunc_f64_s = _trunc(*_F64, *_S32, M32)
i32_trunc_f64_u = _trunc(*_F64, *_U32, M32)
i64_trunc_f32_s = _trunc(*_F32, *_S64, M64)
i64_trunc_f32_u = _trunc(*_F32, *_U64, M64)
i64_trunc_f64_s = _trunc(*_F64, *_S64, M64)
i64_trunc_f64_u = _trunc(*_F64, *_U64, M64)

_SAT_S32 = (*_S32, H32, H32 - 1, M32)
_SAT_U32 = (*_U32, 0, M32, M32)
_SAT_S64 = (*_S64, H64, H64 - 1, M64)
_SAT_U64 = (*_U64, 0, M64, M64)

i32_trunc_sat_f32_s = _trunc_sat(*_F32, *_SAT_S32)
i32_trunc_sat_f32_u = _trunc_sat(*_F32, *_SAT_U32)
i32_trunc_sat_f64_s = _trunc_sat(*_F64, *_SAT_S32)
i32_trunc_sat_f64_u = _trunc_sat(*_F64, *_SAT_U32)
i64_trunc_sat_f32_s = _trunc_sat(*_F32, *_SAT_S64)
i64_trunc_sat_f32_u = _trunc_sat(*_F32, *_SAT_U64)
i64_trunc_sat_f64_s = _trunc_sat(*_F64, *_SAT_S64)
i64_trunc_sat_f64_u = _trunc_sat(*_F64, *_SAT_U64)

for _name, _fn in list(globals().items()):
    if _name.startswith(("i32_trunc", "i64_trunc")):
        _fn.__name__ = _fn.__qualname__ = _name


# ------------------------------------------------------------------ integer -> float

def f32_convert_i32_s(a: int) -> int:
    return _unpack_I(_pack_f(float((a ^ H32) - H32)))[0]


def f32_convert_i32_u(a: int) -> int:
    return _unpack_I(_pack_f(float(a)))[0]


def f32_convert_i64_s(a: int) -> int:
    return _int_to_f32((a ^ H64) - H64)


def f32_convert_i64_u(a: int) -> int:
    return _int_to_f32(a)


def f64_convert_i32_s(a: int) -> int:
    return _unpack_Q(_pack_d(float((a ^ H32) - H32)))[0]


def f64_convert_i32_u(a: int) -> int:
    return _unpack_Q(_pack_d(float(a)))[0]


def f64_convert_i64_s(a: int) -> int:
    return _unpack_Q(_pack_d(float((a ^ H64) - H64)))[0]


def f64_convert_i64_u(a: int) -> int:
    return _unpack_Q(_pack_d(float(a)))[0]


# ------------------------------------------------------------------ float <-> float

def f32_demote_f64(a: int) -> int:
    x = _unpack_d(_pack_Q(a))[0]
    if x != x:
        return F32_CANON
    try:
        return _unpack_I(_pack_f(x))[0]
    except OverflowError:
        return F32_INF if x > 0 else F32_NEG_INF


def f64_promote_f32(a: int) -> int:
    x = _unpack_f(_pack_I(a))[0]
    if x != x:
        return F64_CANON
    return _unpack_Q(_pack_d(x))[0]


# ------------------------------------------------------------------ reinterpret

def i32_reinterpret_f32(a: int) -> int:
    return a


def i64_reinterpret_f64(a: int) -> int:
    return a


def f32_reinterpret_i32(a: int) -> int:
    return a


def f64_reinterpret_i64(a: int) -> int:
    return a
