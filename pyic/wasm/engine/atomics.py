"""Execution of the threads proposal's instructions (WebAssembly/threads,
``proposals/threads/Overview.md``; docs/proposals.md, "Threads").

pyic runs Wasm deterministically: one thread at a time, so every access is
trivially sequentially consistent and an atomic access is a plain access
with the proposal's extra checks:

* the effective address (operand + offset) must be a multiple of the access
  size, else the trap "unaligned atomic" (checked before the bounds);
* read-modify-write ops return the old value, zero-extended; ``cmpxchg``
  compares with the expected value wrapped to the access size;
* ``memory.atomic.wait32/64`` trap with "expected shared memory" on an
  unshared memory; they return 1 ("not-equal") when the value differs from
  the expected one; otherwise no other thread can ever notify the waiter, so
  with a timeout (a non-negative i64, nanoseconds) the wait ends at once
  with 2 ("timed-out"), and without one (negative) it traps with "wait would
  block forever" -- the deterministic reading of a wait nobody can end;
* ``memory.atomic.notify`` checks its address and wakes nobody: 0;
* within the threads of a script (`pyic.wasm.threads`), a wait with the
  expected value sleeps until a notify wakes it (0) or, when no thread can
  run any more, times out (2) or traps as above;
* ``atomic.fence`` does nothing.

The accesses themselves are `pyic.wasm.runtime.atomics`'s, as the reference's rules.
Counting: each instruction counts once (its cost in the cost model).
The fast tier does not know these handlers: functions using them run on the
reference interpreter, with the same counts.
"""

from __future__ import annotations

from ..runtime import atomics as A
from ..syntax.opcodes import ATOMIC_OPS, natural_alignment


def load(ins, S, L, pc):
    # (h, cost, mem, offset, size)
    S[-1] = A.load(ins[2], S[-1], ins[3], ins[4])
    return pc


def store(ins, S, L, pc):
    v = S.pop()
    A.store(ins[2], S.pop(), ins[3], ins[4], v)
    return pc


def rmw(ins, S, L, pc):
    # (h, cost, mem, offset, size, op)
    v = S.pop()
    S[-1] = A.rmw(ins[2], S[-1], ins[3], ins[4], ins[5], v)
    return pc


def cmpxchg(ins, S, L, pc):
    replacement = S.pop()
    expected = S.pop()
    S[-1] = A.cmpxchg(ins[2], S[-1], ins[3], ins[4], expected, replacement)
    return pc


def notify(ins, S, L, pc):
    count = S.pop()               # how many waiters to wake
    S[-1] = A.notify(ins[2], S[-1], ins[3], count)
    return pc


def wait(ins, S, L, pc):
    timeout = S.pop()
    expected = S.pop()
    S[-1] = A.wait(ins[2], S[-1], ins[3], ins[4], expected, timeout)
    return pc


def fence(ins, S, L, pc):
    return pc


def _lowering(op: str):
    size = natural_alignment(op)
    if op == "memory.atomic.notify":
        handler, pops, pushes, extra = notify, 2, 1, ()
    elif op.startswith("memory.atomic.wait"):
        handler, pops, pushes, extra = wait, 3, 1, ()
    else:
        name = op.partition(".atomic.")[2]
        if name.startswith("load"):
            handler, pops, pushes, extra = load, 1, 1, ()
        elif name.startswith("store"):
            handler, pops, pushes, extra = store, 2, 0, ()
        else:
            kind = name.split(".", 1)[1].removesuffix("_u")
            if kind == "cmpxchg":
                handler, pops, pushes, extra = cmpxchg, 3, 1, ()
            else:
                handler, pops, pushes, extra = rmw, 2, 1, (A.RMW[kind],)

    def lower(imm, cost, mi, store_):
        ma = imm[0]
        return pops, pushes, [handler, cost, mi.mems[ma.memidx], ma.offset, size, *extra]
    return lower


# op -> lowering: (immediates, cost, module instance, store) -> (pops, pushes, instruction)
LOWER = {op: _lowering(op) for op in ATOMIC_OPS}
LOWER["atomic.fence"] = lambda imm, cost, mi, store_: (0, 0, [fence, cost])
