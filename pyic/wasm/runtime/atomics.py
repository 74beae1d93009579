"""Atomic accesses to a memory instance (the threads proposal, WebAssembly/threads
``proposals/threads/Overview.md``; docs/proposals.md, "Threads"), shared by the reference
interpreter's rules (`pyic.wasm.exec.rules_memory`) and the fast tier's baseline handlers
(`pyic.wasm.engine.atomics`).

pyic runs one thread at a time, so an atomic access is a plain access with the proposal's
checks: the effective address ``a + offset`` must be a multiple of the access size ``n``
("unaligned atomic", checked before the bounds); read-modify-write operations return the
old value zero-extended; ``cmpxchg`` compares with the expected value wrapped to the access
size.  A wait or notify among the threads of a script goes to `pyic.wasm.threads`.
"""

from __future__ import annotations

from ...errors import Trap
from .. import threads

UNALIGNED = "unaligned atomic"
BLOCKED = "wait would block forever"
_from = int.from_bytes

# the read-modify-write operators: (old value, operand) -> new value (wrapped by the access)
RMW = {
    "add": lambda old, v: old + v, "sub": lambda old, v: old - v,
    "and": lambda old, v: old & v, "or": lambda old, v: old | v,
    "xor": lambda old, v: old ^ v, "xchg": lambda old, v: v,
}


def aligned(a: int, offset: int, n: int) -> int:
    """The effective address of an ``n``-byte atomic access, or the trap "unaligned atomic"."""
    ea = a + offset
    if ea % n:
        raise Trap(UNALIGNED)
    return ea


def load(m, a: int, offset: int, n: int) -> int:
    return _from(m.read(aligned(a, offset, n), n), "little")


def store(m, a: int, offset: int, n: int, c: int) -> None:
    m.write(aligned(a, offset, n), (c & ((1 << (8 * n)) - 1)).to_bytes(n, "little"))


def rmw(m, a: int, offset: int, n: int, op, c: int) -> int:
    """``op`` applied to the value at the address and ``c``, stored; the old value."""
    ea = aligned(a, offset, n)
    old = _from(m.read(ea, n), "little")
    m.write(ea, (op(old, c) & ((1 << (8 * n)) - 1)).to_bytes(n, "little"))
    return old


def cmpxchg(m, a: int, offset: int, n: int, expected: int, replacement: int) -> int:
    """``replacement`` stored if the value at the address is ``expected``; the old value."""
    ea = aligned(a, offset, n)
    mask = (1 << (8 * n)) - 1
    old = _from(m.read(ea, n), "little")
    if old == expected & mask:
        m.write(ea, (replacement & mask).to_bytes(n, "little"))
    return old


def notify(m, a: int, offset: int, count: int) -> int:
    """``memory.atomic.notify``: how many waiters were woken (none outside script threads)."""
    ea = aligned(a, offset, 4)
    m.read(ea, 4)                 # bounds
    scheduler = threads.current()
    return scheduler.notify((id(m), ea), count) if scheduler is not None else 0


def wait(m, a: int, offset: int, n: int, expected: int, timeout: int) -> int:
    """``memory.atomic.waitN``: 1 ("not-equal") when the value differs; otherwise, as no other
    thread can notify, 2 ("timed-out") with a timeout (a non-negative i64) and a trap without
    one -- or, among script threads (`pyic.wasm.threads`), sleep until notified (0)."""
    if not m.type.limits.shared:
        raise Trap("expected shared memory")
    ea = aligned(a, offset, n)
    if _from(m.read(ea, n), "little") != expected:
        return 1
    scheduler = threads.current()
    if scheduler is not None:
        try:
            return scheduler.block((id(m), ea), timeout >> 63 == 0)
        except threads.BlockedForever:
            raise Trap(BLOCKED) from None
    if timeout >> 63 == 0:
        return 2
    raise Trap(BLOCKED)
