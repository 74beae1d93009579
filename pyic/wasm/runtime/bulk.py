"""The bulk table and memory operations on instances (Wasm 3.0 spec 4.6.7 ``table.copy``,
``table.init``; 4.6.8 ``memory.copy``, ``memory.init``), shared by the reference interpreter's
rules (`pyic.wasm.exec.rules_memory`) and the fast tier's baseline handlers
(`pyic.wasm.engine.table_ops`, `pyic.wasm.engine.memory_ops`).

Each checks both ranges before it changes anything, so an out-of-bounds operation traps with
nothing done; overlapping ranges behave as the spec's element-by-element order.
"""

from __future__ import annotations

from ...errors import Trap
from .memory import OOB as MEMORY_OOB
from .memory import move

TABLE_OOB = "out of bounds table access"


def copy_table(dt, d: int, st, s: int, n: int) -> None:
    """``table.copy``: ``n`` elements of table ``st`` from ``s`` to table ``dt`` at ``d``, as if
    through a temporary."""
    if s + n > st.size or d + n > dt.size:
        raise Trap(TABLE_OOB)
    if n:
        vals = [st.get(s + k) for k in range(n)]
        for k in range(n):
            dt.set(d + k, vals[k])


def init_table(t, d: int, eleminst, s: int, n: int) -> None:
    """``table.init``: ``n`` references of the element instance from ``s`` to ``t`` at ``d``."""
    elem = eleminst.elem
    if s + n > len(elem) or d + n > t.size:
        raise Trap(TABLE_OOB)
    for k in range(n):
        t.set(d + k, elem[s + k])


def copy_memory(dm, d: int, sm, s: int, n: int) -> None:
    """``memory.copy``: ``n`` bytes of memory ``sm`` from ``s`` to memory ``dm`` at ``d``."""
    if dm is sm:
        dm.copy_within(d, s, n)
    else:
        if s + n > sm.size or d + n > dm.size:
            raise Trap(MEMORY_OOB)
        move(dm, d, sm, s, n)


def init_memory(m, d: int, datainst, s: int, n: int) -> None:
    """``memory.init``: ``n`` bytes of the data instance from ``s`` to ``m`` at ``d``."""
    data = datainst.data
    if s + n > len(data) or d + n > m.size:
        raise Trap(MEMORY_OOB)
    m.write(d, data[s:s + n])
