"""Typing rules of the threads proposal's instructions (WebAssembly/threads,
``proposals/threads/Overview.md``, "Atomic memory accesses", "Wait and Notify
operators", "Fence operator"; docs/proposals.md).

Every atomic access has a memarg whose alignment must be exactly the access's
natural alignment; ``at`` below is the memory's address type:

* ``t.atomic.load*``: [at] -> [t];  ``t.atomic.store*``: [at t] -> [];
* ``t.atomic.rmw*.op``: [at t] -> [t];  ``t.atomic.rmw*.cmpxchg``: [at t t] -> [t];
* ``memory.atomic.notify``: [at i32] -> [i32];
  ``memory.atomic.wait32``: [at i32 i64] -> [i32], ``wait64``: [at i64 i64] -> [i32];
* ``atomic.fence``: [] -> [].

Atomic accesses to an unshared memory are valid (they trap or return 0 at run
time only where the proposal says so).
"""

from __future__ import annotations

from ...errors import InvalidError
from ..syntax.facts import signature as fixed_signature
from ..syntax.opcodes import ATOMIC_OPS, natural_alignment
from .instructions import HANDLERS, _simple

I32, I64 = "i32", "i64"


def signature(op: str) -> tuple:
    """(operand types after the address, result types) of an atomic access."""
    if op == "memory.atomic.notify":
        return (I32,), (I32,)
    if op == "memory.atomic.wait32":
        return (I32, I64), (I32,)
    if op == "memory.atomic.wait64":
        return (I64, I64), (I32,)
    t, _, name = op.partition(".atomic.")
    if name.startswith("load"):
        return (), (t,)
    if name.startswith("store"):
        return (t,), ()
    if name.endswith(("cmpxchg", "cmpxchg_u")):
        return (t, t), (t,)
    return (t,), (t,)


def _access(op: str):
    operands, results = signature(op)
    nat_exp = natural_alignment(op).bit_length() - 1

    def check(v, instr):
        ma = instr.imm[0]
        mems = v.c.mems
        x = ma.memidx
        if type(x) is not int or not 0 <= x < len(mems):
            raise InvalidError(f"unknown memory {x}")
        if ma.align != nat_exp:
            # smaller or larger: the reference interpreter's wording (WebAssembly/threads
            # interpreter/valid/valid.ml, memop; test/core/threads/atomic.wast)
            raise InvalidError("atomic alignment must be natural")
        at = mems[x].limits.addrtype
        if at == I32 and not 0 <= ma.offset < 1 << 32:
            raise InvalidError("offset out of range")
        v.pop_vals(list((at,) + operands))
        v.vals.extend(results)
    return check


for _op in ATOMIC_OPS:
    HANDLERS[_op] = _access(_op)
_simple("atomic.fence", *fixed_signature("atomic.fence"))
