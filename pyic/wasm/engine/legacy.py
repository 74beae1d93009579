"""Execution of legacy exception handling (WebAssembly/exception-handling,
``proposals/exception-handling/legacy/Exceptions.md``, "Execution"; docs/proposals.md).

Lowering (`lower`) turns a legacy ``try`` into the same static handler table
``try_table`` uses (`pyic.wasm.engine.exceptions`):

* the try's body gets a handler entry whose clauses are its catches, in order:
  ``(taginst or None, True, catch label, try's base height)``.  A match cuts the
  stack to the try's base, pushes the payload and the exception, and jumps to
  the catch body, whose first instruction (`catch_enter`) keeps the exception
  in a hidden local of the frame for ``rethrow``;
* ``delegate l`` gives the body an entry with the single clause
  ``(DELEGATE, at)``: the search for a handler starts again at ``at``, the pc
  where label ``l``'s construct opened its section's first nested construct --
  inside every construct around label ``l``'s place and no other (`find_handler`);
  at the function's own label ``at`` is -1, which no handler covers, so the
  exception goes on to the caller;
* ``rethrow l`` throws the exception kept by the catch at label ``l``.

Hidden locals: a catch nested in ``d`` other catches keeps its exception in
local ``nlocals + d``; the frame has as many extra locals as the deepest
nesting.

Counting: ``try`` counts once, like ``block``; entering a catch and the jump
from the end of a section to the try's end cost nothing (the ``throw`` paid for
its branch); ``rethrow`` counts once (docs/semantics.md's rules for
``try_table``, ``throw`` and ``throw_ref``).  The fast tier does not know these
handlers: functions using them run on the reference interpreter.
"""

from __future__ import annotations

from .exceptions import DELEGATE, raise_exn


def try_(ins, S, L, pc):
    # the legacy try: counted, no effect at run time (as block)
    return pc


def catch_enter(ins, S, L, pc):
    # the first instruction of a catch body: keep the exception for rethrow
    L[ins[2]] = S.pop()
    return pc


def rethrow(ins, S, L, pc):
    raise_exn(L[ins[2]])


class TryState:
    """A legacy try while it is lowered: its catches still to lower, its delegate
    target, the pc its body starts at, and the hidden local of the catch being
    lowered."""

    __slots__ = ("catches", "delegate_at", "body_start", "clauses", "labels", "payloads",
                 "slot")

    def __init__(self, catches, delegate_at, body_start: int, clauses, labels) -> None:
        self.catches = list(catches)
        # what each catch starts with on the stack: its tag's parameters
        self.payloads = [c[0].type.params if c[0] is not None else ()
                         for c in clauses if c[0] is not DELEGATE]
        self.delegate_at = delegate_at
        self.body_start = body_start
        self.clauses = clauses
        self.labels = labels
        self.slot = -1


def open_try(ctrl, imm, ctrls: list, mi, code_len: int, label_cls) -> None:
    """Lowering a legacy ``try`` just opened as ``ctrl`` (not yet on ``ctrls``):
    remember its catches' clauses (their labels resolved when the catches are
    reached) and where a delegate sends exceptions."""
    _, _, catches, delegate = imm
    labels = [label_cls() for _ in catches]
    clauses = tuple((mi.tags[c.tagidx] if c.tagidx is not None else None, True, lbl, ctrl.base)
                    for c, lbl in zip(catches, labels))
    delegate_at = None
    if delegate is not None:
        if delegate >= len(ctrls) - 1:
            delegate_at = -1            # the function's label: on to the caller
        else:
            # the opening pc of the construct right inside label ``delegate``'s
            inner = ctrls[len(ctrls) - delegate] if delegate else ctrl
            delegate_at = inner.start
        clauses = ((DELEGATE, False, label_cls(delegate_at), None),)
    ctrl.legacy = TryState(catches, delegate_at, code_len, clauses, labels)


def end_section(ctrl, ctrls: list, code: list, handlers: list, first_hidden: int,
                hidden: list, jump) -> tuple | None:
    """A section of the legacy try ``ctrl`` (on top of ``ctrls``) ends: add the body's
    handler entry; if a catch follows, emit the jump over it and its entry, and
    return ``(catch body, stack height at its start)``, else ``None``.
    ``hidden[0]``: the most hidden locals needed so far."""
    t = ctrl.legacy
    if t.body_start >= 0:
        if t.clauses:
            handlers.append((t.body_start, len(code), t.clauses))
        t.body_start = -1
    if not t.catches:
        return None
    if not ctrl.unreachable:
        code.append([jump, 0, ctrl.end])
    catch = t.catches.pop(0)
    t.labels.pop(0).pc = len(code)
    depth = sum(1 for c in ctrls[:-1] if c.kind == "catch")
    t.slot = first_hidden + depth
    hidden[0] = max(hidden[0], depth + 1)
    code.append([catch_enter, 0, t.slot])
    ctrl.kind = "catch"
    ctrl.unreachable = False
    return catch.body, ctrl.base + len(t.payloads.pop(0))
