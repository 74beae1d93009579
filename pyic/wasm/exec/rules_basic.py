"""Reduction rules (Wasm 3.0 spec, 4.6 "Instructions") of the parametric (4.6.1), variable (4.6.6),
reference (4.6.9, the non-aggregate ones), numeric (4.6.10) and vector (4.6.11) instructions.

Every rule has the signature ``rule(ins, S, L, F, pc) -> pc``: ``ins`` is the prepared
instruction ``(rule, cost, immediates...)`` (`pyic.wasm.exec.prepare`), ``S`` the value
stack, ``L`` the current frame's locals, ``F`` the current `Frame`, ``pc`` the position of
the next instruction; it returns where execution continues (`pyic.wasm.exec.eval`).

The operators themselves are the pure functions of `pyic.wasm.numerics` (spec 4.3); a
numeric rule pops its operands, applies the operator and pushes the result, as the spec's
``t.unop``, ``t.binop``, ``t.testop``, ``t.relop`` and ``t2.cvtop_t1`` rules say.
"""

from __future__ import annotations

from ...errors import Trap
from ..numerics import IMMEDIATE, NUMERIC
from ..numerics.canonical import canonicalising
from ..numerics.wide import add128, mul_wide_s, mul_wide_u, sub128
from ..runtime.values import NullRef



def pop_values(S: list, n: int) -> list:
    """Pop the ``n`` values on top of ``S`` (the spec's ``val^n``), deepest first."""
    vals = S[len(S) - n:] if n else []
    del S[len(S) - n:]
    return vals


# ------------------------------ 4.6.10, 4.6.11 numeric and vector


def const(ins, S, L, F, pc):
    """``t.const c``, ``ref.null t``, ``ref.func x`` (prepared to its reference): push the value."""
    S.append(ins[2])
    return pc


def unop(ins, S, L, F, pc):
    """``t.unop``, ``t.testop``, ``t2.cvtop_t1``: pop c1, push op(c1) (a partial op traps)."""
    S[-1] = ins[2](S[-1])
    return pc


def binop(ins, S, L, F, pc):
    """``t.binop``, ``t.relop``: pop c2 then c1, push op(c1, c2)."""
    c2 = S.pop()
    S[-1] = ins[2](S[-1], c2)
    return pc


def ternop(ins, S, L, F, pc):
    """``v128.bitselect`` and the relaxed ternary ops: pop c3, c2, c1, push op(c1, c2, c3)."""
    c3 = S.pop()
    c2 = S.pop()
    S[-1] = ins[2](S[-1], c2, c3)
    return pc


def unop_lane(ins, S, L, F, pc):
    """``shape.extract_lane_sx? x``: the lane index is the operator's last argument."""
    S[-1] = ins[2](S[-1], ins[3])
    return pc


def binop_lane(ins, S, L, F, pc):
    """``shape.replace_lane x``, ``i8x16.shuffle x*``."""
    c2 = S.pop()
    S[-1] = ins[2](S[-1], c2, ins[3])
    return pc


def wide4(ins, S, L, F, pc):
    """wide-arithmetic ``i64.add128``/``sub128``: [i64 i64 i64 i64] -> [i64 i64]."""
    S[-4], S[-3] = ins[2](S[-4], S[-3], S[-2], S[-1])
    del S[-2:]
    return pc


def wide2(ins, S, L, F, pc):
    """wide-arithmetic ``i64.mul_wide_s``/``_u``: [i64 i64] -> [i64 i64]."""
    S[-2], S[-1] = ins[2](S[-2], S[-1])
    return pc


# wide-arithmetic (WebAssembly/wide-arithmetic Overview.md "Execution"; the operators:
# `pyic.wasm.numerics.wide`): a 128-bit integer is two i64 operands, low half first
WIDE = {"i64.add128": (wide4, add128), "i64.sub128": (wide4, sub128),
        "i64.mul_wide_s": (wide2, mul_wide_s), "i64.mul_wide_u": (wide2, mul_wide_u)}


def numeric(op: str, imm: tuple, canonical_nan: bool):
    """The rule and immediates of a numeric or vector instruction ``op``; `Trap` if pyic has
    no operator for it (never for valid code of a supported feature)."""
    if op in WIDE:
        rule, fn = WIDE[op]
        return (rule, fn)
    entry = NUMERIC.get(op)
    if entry is None:
        raise Trap(f"unsupported instruction {op}")
    fn, arity = entry
    if canonical_nan:
        fn = canonicalising(op, fn)
    if op in IMMEDIATE:
        return (unop_lane if arity == 1 else binop_lane, fn, imm[0])
    return ((None, unop, binop, ternop)[arity], fn)


# ------------------------------ 4.6.9 references


def ref_is_null(ins, S, L, F, pc):
    """``ref.is_null``: 1 if the operand is a null reference, else 0."""
    S[-1] = 1 if isinstance(S[-1], NullRef) else 0
    return pc


def ref_as_non_null(ins, S, L, F, pc):
    """``ref.as_non_null``: trap on null, else leave the reference."""
    if isinstance(S[-1], NullRef):
        raise Trap("null reference")
    return pc


def ref_eq(ins, S, L, F, pc):
    """``ref.eq``: 1 if both operands are null or the same reference."""
    r2 = S.pop()
    r1 = S[-1]
    S[-1] = 1 if (r1 is r2 or r1 == r2) else 0
    return pc


# ------------------------------ 4.6.1 parametric


def drop(ins, S, L, F, pc):
    """``drop``: pop a value."""
    S.pop()
    return pc


def select(ins, S, L, F, pc):
    """``select t*?``: pop c, val2, val1; push val1 if c is not 0, else val2."""
    c = S.pop()
    val2 = S.pop()
    if not c:
        S[-1] = val2
    return pc


# ------------------------------ 4.6.6 variables


def local_get(ins, S, L, F, pc):
    """``local.get x``: push F.locals[x]."""
    S.append(L[ins[2]])
    return pc


def local_set(ins, S, L, F, pc):
    """``local.set x``: pop a value into F.locals[x]."""
    L[ins[2]] = S.pop()
    return pc


def local_tee(ins, S, L, F, pc):
    """``local.tee x``: ``local.set x`` keeping the value (spec: a duplicate, then set)."""
    L[ins[2]] = S[-1]
    return pc


def global_get(ins, S, L, F, pc):
    """``global.get x``: the value of the global instance at F.module.globaladdrs[x]
    (prepared to the instance itself)."""
    S.append(ins[2].value)
    return pc


def global_set(ins, S, L, F, pc):
    """``global.set x``: pop a value into the global instance."""
    ins[2].value = S.pop()
    return pc
