"""Handlers of table instructions (spec 4.6.7).  Lowered form ``(h, cost, tableinst, ...)``;
``table.copy`` and ``table.init`` are `pyic.wasm.runtime.bulk`'s, as the reference's rules."""

from __future__ import annotations

from ..runtime.bulk import copy_table, init_table


def table_get(ins, S, L, pc):
    S[-1] = ins[2].get(S[-1])
    return pc


def table_set(ins, S, L, pc):
    v = S.pop()
    ins[2].set(S.pop(), v)
    return pc


def table_size(ins, S, L, pc):
    S.append(ins[2].size)
    return pc


def table_grow(ins, S, L, pc):
    # (h, cost, tableinst, address mask)
    n = S.pop()
    init = S.pop()
    S.append(ins[2].grow(n, init) & ins[3])
    return pc


def table_fill(ins, S, L, pc):
    n = S.pop()
    v = S.pop()
    i = S.pop()
    ins[2].fill(i, v, n)
    return pc


def table_copy(ins, S, L, pc):
    # (h, cost, dst tableinst, src tableinst)
    n = S.pop()
    s = S.pop()
    copy_table(ins[2], S.pop(), ins[3], s, n)
    return pc


def table_init(ins, S, L, pc):
    # (h, cost, tableinst, eleminst)
    n = S.pop()
    s = S.pop()
    init_table(ins[2], S.pop(), ins[3], s, n)
    return pc


def elem_drop(ins, S, L, pc):
    ins[2].elem = []
    return pc
