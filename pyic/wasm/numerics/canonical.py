"""Canonical NaNs for `Config.canonical_nan` (the IC's deterministic mode, docs/numerics.md).

`canonicalising` wraps the operator of a float-producing instruction so that every NaN it
produces is the positive canonical NaN (``0x7FC00000``, ``0x7FF8000000000000``; for vectors,
lane by lane).  Both tiers bind their operators through it once, when preparing or lowering
a function, so the wrapper is the only cost at run time.
"""

from __future__ import annotations

CANON32 = 0x7FC0_0000
CANON64 = 0x7FF8_0000_0000_0000


def nan_shape(op: str) -> str | None:
    """The float shape of ``op``'s result ("f32", "f64", "f32x4", "f64x2") if that can be a NaN
    the IC canonicalises: arithmetic, rounding and conversions; not the bitwise abs/neg/copysign,
    reinterpret, constants, lane moves, comparisons, loads or stores."""
    shape, name = op.split(".", 1)
    if shape not in ("f32", "f64", "f32x4", "f64x2"):
        return None
    if name.startswith(("abs", "neg", "copysign", "reinterpret", "const", "extract_lane",
                        "replace_lane", "splat", "eq", "ne", "lt", "gt", "le", "ge", "load",
                        "store")):
        return None
    return shape


def canonical_lanes(v: int, bits: int) -> int:
    """The v128 ``v`` with each NaN lane of ``bits`` bits replaced by the canonical NaN."""
    fbits = 23 if bits == 32 else 52
    canon = CANON32 if bits == 32 else CANON64
    exp = ((1 << (bits - 1)) - 1) & ~((1 << fbits) - 1)
    frac = (1 << fbits) - 1
    mask = (1 << bits) - 1
    out = 0
    for i in range(128 // bits):
        x = (v >> (i * bits)) & mask
        if x & exp == exp and x & frac:
            x = canon
        out |= x << (i * bits)
    return out


def canonicalising(op: str, fn):
    """``fn``, the operator of ``op``, whose NaN results become the positive canonical NaN
    (``fn`` itself when ``op`` cannot produce a NaN to canonicalise)."""
    shape = nan_shape(op)
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
    if shape is not None:
        bits = 32 if shape == "f32x4" else 64

        def vec(*a):
            return canonical_lanes(fn(*a), bits)
        return vec
    return fn
