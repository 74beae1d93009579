"""Binding numeric and vector instructions to `pyic.wasm.numerics`.

The numerics modules own the arithmetic (pure functions over bit patterns);
this module only finds the function for an op name and, in canonical-NaN
mode, wraps float-producing operations so that every NaN they produce is the
canonical one.
"""

from __future__ import annotations

from ...errors import Trap
from ..numerics import NUMERIC

CANON32 = 0x7FC0_0000
CANON64 = 0x7FF8_0000_0000_0000


def lookup(op: str):
    """The numerics function implementing ``op``; `Trap` if pyic has none (never for valid 2.0 code)."""
    entry = NUMERIC.get(op)
    if entry is None:
        raise Trap(f"unsupported instruction {op}")
    return entry[0]


def _is_float_result(op: str) -> str | None:
    """The float shape an op's result has ("f32" "f64" "f32x4" "f64x2"), if it can be a NaN that
    the IC canonicalises: arithmetic, rounding and conversions; not the bitwise abs/neg/copysign,
    reinterpret, constants, lane moves or comparisons."""
    shape, name = op.split(".", 1)
    if shape not in ("f32", "f64", "f32x4", "f64x2"):
        return None
    if name.startswith(("abs", "neg", "copysign", "reinterpret", "const", "extract_lane",
                        "replace_lane", "splat", "eq", "ne", "lt", "gt", "le", "ge", "load", "store")):
        return None
    return shape


def _canon_lanes(v: int, bits: int) -> int:
    canon = CANON32 if bits == 32 else CANON64
    exp = ((1 << (bits - 1)) - 1) & ~((1 << (23 if bits == 32 else 52)) - 1)
    frac = (1 << (23 if bits == 32 else 52)) - 1
    mask = (1 << bits) - 1
    out = 0
    for i in range(128 // bits):
        x = (v >> (i * bits)) & mask
        if x & exp == exp and x & frac:
            x = canon
        out |= x << (i * bits)
    return out


def canonicalising(op: str, fn):
    """``fn`` wrapped so that NaN results become the positive canonical NaN (IC semantics)."""
    shape = _is_float_result(op)
    if shape is None:
        return fn
    if shape == "f32":
        def f32(*a):
            r = fn(*a)
            return CANON32 if (r & 0x7F80_0000) == 0x7F80_0000 and r & 0x7F_FFFF else r
        return f32
    if shape == "f64":
        def f64(*a):
            r = fn(*a)
            return CANON64 if ((r >> 52) & 0x7FF) == 0x7FF and r & 0xF_FFFF_FFFF_FFFF else r
        return f64
    bits = 32 if shape == "f32x4" else 64

    def vec(*a):
        return _canon_lanes(fn(*a), bits)
    return vec
