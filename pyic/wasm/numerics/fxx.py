"""The floating-point operations of 4.3.3 written once for a width N (f32 or f64).

As the reference interpreter's ``fxx.ml`` functor, this module is a template:
`floats` instantiates its functions once per width, ``fadd`` becoming
``f32_add`` and ``f64_add``.  An instance is the same code object with the
width's own globals (`instantiate`), so it runs exactly as a function written
out for that width would: the parameters are plain global reads, not closure
cells (a closure measured 2-3% slower per call).

The width's parameters, unbound here and set by `instantiate`:

* ``pack_bits``/``unpack_float``: struct methods taking bits to a Python float
  (``unpack_float(pack_bits(a))[0]``); ``pack_bits2``/``unpack_float2`` do two
  operands at once;
* ``pack_float``/``unpack_bits``: a double back to bits, rounding once to the
  width (f32: OverflowError past the largest finite value; f64 never raises);
* the bit patterns ``SIGN``, ``MAG`` (all but the sign), ``INF``, ``NEG_INF``,
  ``CANON`` (the positive canonical NaN) and ``INTEGRAL`` (2**(significand
  bits): from there on every value is an integer).

See `floats` for why each operation is exact and the NaN rules.
"""

from __future__ import annotations

import math
from types import FunctionType

_ceil = math.ceil
_floor = math.floor
_trunc = math.trunc
_sqrt = math.sqrt
_copysign = math.copysign


# ------------------------------------------------------------------ the operations
# Names they read that are not defined here are the width's parameters (see above).

def fadd(a: int, b: int) -> int:
    x, y = unpack_float2(pack_bits2(a, b))
    r = x + y
    if r != r:
        return CANON
    try:
        return unpack_bits(pack_float(r))[0]
    except OverflowError:
        return INF if r > 0 else NEG_INF


def fsub(a: int, b: int) -> int:
    x, y = unpack_float2(pack_bits2(a, b))
    r = x - y
    if r != r:
        return CANON
    try:
        return unpack_bits(pack_float(r))[0]
    except OverflowError:
        return INF if r > 0 else NEG_INF


def fmul(a: int, b: int) -> int:
    x, y = unpack_float2(pack_bits2(a, b))
    r = x * y
    if r != r:
        return CANON
    try:
        return unpack_bits(pack_float(r))[0]
    except OverflowError:
        return INF if r > 0 else NEG_INF


def fdiv(a: int, b: int) -> int:
    x, y = unpack_float2(pack_bits2(a, b))
    try:
        r = x / y
    except ZeroDivisionError:
        # 0/0 and nan/0 are NaN, otherwise an infinity with the xor'd sign
        if x != x or x == 0.0:
            return CANON
        return ((a ^ b) & SIGN) | INF
    if r != r:
        return CANON
    try:
        return unpack_bits(pack_float(r))[0]
    except OverflowError:
        return INF if r > 0 else NEG_INF


def fsqrt(a: int) -> int:
    x = unpack_float(pack_bits(a))[0]
    if x < 0.0 or x != x:  # -0 is not < 0: sqrt(-0) = -0
        return CANON
    return unpack_bits(pack_float(_sqrt(x)))[0]


def fmin(a: int, b: int) -> int:
    x, y = unpack_float2(pack_bits2(a, b))
    if x < y:
        return a
    if y < x:
        return b
    if x == y:  # equal values have equal bits, except +0/-0 whose min is -0: or the bits
        return a | b
    return CANON


def fmax(a: int, b: int) -> int:
    x, y = unpack_float2(pack_bits2(a, b))
    if x > y:
        return a
    if y > x:
        return b
    if x == y:  # max(+0, -0) = +0: and the bits
        return a & b
    return CANON


def fpmin(a: int, b: int) -> int:
    # z2 if z2 < z1 else z1 (NaNs pass through unchanged)
    x, y = unpack_float2(pack_bits2(a, b))
    return b if y < x else a


def fpmax(a: int, b: int) -> int:
    x, y = unpack_float2(pack_bits2(a, b))
    return b if x < y else a


def fabs(a: int) -> int:
    return a & MAG


def fneg(a: int) -> int:
    return a ^ SIGN


def fcopysign(a: int, b: int) -> int:
    return (a & MAG) | (b & SIGN)


# Rounding to an integral value: at or above 2**(significand bits)
# (incl. infinities) the value is its own result; below, Python's int
# rounding is exact and copysign keeps the sign of results that round to
# zero (ceil(-0.5) = -0).


def fceil(a: int) -> int:
    m = a & MAG
    if m >= INTEGRAL:
        return a if m <= INF else CANON
    x = unpack_float(pack_bits(a))[0]
    return unpack_bits(pack_float(_copysign(_ceil(x), x)))[0]


def ffloor(a: int) -> int:
    m = a & MAG
    if m >= INTEGRAL:
        return a if m <= INF else CANON
    x = unpack_float(pack_bits(a))[0]
    return unpack_bits(pack_float(_copysign(_floor(x), x)))[0]


def ftrunc(a: int) -> int:
    m = a & MAG
    if m >= INTEGRAL:
        return a if m <= INF else CANON
    x = unpack_float(pack_bits(a))[0]
    return unpack_bits(pack_float(_copysign(_trunc(x), x)))[0]


def fnearest(a: int) -> int:
    m = a & MAG
    if m >= INTEGRAL:
        return a if m <= INF else CANON
    x = unpack_float(pack_bits(a))[0]
    # round() on a float rounds half to even, as fnearest requires
    return unpack_bits(pack_float(_copysign(round(x), x)))[0]


def feq(a: int, b: int) -> int:
    x, y = unpack_float2(pack_bits2(a, b))
    return 1 if x == y else 0


def fne(a: int, b: int) -> int:
    x, y = unpack_float2(pack_bits2(a, b))
    return 1 if x != y else 0


def flt(a: int, b: int) -> int:
    x, y = unpack_float2(pack_bits2(a, b))
    return 1 if x < y else 0


def fgt(a: int, b: int) -> int:
    x, y = unpack_float2(pack_bits2(a, b))
    return 1 if x > y else 0


def fle(a: int, b: int) -> int:
    x, y = unpack_float2(pack_bits2(a, b))
    return 1 if x <= y else 0


def fge(a: int, b: int) -> int:
    x, y = unpack_float2(pack_bits2(a, b))
    return 1 if x >= y else 0


OPS = (fadd, fsub, fmul, fdiv, fsqrt, fmin, fmax, fpmin, fpmax, fabs, fneg, fcopysign,
       fceil, ffloor, ftrunc, fnearest, feq, fne, flt, fgt, fle, fge)

PARAMETERS = frozenset("pack_bits unpack_float pack_bits2 unpack_float2 pack_float unpack_bits "
                       "SIGN MAG INF NEG_INF CANON INTEGRAL".split())


def instantiate(prefix: str, **width) -> dict:
    """{``<prefix>_add``: fadd_N, ...}: every op of `OPS` for the width given by the parameters."""
    if width.keys() != PARAMETERS:
        raise TypeError(f"fxx.instantiate needs exactly {sorted(PARAMETERS)}")
    namespace = {**globals(), **width}
    out = {}
    for op in OPS:
        name = f"{prefix}_{op.__name__[1:]}"
        fn = FunctionType(op.__code__, namespace, name)
        fn.__qualname__ = name
        fn.__doc__ = op.__doc__
        out[name] = fn
    return out
