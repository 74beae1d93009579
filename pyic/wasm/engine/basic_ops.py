"""Handlers of parametric (4.6.1), variable (4.6.6), reference (4.6.9) and
numeric/vector (4.6.10, 4.6.11) instructions.

Numeric handlers call the pure functions of `pyic.wasm.numerics`; the function
is an immediate of the lowered instruction: ``(h, cost, fn, lane-immediates...)``.
Handler conventions: see `pyic.wasm.engine.control`.
"""

from __future__ import annotations

from ...errors import Trap
from ..runtime.values import NullRef

# ------------------------------------------------------------------ parametric


def drop(ins, S, L, pc):
    S.pop()
    return pc


def select(ins, S, L, pc):
    c = S.pop()
    b = S.pop()
    if not c:
        S[-1] = b
    return pc


# --------------------------------------------------------------- variables (imm: index or instance)


def local_get(ins, S, L, pc):
    S.append(L[ins[2]])
    return pc


def local_set(ins, S, L, pc):
    L[ins[2]] = S.pop()
    return pc


def local_tee(ins, S, L, pc):
    L[ins[2]] = S[-1]
    return pc


def global_get(ins, S, L, pc):
    S.append(ins[2].value)
    return pc


def global_set(ins, S, L, pc):
    ins[2].value = S.pop()
    return pc


# ------------------------------------------------------------------ constants and numerics


def const(ins, S, L, pc):
    # t.const c, ref.null t, ref.func x: push the immediate value
    S.append(ins[2])
    return pc


def unop(ins, S, L, pc):
    S[-1] = ins[2](S[-1])
    return pc


def binop(ins, S, L, pc):
    b = S.pop()
    S[-1] = ins[2](S[-1], b)
    return pc


def ternop(ins, S, L, pc):
    c = S.pop()
    b = S.pop()
    S[-1] = ins[2](S[-1], b, c)
    return pc


def unop_imm(ins, S, L, pc):
    # extract_lane: (h, cost, fn, lane)
    S[-1] = ins[2](S[-1], ins[3])
    return pc


def binop_imm(ins, S, L, pc):
    # replace_lane, shuffle: (h, cost, fn, imm)
    b = S.pop()
    S[-1] = ins[2](S[-1], b, ins[3])
    return pc


# ------------------------------------------------------------------ references


def ref_is_null(ins, S, L, pc):
    S[-1] = 1 if isinstance(S[-1], NullRef) else 0
    return pc


def ref_as_non_null(ins, S, L, pc):
    if isinstance(S[-1], NullRef):
        raise Trap("null reference")
    return pc


def ref_eq(ins, S, L, pc):
    b = S.pop()
    a = S[-1]
    S[-1] = 1 if (a is b or a == b) else 0
    return pc
