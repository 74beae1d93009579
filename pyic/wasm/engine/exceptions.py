"""Exception handling (spec 4.6.2 "Control Instructions": ``throw``,
``throw_ref``, ``try_table``; 4.6.4 "Exception Handling": entering and exiting handlers).

A thrown Wasm exception travels as a Python exception: `UncaughtException`
(``kind = "exception"``) carrying the tag instance and payload, and as
``exn`` the `ExnInst` an ``exnref`` designates.  The run loop catches it
and looks for a handler, innermost first, in the current frame and then in
each caller's frame at its call site; when none is left it leaves the
invocation (so an exception that escapes is an `UncaughtException` for the
embedder, and a host function between two Wasm frames passes it on).

Handlers are static: lowering records for each ``try_table`` the range of
lowered instructions of its body and its catch clauses, in the order the
bodies end, so an inner ``try_table`` comes before the ones around it.  A
clause is ``(taginst or None, with_ref, target pc, height)``: on a match the
operand stack is cut to the target label's height (relative to the frame),
the payload (and for ``catch_ref``/``catch_all_ref`` the exnref) pushed,
and execution continues at the label (as the spec's handler rules branch).
Traps and exhaustion are not exceptions and are never caught.

Counting: ``throw`` and ``throw_ref`` count once; ``try_table`` counts once on
entry, like ``block``; the branch to a catch label is part of the ``throw``
(docs/semantics.md).
"""

from __future__ import annotations

from ...errors import Trap
from ..exec.rules_basic import pop_values
from ..exec.rules_control import exception_of, raise_exn
from ..runtime.gc import ExnInst
from ..runtime.values import NullRef


class _Delegate:
    """Marks the clause of a legacy ``try ... delegate`` (never a tag instance)."""

    def __repr__(self) -> str:
        return "DELEGATE"


DELEGATE = _Delegate()
# raising an exception instance, and finding it in the raised `UncaughtException`, are the
# reference's (`pyic.wasm.exec.rules_control`); the baseline interpreter calls the latter exn_of
exn_of = exception_of


def throw(ins, S, L, pc):
    # (h, cost, taginst, payload arity)
    raise_exn(ExnInst(ins[2], tuple(pop_values(S, ins[3]))))


def throw_ref(ins, S, L, pc):
    r = S.pop()
    if type(r) is NullRef:
        raise Trap("null exception reference")
    raise_exn(r)


def find_handler(handlers: tuple, at: int, exn: ExnInst):
    """The catch clause that handles ``exn`` raised at lowered instruction ``at``, or ``None``."""
    tag = exn.tag
    k = 0
    while k < len(handlers):
        start, end, clauses = handlers[k]
        k += 1
        if start <= at < end:
            for clause in clauses:
                if clause[0] is None or clause[0] is tag:
                    return clause
                if clause[0] is DELEGATE:
                    # legacy ``delegate``: look again from where its label stands
                    # (exec/legacy.py), an earlier pc no entry up to here covers
                    at = clause[2]
                    k = 0
                    break
    return None


def handler_values(clause, exn: ExnInst) -> list:
    """What a catch clause pushes: the payload (``catch`` only), then the exnref
    (``_ref`` kinds)."""
    vals = list(exn.fields) if clause[0] is not None else []
    if clause[1]:
        vals.append(exn)
    return vals
