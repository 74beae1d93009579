"""Integer operations on i32 and i64 (spec 4.3.2).

Values are unsigned Python ints below ``2**N``; every result is too.  The
signed interpretation (``signed_N``, 4.3.2) is ``x - 2**N`` when the top bit is
set, written here branch-free as ``(x ^ H) - H`` with ``H = 2**(N-1)``.

Boolean results (testops and relops) are the ints 1 and 0, never ``bool``.
Division and remainder raise `Trap` with the reference interpreter's messages.
"""

from __future__ import annotations

from pyic.errors import Trap

M32 = 0xFFFF_FFFF
M64 = 0xFFFF_FFFF_FFFF_FFFF
H32 = 0x8000_0000
H64 = 0x8000_0000_0000_0000


def signed32(x: int) -> int:
    """signed_32(x): the two's complement reading of an i32 bit pattern."""
    return (x ^ H32) - H32


def signed64(x: int) -> int:
    """signed_64(x)."""
    return (x ^ H64) - H64


def _div_by_zero() -> Trap:
    return Trap("integer divide by zero")


def _overflow() -> Trap:
    return Trap("integer overflow")


# ------------------------------------------------------------------ i32

def i32_clz(a: int) -> int:
    return 32 - a.bit_length()


def i32_ctz(a: int) -> int:
    # a & -a isolates the lowest set bit
    return (a & -a).bit_length() - 1 if a else 32


def i32_popcnt(a: int) -> int:
    return a.bit_count()


def i32_add(a: int, b: int) -> int:
    return (a + b) & M32


def i32_sub(a: int, b: int) -> int:
    return (a - b) & M32


def i32_mul(a: int, b: int) -> int:
    return (a * b) & M32


def i32_div_u(a: int, b: int) -> int:
    if not b:
        raise _div_by_zero()
    return a // b


def i32_div_s(a: int, b: int) -> int:
    # 4.3.2 idiv_s: truncates toward zero; -2**31 / -1 is not representable
    if not b:
        raise _div_by_zero()
    if a == H32 and b == M32:
        raise _overflow()
    x = (a ^ H32) - H32
    y = (b ^ H32) - H32
    q = abs(x) // abs(y)
    return (-q if (x < 0) != (y < 0) else q) & M32


def i32_rem_u(a: int, b: int) -> int:
    if not b:
        raise _div_by_zero()
    return a % b


def i32_rem_s(a: int, b: int) -> int:
    # 4.3.2 irem_s: the result takes the dividend's sign
    if not b:
        raise _div_by_zero()
    x = (a ^ H32) - H32
    r = abs(x) % abs((b ^ H32) - H32)
    return (-r if x < 0 else r) & M32


def i32_and(a: int, b: int) -> int:
    return a & b


def i32_or(a: int, b: int) -> int:
    return a | b


def i32_xor(a: int, b: int) -> int:
    return a ^ b


def i32_shl(a: int, b: int) -> int:
    return (a << (b & 31)) & M32


def i32_shr_s(a: int, b: int) -> int:
    return (((a ^ H32) - H32) >> (b & 31)) & M32


def i32_shr_u(a: int, b: int) -> int:
    return a >> (b & 31)


def i32_rotl(a: int, b: int) -> int:
    k = b & 31
    return ((a << k) | (a >> (32 - k))) & M32


def i32_rotr(a: int, b: int) -> int:
    k = b & 31
    return ((a >> k) | (a << (32 - k))) & M32


def i32_eqz(a: int) -> int:
    return 0 if a else 1


def i32_eq(a: int, b: int) -> int:
    return 1 if a == b else 0


def i32_ne(a: int, b: int) -> int:
    return 1 if a != b else 0


def i32_lt_u(a: int, b: int) -> int:
    return 1 if a < b else 0


def i32_gt_u(a: int, b: int) -> int:
    return 1 if a > b else 0


def i32_le_u(a: int, b: int) -> int:
    return 1 if a <= b else 0


def i32_ge_u(a: int, b: int) -> int:
    return 1 if a >= b else 0


# Flipping the sign bit maps signed order onto unsigned order.
def i32_lt_s(a: int, b: int) -> int:
    return 1 if a ^ H32 < b ^ H32 else 0


def i32_gt_s(a: int, b: int) -> int:
    return 1 if a ^ H32 > b ^ H32 else 0


def i32_le_s(a: int, b: int) -> int:
    return 1 if a ^ H32 <= b ^ H32 else 0


def i32_ge_s(a: int, b: int) -> int:
    return 1 if a ^ H32 >= b ^ H32 else 0


def i32_extend8_s(a: int) -> int:
    return (((a & 0xFF) ^ 0x80) - 0x80) & M32


def i32_extend16_s(a: int) -> int:
    return (((a & 0xFFFF) ^ 0x8000) - 0x8000) & M32


# ------------------------------------------------------------------ i64

def i64_clz(a: int) -> int:
    return 64 - a.bit_length()


def i64_ctz(a: int) -> int:
    return (a & -a).bit_length() - 1 if a else 64


def i64_popcnt(a: int) -> int:
    return a.bit_count()


def i64_add(a: int, b: int) -> int:
    return (a + b) & M64


def i64_sub(a: int, b: int) -> int:
    return (a - b) & M64


def i64_mul(a: int, b: int) -> int:
    return (a * b) & M64


def i64_div_u(a: int, b: int) -> int:
    if not b:
        raise _div_by_zero()
    return a // b


def i64_div_s(a: int, b: int) -> int:
    if not b:
        raise _div_by_zero()
    if a == H64 and b == M64:
        raise _overflow()
    x = (a ^ H64) - H64
    y = (b ^ H64) - H64
    q = abs(x) // abs(y)
    return (-q if (x < 0) != (y < 0) else q) & M64


def i64_rem_u(a: int, b: int) -> int:
    if not b:
        raise _div_by_zero()
    return a % b


def i64_rem_s(a: int, b: int) -> int:
    if not b:
        raise _div_by_zero()
    x = (a ^ H64) - H64
    r = abs(x) % abs((b ^ H64) - H64)
    return (-r if x < 0 else r) & M64


def i64_and(a: int, b: int) -> int:
    return a & b


def i64_or(a: int, b: int) -> int:
    return a | b


def i64_xor(a: int, b: int) -> int:
    return a ^ b


def i64_shl(a: int, b: int) -> int:
    return (a << (b & 63)) & M64


def i64_shr_s(a: int, b: int) -> int:
    return (((a ^ H64) - H64) >> (b & 63)) & M64


def i64_shr_u(a: int, b: int) -> int:
    return a >> (b & 63)


def i64_rotl(a: int, b: int) -> int:
    k = b & 63
    return ((a << k) | (a >> (64 - k))) & M64


def i64_rotr(a: int, b: int) -> int:
    k = b & 63
    return ((a >> k) | (a << (64 - k))) & M64


def i64_eqz(a: int) -> int:
    return 0 if a else 1


def i64_eq(a: int, b: int) -> int:
    return 1 if a == b else 0


def i64_ne(a: int, b: int) -> int:
    return 1 if a != b else 0


def i64_lt_u(a: int, b: int) -> int:
    return 1 if a < b else 0


def i64_gt_u(a: int, b: int) -> int:
    return 1 if a > b else 0


def i64_le_u(a: int, b: int) -> int:
    return 1 if a <= b else 0


def i64_ge_u(a: int, b: int) -> int:
    return 1 if a >= b else 0


def i64_lt_s(a: int, b: int) -> int:
    return 1 if a ^ H64 < b ^ H64 else 0


def i64_gt_s(a: int, b: int) -> int:
    return 1 if a ^ H64 > b ^ H64 else 0


def i64_le_s(a: int, b: int) -> int:
    return 1 if a ^ H64 <= b ^ H64 else 0


def i64_ge_s(a: int, b: int) -> int:
    return 1 if a ^ H64 >= b ^ H64 else 0


def i64_extend8_s(a: int) -> int:
    return (((a & 0xFF) ^ 0x80) - 0x80) & M64


def i64_extend16_s(a: int) -> int:
    return (((a & 0xFFFF) ^ 0x8000) - 0x8000) & M64


def i64_extend32_s(a: int) -> int:
    return (((a & M32) ^ H32) - H32) & M64
