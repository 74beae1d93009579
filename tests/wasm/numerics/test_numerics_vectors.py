"""SIMD ops (4.3.5) against lane-by-lane references built with shifts and masks.

Integer lane references come from the spec's scalar definitions; float lane ops
are checked to be the (separately tested) scalar ops applied per lane.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyic.wasm.numerics import IMMEDIATE, NUMERIC, conversions as cv, floats as fl
from pyic.wasm.syntax.opcodes import MEMORY_OPS, OPCODES

WIDTH = {"i8x16": 8, "i16x8": 16, "i32x4": 32, "i64x2": 64, "f32x4": 32, "f64x2": 64}


def lanes(v: int, w: int) -> list:
    return [(v >> (w * k)) & ((1 << w) - 1) for k in range(128 // w)]


def join(ls: list, w: int) -> int:
    v = 0
    for k, x in enumerate(ls):
        assert 0 <= x < 1 << w
        v |= x << (w * k)
    return v


def s(x: int, w: int) -> int:
    return x - (1 << w) if x >> (w - 1) else x


def sat_s(x, w):
    return max(-(1 << (w - 1)), min((1 << (w - 1)) - 1, x))


def sat_u(x, w):
    return max(0, min((1 << w) - 1, x))


def v128s():
    lane_vals = st.sampled_from([0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF,
                                 0x8000_0000, 0xFFFF_FFFF])
    return st.one_of(st.integers(0, (1 << 128) - 1),
                     st.lists(lane_vals, min_size=4, max_size=4).map(lambda ls: join(ls, 32)),
                     st.lists(st.sampled_from([0, 1, 0x7F, 0x80, 0xFF]), min_size=16, max_size=16)
                     .map(lambda ls: join(ls, 8)))


# name -> reference on lane values (unsigned in, unsigned out), given the lane width
BIN = {
    "add": lambda x, y, w: (x + y) % (1 << w),
    "sub": lambda x, y, w: (x - y) % (1 << w),
    "mul": lambda x, y, w: (x * y) % (1 << w),
    "add_sat_s": lambda x, y, w: sat_s(s(x, w) + s(y, w), w) % (1 << w),
    "add_sat_u": lambda x, y, w: sat_u(x + y, w),
    "sub_sat_s": lambda x, y, w: sat_s(s(x, w) - s(y, w), w) % (1 << w),
    "sub_sat_u": lambda x, y, w: sat_u(x - y, w),
    "min_s": lambda x, y, w: x if s(x, w) <= s(y, w) else y,
    "min_u": lambda x, y, w: min(x, y),
    "max_s": lambda x, y, w: x if s(x, w) >= s(y, w) else y,
    "max_u": lambda x, y, w: max(x, y),
    "avgr_u": lambda x, y, w: (x + y + 1) // 2,
    "q15mulr_sat_s": lambda x, y, w: sat_s((s(x, w) * s(y, w) + (1 << 14)) >> 15, w) % (1 << w),
    "eq": lambda x, y, w: (1 << w) - 1 if x == y else 0,
    "ne": lambda x, y, w: (1 << w) - 1 if x != y else 0,
    "lt_s": lambda x, y, w: (1 << w) - 1 if s(x, w) < s(y, w) else 0,
    "lt_u": lambda x, y, w: (1 << w) - 1 if x < y else 0,
    "gt_s": lambda x, y, w: (1 << w) - 1 if s(x, w) > s(y, w) else 0,
    "gt_u": lambda x, y, w: (1 << w) - 1 if x > y else 0,
    "le_s": lambda x, y, w: (1 << w) - 1 if s(x, w) <= s(y, w) else 0,
    "le_u": lambda x, y, w: (1 << w) - 1 if x <= y else 0,
    "ge_s": lambda x, y, w: (1 << w) - 1 if s(x, w) >= s(y, w) else 0,
    "ge_u": lambda x, y, w: (1 << w) - 1 if x >= y else 0,
}
UN = {
    "abs": lambda x, w: abs(s(x, w)) % (1 << w),
    "neg": lambda x, w: (-x) % (1 << w),
    "popcnt": lambda x, w: bin(x).count("1"),
}
SHIFT = {
    "shl": lambda x, k, w: (x << (k % w)) % (1 << w),
    "shr_u": lambda x, k, w: x >> (k % w),
    "shr_s": lambda x, k, w: (s(x, w) >> (k % w)) % (1 << w),
}


def _int_ops(table):
    return [(f"{shape}.{name}", shape, name) for shape in ("i8x16", "i16x8", "i32x4", "i64x2")
            for name in table if f"{shape}.{name}" in NUMERIC]


@pytest.mark.parametrize("op,shape,name", _int_ops(BIN))
@settings(max_examples=60, deadline=None)
@given(a=v128s(), b=v128s())
def test_int_binops(op, shape, name, a, b):
    w = WIDTH[shape]
    fn, arity = NUMERIC[op]
    assert arity == 2
    assert fn(a, b) == join([BIN[name](x, y, w) for x, y in zip(lanes(a, w), lanes(b, w))], w)


@pytest.mark.parametrize("op,shape,name", _int_ops(UN) + _int_ops(SHIFT))
@settings(max_examples=60, deadline=None)
@given(a=v128s(), k=st.integers(0, 2**32 - 1))
def test_int_unops_and_shifts(op, shape, name, a, k):
    w = WIDTH[shape]
    fn, _ = NUMERIC[op]
    if name in UN:
        assert fn(a) == join([UN[name](x, w) for x in lanes(a, w)], w)
    else:
        assert fn(a, k) == join([SHIFT[name](x, k, w) for x in lanes(a, w)], w)


@pytest.mark.parametrize("shape", ["i8x16", "i16x8", "i32x4", "i64x2"])
@settings(max_examples=60, deadline=None)
@given(a=v128s())
def test_all_true_bitmask(shape, a):
    w = WIDTH[shape]
    ls = lanes(a, w)
    assert NUMERIC[f"{shape}.all_true"][0](a) == int(all(ls))
    assert NUMERIC[f"{shape}.bitmask"][0](a) == sum(
        1 << k for k, x in enumerate(ls) if x >> (w - 1)
    )


@settings(max_examples=100, deadline=None)
@given(a=v128s(), b=v128s(), c=v128s(), idx=st.lists(st.integers(0, 31), min_size=16, max_size=16))
def test_bitwise_shuffle_swizzle(a, b, c, idx):
    m = (1 << 128) - 1
    assert NUMERIC["v128.not"][0](a) == m - a
    assert NUMERIC["v128.andnot"][0](a, b) == a & (m - b)
    assert NUMERIC["v128.bitselect"][0](a, b, c) == join(
        [
            int(bool(z and x or (not z) and y))
            for x, y, z in zip(lanes(a, 1), lanes(b, 1), lanes(c, 1))
        ],
        1,
    )
    assert NUMERIC["v128.any_true"][0](a) == int(a != 0)
    both = lanes(a, 8) + lanes(b, 8)
    assert NUMERIC["i8x16.shuffle"][0](a, b, tuple(idx)) == join([both[j] for j in idx], 8)
    src = lanes(a, 8)
    assert NUMERIC["i8x16.swizzle"][0](a, c) == join(
        [src[j] if j < 16 else 0 for j in lanes(c, 8)], 8
    )


@pytest.mark.parametrize("shape", list(WIDTH))
@settings(max_examples=40, deadline=None)
@given(a=v128s(), x=st.integers(0, 2**64 - 1), data=st.data())
def test_splat_extract_replace(shape, a, x, data):
    w = WIDTH[shape]
    scalar_w = 64 if w == 64 else 32
    x %= 1 << scalar_w
    n = 128 // w
    lane = data.draw(st.integers(0, n - 1))
    assert NUMERIC[f"{shape}.splat"][0](x) == join([x % (1 << w)] * n, w)
    ls = lanes(a, w)
    if w < 32:
        assert NUMERIC[f"{shape}.extract_lane_u"][0](a, lane) == ls[lane]
        assert NUMERIC[f"{shape}.extract_lane_s"][0](a, lane) == s(ls[lane], w) % 2**32
    else:
        assert NUMERIC[f"{shape}.extract_lane"][0](a, lane) == ls[lane]
    ls[lane] = x % (1 << w)
    assert NUMERIC[f"{shape}.replace_lane"][0](a, x, lane) == join(ls, w)


@pytest.mark.parametrize(
    "wide,narrow_", [("i16x8", "i8x16"), ("i32x4", "i16x8"), ("i64x2", "i32x4")]
)
@settings(max_examples=60, deadline=None)
@given(a=v128s(), b=v128s())
def test_extend_extmul_extadd_narrow(wide, narrow_, a, b):
    W, w = WIDTH[wide], WIDTH[narrow_]
    la, lb = lanes(a, w), lanes(b, w)
    half = len(la) // 2
    for sx in ("s", "u"):
        ext = (lambda x: s(x, w)) if sx == "s" else (lambda x: x)
        for part, sl in (("low", slice(0, half)), ("high", slice(half, None))):
            assert NUMERIC[f"{wide}.extend_{part}_{narrow_}_{sx}"][0](a) == \
                join([ext(x) % (1 << W) for x in la[sl]], W)
            assert NUMERIC[f"{wide}.extmul_{part}_{narrow_}_{sx}"][0](a, b) == \
                join([(ext(x) * ext(y)) % (1 << W) for x, y in zip(la[sl], lb[sl])], W)
        op = f"{wide}.extadd_pairwise_{narrow_}_{sx}"
        if op in NUMERIC:
            assert NUMERIC[op][0](a) == join(
                [(ext(la[2 * k]) + ext(la[2 * k + 1])) % (1 << W) for k in range(half)], W)
        # narrow goes the other way: from `wide` lanes of a and b into `narrow_` lanes
        op = f"{narrow_}.narrow_{wide}_{sx}"
        if op in NUMERIC:
            src = [s(x, W) for x in lanes(a, W) + lanes(b, W)]
            sat = (lambda x: sat_s(x, w) % (1 << w)) if sx == "s" else (lambda x: sat_u(x, w))
            assert NUMERIC[op][0](a, b) == join([sat(x) for x in src], w)


@settings(max_examples=100, deadline=None)
@given(a=v128s(), b=v128s(), c=v128s())
def test_dot_products(a, b, c):
    x, y = [s(v, 16) for v in lanes(a, 16)], [s(v, 16) for v in lanes(b, 16)]
    assert NUMERIC["i32x4.dot_i16x8_s"][0](a, b) == join(
        [(x[2 * k] * y[2 * k] + x[2 * k + 1] * y[2 * k + 1]) % 2**32 for k in range(4)], 32)
    x8, y8 = [s(v, 8) for v in lanes(a, 8)], [s(v, 8) for v in lanes(b, 8)]
    d = [sat_s(x8[2 * k] * y8[2 * k] + x8[2 * k + 1] * y8[2 * k + 1], 16) for k in range(8)]
    assert NUMERIC["i16x8.relaxed_dot_i8x16_i7x16_s"][0](a, b) == join([v % 2**16 for v in d], 16)
    acc = lanes(c, 32)
    assert NUMERIC["i32x4.relaxed_dot_i8x16_i7x16_add_s"][0](a, b, c) == join(
        [(d[2 * k] + d[2 * k + 1] + acc[k]) % 2**32 for k in range(4)], 32)


FLOAT_LANE_OPS = ["abs", "neg", "sqrt", "ceil", "floor", "trunc", "nearest",
                  "add", "sub", "mul", "div", "min", "max", "pmin", "pmax",
                  "eq", "ne", "lt", "gt", "le", "ge"]


@pytest.mark.parametrize("shape", ["f32x4", "f64x2"])
@pytest.mark.parametrize("name", FLOAT_LANE_OPS)
@settings(max_examples=40, deadline=None)
@given(a=v128s(), b=v128s())
def test_float_lanes_are_scalar_ops(shape, name, a, b):
    w = WIDTH[shape]
    scalar = getattr(fl, f"f{w}_{name}")
    fn, arity = NUMERIC[f"{shape}.{name}"]
    if arity == 1:
        assert fn(a) == join([scalar(x) for x in lanes(a, w)], w)
    elif name in ("eq", "ne", "lt", "gt", "le", "ge"):
        assert fn(a, b) == join([(1 << w) - 1 if scalar(x, y) else 0
                                 for x, y in zip(lanes(a, w), lanes(b, w))], w)
    else:
        assert fn(a, b) == join([scalar(x, y) for x, y in zip(lanes(a, w), lanes(b, w))], w)


@settings(max_examples=100, deadline=None)
@given(a=v128s(), b=v128s(), c=v128s())
def test_vector_conversions_and_relaxed(a, b, c):
    l32, l64 = lanes(a, 32), lanes(a, 64)
    assert NUMERIC["i32x4.trunc_sat_f32x4_s"][0](a) == join(
        [cv.i32_trunc_sat_f32_s(x) for x in l32], 32
    )
    assert NUMERIC["i32x4.trunc_sat_f32x4_u"][0](a) == join(
        [cv.i32_trunc_sat_f32_u(x) for x in l32], 32
    )
    assert NUMERIC["f32x4.convert_i32x4_s"][0](a) == join(
        [cv.f32_convert_i32_s(x) for x in l32], 32
    )
    assert NUMERIC["f32x4.convert_i32x4_u"][0](a) == join(
        [cv.f32_convert_i32_u(x) for x in l32], 32
    )
    assert NUMERIC["i32x4.trunc_sat_f64x2_s_zero"][0](a) == join(
        [cv.i32_trunc_sat_f64_s(x) for x in l64] + [0, 0], 32)
    assert NUMERIC["i32x4.trunc_sat_f64x2_u_zero"][0](a) == join(
        [cv.i32_trunc_sat_f64_u(x) for x in l64] + [0, 0], 32)
    assert NUMERIC["f32x4.demote_f64x2_zero"][0](a) == join(
        [cv.f32_demote_f64(x) for x in l64] + [0, 0], 32
    )
    assert NUMERIC["f64x2.promote_low_f32x4"][0](a) == join(
        [cv.f64_promote_f32(x) for x in l32[:2]], 64
    )
    assert NUMERIC["f64x2.convert_low_i32x4_s"][0](a) == join(
        [cv.f64_convert_i32_s(x) for x in l32[:2]], 64
    )
    assert NUMERIC["f64x2.convert_low_i32x4_u"][0](a) == join(
        [cv.f64_convert_i32_u(x) for x in l32[:2]], 64
    )
    # relaxed SIMD, deterministic profile
    for w in (32, 64):
        shape = f"f{w}x{128 // w}"
        madd = [getattr(fl, f"f{w}_add")(getattr(fl, f"f{w}_mul")(x, y), z)
                for x, y, z in zip(lanes(a, w), lanes(b, w), lanes(c, w))]
        nmadd = [getattr(fl, f"f{w}_add")(getattr(fl, f"f{w}_mul")(x ^ (1 << (w - 1)), y), z)
                 for x, y, z in zip(lanes(a, w), lanes(b, w), lanes(c, w))]
        assert NUMERIC[f"{shape}.relaxed_madd"][0](a, b, c) == join(madd, w)
        assert NUMERIC[f"{shape}.relaxed_nmadd"][0](a, b, c) == join(nmadd, w)
        assert NUMERIC[f"{shape}.relaxed_min"][0](a, b) == NUMERIC[f"{shape}.min"][0](a, b)
        assert NUMERIC[f"{shape}.relaxed_max"][0](a, b) == NUMERIC[f"{shape}.max"][0](a, b)
    for shape in ("i8x16", "i16x8", "i32x4", "i64x2"):
        assert NUMERIC[f"{shape}.relaxed_laneselect"][0](a, b, c) == (a & c) | (
            b & ~c & (2**128 - 1)
        )
    assert NUMERIC["i8x16.relaxed_swizzle"][0](a, b) == NUMERIC["i8x16.swizzle"][0](a, b)
    assert NUMERIC["i16x8.relaxed_q15mulr_s"][0](a, b) == NUMERIC["i16x8.q15mulr_sat_s"][0](a, b)
    assert NUMERIC["i32x4.relaxed_trunc_f32x4_s"][0](a) == NUMERIC["i32x4.trunc_sat_f32x4_s"][0](a)
    assert NUMERIC["i32x4.relaxed_trunc_f64x2_u_zero"][0](a) == NUMERIC[
        "i32x4.trunc_sat_f64x2_u_zero"
    ][0](a)


# ---------------------------------------------------------------- the table itself

_VEC = set(WIDTH) | {"v128"}


def _expected_numeric_ops():
    return {op for op in OPCODES
            if op.split(".")[0] in {"i32", "i64", "f32", "f64"} | _VEC
            and op not in MEMORY_OPS and not op.endswith(".const")}


def test_table_covers_every_numeric_op():
    assert set(NUMERIC) == _expected_numeric_ops()
    assert len(NUMERIC) > 360


def test_table_arities_and_immediates():
    ternary = {"v128.bitselect", "f32x4.relaxed_madd", "f32x4.relaxed_nmadd", "f64x2.relaxed_madd",
               "f64x2.relaxed_nmadd", "i32x4.relaxed_dot_i8x16_i7x16_add_s"} | {
        f"{s}.relaxed_laneselect" for s in ("i8x16", "i16x8", "i32x4", "i64x2")}
    assert IMMEDIATE == {
        op
        for op in NUMERIC
        if "lane" in op.split(".")[1] and "laneselect" not in op and "load" not in op
    } | {"i8x16.shuffle"}
    for op, (fn, arity) in NUMERIC.items():
        name = op.split(".")[1]
        if op in ternary:
            expected = 3
        elif name.startswith(("extract_lane", "splat", "abs", "neg", "sqrt", "ceil", "floor",
                              "trunc", "nearest", "not", "any_true", "all_true", "bitmask",
                              "popcnt", "clz",
                              "ctz", "eqz", "extend", "convert", "demote", "promote", "reinterpret",
                              "wrap", "extadd_pairwise", "relaxed_trunc")) and "extmul" not in name:
            expected = 1
        else:
            expected = 2
        assert arity == expected, op


@settings(max_examples=20, deadline=None)
@given(a=st.integers(0, 2**128 - 1), b=st.integers(0, 2**128 - 1), c=st.integers(0, 2**128 - 1))
def test_every_vector_op_returns_an_int_in_range(a, b, c):
    from pyic.errors import Trap
    for op, (fn, arity) in NUMERIC.items():
        shape, name = op.split(".", 1)
        if shape not in _VEC:
            continue
        scalar = 2**64 - 1 if shape in ("i64x2", "f64x2") else 2**32 - 1
        args = [a, b, c][:arity]
        if name.startswith("splat"):
            args = [a & scalar]
        elif name.startswith("replace_lane"):
            args = [a, b & scalar]
        elif name.startswith(("shl", "shr")):
            args = [a, b & 0xFFFF_FFFF]
        if op in IMMEDIATE:
            args.append(tuple(range(16)) if name == "shuffle" else 1)
        try:
            r = fn(*args)
        except Trap:  # pragma: no cover - no vector op traps
            raise
        assert type(r) is int and 0 <= r < 2**128, op
