"""Vector operations on float lanes, vector conversions and relaxed SIMD (spec 4.3.5, 4.3.6).

Float lanes are processed with the scalar operations of `floats` on their bit
patterns, so NaN handling is exactly the scalar one (canonical NaN results,
bit-exact abs/neg/pmin/pmax).  Comparisons read the lanes as floats directly:
their results carry no float bits.

Relaxed SIMD (4.3.6 "Relaxed Operations"): pyic implements the *deterministic
profile*, where every relaxed choice parameter R is 0, i.e. the first listed
outcome:

==================================  ==============================================
relaxed_madd / relaxed_nmadd        unfused: fadd(fmul(z1, z2), z3), z1 negated for nmadd
relaxed_min / relaxed_max           fmin / fmax
relaxed_swizzle                     swizzle (out-of-range indices select 0)
relaxed_trunc*                      trunc_sat*
relaxed_laneselect                  bitselect
relaxed_q15mulr_s                   q15mulr_sat_s
relaxed_dot_i8x16_i7x16(_add)_s     second operand read as signed, pairs summed with
                                    signed saturation to i16
==================================  ==============================================
"""

from __future__ import annotations

import struct

from . import conversions as cv
from . import floats as fl
from .vectors import (_binop, _from_bytes, _name_closures, _ternop, _unop, i8x16_swizzle,
                      i16x8_q15mulr_sat_s, v128_bitselect)

_I = struct.Struct("<4I")
_Q = struct.Struct("<2Q")
_f = struct.Struct("<4f")
_d = struct.Struct("<2d")
_h = struct.Struct("<8h")
_b = struct.Struct("<16b")

_ONES32 = 0xFFFF_FFFF
_ONES64 = 0xFFFF_FFFF_FFFF_FFFF

# ------------------------------------------------------------------ lanewise float ops

f32x4_abs = _unop(_I, fl.f32_abs)
f32x4_neg = _unop(_I, fl.f32_neg)
f32x4_sqrt = _unop(_I, fl.f32_sqrt)
f32x4_ceil = _unop(_I, fl.f32_ceil)
f32x4_floor = _unop(_I, fl.f32_floor)
f32x4_trunc = _unop(_I, fl.f32_trunc)
f32x4_nearest = _unop(_I, fl.f32_nearest)
f32x4_add = _binop(_I, fl.f32_add)
f32x4_sub = _binop(_I, fl.f32_sub)
f32x4_mul = _binop(_I, fl.f32_mul)
f32x4_div = _binop(_I, fl.f32_div)
f32x4_min = _binop(_I, fl.f32_min)
f32x4_max = _binop(_I, fl.f32_max)
f32x4_pmin = _binop(_I, fl.f32_pmin)
f32x4_pmax = _binop(_I, fl.f32_pmax)

f64x2_abs = _unop(_Q, fl.f64_abs)
f64x2_neg = _unop(_Q, fl.f64_neg)
f64x2_sqrt = _unop(_Q, fl.f64_sqrt)
f64x2_ceil = _unop(_Q, fl.f64_ceil)
f64x2_floor = _unop(_Q, fl.f64_floor)
f64x2_trunc = _unop(_Q, fl.f64_trunc)
f64x2_nearest = _unop(_Q, fl.f64_nearest)
f64x2_add = _binop(_Q, fl.f64_add)
f64x2_sub = _binop(_Q, fl.f64_sub)
f64x2_mul = _binop(_Q, fl.f64_mul)
f64x2_div = _binop(_Q, fl.f64_div)
f64x2_min = _binop(_Q, fl.f64_min)
f64x2_max = _binop(_Q, fl.f64_max)
f64x2_pmin = _binop(_Q, fl.f64_pmin)
f64x2_pmax = _binop(_Q, fl.f64_pmax)

# Comparisons on floats read directly: NaN compares false (ne true), -0 == +0.
f32x4_eq = _binop(_f, lambda x, y: _ONES32 if x == y else 0, _I)
f32x4_ne = _binop(_f, lambda x, y: _ONES32 if x != y else 0, _I)
f32x4_lt = _binop(_f, lambda x, y: _ONES32 if x < y else 0, _I)
f32x4_gt = _binop(_f, lambda x, y: _ONES32 if x > y else 0, _I)
f32x4_le = _binop(_f, lambda x, y: _ONES32 if x <= y else 0, _I)
f32x4_ge = _binop(_f, lambda x, y: _ONES32 if x >= y else 0, _I)
f64x2_eq = _binop(_d, lambda x, y: _ONES64 if x == y else 0, _Q)
f64x2_ne = _binop(_d, lambda x, y: _ONES64 if x != y else 0, _Q)
f64x2_lt = _binop(_d, lambda x, y: _ONES64 if x < y else 0, _Q)
f64x2_gt = _binop(_d, lambda x, y: _ONES64 if x > y else 0, _Q)
f64x2_le = _binop(_d, lambda x, y: _ONES64 if x <= y else 0, _Q)
f64x2_ge = _binop(_d, lambda x, y: _ONES64 if x >= y else 0, _Q)

# ------------------------------------------------------------------ conversions (vcvtop)

i32x4_trunc_sat_f32x4_s = _unop(_I, cv.i32_trunc_sat_f32_s)
i32x4_trunc_sat_f32x4_u = _unop(_I, cv.i32_trunc_sat_f32_u)
f32x4_convert_i32x4_s = _unop(_I, cv.f32_convert_i32_s)
f32x4_convert_i32x4_u = _unop(_I, cv.f32_convert_i32_u)


def _zero(f):
    """The `zero` variant: two f64 lanes in, two i32/f32 lanes out, upper lanes 0."""
    def op(a: int) -> int:
        return f(a & _ONES64) | (f(a >> 64) << 32)
    return op


def _low(f):
    """The `low` variant: the two low 32-bit lanes in, two 64-bit lanes out."""
    def op(a: int) -> int:
        return f(a & _ONES32) | (f((a >> 32) & _ONES32) << 64)
    return op


i32x4_trunc_sat_f64x2_s_zero = _zero(cv.i32_trunc_sat_f64_s)
i32x4_trunc_sat_f64x2_u_zero = _zero(cv.i32_trunc_sat_f64_u)
f32x4_demote_f64x2_zero = _zero(cv.f32_demote_f64)
f64x2_convert_low_i32x4_s = _low(cv.f64_convert_i32_s)
f64x2_convert_low_i32x4_u = _low(cv.f64_convert_i32_u)
f64x2_promote_low_f32x4 = _low(cv.f64_promote_f32)

# -------------------------------------------------- relaxed SIMD, deterministic profile

i8x16_relaxed_swizzle = i8x16_swizzle
i16x8_relaxed_q15mulr_s = i16x8_q15mulr_sat_s
i32x4_relaxed_trunc_f32x4_s = i32x4_trunc_sat_f32x4_s
i32x4_relaxed_trunc_f32x4_u = i32x4_trunc_sat_f32x4_u
i32x4_relaxed_trunc_f64x2_s_zero = i32x4_trunc_sat_f64x2_s_zero
i32x4_relaxed_trunc_f64x2_u_zero = i32x4_trunc_sat_f64x2_u_zero
f32x4_relaxed_min = f32x4_min
f32x4_relaxed_max = f32x4_max
f64x2_relaxed_min = f64x2_min
f64x2_relaxed_max = f64x2_max
i8x16_relaxed_laneselect = v128_bitselect
i16x8_relaxed_laneselect = v128_bitselect
i32x4_relaxed_laneselect = v128_bitselect
i64x2_relaxed_laneselect = v128_bitselect

f32x4_relaxed_madd = _ternop(_I, lambda x, y, z: fl.f32_add(fl.f32_mul(x, y), z))
f32x4_relaxed_nmadd = _ternop(_I, lambda x, y, z: fl.f32_add(fl.f32_mul(x ^ fl.F32_SIGN, y), z))
f64x2_relaxed_madd = _ternop(_Q, lambda x, y, z: fl.f64_add(fl.f64_mul(x, y), z))
f64x2_relaxed_nmadd = _ternop(_Q, lambda x, y, z: fl.f64_add(fl.f64_mul(x ^ fl.F64_SIGN, y), z))


def _relaxed_dot(a: int, b: int) -> list:
    """ivdotsat over i8 lanes: signed products summed in pairs, saturated to i16."""
    x = _b.unpack(a.to_bytes(16, "little"))
    y = _b.unpack(b.to_bytes(16, "little"))
    out = []
    for k in range(0, 16, 2):
        s = x[k] * y[k] + x[k + 1] * y[k + 1]
        out.append(32767 if s > 32767 else s)  # the minimum, -2*128*127, fits in i16
    return out


def i16x8_relaxed_dot_i8x16_i7x16_s(a: int, b: int) -> int:
    return _from_bytes(_h.pack(*_relaxed_dot(a, b)), "little")


def i32x4_relaxed_dot_i8x16_i7x16_add_s(a: int, b: int, c: int) -> int:
    # vextternop: relaxed_dot, then extadd_pairwise_s to i32, then i32x4.add with c
    d = _relaxed_dot(a, b)
    acc = _I.unpack(c.to_bytes(16, "little"))
    return _from_bytes(_I.pack(*[(d[2 * k] + d[2 * k + 1] + acc[k]) & _ONES32 for k in range(4)]),
                       "little")


_name_closures(globals())
