"""The operators of the wide-arithmetic proposal (WebAssembly/wide-arithmetic,
``proposals/wide-arithmetic/Overview.md``, "Execution"; docs/proposals.md).

A 128-bit integer is two i64 values, low half first; results are computed on Python ints
and cut back into (low, high).
"""

from __future__ import annotations

M64 = (1 << 64) - 1
M128 = (1 << 128) - 1


def _signed(x: int) -> int:
    return x - (1 << 64) if x >> 63 else x


def add128(lo1: int, hi1: int, lo2: int, hi2: int) -> tuple:
    """``i64.add128``: (lo1 + hi1·2^64) + (lo2 + hi2·2^64) modulo 2^128."""
    r = ((hi1 << 64 | lo1) + (hi2 << 64 | lo2)) & M128
    return r & M64, r >> 64


def sub128(lo1: int, hi1: int, lo2: int, hi2: int) -> tuple:
    """``i64.sub128``: the difference modulo 2^128."""
    r = ((hi1 << 64 | lo1) - (hi2 << 64 | lo2)) & M128
    return r & M64, r >> 64


def mul_wide_s(a: int, b: int) -> tuple:
    """``i64.mul_wide_s``: the 128-bit product of two signed i64."""
    r = (_signed(a) * _signed(b)) & M128
    return r & M64, r >> 64


def mul_wide_u(a: int, b: int) -> tuple:
    """``i64.mul_wide_u``: the 128-bit product of two unsigned i64."""
    r = a * b
    return r & M64, r >> 64
