"""Floating-point operations on f32 and f64 (spec 4.3.3), on bit patterns.

Operands and results are the IEEE 754 bit patterns as unsigned ints.  Inside a
function an operand is unpacked to a Python float (a binary64 double; unpacking
an f32 is exact) and the result packed back.

Why this is exact:

* f64: Python float arithmetic is IEEE binary64 with round-to-nearest-even.
* f32: + - * / and sqrt are computed in double and rounded once more to f32.
  The double result carries more than 2*24+2 significand bits, so the double
  rounding is innocuous (the result equals the directly rounded one).  Packing
  with ``struct`` ``'<f'`` is C's double-to-float cast (round to nearest even);
  a finite double that rounds past the largest f32 makes ``struct`` raise
  OverflowError, which is turned into the infinity the cast would give.

NaNs (4.3.3 "NaN Propagation"): every arithmetic result that is a NaN is the
*positive canonical NaN*, whatever the inputs.  This is exactly the
deterministic profile's rule, it satisfies both ``nan:canonical`` and
``nan:arithmetic`` expectations of the test suite, and it is what the IC's
canonicalising engine produces.  ``abs``, ``neg`` and ``copysign`` are bit
operations and keep the payload; ``min``/``max`` return one operand's bits
unless a NaN is involved; ``pmin``/``pmax`` always return one operand's bits.
Input floats are never packed back, so no payload is ever altered by a
double round trip.
"""

from __future__ import annotations

import math
import struct

_f32 = struct.Struct("<f")
_u32 = struct.Struct("<I")
_f64 = struct.Struct("<d")
_u64 = struct.Struct("<Q")

# Bound methods, looked up once (hot paths use these module globals).
_unpack_f = _f32.unpack
_pack_f = _f32.pack
_unpack_I = _u32.unpack
_pack_I = _u32.pack
_unpack_d = _f64.unpack
_pack_d = _f64.pack
_unpack_Q = _u64.unpack
_pack_Q = _u64.pack
# Binary ops convert both operands at once: one pack and one unpack instead of two each.
_unpack_ff = struct.Struct("<2f").unpack
_pack_II = struct.Struct("<2I").pack
_unpack_dd = struct.Struct("<2d").unpack
_pack_QQ = struct.Struct("<2Q").pack
_ceil = math.ceil
_floor = math.floor
_trunc = math.trunc
_sqrt = math.sqrt
_copysign = math.copysign

F32_SIGN = 0x8000_0000
F32_MAG = 0x7FFF_FFFF
F32_INF = 0x7F80_0000
F32_NEG_INF = 0xFF80_0000
F32_CANON = 0x7FC0_0000             # +nan(canon_32)
F32_INTEGRAL = 0x4B00_0000          # 2**23: from here on every f32 is an integer

F64_SIGN = 0x8000_0000_0000_0000
F64_MAG = 0x7FFF_FFFF_FFFF_FFFF
F64_INF = 0x7FF0_0000_0000_0000
F64_NEG_INF = 0xFFF0_0000_0000_0000
F64_CANON = 0x7FF8_0000_0000_0000   # +nan(canon_64)
F64_INTEGRAL = 0x4330_0000_0000_0000  # 2**52


# ------------------------------------------------------------------ bits <-> float

def f32_to_float(a: int) -> float:
    """The value of an f32 bit pattern as a Python float (exact)."""
    return _unpack_f(_pack_I(a))[0]


def f64_to_float(a: int) -> float:
    """The value of an f64 bit pattern as a Python float (exact)."""
    return _unpack_d(_pack_Q(a))[0]


def float_to_f32(r: float) -> int:
    """ieee_32(r) for a double r: round once to f32; a NaN becomes the canonical NaN."""
    if r != r:
        return F32_CANON
    try:
        return _unpack_I(_pack_f(r))[0]
    except OverflowError:  # finite, but rounds beyond the largest f32
        return F32_INF if r > 0 else F32_NEG_INF


def float_to_f64(r: float) -> int:
    """The bit pattern of a double; a NaN becomes the canonical NaN."""
    if r != r:
        return F64_CANON
    return _unpack_Q(_pack_d(r))[0]


def f32_is_nan(a: int) -> bool:
    return a & F32_MAG > F32_INF


def f64_is_nan(a: int) -> bool:
    return a & F64_MAG > F64_INF


# ------------------------------------------------------------------ f32 arithmetic

def f32_add(a: int, b: int) -> int:
    x, y = _unpack_ff(_pack_II(a, b))
    r = x + y
    if r != r:
        return F32_CANON
    try:
        return _unpack_I(_pack_f(r))[0]
    except OverflowError:
        return F32_INF if r > 0 else F32_NEG_INF


def f32_sub(a: int, b: int) -> int:
    x, y = _unpack_ff(_pack_II(a, b))
    r = x - y
    if r != r:
        return F32_CANON
    try:
        return _unpack_I(_pack_f(r))[0]
    except OverflowError:
        return F32_INF if r > 0 else F32_NEG_INF


def f32_mul(a: int, b: int) -> int:
    x, y = _unpack_ff(_pack_II(a, b))
    r = x * y
    if r != r:
        return F32_CANON
    try:
        return _unpack_I(_pack_f(r))[0]
    except OverflowError:
        return F32_INF if r > 0 else F32_NEG_INF


def f32_div(a: int, b: int) -> int:
    x, y = _unpack_ff(_pack_II(a, b))
    try:
        r = x / y
    except ZeroDivisionError:
        # 4.3.3 fdiv: 0/0 and nan/0 are NaN, otherwise an infinity with the xor'd sign
        if x != x or x == 0.0:
            return F32_CANON
        return ((a ^ b) & F32_SIGN) | F32_INF
    if r != r:
        return F32_CANON
    try:
        return _unpack_I(_pack_f(r))[0]
    except OverflowError:
        return F32_INF if r > 0 else F32_NEG_INF


def f32_sqrt(a: int) -> int:
    x = _unpack_f(_pack_I(a))[0]
    if x < 0.0 or x != x:  # -0 is not < 0: sqrt(-0) = -0
        return F32_CANON
    return _unpack_I(_pack_f(_sqrt(x)))[0]


def f32_min(a: int, b: int) -> int:
    x, y = _unpack_ff(_pack_II(a, b))
    if x < y:
        return a
    if y < x:
        return b
    if x == y:  # equal values have equal bits, except +0/-0 whose min is -0: or the bits
        return a | b
    return F32_CANON


def f32_max(a: int, b: int) -> int:
    x, y = _unpack_ff(_pack_II(a, b))
    if x > y:
        return a
    if y > x:
        return b
    if x == y:  # max(+0, -0) = +0: and the bits
        return a & b
    return F32_CANON


def f32_pmin(a: int, b: int) -> int:
    # 4.3.3 fpmin: z2 if z2 < z1 else z1 (NaNs pass through unchanged)
    x, y = _unpack_ff(_pack_II(a, b))
    return b if y < x else a


def f32_pmax(a: int, b: int) -> int:
    x, y = _unpack_ff(_pack_II(a, b))
    return b if x < y else a


def f32_abs(a: int) -> int:
    return a & F32_MAG


def f32_neg(a: int) -> int:
    return a ^ F32_SIGN


def f32_copysign(a: int, b: int) -> int:
    return (a & F32_MAG) | (b & F32_SIGN)


# Rounding to an integral value: at or above 2**23 (incl. infinities) the value
# is its own result; below, Python's int rounding is exact and copysign keeps
# the sign of results that round to zero (ceil(-0.5) = -0, 4.3.3).

def f32_ceil(a: int) -> int:
    m = a & F32_MAG
    if m >= F32_INTEGRAL:
        return a if m <= F32_INF else F32_CANON
    x = _unpack_f(_pack_I(a))[0]
    return _unpack_I(_pack_f(_copysign(_ceil(x), x)))[0]


def f32_floor(a: int) -> int:
    m = a & F32_MAG
    if m >= F32_INTEGRAL:
        return a if m <= F32_INF else F32_CANON
    x = _unpack_f(_pack_I(a))[0]
    return _unpack_I(_pack_f(_copysign(_floor(x), x)))[0]


def f32_trunc(a: int) -> int:
    m = a & F32_MAG
    if m >= F32_INTEGRAL:
        return a if m <= F32_INF else F32_CANON
    x = _unpack_f(_pack_I(a))[0]
    return _unpack_I(_pack_f(_copysign(_trunc(x), x)))[0]


def f32_nearest(a: int) -> int:
    m = a & F32_MAG
    if m >= F32_INTEGRAL:
        return a if m <= F32_INF else F32_CANON
    x = _unpack_f(_pack_I(a))[0]
    # round() on a float rounds half to even, as fnearest requires
    return _unpack_I(_pack_f(_copysign(round(x), x)))[0]


def f32_eq(a: int, b: int) -> int:
    x, y = _unpack_ff(_pack_II(a, b))
    return 1 if x == y else 0


def f32_ne(a: int, b: int) -> int:
    x, y = _unpack_ff(_pack_II(a, b))
    return 1 if x != y else 0


def f32_lt(a: int, b: int) -> int:
    x, y = _unpack_ff(_pack_II(a, b))
    return 1 if x < y else 0


def f32_gt(a: int, b: int) -> int:
    x, y = _unpack_ff(_pack_II(a, b))
    return 1 if x > y else 0


def f32_le(a: int, b: int) -> int:
    x, y = _unpack_ff(_pack_II(a, b))
    return 1 if x <= y else 0


def f32_ge(a: int, b: int) -> int:
    x, y = _unpack_ff(_pack_II(a, b))
    return 1 if x >= y else 0


# ------------------------------------------------------------------ f64 arithmetic

def f64_add(a: int, b: int) -> int:
    x, y = _unpack_dd(_pack_QQ(a, b))
    r = x + y
    if r != r:
        return F64_CANON
    return _unpack_Q(_pack_d(r))[0]


def f64_sub(a: int, b: int) -> int:
    x, y = _unpack_dd(_pack_QQ(a, b))
    r = x - y
    if r != r:
        return F64_CANON
    return _unpack_Q(_pack_d(r))[0]


def f64_mul(a: int, b: int) -> int:
    x, y = _unpack_dd(_pack_QQ(a, b))
    r = x * y
    if r != r:
        return F64_CANON
    return _unpack_Q(_pack_d(r))[0]


def f64_div(a: int, b: int) -> int:
    x, y = _unpack_dd(_pack_QQ(a, b))
    try:
        r = x / y
    except ZeroDivisionError:
        if x != x or x == 0.0:
            return F64_CANON
        return ((a ^ b) & F64_SIGN) | F64_INF
    if r != r:
        return F64_CANON
    return _unpack_Q(_pack_d(r))[0]


def f64_sqrt(a: int) -> int:
    x = _unpack_d(_pack_Q(a))[0]
    if x < 0.0 or x != x:
        return F64_CANON
    return _unpack_Q(_pack_d(_sqrt(x)))[0]


def f64_min(a: int, b: int) -> int:
    x, y = _unpack_dd(_pack_QQ(a, b))
    if x < y:
        return a
    if y < x:
        return b
    if x == y:
        return a | b
    return F64_CANON


def f64_max(a: int, b: int) -> int:
    x, y = _unpack_dd(_pack_QQ(a, b))
    if x > y:
        return a
    if y > x:
        return b
    if x == y:
        return a & b
    return F64_CANON


def f64_pmin(a: int, b: int) -> int:
    x, y = _unpack_dd(_pack_QQ(a, b))
    return b if y < x else a


def f64_pmax(a: int, b: int) -> int:
    x, y = _unpack_dd(_pack_QQ(a, b))
    return b if x < y else a


def f64_abs(a: int) -> int:
    return a & F64_MAG


def f64_neg(a: int) -> int:
    return a ^ F64_SIGN


def f64_copysign(a: int, b: int) -> int:
    return (a & F64_MAG) | (b & F64_SIGN)


def f64_ceil(a: int) -> int:
    m = a & F64_MAG
    if m >= F64_INTEGRAL:
        return a if m <= F64_INF else F64_CANON
    x = _unpack_d(_pack_Q(a))[0]
    return _unpack_Q(_pack_d(_copysign(_ceil(x), x)))[0]


def f64_floor(a: int) -> int:
    m = a & F64_MAG
    if m >= F64_INTEGRAL:
        return a if m <= F64_INF else F64_CANON
    x = _unpack_d(_pack_Q(a))[0]
    return _unpack_Q(_pack_d(_copysign(_floor(x), x)))[0]


def f64_trunc(a: int) -> int:
    m = a & F64_MAG
    if m >= F64_INTEGRAL:
        return a if m <= F64_INF else F64_CANON
    x = _unpack_d(_pack_Q(a))[0]
    return _unpack_Q(_pack_d(_copysign(_trunc(x), x)))[0]


def f64_nearest(a: int) -> int:
    m = a & F64_MAG
    if m >= F64_INTEGRAL:
        return a if m <= F64_INF else F64_CANON
    x = _unpack_d(_pack_Q(a))[0]
    return _unpack_Q(_pack_d(_copysign(round(x), x)))[0]


def f64_eq(a: int, b: int) -> int:
    x, y = _unpack_dd(_pack_QQ(a, b))
    return 1 if x == y else 0


def f64_ne(a: int, b: int) -> int:
    x, y = _unpack_dd(_pack_QQ(a, b))
    return 1 if x != y else 0


def f64_lt(a: int, b: int) -> int:
    x, y = _unpack_dd(_pack_QQ(a, b))
    return 1 if x < y else 0


def f64_gt(a: int, b: int) -> int:
    x, y = _unpack_dd(_pack_QQ(a, b))
    return 1 if x > y else 0


def f64_le(a: int, b: int) -> int:
    x, y = _unpack_dd(_pack_QQ(a, b))
    return 1 if x <= y else 0


def f64_ge(a: int, b: int) -> int:
    x, y = _unpack_dd(_pack_QQ(a, b))
    return 1 if x >= y else 0
