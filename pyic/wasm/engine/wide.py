"""Execution of the wide-arithmetic proposal (WebAssembly/wide-arithmetic,
``proposals/wide-arithmetic/Overview.md``, "Execution"; docs/proposals.md).

A 128-bit integer is two i64 operands, low half first (deeper on the stack); the
operators are `pyic.wasm.numerics.wide`'s, as the reference interpreter's.
Handler conventions: see `pyic.wasm.engine.control`.
"""

from __future__ import annotations

from ..numerics.wide import add128, mul_wide_s, mul_wide_u, sub128


def op4_2(ins, S, L, pc):
    """[i64 i64 i64 i64] -> [i64 i64] through ``ins[2]``."""
    S[-4], S[-3] = ins[2](S[-4], S[-3], S[-2], S[-1])
    del S[-2:]
    return pc


def op2_2(ins, S, L, pc):
    """[i64 i64] -> [i64 i64] through ``ins[2]``."""
    S[-2], S[-1] = ins[2](S[-2], S[-1])
    return pc


def _lowering(handler, fn, pops: int):
    def lower(imm, cost, mi, store):
        return pops, 2, [handler, cost, fn]
    return lower


# op -> lowering: (immediates, cost, module instance, store) -> (pops, pushes, instruction)
LOWER = {
    "i64.add128": _lowering(op4_2, add128, 4),
    "i64.sub128": _lowering(op4_2, sub128, 4),
    "i64.mul_wide_s": _lowering(op2_2, mul_wide_s, 2),
    "i64.mul_wide_u": _lowering(op2_2, mul_wide_u, 2),
}
