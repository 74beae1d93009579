"""Typing rules of legacy exception handling (WebAssembly/exception-handling,
``proposals/exception-handling/legacy/Exceptions.md``, "Validation"; the
pre-3.0 ``try``/``catch``/``catch_all``/``delegate``/``rethrow``; docs/proposals.md).

* ``try bt instr* (catch x instr*)* (catch_all instr*)? end``: the body is a
  block of type ``bt`` = [t1*] -> [t2*]; each ``catch x`` a block of type
  [tag x's parameters] -> [t2*], ``catch_all`` of type [] -> [t2*], all with
  the try's label;
* ``try bt instr* delegate l``: the body as above, and ``l`` a label outside the
  try;
* ``rethrow l``: label ``l`` is that of a ``catch`` or ``catch_all``
  ("invalid rethrow label"); stack-polymorphic.

The control frames of a try's sections are named ``try``, ``catch`` and
``catch_all``; when one ends, `after_section` opens the next.
"""

from __future__ import annotations

from ...errors import InvalidError
from .instructions import HANDLERS, blocktype


class _Sections:
    """The sections of a try still to check: its catches and its delegate label."""

    __slots__ = ("catches", "delegate")

    def __init__(self, catches, delegate) -> None:
        self.catches = list(catches)
        self.delegate = delegate


def _try(v, instr):
    bt, body, catches, delegate = instr.imm
    t1, t2 = blocktype(v, bt)
    v.pop_vals(t1)
    v.push_ctrl("try", t1, t2, _Sections(catches, delegate))
    return body


def _rethrow(v, instr):
    frame = v.label(instr.imm[0])
    if frame.opcode not in ("catch", "catch_all"):
        raise InvalidError("invalid rethrow label")
    v.unreachable()


def after_section(v, frame):
    """The section of a try whose ``frame`` was just popped ended: push the next
    catch's frame and return its body, or ``None`` when the try is complete
    (after checking a delegate's label)."""
    rest = frame.else_body
    if rest.catches:
        catch = rest.catches.pop(0)
        if catch.tagidx is None:
            v.push_ctrl("catch_all", (), frame.end_types, rest)
        else:
            v.push_ctrl("catch", tuple(v.c.tag(catch.tagidx).params), frame.end_types, rest)
        return catch.body
    if rest.delegate is not None:
        v.label(rest.delegate)     # "unknown label" when there is none
    return None


HANDLERS["try"] = _try
HANDLERS["rethrow"] = _rethrow
