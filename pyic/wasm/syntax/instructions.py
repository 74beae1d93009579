"""Instructions (spec 2.4), for all of Wasm 3.0.

Every instruction is one `Instr`: its spec mnemonic ``op`` (exactly the text
format's keyword, e.g. ``"i32.add"``, ``"local.get"``, ``"v128.load8_lane"``)
and its immediates ``imm``, a tuple in the order the abstract syntax lists them.
The kinds of immediates each ``op`` takes are listed in `opcodes.OPCODES`.

Immediate values:

* indices (``funcidx``, ``labelidx``, ...): ints
* ``i32`` / ``i64`` constants: unsigned ints below 2**32 / 2**64
* ``f32`` / ``f64`` constants: their IEEE-754 bit patterns as unsigned ints
* ``v128`` constants: the 128-bit pattern as an unsigned int (lane 0 = low bits)
* ``memarg``: a `MemArg`
* ``blocktype``: ``None`` (empty), a value type, or a type index (int)
* structured instructions carry their bodies as tuples of `Instr`:
  ``block``/``loop``: ``(blocktype, body)``; ``if``: ``(blocktype, then, else_)``;
  ``try_table``: ``(blocktype, catches, body)`` with ``catches`` a tuple of `Catch`.

An expression (``expr``) is a tuple of `Instr` (its closing ``end`` is implicit).
"""

from __future__ import annotations

from typing import Union


from .node import node
from .types import ValType


@node(eq=False)
class Instr:
    """One instruction: ``op`` and its immediates.

    Equality and hashing walk nested bodies with an explicit stack, so that
    comparing deeply nested code cannot exhaust the host stack.
    """

    op: str
    imm: tuple = ()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Instr):
            return NotImplemented
        return _deep_equal(self, other)

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        # Shallow on purpose: nested bodies contribute only their length.
        return hash((self.op, tuple(len(x) if type(x) is tuple else x for x in self.imm)))

    def __repr__(self) -> str:
        if not self.imm:
            return f"Instr({self.op!r})"
        return f"Instr({self.op!r}, {self.imm!r})"


def _deep_equal(a: object, b: object) -> bool:
    """Structural equality of instructions and the tuples holding them, iteratively."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if x is y:
            continue
        tx = type(x)
        if tx is not type(y):
            return False
        if tx is Instr:
            if x.op != y.op or len(x.imm) != len(y.imm):
                return False
            stack.extend(zip(x.imm, y.imm))
        elif tx is tuple:
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y))
        elif x != y:
            return False
    return True


@node
class MemArg:
    """2.4.5 ``memarg ::= {align u32, offset u64}`` plus the memory index of multi-memory.

    ``align`` is the exponent: the alignment is ``2**align`` bytes.
    """

    align: int
    offset: int = 0
    memidx: int = 0


@node
class Catch:
    """2.4.2 a ``try_table`` catch clause.

    ``kind`` is ``"catch"``, ``"catch_ref"``, ``"catch_all"`` or ``"catch_all_ref"``;
    ``tagidx`` is ``None`` for the ``catch_all`` kinds.
    """

    kind: str
    tagidx: int | None
    labelidx: int


BlockType = Union[None, ValType, int]

Expr = tuple  # tuple[Instr, ...]

# Structured instructions (2.4.2) and the index of their first body in ``imm``.
STRUCTURED = ("block", "loop", "if", "try_table")


@node
class LegacyCatch:
    """A handler of the legacy ``try`` (legacy exception handling, docs/proposals.md):
    ``catch x instr*`` (``tagidx`` x) or ``catch_all instr*`` (``tagidx`` None)."""

    tagidx: int | None
    body: tuple


# The legacy ``try`` (WebAssembly/exception-handling, legacy/Exceptions.md):
# ``Instr("try", (blocktype, body, catches, delegate))`` with ``catches`` a tuple of
# `LegacyCatch` (a catch_all last) and ``delegate`` a label index or ``None``
# (a try has catches or a delegate, or neither).


def bodies(instr: Instr) -> tuple:
    """The nested instruction sequences of a structured instruction (else ``()``)."""
    op = instr.op
    if op == "block" or op == "loop":
        return (instr.imm[1],)
    if op == "if":
        return (instr.imm[1], instr.imm[2])
    if op == "try_table":
        return (instr.imm[2],)
    if op == "try":
        return (instr.imm[1],) + tuple(c.body for c in instr.imm[2])
    return ()


def walk(expr: Expr):
    """Every instruction of ``expr``, nested ones included, in order.

    Iterative, so that a deeply nested body cannot exhaust the host stack.
    """
    stack = [iter(expr)]
    while stack:
        for instr in stack[-1]:
            yield instr
            nested = bodies(instr)
            if nested:
                for body in reversed(nested):
                    stack.append(iter(body))
                break
        else:
            stack.pop()
