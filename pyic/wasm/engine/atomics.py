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

Counting: each instruction counts once (its cost in the cost model).
The fast tier does not know these handlers: functions using them run on the
reference interpreter, with the same counts.
"""

from __future__ import annotations

from ...errors import Trap
from .. import threads
from ..syntax.opcodes import ATOMIC_OPS, natural_alignment

UNALIGNED = "unaligned atomic"


def _address(ins, a: int) -> int:
    ea = a + ins[3]
    if ea % ins[4]:
        raise Trap(UNALIGNED)
    return ea


def load(ins, S, L, pc):
    # (h, cost, mem, offset, size)
    a = _address(ins, S[-1])
    S[-1] = int.from_bytes(ins[2].read(a, ins[4]), "little")
    return pc


def store(ins, S, L, pc):
    v = S.pop()
    a = _address(ins, S.pop())
    n = ins[4]
    ins[2].write(a, (v & ((1 << (8 * n)) - 1)).to_bytes(n, "little"))
    return pc


def rmw(ins, S, L, pc):
    # (h, cost, mem, offset, size, op)
    v = S.pop()
    a = _address(ins, S[-1])
    n = ins[4]
    m = ins[2]
    old = int.from_bytes(m.read(a, n), "little")
    m.write(a, (ins[5](old, v) & ((1 << (8 * n)) - 1)).to_bytes(n, "little"))
    S[-1] = old
    return pc


def cmpxchg(ins, S, L, pc):
    replacement = S.pop()
    expected = S.pop()
    a = _address(ins, S[-1])
    n = ins[4]
    m = ins[2]
    mask = (1 << (8 * n)) - 1
    old = int.from_bytes(m.read(a, n), "little")
    if old == expected & mask:
        m.write(a, (replacement & mask).to_bytes(n, "little"))
    S[-1] = old
    return pc


def notify(ins, S, L, pc):
    count = S.pop()               # how many waiters to wake
    a = _address(ins, S[-1])
    m = ins[2]
    m.read(a, 4)                  # bounds
    scheduler = threads.current()
    # without script threads nobody waits: nobody is woken
    S[-1] = scheduler.notify((id(m), a), count) if scheduler is not None else 0
    return pc


def wait(ins, S, L, pc):
    timeout = S.pop()
    expected = S.pop()
    m = ins[2]
    if not m.type.limits.shared:
        raise Trap("expected shared memory")
    a = _address(ins, S[-1])
    n = ins[4]
    if int.from_bytes(m.read(a, n), "little") != expected:
        S[-1] = 1                 # "not-equal"
        return pc
    scheduler = threads.current()
    if scheduler is not None:     # script threads: sleep until notified (pyic.wasm.threads)
        try:
            S[-1] = scheduler.block((id(m), a), timeout >> 63 == 0)
        except threads.BlockedForever:
            raise Trap("wait would block forever") from None
    elif timeout >> 63 == 0:
        S[-1] = 2                 # "timed-out": no thread can notify this one
    else:
        raise Trap("wait would block forever")
    return pc


def fence(ins, S, L, pc):
    return pc


_RMW = {
    "add": lambda old, v: old + v,
    "sub": lambda old, v: old - v,
    "and": lambda old, v: old & v,
    "or": lambda old, v: old | v,
    "xor": lambda old, v: old ^ v,
    "xchg": lambda old, v: v,
}


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
                handler, pops, pushes, extra = rmw, 2, 1, (_RMW[kind],)

    def lower(imm, cost, mi, store_):
        ma = imm[0]
        return pops, pushes, [handler, cost, mi.mems[ma.memidx], ma.offset, size, *extra]
    return lower


# op -> lowering: (immediates, cost, module instance, store) -> (pops, pushes, instruction)
LOWER = {op: _lowering(op) for op in ATOMIC_OPS}
LOWER["atomic.fence"] = lambda imm, cost, mi, store_: (0, 0, [fence, cost])
