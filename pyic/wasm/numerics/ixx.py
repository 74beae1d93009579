"""The integer operations of 4.3.2 written once for a width N (i32 or i64).

As `fxx` for the floats (and the reference interpreter's ``ixx.ml`` functor),
this module is a template: `ints` instantiates its functions once per width,
``iadd`` becoming ``i32_add`` and ``i64_add``.  An instance is the same code
object with the width's own globals (`instantiate`), so it runs as a function
written out for that width would: a parameter is a plain global read.

Values are unsigned Python ints below ``2**N``; every result is too.  The
signed interpretation ``signed_N(x)`` is ``x - 2**N`` when the top bit is set,
written here branch-free as ``(x ^ HALF) - HALF``; flipping the sign bit maps
signed order onto unsigned order, which is how the signed relops compare.

The width's parameters, unbound here and set by `instantiate`:

* ``N``: the width in bits;
* ``MASK``: ``2**N - 1`` (also the bit pattern of -1);
* ``HALF``: ``2**(N-1)``, the sign bit (also the bit pattern of the least signed value);
* ``SHIFT``: ``N - 1``, the mask of a shift count (4.3.2 ishl: ``k = i2 mod N``).

Boolean results (testops and relops) are the ints 1 and 0, never ``bool``.
Division and remainder raise `Trap` with the reference interpreter's messages.
"""

from __future__ import annotations

from types import FunctionType

from pyic.errors import Trap


def _div_by_zero() -> Trap:
    return Trap("integer divide by zero")


def _overflow() -> Trap:
    return Trap("integer overflow")


# ------------------------------------------------------------------ the operations
# Names they read that are not defined here are the width's parameters (see above).

def iclz(a: int) -> int:
    return N - a.bit_length()


def ictz(a: int) -> int:
    # a & -a isolates the lowest set bit
    return (a & -a).bit_length() - 1 if a else N


def ipopcnt(a: int) -> int:
    return a.bit_count()


def iadd(a: int, b: int) -> int:
    return (a + b) & MASK


def isub(a: int, b: int) -> int:
    return (a - b) & MASK


def imul(a: int, b: int) -> int:
    return (a * b) & MASK


def idiv_u(a: int, b: int) -> int:
    if not b:
        raise _div_by_zero()
    return a // b


def idiv_s(a: int, b: int) -> int:
    # truncates toward zero; -2**(N-1) / -1 = 2**(N-1) is not representable
    if not b:
        raise _div_by_zero()
    if a == HALF and b == MASK:
        raise _overflow()
    x = (a ^ HALF) - HALF
    y = (b ^ HALF) - HALF
    q = abs(x) // abs(y)
    return (-q if (x < 0) != (y < 0) else q) & MASK


def irem_u(a: int, b: int) -> int:
    if not b:
        raise _div_by_zero()
    return a % b


def irem_s(a: int, b: int) -> int:
    # the result takes the dividend's sign
    if not b:
        raise _div_by_zero()
    x = (a ^ HALF) - HALF
    r = abs(x) % abs((b ^ HALF) - HALF)
    return (-r if x < 0 else r) & MASK


def iand(a: int, b: int) -> int:
    return a & b


def ior(a: int, b: int) -> int:
    return a | b


def ixor(a: int, b: int) -> int:
    return a ^ b


def ishl(a: int, b: int) -> int:
    return (a << (b & SHIFT)) & MASK


def ishr_s(a: int, b: int) -> int:
    return (((a ^ HALF) - HALF) >> (b & SHIFT)) & MASK


def ishr_u(a: int, b: int) -> int:
    return a >> (b & SHIFT)


def irotl(a: int, b: int) -> int:
    k = b & SHIFT
    return ((a << k) | (a >> (N - k))) & MASK


def irotr(a: int, b: int) -> int:
    k = b & SHIFT
    return ((a >> k) | (a << (N - k))) & MASK


def ieqz(a: int) -> int:
    return 0 if a else 1


def ieq(a: int, b: int) -> int:
    return 1 if a == b else 0


def ine(a: int, b: int) -> int:
    return 1 if a != b else 0


def ilt_u(a: int, b: int) -> int:
    return 1 if a < b else 0


def igt_u(a: int, b: int) -> int:
    return 1 if a > b else 0


def ile_u(a: int, b: int) -> int:
    return 1 if a <= b else 0


def ige_u(a: int, b: int) -> int:
    return 1 if a >= b else 0


def ilt_s(a: int, b: int) -> int:
    return 1 if a ^ HALF < b ^ HALF else 0


def igt_s(a: int, b: int) -> int:
    return 1 if a ^ HALF > b ^ HALF else 0


def ile_s(a: int, b: int) -> int:
    return 1 if a ^ HALF <= b ^ HALF else 0


def ige_s(a: int, b: int) -> int:
    return 1 if a ^ HALF >= b ^ HALF else 0


# iextendM_s: the low M bits read as signed_M, extended to N bits.

def iextend8_s(a: int) -> int:
    return (((a & 0xFF) ^ 0x80) - 0x80) & MASK


def iextend16_s(a: int) -> int:
    return (((a & 0xFFFF) ^ 0x8000) - 0x8000) & MASK


def iextend32_s(a: int) -> int:
    return (((a & 0xFFFF_FFFF) ^ 0x8000_0000) - 0x8000_0000) & MASK


OPS = (iclz, ictz, ipopcnt, iadd, isub, imul, idiv_u, idiv_s, irem_u, irem_s,
       iand, ior, ixor, ishl, ishr_s, ishr_u, irotl, irotr,
       ieqz, ieq, ine, ilt_u, igt_u, ile_u, ige_u, ilt_s, igt_s, ile_s, ige_s,
       iextend8_s, iextend16_s)
# Only the widths above 32 have an instruction that extends from 32 bits (i64.extend32_s).
WIDE_OPS = (iextend32_s,)


def instantiate(prefix: str, n: int) -> dict:
    """{``<prefix>_add``: iadd_N, ...}: every op of `OPS` (and `WIDE_OPS` for N > 32)
    for the width ``n``."""
    if n not in (32, 64):
        raise TypeError(f"ixx.instantiate: no integer type of width {n}")
    width = {"N": n, "MASK": (1 << n) - 1, "HALF": 1 << (n - 1), "SHIFT": n - 1}
    namespace = {**globals(), **width}
    out = {}
    for op in OPS + (WIDE_OPS if n > 32 else ()):
        name = f"{prefix}_{op.__name__[1:]}"
        fn = FunctionType(op.__code__, namespace, name)
        fn.__qualname__ = name
        fn.__doc__ = op.__doc__
        out[name] = fn
    return out
