"""Handlers of control instructions (spec 4.6.2 "Control Instructions") over the lowered form.

Every handler has the signature ``h(ins, S, L, pc) -> pc``: ``ins`` is the
lowered instruction (a tuple ``(h, cost, immediates...)``), ``S`` the operand
stack (one list shared by all frames of a run), ``L`` the current frame's
locals, ``pc`` the index of the next instruction.  It returns the index of the
instruction to run next, or a negative request the run loop carries out:

* ``RETURN``: return from the current frame;
* ``TAIL``: a tail call of the function instance pushed on ``S``;
* ``~pc`` (the bitwise complement of the return address) with a request
  object pushed on ``S``: a `FuncInst` to call, or an int number of
  instruction units to charge before the next instruction (bulk operations).

Structured control is resolved by the lowering pass: ``block``/``loop`` are
no-ops at run time; a branch carries its target index and how many values to
``keep`` (the label's arity) and to ``drop`` below them (known statically,
since validated code has a fixed stack height at every point).
"""

from __future__ import annotations

from ...errors import Trap
from ..runtime.types import match_deftype
from ..runtime.values import NullRef

RETURN = -(1 << 62)
TAIL = RETURN + 1


def nop(ins, S, L, pc):
    # nop, block, loop: counted, no effect at run time
    return pc


def unreachable(ins, S, L, pc):
    raise Trap("unreachable")


def jump(ins, S, L, pc):
    # the jump over an else branch (the ``else`` delimiter; costs 0)
    return ins[2]


def if_(ins, S, L, pc):
    # (if, cost, else_target)
    if S.pop():
        return pc
    return ins[2]


# ------------------------------------------------------------------ branches
# (br, cost, target, keep, drop)

def br(ins, S, L, pc):
    return ins[2]


def br_drop(ins, S, L, pc):
    keep = ins[3]
    n = len(S)
    del S[n - keep - ins[4]:n - keep]
    return ins[2]


def br_if(ins, S, L, pc):
    if S.pop():
        return ins[2]
    return pc


def br_if_drop(ins, S, L, pc):
    if S.pop():
        keep = ins[3]
        n = len(S)
        del S[n - keep - ins[4]:n - keep]
        return ins[2]
    return pc


def br_table(ins, S, L, pc):
    # (br_table, cost, targets, default) with each target (pc, keep, drop)
    i = S.pop()
    targets = ins[2]
    t = targets[i] if i < len(targets) else ins[3]
    drop = t[2]
    if drop:
        keep = t[1]
        n = len(S)
        del S[n - keep - drop:n - keep]
    return t[0]


def br_on_null(ins, S, L, pc):
    if isinstance(S[-1], NullRef):
        S.pop()
        return br_drop(ins, S, L, pc)
    return pc


def br_on_non_null(ins, S, L, pc):
    if isinstance(S[-1], NullRef):
        S.pop()
        return pc
    return br_drop(ins, S, L, pc)


def return_(ins, S, L, pc):
    return RETURN


# ------------------------------------------------------------------ calls
# (call, cost, funcinst)

def call(ins, S, L, pc):
    S.append(ins[2])
    return ~pc


def return_call(ins, S, L, pc):
    S.append(ins[2])
    return TAIL


def _indirect_target(ins, S):
    """4.6.2 ``call_indirect``: the function instance, or a trap.  (…, table, deftype, funcs)"""
    # the reference's rule (exec/rules_control._table_function) with the table's storage read
    # here: the fast tier calls this on every indirect call (fast.CI), a call more would cost
    tab = ins[2]
    i = S.pop()
    if i >= tab.size:
        raise Trap(f"undefined element {i}")
    r = tab.elem[i] if i < len(tab.elem) else tab.far.get(i, tab.tail)
    if isinstance(r, NullRef):
        raise Trap(f"uninitialized element {i}")
    f = ins[4][r.addr]
    # 4.6.2 ``call_indirect``: the function's defined type must match the expected one
    # (canonical types are shared objects: the common case is one identity test)
    if f.deftype is not ins[3] and not match_deftype(f.deftype, ins[3]):
        raise Trap("indirect call type mismatch")
    return f


def call_indirect(ins, S, L, pc):
    S.append(_indirect_target(ins, S))
    return ~pc


def return_call_indirect(ins, S, L, pc):
    S.append(_indirect_target(ins, S))
    return TAIL


def _ref_target(ins, S):
    r = S.pop()
    if isinstance(r, NullRef):
        raise Trap("null function reference")
    return ins[2][r.addr]


def call_ref(ins, S, L, pc):
    # (call_ref, cost, store.funcs)
    S.append(_ref_target(ins, S))
    return ~pc


def return_call_ref(ins, S, L, pc):
    S.append(_ref_target(ins, S))
    return TAIL


def charge(ins, S, L, pc):
    # (charge, 0, unit cost, position of the element count from the top, instruction cost,
    # shift): a bulk operation's whole cost ``(n >> shift) * unit + cost``, paid in one step
    # before it runs
    S.append((S[-ins[3]] >> ins[5]) * ins[2] + ins[4])
    return ~pc
