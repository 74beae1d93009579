"""The validation algorithm for instruction sequences (appendix "Validation Algorithm").

One pass over the instructions with a value stack of types (``BOT`` for the
unknown types a polymorphic stack produces), a control stack of `Frame`s and
the initialization stack of locals.  Nested bodies are walked with an explicit
stack of iterators, so nesting depth costs no host stack.

The per-instruction typing rules live in `instructions`: ``SIMPLE`` maps the
ops with a fixed type ``[t1*] -> [t2*]`` to precomputed operand lists (checked
inline in `ExprValidator.check_body`), ``HANDLERS`` maps every other op to a
function of the validator and the instruction.
"""

from __future__ import annotations

from ...errors import InvalidError
from . import legacy
from .instructions import HANDLERS, SIMPLE
from .types import (
    BOT, RefType, match_valtype, string_of_resulttype, string_of_valtype,
)

LEGACY_SECTIONS = frozenset(("try", "catch", "catch_all"))


class Frame:
    """ctrl_frame: opcode, start/end types, value and init stack heights, unreachable."""

    __slots__ = ("opcode", "start_types", "end_types", "height", "init_height",
                 "unreachable", "else_body")

    def __init__(self, opcode, start_types, end_types, height, init_height, else_body):
        self.opcode = opcode
        self.start_types = start_types
        self.end_types = end_types
        self.height = height
        self.init_height = init_height
        self.unreachable = False
        self.else_body = else_body


def mismatch(expected: str, actual: str):
    return InvalidError(f"type mismatch: instruction requires {expected} but stack has {actual}")


class ExprValidator:
    """Validates one function body or constant expression in context ``c``."""

    def __init__(self, c, local_types=(), results=()) -> None:
        self.c = c
        self.ts = c.types
        self.vals: list = []
        self.ctrls: list = []
        self.inits: list = []
        self.locals = list(local_types)
        self.local_init = None  # None: every local is initialized (the common case)
        self.results = tuple(results)

    # ------------------------------------------------------------ locals

    def set_uninitialized(self, flags: list) -> None:
        """Mark the locals whose flag is False as not yet initialized (non-defaultable)."""
        if not all(flags):
            self.local_init = list(flags)

    def local(self, x):
        if type(x) is not int or not 0 <= x < len(self.locals):
            raise InvalidError(f"unknown local {x}")
        return self.locals[x]

    def get_local(self, x) -> None:
        if self.local_init is not None and not self.local_init[x]:
            raise InvalidError("uninitialized local")

    def set_local(self, x) -> None:
        init = self.local_init
        if init is not None and not init[x]:
            self.inits.append(x)
            init[x] = True

    def reset_locals(self, height: int) -> None:
        inits = self.inits
        while len(inits) > height:
            self.local_init[inits.pop()] = False

    # ------------------------------------------------------------ value stack

    def pop_any(self):
        """pop_val(): any one operand."""
        vals = self.vals
        frame = self.ctrls[-1]
        if len(vals) == frame.height:
            if frame.unreachable:
                return BOT
            raise mismatch("[_]", "[]")
        return vals.pop()

    def pop_val(self, expect):
        """pop_val(expect): one operand matching ``expect``."""
        vals = self.vals
        frame = self.ctrls[-1]
        if len(vals) == frame.height:
            if frame.unreachable:
                return BOT
            raise mismatch(string_of_resulttype((expect,)), "[]")
        actual = vals[-1]
        if actual is not BOT and actual != expect and not match_valtype(self.ts, actual, expect):
            raise mismatch(string_of_resulttype((expect,)), string_of_resulttype((actual,)))
        vals.pop()
        return actual

    def pop_ref(self) -> RefType:
        t = self.pop_any()
        if t is BOT:
            return RefType(False, BOT)
        if not isinstance(t, RefType):
            raise InvalidError("type mismatch: instruction requires reference type but stack has "
                               + string_of_valtype(t))
        return t

    def pop_vals(self, types) -> list:
        """pop_vals(types): operands matching ``types`` (a list or tuple), deepest first."""
        vals = self.vals
        frame = self.ctrls[-1]
        n = len(types)
        size = len(vals)
        avail = size - frame.height
        ts = self.ts
        if avail >= n:
            popped = vals[size - n:]
            for a, e in zip(popped, types):
                if a is not BOT and a != e and not match_valtype(ts, a, e):
                    raise mismatch(string_of_resulttype(types), string_of_resulttype(popped))
            del vals[size - n:]
            return popped
        popped = vals[frame.height:]
        ok = frame.unreachable and all(
            a is BOT or a == e or match_valtype(ts, a, e)
            for a, e in zip(popped, types[n - avail:]))
        if not ok:
            raise mismatch(string_of_resulttype(types), string_of_resulttype(popped))
        del vals[frame.height:]
        return [BOT] * (n - avail) + popped

    def pop_repeat(self, t, n: int) -> None:
        """pop_vals([t]*n) without building the list (n may be huge: array.new_fixed)."""
        vals = self.vals
        frame = self.ctrls[-1]
        avail = len(vals) - frame.height
        if n > avail and not frame.unreachable:
            raise mismatch(f"{n} operands of type {string_of_valtype(t)}", f"{avail}")
        for _ in range(min(n, avail)):
            self.pop_val(t)

    # ------------------------------------------------------------ control stack

    def push_ctrl(self, opcode, start_types, end_types, else_body=None) -> None:
        self.ctrls.append(Frame(opcode, start_types, end_types, len(self.vals),
                                len(self.inits), else_body))
        self.vals.extend(start_types)

    def pop_ctrl(self) -> Frame:
        frame = self.ctrls[-1]
        self.pop_vals(frame.end_types)
        if len(self.vals) != frame.height:
            raise InvalidError(
                f"type mismatch: block requires {string_of_resulttype(frame.end_types)} "
                f"but stack has {string_of_resulttype(self.vals[frame.height:])}")
        if self.local_init is not None:
            self.reset_locals(frame.init_height)
        self.ctrls.pop()
        return frame

    def label(self, n) -> Frame:
        """ctrls[n], the frame label ``n`` refers to."""
        ctrls = self.ctrls
        if type(n) is not int or not 0 <= n < len(ctrls):
            raise InvalidError(f"unknown label {n}")
        return ctrls[-1 - n]

    def label_types(self, n):
        frame = self.label(n)
        return frame.start_types if frame.opcode == "loop" else frame.end_types

    def unreachable(self) -> None:
        frame = self.ctrls[-1]
        del self.vals[frame.height:]
        frame.unreachable = True

    # ------------------------------------------------------------ the main loop

    def check_body(self, body, end_types) -> None:
        """Validate ``body`` as a block of type [] -> ``end_types`` (a function body
        or a constant expression), with every nested body, iteratively."""
        simple_get = SIMPLE.get
        handler_get = HANDLERS.get
        vals = self.vals
        ctrls = self.ctrls
        if not isinstance(body, (tuple, list)):
            raise InvalidError("malformed expression")
        self.push_ctrl("block", (), list(end_types))
        stack = [iter(body)]
        while stack:
            height = ctrls[-1].height
            for instr in stack[-1]:
                try:
                    op = instr.op
                except AttributeError:
                    raise InvalidError(f"malformed instruction {instr!r}") from None
                sig = simple_get(op)
                if sig is not None:
                    n, pops, pushes = sig
                    if n:
                        if len(vals) - height >= n and vals[-n:] == pops:
                            del vals[-n:]
                        else:
                            self.pop_vals(pops)
                    vals.extend(pushes)
                    continue
                handler = handler_get(op)
                if handler is None:
                    raise InvalidError(f"unsupported instruction {op}")
                nested = handler(self, instr)
                if nested is not None:  # entered a block: its frame is pushed
                    if not isinstance(nested, (tuple, list)):
                        raise InvalidError("malformed block body")
                    stack.append(iter(nested))
                    break
            else:
                # 'end' (or 'else') of the innermost body
                stack.pop()
                frame = self.pop_ctrl()
                if frame.opcode == "if":
                    else_body = frame.else_body
                    if not isinstance(else_body, (tuple, list)):
                        raise InvalidError("malformed else body")
                    self.push_ctrl("else", frame.start_types, frame.end_types)
                    stack.append(iter(else_body))
                elif frame.opcode in LEGACY_SECTIONS and (
                        nested := legacy.after_section(self, frame)) is not None:
                    stack.append(iter(nested))     # the next catch of a legacy try
                else:
                    vals.extend(frame.end_types)
