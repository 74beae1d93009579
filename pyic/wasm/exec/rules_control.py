"""Reduction rules of the control instructions (Wasm 3.0 spec 4.6.2, with 4.6.3
"Blocks", 4.6.4 "Exception Handling", 4.6.5 "Function Calls") and of legacy exception handling
(WebAssembly/exception-handling ``legacy/Exceptions.md``, "Execution"; docs/proposals.md).

Rule conventions: `pyic.wasm.exec.rules_basic`.  Control works on the current frame's
*control stack* ``F.labels``, the spec's labels and handlers of this activation in the order
the spec's stack holds them (the values live on ``S``):

* a label is a tuple ``(continuation, arity n, height)``: the position to continue at, the
  number of values a branch carries, and the height of ``S`` below the construct's operands;
* a `Handler` (``try_table``'s catch clauses) sits below the label of its ``try_table``;
  a legacy ``try`` pushes its label and then `Catches` or a `Delegate`, and a catch
  body runs with a `Caught` entry (the exception ``rethrow`` throws) above the try's label.

A branch ``br l`` to label L (at static position ``pos``) keeps L's n values, drops the
values down to L's height, pops every entry above L and L itself (a loop's label stays: the
branch continues with the loop's body, 4.6.2 ``br``), and continues at L's continuation.

Rules that change frames reduce, as the spec does, to an administrative instruction the
interpreter (`pyic.wasm.exec.eval`) carries out; they record the frame's return position in
``F.pc`` and return a request:

* ``INVOKE``: invoke ``F.callee`` (4.6.5 "Invocation of function reference"): ``call x``
  reduces to ``(ref.func a) call_ref``, and so do ``call_indirect`` and ``call_ref``;
* ``RETURN_INVOKE``: the tail calls: the frame is popped, then ``invoke F.callee``;
* ``RETURN``: the frame returns its n values (4.6.2 ``return``, 4.6.5);
* ``CHARGE``: pay ``F.units`` before the next instruction (bulk operations).

``throw`` and ``throw_ref`` raise `UncaughtException`; the interpreter unwinds the
control stacks and frames to the innermost handler that catches it (4.6.2 ``throw_ref``, 4.6.4).
"""

from __future__ import annotations

from ...errors import Trap, UncaughtException
from ..runtime.aggregates import desc_matches
from ..runtime.gc import ExnInst, ref_matches
from ..runtime.types import match_deftype
from ..runtime.values import NullRef
from .rules_basic import pop_values

# the requests (negative; the two that invoke are the ones above RETURN)
INVOKE = -1
RETURN_INVOKE = -2
RETURN = -3
CHARGE = -4


class Handler:
    """``handler{catch*}`` of a ``try_table``: clauses ``(taginst or None for catch_all,
    with the exnref, target label position, control-stack length after the branch)``."""

    __slots__ = ("clauses",)

    def __init__(self, clauses: tuple) -> None:
        self.clauses = clauses


class Catches:
    """A legacy ``try``'s catches: ``(taginst or None for catch_all, body position)``."""

    __slots__ = ("catches",)

    def __init__(self) -> None:
        self.catches: list = []


class Delegate:
    """A legacy ``try ... delegate l``: an exception goes on to the handlers below control-stack
    depth ``depth`` (outside the try and l more constructs)."""

    __slots__ = ("depth",)

    def __init__(self, depth: int) -> None:
        self.depth = depth


class Caught:
    """A legacy catch body runs with the exception it caught (``caught{exn}``) for ``rethrow``."""

    __slots__ = ("exn",)

    def __init__(self, exn) -> None:
        self.exn = exn


# ------------------------------ 4.6.2 nop, unreachable, blocks; 4.6.3 entering and exiting


def nop(ins, S, L, F, pc):
    """4.6.2 ``nop``."""
    return pc


def unreachable(ins, S, L, F, pc):
    """4.6.2 ``unreachable``: trap."""
    raise Trap("unreachable")


def block(ins, S, L, F, pc):
    """4.6.2 ``block bt instr* end``: enter the body with a label of arity n (the results),
    continuation after the ``end``.  (rule, cost, continuation, n, m parameters)"""
    F.labels.append((ins[2], ins[3], len(S) - ins[4]))
    return pc


def loop(ins, S, L, F, pc):
    """4.6.2 ``loop bt instr* end``: a label of arity m (the parameters) whose continuation is
    the body's start.  (rule, cost, m)"""
    F.labels.append((pc, ins[2], len(S) - ins[2]))
    return pc


def if_(ins, S, L, F, pc):
    """4.6.2 ``if bt instr1* else instr2* end``: pop c; enter instr1* if c is not 0, else
    instr2*, as a block.  (rule, cost, position of instr2*, continuation, n, m)"""
    c = S.pop()
    F.labels.append((ins[3], ins[4], len(S) - ins[5]))
    return pc if c else ins[2]


def end(ins, S, L, F, pc):
    """4.6.3 "Exiting instr* with label L": the body ended, its values stay; pop the label."""
    F.labels.pop()
    return pc


def else_(ins, S, L, F, pc):
    """The then-branch of an ``if`` ended: exit its label and skip the else-branch."""
    F.labels.pop()
    return ins[2]


# ------------------------------ 4.6.2 branches


def _branch(ins, S, F):
    """``br l`` to the label at position ``ins[2]``; ``ins[3]``: the control-stack length after."""
    labels = F.labels
    cont, n, height = labels[ins[2]]
    k = len(S) - n
    if k != height:
        del S[height:k]
    del labels[ins[3]:]
    return cont


def br(ins, S, L, F, pc):
    """4.6.2 ``br l``."""
    return _branch(ins, S, F)


def br_if(ins, S, L, F, pc):
    """4.6.2 ``br_if l``: pop c; ``br l`` if c is not 0."""
    if S.pop():
        return _branch(ins, S, F)
    return pc


def br_table(ins, S, L, F, pc):
    """4.6.2 ``br_table l* lN``: pop i; ``br l*[i]``, or ``br lN`` if i is out of range.
    (rule, cost, ((pos, after), ...), (pos, after))"""
    i = S.pop()
    targets = ins[2]
    pos, after = targets[i] if i < len(targets) else ins[3]
    labels = F.labels
    cont, n, height = labels[pos]
    k = len(S) - n
    if k != height:
        del S[height:k]
    del labels[after:]
    return cont


def br_on_null(ins, S, L, F, pc):
    """4.6.2 ``br_on_null l``: on a null reference pop it and ``br l``, else keep it."""
    if isinstance(S[-1], NullRef):
        S.pop()
        return _branch(ins, S, F)
    return pc


def br_on_non_null(ins, S, L, F, pc):
    """4.6.2 ``br_on_non_null l``: pop a null reference; ``br l`` with any other."""
    if isinstance(S[-1], NullRef):
        S.pop()
        return pc
    return _branch(ins, S, F)


def br_on_cast(ins, S, L, F, pc):
    """4.6.2 ``br_on_cast l rt1 rt2``: ``br l`` with the reference if it matches rt2.
    (rule, cost, pos, after, closed rt2, store.funcs)"""
    if ref_matches(S[-1], ins[4], ins[5]):
        return _branch(ins, S, F)
    return pc


def br_on_cast_fail(ins, S, L, F, pc):
    """4.6.2 ``br_on_cast_fail l rt1 rt2``: ``br l`` with the reference unless it matches rt2."""
    if ref_matches(S[-1], ins[4], ins[5]):
        return pc
    return _branch(ins, S, F)


def br_on_cast_desc_eq(ins, S, L, F, pc):
    """custom-descriptors ``br_on_cast_desc_eq``: pop the descriptor; ``br l`` with the reference
    if it has exactly that descriptor.  (rule, cost, pos, after, target nullable)"""
    d = S.pop()
    if desc_matches(S[-1], d, ins[4]):
        return _branch(ins, S, F)
    return pc


def br_on_cast_desc_eq_fail(ins, S, L, F, pc):
    d = S.pop()
    if desc_matches(S[-1], d, ins[4]):
        return pc
    return _branch(ins, S, F)


def return_(ins, S, L, F, pc):
    """4.6.2 ``return`` (and falling off the function's end, free): return F's n values."""
    return RETURN


# ------------------------------ 4.6.2 calls


def call(ins, S, L, F, pc):
    """4.6.2 ``call x``: ``invoke`` the function F.module.funcaddrs[x] (prepared to it)."""
    F.pc = pc
    F.callee = ins[2]
    return INVOKE


def _table_function(ins, S):
    """4.6.2 ``call_indirect x y``, steps before the invocation: the function at element i
    of table x, whose defined type must match type y.  (…, tableinst, deftype y, store.funcs)"""
    tab = ins[2]
    i = S.pop()
    if i >= tab.size:
        raise Trap(f"undefined element {i}")
    r = tab.get(i)
    if isinstance(r, NullRef):
        raise Trap(f"uninitialized element {i}")
    f = ins[4][r.addr]
    # canonical types are shared objects: the common case is one identity test
    if f.deftype is not ins[3] and not match_deftype(f.deftype, ins[3]):
        raise Trap("indirect call type mismatch")
    return f


def call_indirect(ins, S, L, F, pc):
    F.pc = pc
    F.callee = _table_function(ins, S)
    return INVOKE


def _referenced_function(ins, S):
    """4.6.2 ``call_ref x``: pop a function reference; trap on null."""
    r = S.pop()
    if isinstance(r, NullRef):
        raise Trap("null function reference")
    return ins[2][r.addr]


def call_ref(ins, S, L, F, pc):
    F.pc = pc
    F.callee = _referenced_function(ins, S)
    return INVOKE


def return_call(ins, S, L, F, pc):
    """4.6.2 ``return_call x``: leave the frame, then ``invoke`` x with the arguments."""
    F.callee = ins[2]
    return RETURN_INVOKE


def return_call_indirect(ins, S, L, F, pc):
    """4.6.2 ``return_call_indirect x y``."""
    F.callee = _table_function(ins, S)
    return RETURN_INVOKE


def return_call_ref(ins, S, L, F, pc):
    """4.6.2 ``return_call_ref x``."""
    F.callee = _referenced_function(ins, S)
    return RETURN_INVOKE


# ------------------------------ 4.6.2 exceptions; 4.6.4 entering and exiting handlers


def raise_exn(exn: ExnInst):
    """Throw the exception instance ``exn`` (as `UncaughtException`, caught by the interpreter)."""
    e = UncaughtException("uncaught exception", tag=exn.tag, payload=exn.fields)
    e.exn = exn
    raise e


def exception_of(e: UncaughtException) -> ExnInst:
    """The exception instance of a raised `UncaughtException` (made for one a host raised)."""
    exn = getattr(e, "exn", None)
    if exn is None:
        exn = e.exn = ExnInst(e.tag, tuple(e.payload))
    return exn


def throw(ins, S, L, F, pc):
    """4.6.2 ``throw x``: pop the tag's n values into a new exception instance, throw it.
    (rule, cost, taginst, n)"""
    raise_exn(ExnInst(ins[2], tuple(pop_values(S, ins[3]))))


def throw_ref(ins, S, L, F, pc):
    """4.6.2 ``throw_ref``: pop an exception reference and throw it; trap on null."""
    r = S.pop()
    if type(r) is NullRef:
        raise Trap("null exception reference")
    raise_exn(r)


def try_table(ins, S, L, F, pc):
    """4.6.2 ``try_table bt catch* instr* end``: a handler, then the body as a block.
    (rule, cost, Handler, continuation, n, m)"""
    labels = F.labels
    labels.append(ins[2])
    labels.append((ins[3], ins[4], len(S) - ins[5]))
    return pc


def end_try_table(ins, S, L, F, pc):
    """The body of a ``try_table`` ended: exit its label, then its handler."""
    del F.labels[-2:]
    return pc


# legacy exception handling: try/catch/delegate/rethrow

def try_(ins, S, L, F, pc):
    """Legacy ``try bt instr* (catch x instr*)* (catch_all instr*)? end`` and
    ``try bt instr* delegate l``: the body as a block, with its handler inside the label.
    (rule, cost, continuation, n, m, Catches or Delegate)"""
    labels = F.labels
    labels.append((ins[2], ins[3], len(S) - ins[4]))
    labels.append(ins[5])
    return pc


def end_try(ins, S, L, F, pc):
    """The body of a legacy try ended: exit its handler and label, skip the catches."""
    del F.labels[-2:]
    return ins[2]


def end_catch(ins, S, L, F, pc):
    """A catch body ended: exit ``caught{exn}`` and the try's label, skip the other catches."""
    del F.labels[-2:]
    return ins[2]


def rethrow(ins, S, L, F, pc):
    """Legacy ``rethrow l``: throw again the exception caught by the catch at label l
    (its `Caught` entry at position ``ins[2]``)."""
    raise_exn(F.labels[ins[2]].exn)


# ------------------------------ metering


def charge(ins, S, L, F, pc):
    """Before a bulk operation of n elements (the top operand): pay its instruction cost plus
    ``(n >> shift) * unit`` in one step (docs/semantics.md).  (rule, 0, unit, shift, cost)"""
    F.units = (S[-1] >> ins[3]) * ins[2] + ins[4]
    F.pc = pc
    return CHARGE
