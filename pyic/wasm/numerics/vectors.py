"""Vector (SIMD) operations on integer lanes and whole vectors (spec 4.3.5).

A v128 is an unsigned 128-bit int, lane 0 in the low bits: exactly the
little-endian reading of its 16 bytes (4.3.1 ``lanes``), so ``struct`` unpacks
``v.to_bytes(16, "little")`` into the lanes and packs them back.

Lane-parallel arithmetic that needs no per-lane decision is done on the whole
int at once (SWAR): e.g. add masks off each lane's top bit so carries cannot
cross lanes, then restores the top bits with an xor.  Everything else unpacks
the lanes with ``struct`` (signed or unsigned reading as the op needs).

Float lanes, conversions and relaxed SIMD are in `vector_floats`.
"""

from __future__ import annotations

import struct

M128 = (1 << 128) - 1

_B = struct.Struct("<16B")
_b = struct.Struct("<16b")
_H = struct.Struct("<8H")
_h = struct.Struct("<8h")
_I = struct.Struct("<4I")
_i = struct.Struct("<4i")
_Q = struct.Struct("<2Q")
_q = struct.Struct("<2q")

_from_bytes = int.from_bytes


def _rep(w: int) -> int:
    """The v128 with value 1 in every lane of width w (splat multiplies by it)."""
    return sum(1 << (w * k) for k in range(128 // w))


REP = {w: _rep(w) for w in (8, 16, 32, 64)}
_TOP = {w: (1 << (w - 1)) * REP[w] for w in REP}      # the top bit of every lane


# ------------------------------------------------------------------ lane builders

def _unop(st_in: struct.Struct, f, st_out: struct.Struct | None = None):
    unpack, pack = st_in.unpack, (st_out or st_in).pack

    def op(a: int) -> int:
        return _from_bytes(pack(*map(f, unpack(a.to_bytes(16, "little")))), "little")
    return op


def _binop(st_in: struct.Struct, f, st_out: struct.Struct | None = None):
    unpack, pack = st_in.unpack, (st_out or st_in).pack

    def op(a: int, b: int) -> int:
        return _from_bytes(pack(*map(f, unpack(a.to_bytes(16, "little")),
                                     unpack(b.to_bytes(16, "little")))), "little")
    return op


def _ternop(st: struct.Struct, f):
    unpack, pack = st.unpack, st.pack

    def op(a: int, b: int, c: int) -> int:
        return _from_bytes(pack(*map(f, unpack(a.to_bytes(16, "little")),
                                     unpack(b.to_bytes(16, "little")),
                                     unpack(c.to_bytes(16, "little")))), "little")
    return op


def _swar_add(w: int):
    top = _TOP[w]
    low = M128 ^ top

    def add(a: int, b: int) -> int:
        return ((a & low) + (b & low)) ^ ((a ^ b) & top)
    return add


def _swar_sub(w: int):
    top = _TOP[w]
    low = M128 ^ top

    def sub(a: int, b: int) -> int:
        # every lane of (a | top) exceeds that of (b & low): no borrow between lanes
        return ((a | top) - (b & low)) ^ ((a ^ b ^ top) & top)
    return sub


def _swar_neg(w: int):
    sub = _swar_sub(w)

    def neg(a: int) -> int:
        return sub(0, a)
    return neg


def _shl(w: int):
    lane = (1 << w) - 1
    masks = [((lane << k) & lane) * REP[w] for k in range(w)]

    def shl(a: int, s: int) -> int:
        k = s & (w - 1)
        return (a << k) & masks[k]
    return shl


def _shr_u(w: int):
    lane = (1 << w) - 1
    masks = [(lane >> k) * REP[w] for k in range(w)]

    def shr_u(a: int, s: int) -> int:
        k = s & (w - 1)
        return (a >> k) & masks[k]
    return shr_u


def _shr_s(w: int):
    lane = (1 << w) - 1
    top = _TOP[w]
    masks = [(lane >> k) * REP[w] for k in range(w)]
    # the k top bits of a lane, to fill in where the lane was negative
    fills = [((1 << k) - 1) << (w - k) for k in range(w)]

    def shr_s(a: int, s: int) -> int:
        k = s & (w - 1)
        # (a & top) >> (w-1) is 1 in each negative lane; times fills[k] stays in the lane
        return ((a >> k) & masks[k]) | (((a & top) >> (w - 1)) * fills[k])
    return shr_s


def _cmp(st_in: struct.Struct, st_out: struct.Struct, test, ones: int):
    return _binop(st_in, lambda x, y: ones if test(x, y) else 0, st_out)


def _sat_s(w: int):
    lo, hi = -(1 << (w - 1)), (1 << (w - 1)) - 1
    return lambda x: lo if x < lo else hi if x > hi else x


def _sat_u(w: int):
    hi = (1 << w) - 1
    return lambda x: 0 if x < 0 else hi if x > hi else x


def _all_true(st: struct.Struct):
    unpack = st.unpack

    def all_true(a: int) -> int:
        return 1 if all(unpack(a.to_bytes(16, "little"))) else 0
    return all_true


def _bitmask(w: int):
    top = _TOP[w]
    n = 128 // w

    def bitmask(a: int) -> int:
        # gather each lane's top bit into bit k of an i32
        t = a & top
        r = 0
        for k in range(n):
            if (t >> (w * k + w - 1)) & 1:
                r |= 1 << k
        return r
    return bitmask


# ---------------------------------- whole-vector ops (vvunop, vvbinop, vvternop, vvtestop)

def v128_not(a: int) -> int:
    return a ^ M128


def v128_and(a: int, b: int) -> int:
    return a & b


def v128_andnot(a: int, b: int) -> int:
    return a & (b ^ M128)


def v128_or(a: int, b: int) -> int:
    return a | b


def v128_xor(a: int, b: int) -> int:
    return a ^ b


def v128_bitselect(a: int, b: int, c: int) -> int:
    # 4.3.2 ibitselect: bits of a where c is 1, of b where c is 0
    return (a & c) | (b & (c ^ M128))


def v128_any_true(a: int) -> int:
    return 1 if a else 0


# ----------------------------------- lane access (splat, extract_lane, replace_lane)

def i8x16_splat(x: int) -> int:
    return (x & 0xFF) * REP[8]


def i16x8_splat(x: int) -> int:
    return (x & 0xFFFF) * REP[16]


def i32x4_splat(x: int) -> int:
    return x * REP[32]


def i64x2_splat(x: int) -> int:
    return x * REP[64]


f32x4_splat = i32x4_splat
f64x2_splat = i64x2_splat


def i8x16_extract_lane_s(a: int, lane: int) -> int:
    return (((a >> (lane << 3)) & 0xFF ^ 0x80) - 0x80) & 0xFFFF_FFFF


def i8x16_extract_lane_u(a: int, lane: int) -> int:
    return (a >> (lane << 3)) & 0xFF


def i16x8_extract_lane_s(a: int, lane: int) -> int:
    return (((a >> (lane << 4)) & 0xFFFF ^ 0x8000) - 0x8000) & 0xFFFF_FFFF


def i16x8_extract_lane_u(a: int, lane: int) -> int:
    return (a >> (lane << 4)) & 0xFFFF


def i32x4_extract_lane(a: int, lane: int) -> int:
    return (a >> (lane << 5)) & 0xFFFF_FFFF


def i64x2_extract_lane(a: int, lane: int) -> int:
    return (a >> (lane << 6)) & 0xFFFF_FFFF_FFFF_FFFF


f32x4_extract_lane = i32x4_extract_lane
f64x2_extract_lane = i64x2_extract_lane


def i8x16_replace_lane(a: int, x: int, lane: int) -> int:
    s = lane << 3
    return (a & ~(0xFF << s)) | ((x & 0xFF) << s)


def i16x8_replace_lane(a: int, x: int, lane: int) -> int:
    s = lane << 4
    return (a & ~(0xFFFF << s)) | ((x & 0xFFFF) << s)


def i32x4_replace_lane(a: int, x: int, lane: int) -> int:
    s = lane << 5
    return (a & ~(0xFFFF_FFFF << s)) | (x << s)


def i64x2_replace_lane(a: int, x: int, lane: int) -> int:
    s = lane << 6
    return (a & ~(0xFFFF_FFFF_FFFF_FFFF << s)) | (x << s)


f32x4_replace_lane = i32x4_replace_lane
f64x2_replace_lane = i64x2_replace_lane


def i8x16_shuffle(a: int, b: int, lanes: tuple) -> int:
    # 4.3.5 ivshuffle: lane indices (< 32, checked by validation) into a's then b's bytes
    c = a.to_bytes(16, "little") + b.to_bytes(16, "little")
    return _from_bytes(bytes([c[j] for j in lanes]), "little")


def i8x16_swizzle(a: int, s: int) -> int:
    # 4.3.5 ivswizzle: out-of-range indices select 0
    c = a.to_bytes(16, "little")
    return _from_bytes(bytes([c[j] if j < 16 else 0 for j in s.to_bytes(16, "little")]), "little")


# ------------------------------------------------------------------ integer lane arithmetic

i8x16_add = _swar_add(8)
i16x8_add = _swar_add(16)
i32x4_add = _swar_add(32)
i64x2_add = _swar_add(64)
i8x16_sub = _swar_sub(8)
i16x8_sub = _swar_sub(16)
i32x4_sub = _swar_sub(32)
i64x2_sub = _swar_sub(64)
i8x16_neg = _swar_neg(8)
i16x8_neg = _swar_neg(16)
i32x4_neg = _swar_neg(32)
i64x2_neg = _swar_neg(64)

i16x8_mul = _binop(_H, lambda x, y: (x * y) & 0xFFFF)
i32x4_mul = _binop(_I, lambda x, y: (x * y) & 0xFFFF_FFFF)
i64x2_mul = _binop(_Q, lambda x, y: (x * y) & 0xFFFF_FFFF_FFFF_FFFF)

i8x16_abs = _unop(_b, lambda x: abs(x) & 0xFF, _B)
i16x8_abs = _unop(_h, lambda x: abs(x) & 0xFFFF, _H)
i32x4_abs = _unop(_i, lambda x: abs(x) & 0xFFFF_FFFF, _I)
i64x2_abs = _unop(_q, lambda x: abs(x) & 0xFFFF_FFFF_FFFF_FFFF, _Q)


def i8x16_popcnt(a: int) -> int:
    return _from_bytes(bytes(map(int.bit_count, a.to_bytes(16, "little"))), "little")


i8x16_shl = _shl(8)
i16x8_shl = _shl(16)
i32x4_shl = _shl(32)
i64x2_shl = _shl(64)
i8x16_shr_u = _shr_u(8)
i16x8_shr_u = _shr_u(16)
i32x4_shr_u = _shr_u(32)
i64x2_shr_u = _shr_u(64)
i8x16_shr_s = _shr_s(8)
i16x8_shr_s = _shr_s(16)
i32x4_shr_s = _shr_s(32)
i64x2_shr_s = _shr_s(64)

_sat_s8, _sat_u8, _sat_s16, _sat_u16 = _sat_s(8), _sat_u(8), _sat_s(16), _sat_u(16)
i8x16_add_sat_s = _binop(_b, lambda x, y: _sat_s8(x + y))
i8x16_add_sat_u = _binop(_B, lambda x, y: _sat_u8(x + y))
i8x16_sub_sat_s = _binop(_b, lambda x, y: _sat_s8(x - y))
i8x16_sub_sat_u = _binop(_B, lambda x, y: _sat_u8(x - y))
i16x8_add_sat_s = _binop(_h, lambda x, y: _sat_s16(x + y))
i16x8_add_sat_u = _binop(_H, lambda x, y: _sat_u16(x + y))
i16x8_sub_sat_s = _binop(_h, lambda x, y: _sat_s16(x - y))
i16x8_sub_sat_u = _binop(_H, lambda x, y: _sat_u16(x - y))

i8x16_min_s = _binop(_b, min)
i8x16_min_u = _binop(_B, min)
i8x16_max_s = _binop(_b, max)
i8x16_max_u = _binop(_B, max)
i16x8_min_s = _binop(_h, min)
i16x8_min_u = _binop(_H, min)
i16x8_max_s = _binop(_h, max)
i16x8_max_u = _binop(_H, max)
i32x4_min_s = _binop(_i, min)
i32x4_min_u = _binop(_I, min)
i32x4_max_s = _binop(_i, max)
i32x4_max_u = _binop(_I, max)

# 4.3.2 iavgr_u: (i1 + i2 + 1) / 2 rounded down
i8x16_avgr_u = _binop(_B, lambda x, y: (x + y + 1) >> 1)
i16x8_avgr_u = _binop(_H, lambda x, y: (x + y + 1) >> 1)


def _q15mulr(x: int, y: int) -> int:
    # 4.3.2 iq15mulrsat_s: sat_s16((x*y + 2**14) >> 15); only -2**15 * -2**15 saturates
    r = (x * y + 0x4000) >> 15
    return 0x7FFF if r > 0x7FFF else r


i16x8_q15mulr_sat_s = _binop(_h, _q15mulr)

i8x16_all_true = _all_true(_B)
i16x8_all_true = _all_true(_H)
i32x4_all_true = _all_true(_I)
i64x2_all_true = _all_true(_Q)
i8x16_bitmask = _bitmask(8)
i16x8_bitmask = _bitmask(16)
i32x4_bitmask = _bitmask(32)
i64x2_bitmask = _bitmask(64)

# ------------------------------------------------------ integer lane comparisons (virelop)

_EQ = lambda x, y: x == y  # noqa: E731
_NE = lambda x, y: x != y  # noqa: E731
_LT = lambda x, y: x < y  # noqa: E731
_GT = lambda x, y: x > y  # noqa: E731
_LE = lambda x, y: x <= y  # noqa: E731
_GE = lambda x, y: x >= y  # noqa: E731

i8x16_eq = _cmp(_B, _B, _EQ, 0xFF)
i8x16_ne = _cmp(_B, _B, _NE, 0xFF)
i8x16_lt_s = _cmp(_b, _B, _LT, 0xFF)
i8x16_lt_u = _cmp(_B, _B, _LT, 0xFF)
i8x16_gt_s = _cmp(_b, _B, _GT, 0xFF)
i8x16_gt_u = _cmp(_B, _B, _GT, 0xFF)
i8x16_le_s = _cmp(_b, _B, _LE, 0xFF)
i8x16_le_u = _cmp(_B, _B, _LE, 0xFF)
i8x16_ge_s = _cmp(_b, _B, _GE, 0xFF)
i8x16_ge_u = _cmp(_B, _B, _GE, 0xFF)
i16x8_eq = _cmp(_H, _H, _EQ, 0xFFFF)
i16x8_ne = _cmp(_H, _H, _NE, 0xFFFF)
i16x8_lt_s = _cmp(_h, _H, _LT, 0xFFFF)
i16x8_lt_u = _cmp(_H, _H, _LT, 0xFFFF)
i16x8_gt_s = _cmp(_h, _H, _GT, 0xFFFF)
i16x8_gt_u = _cmp(_H, _H, _GT, 0xFFFF)
i16x8_le_s = _cmp(_h, _H, _LE, 0xFFFF)
i16x8_le_u = _cmp(_H, _H, _LE, 0xFFFF)
i16x8_ge_s = _cmp(_h, _H, _GE, 0xFFFF)
i16x8_ge_u = _cmp(_H, _H, _GE, 0xFFFF)
i32x4_eq = _cmp(_I, _I, _EQ, 0xFFFF_FFFF)
i32x4_ne = _cmp(_I, _I, _NE, 0xFFFF_FFFF)
i32x4_lt_s = _cmp(_i, _I, _LT, 0xFFFF_FFFF)
i32x4_lt_u = _cmp(_I, _I, _LT, 0xFFFF_FFFF)
i32x4_gt_s = _cmp(_i, _I, _GT, 0xFFFF_FFFF)
i32x4_gt_u = _cmp(_I, _I, _GT, 0xFFFF_FFFF)
i32x4_le_s = _cmp(_i, _I, _LE, 0xFFFF_FFFF)
i32x4_le_u = _cmp(_I, _I, _LE, 0xFFFF_FFFF)
i32x4_ge_s = _cmp(_i, _I, _GE, 0xFFFF_FFFF)
i32x4_ge_u = _cmp(_I, _I, _GE, 0xFFFF_FFFF)
_ONES64 = 0xFFFF_FFFF_FFFF_FFFF
i64x2_eq = _cmp(_Q, _Q, _EQ, _ONES64)
i64x2_ne = _cmp(_Q, _Q, _NE, _ONES64)
i64x2_lt_s = _cmp(_q, _Q, _LT, _ONES64)
i64x2_gt_s = _cmp(_q, _Q, _GT, _ONES64)
i64x2_le_s = _cmp(_q, _Q, _LE, _ONES64)
i64x2_ge_s = _cmp(_q, _Q, _GE, _ONES64)


# ------------------------------------------------------ narrow, extend, extmul, extadd, dot

def _narrow(st_in: struct.Struct, st_out: struct.Struct, sat):
    unpack, pack = st_in.unpack, st_out.pack

    def narrow(a: int, b: int) -> int:
        lanes = unpack(a.to_bytes(16, "little")) + unpack(b.to_bytes(16, "little"))
        return _from_bytes(pack(*map(sat, lanes)), "little")
    return narrow


i8x16_narrow_i16x8_s = _narrow(_h, _b, _sat_s8)
i8x16_narrow_i16x8_u = _narrow(_h, _B, _sat_u8)
i16x8_narrow_i32x4_s = _narrow(_i, _h, _sat_s16)
i16x8_narrow_i32x4_u = _narrow(_i, _H, _sat_u16)


def _half(a: int, unpack, high: bool) -> tuple:
    lanes = unpack(a.to_bytes(16, "little"))
    m = len(lanes) >> 1
    return lanes[m:] if high else lanes[:m]


def _extend(st_in: struct.Struct, st_out: struct.Struct, high: bool):
    """vcvtop extend_low/high: the low or high half of the lanes, sign- or zero-extended."""
    unpack, pack = st_in.unpack, st_out.pack

    def extend(a: int) -> int:
        return _from_bytes(pack(*_half(a, unpack, high)), "little")
    return extend


def _extmul(st_in: struct.Struct, st_out: struct.Struct, high: bool):
    """vextbinop extmul: products of extended halves (they always fit the wider lane)."""
    unpack, pack = st_in.unpack, st_out.pack

    def extmul(a: int, b: int) -> int:
        return _from_bytes(pack(*map(int.__mul__, _half(a, unpack, high), _half(b, unpack, high))),
                           "little")
    return extmul


def _extadd_pairwise(st_in: struct.Struct, st_out: struct.Struct):
    unpack, pack = st_in.unpack, st_out.pack

    def extadd_pairwise(a: int) -> int:
        lanes = unpack(a.to_bytes(16, "little"))
        return _from_bytes(pack(*map(int.__add__, lanes[0::2], lanes[1::2])), "little")
    return extadd_pairwise


i16x8_extend_low_i8x16_s = _extend(_b, _h, False)
i16x8_extend_high_i8x16_s = _extend(_b, _h, True)
i16x8_extend_low_i8x16_u = _extend(_B, _H, False)
i16x8_extend_high_i8x16_u = _extend(_B, _H, True)
i32x4_extend_low_i16x8_s = _extend(_h, _i, False)
i32x4_extend_high_i16x8_s = _extend(_h, _i, True)
i32x4_extend_low_i16x8_u = _extend(_H, _I, False)
i32x4_extend_high_i16x8_u = _extend(_H, _I, True)
i64x2_extend_low_i32x4_s = _extend(_i, _q, False)
i64x2_extend_high_i32x4_s = _extend(_i, _q, True)
i64x2_extend_low_i32x4_u = _extend(_I, _Q, False)
i64x2_extend_high_i32x4_u = _extend(_I, _Q, True)

i16x8_extmul_low_i8x16_s = _extmul(_b, _h, False)
i16x8_extmul_high_i8x16_s = _extmul(_b, _h, True)
i16x8_extmul_low_i8x16_u = _extmul(_B, _H, False)
i16x8_extmul_high_i8x16_u = _extmul(_B, _H, True)
i32x4_extmul_low_i16x8_s = _extmul(_h, _i, False)
i32x4_extmul_high_i16x8_s = _extmul(_h, _i, True)
i32x4_extmul_low_i16x8_u = _extmul(_H, _I, False)
i32x4_extmul_high_i16x8_u = _extmul(_H, _I, True)
i64x2_extmul_low_i32x4_s = _extmul(_i, _q, False)
i64x2_extmul_high_i32x4_s = _extmul(_i, _q, True)
i64x2_extmul_low_i32x4_u = _extmul(_I, _Q, False)
i64x2_extmul_high_i32x4_u = _extmul(_I, _Q, True)

i16x8_extadd_pairwise_i8x16_s = _extadd_pairwise(_b, _h)
i16x8_extadd_pairwise_i8x16_u = _extadd_pairwise(_B, _H)
i32x4_extadd_pairwise_i16x8_s = _extadd_pairwise(_h, _i)
i32x4_extadd_pairwise_i16x8_u = _extadd_pairwise(_H, _I)


def i32x4_dot_i16x8_s(a: int, b: int) -> int:
    # 4.3.5 ivdot: pairwise sums of signed products, modulo 2**32 (only -2**15 squared twice wraps)
    x = _h.unpack(a.to_bytes(16, "little"))
    y = _h.unpack(b.to_bytes(16, "little"))
    return _from_bytes(_I.pack(*[(x[k] * y[k] + x[k + 1] * y[k + 1]) & 0xFFFF_FFFF
                                 for k in range(0, 8, 2)]), "little")


def _name_closures(namespace: dict) -> None:
    """Give the lane ops built by the factories above their instruction's name (for tracebacks)."""
    for name, fn in list(namespace.items()):
        if (
            not name.startswith("_")
            and callable(fn)
            and "<locals>" in getattr(fn, "__qualname__", "")
        ):
            fn.__name__ = fn.__qualname__ = name


_name_closures(globals())
