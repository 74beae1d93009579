"""i32/i64 operations against slow references written from the spec's definitions (4.3.2)."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyic.errors import Trap
from pyic.wasm.numerics import NUMERIC, ints


def signed(x: int, n: int) -> int:
    return x - (1 << n) if x >= 1 << (n - 1) else x


def ref_div_s(a, b, n):
    x, y = signed(a, n), signed(b, n)
    q = math.trunc(Fraction(x, y))
    if q >= 1 << (n - 1):
        raise Trap("integer overflow")
    return q % (1 << n)


def ref_rem_s(a, b, n):
    x, y = signed(a, n), signed(b, n)
    return (x - y * math.trunc(Fraction(x, y))) % (1 << n)


def ref_rot(a, k, n, left):
    s = format(a, f"0{n}b")
    k %= n
    if not left:
        k = (n - k) % n
    return int(s[k:] + s[:k], 2)


REF = {
    "clz": lambda a, n: (format(a, f"0{n}b") + "1").index("1"),
    "ctz": lambda a, n: (format(a, f"0{n}b")[::-1] + "1").index("1"),
    "popcnt": lambda a, n: format(a, "b").count("1"),
    "eqz": lambda a, n: int(a == 0),
    "extend8_s": lambda a, n: signed(a % 256, 8) % (1 << n),
    "extend16_s": lambda a, n: signed(a % 65536, 16) % (1 << n),
    "extend32_s": lambda a, n: signed(a % (1 << 32), 32) % (1 << n),
}
REF2 = {
    "add": lambda a, b, n: (a + b) % (1 << n),
    "sub": lambda a, b, n: (a - b) % (1 << n),
    "mul": lambda a, b, n: (a * b) % (1 << n),
    "div_u": lambda a, b, n: a // b,
    "rem_u": lambda a, b, n: a % b,
    "div_s": ref_div_s,
    "rem_s": ref_rem_s,
    "and": lambda a, b, n: a & b,
    "or": lambda a, b, n: a | b,
    "xor": lambda a, b, n: a ^ b,
    "shl": lambda a, b, n: (a * 2 ** (b % n)) % (1 << n),
    "shr_u": lambda a, b, n: a // 2 ** (b % n),
    "shr_s": lambda a, b, n: math.floor(Fraction(signed(a, n), 2 ** (b % n))) % (1 << n),
    "rotl": lambda a, b, n: ref_rot(a, b, n, True),
    "rotr": lambda a, b, n: ref_rot(a, b, n, False),
    "eq": lambda a, b, n: int(a == b),
    "ne": lambda a, b, n: int(a != b),
    "lt_u": lambda a, b, n: int(a < b),
    "gt_u": lambda a, b, n: int(a > b),
    "le_u": lambda a, b, n: int(a <= b),
    "ge_u": lambda a, b, n: int(a >= b),
    "lt_s": lambda a, b, n: int(signed(a, n) < signed(b, n)),
    "gt_s": lambda a, b, n: int(signed(a, n) > signed(b, n)),
    "le_s": lambda a, b, n: int(signed(a, n) <= signed(b, n)),
    "ge_s": lambda a, b, n: int(signed(a, n) >= signed(b, n)),
}


def edgy(n: int):
    specials = [0, 1, 2, (1 << n) - 1, (1 << n) - 2, 1 << (n - 1), (1 << (n - 1)) - 1,
                (1 << (n - 1)) + 1, n, n - 1, n + 1, 2 * n]
    return st.one_of(st.sampled_from(specials), st.integers(0, (1 << n) - 1),
                     st.integers(0, 255).map(lambda k: (-k) % (1 << n)))


def _exact_int(r):
    assert type(r) is int


# Every unary operator at both widths but i32.extend32_s, which is no instruction.
UNOPS = [(n, name) for n in (32, 64) for name in sorted(REF) if (n, name) != (32, "extend32_s")]


@pytest.mark.parametrize("n, name", UNOPS)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_unops(n, name, data):
    op = f"i{n}.{name}"
    a = data.draw(edgy(n))
    fn, arity = NUMERIC[op]
    assert arity == 1
    r = fn(a)
    _exact_int(r)
    assert r == REF[name](a, n)


@pytest.mark.parametrize("n", [32, 64])
@pytest.mark.parametrize("name", sorted(REF2))
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_binops(n, name, data):
    a, b = data.draw(edgy(n)), data.draw(edgy(n))
    fn, arity = NUMERIC[f"i{n}.{name}"]
    assert arity == 2
    if name in ("div_u", "rem_u", "div_s", "rem_s") and b == 0:
        with pytest.raises(Trap) as e:
            fn(a, b)
        assert e.value.message == "integer divide by zero"
        return
    try:
        expected = REF2[name](a, b, n)
    except Trap as t:
        with pytest.raises(Trap) as e:
            fn(a, b)
        assert e.value.message == t.message
        return
    r = fn(a, b)
    _exact_int(r)
    assert r == expected


def test_div_s_overflow_and_rem_s_no_overflow():
    with pytest.raises(Trap, match="integer overflow"):
        ints.i32_div_s(0x8000_0000, 0xFFFF_FFFF)
    with pytest.raises(Trap, match="integer overflow"):
        ints.i64_div_s(1 << 63, (1 << 64) - 1)
    assert ints.i32_rem_s(0x8000_0000, 0xFFFF_FFFF) == 0
    assert ints.i64_rem_s(1 << 63, (1 << 64) - 1) == 0
    assert ints.i32_div_s(0xFFFF_FFF9, 2) == 0xFFFF_FFFD  # -7 / 2 = -3 (toward zero)
    assert ints.i32_rem_s(0xFFFF_FFF9, 2) == 0xFFFF_FFFF  # -7 % 2 = -1 (dividend's sign)
