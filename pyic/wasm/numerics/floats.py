"""Floating-point operations on f32 and f64 (spec 4.3.3), on bit patterns.

The operations are written once, in `fxx`, and instantiated here per width.

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

import struct

from . import fxx

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


# ------------------------------------------------------------------ arithmetic

# One definition per operation, in `fxx`, instantiated for each width: this
# binds f32_add ... f32_ge and f64_add ... f64_ge (4.3.3 fadd_N ... fge_N).
globals().update(fxx.instantiate(
    "f32", pack_bits=_pack_I, unpack_float=_unpack_f, pack_bits2=_pack_II, unpack_float2=_unpack_ff,
    pack_float=_pack_f, unpack_bits=_unpack_I, SIGN=F32_SIGN, MAG=F32_MAG, INF=F32_INF,
    NEG_INF=F32_NEG_INF, CANON=F32_CANON, INTEGRAL=F32_INTEGRAL))
globals().update(fxx.instantiate(
    "f64", pack_bits=_pack_Q, unpack_float=_unpack_d, pack_bits2=_pack_QQ, unpack_float2=_unpack_dd,
    pack_float=_pack_d, unpack_bits=_unpack_Q, SIGN=F64_SIGN, MAG=F64_MAG, INF=F64_INF,
    NEG_INF=F64_NEG_INF, CANON=F64_CANON, INTEGRAL=F64_INTEGRAL))
