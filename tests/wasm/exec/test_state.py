"""Memories, tables, globals: laziness, growth, snapshots and rollback."""

import pytest

from build import (FUNCREF, I, Active, Data, Elem, Global, GlobalType, Limits, Mem, MemArg, MemType,
                   Table, TableType, ft, func_module, instantiate)
from pyic.errors import Trap
from pyic.wasm import embed
from pyic.wasm.runtime.values import FuncRef, NullRef

I32, I64 = "i32", "i64"


def test_huge_memories_cost_nothing_up_front_and_work_sparsely():
    m = func_module(
        [(0, [], [I("local.get", 0), I("local.get", 1), I("i64.store", MemArg(3, 0, 0)),
                  I("local.get", 0), I("i64.load", MemArg(3, 0, 0))])],
        [ft([I64, I64], [I64])],
        mems=[Mem(MemType(Limits(1 << 32, None, I64)))])   # 256 TiB, 64-bit
    store, inst = instantiate(m)
    mem = store.mems[0]
    assert len(mem.data) <= 1 << 22 and not mem.pages
    assert embed.invoke_export(store, inst, "f0", [1 << 40, 0x1122334455667788])[0] == [
        0x1122334455667788
    ]
    assert embed.invoke_export(store, inst, "f0", [(1 << 48) - 8, 5])[0] == [5]
    assert len(mem.data) <= 1 << 22 and len(mem.pages) == 2
    with pytest.raises(Trap, match="out of bounds memory access"):
        embed.invoke_export(store, inst, "f0", [1 << 48, 1])


def test_full_32bit_memory_is_lazy():
    store = embed.Store()
    ev = embed.mem_alloc(store, MemType(Limits(65536)))
    mem = store.mems[ev.addr]
    assert len(mem.data) <= 1 << 22
    embed.mem_write(store, ev, (1 << 32) - 4, b"\1\2\3\4")
    assert embed.mem_read(store, ev, (1 << 32) - 4, 4) == b"\1\2\3\4"
    assert embed.mem_read(store, ev, 1 << 27, 4) == b"\0\0\0\0"
    with pytest.raises(Trap):
        embed.mem_read(store, ev, (1 << 32) - 3, 4)


def test_memory_grow_beyond_max_returns_minus_one():
    m = func_module([(0, [], [I("local.get", 0), I("memory.grow", 0)])], [ft([I32], [I32])],
                    mems=[Mem(MemType(Limits(1, 3)))])
    store, inst = instantiate(m)
    assert embed.invoke_export(store, inst, "f0", [2])[0] == [1]
    assert embed.invoke_export(store, inst, "f0", [1])[0] == [0xFFFFFFFF]
    assert embed.mem_size(store, inst.exports.get("f0") and embed.ExternVal("memory", 0)) == 3


def test_table_of_2_to_the_32_entries_is_lazy():
    store = embed.Store()
    ev = embed.table_alloc(store, TableType(Limits((1 << 32) - 1, None), FUNCREF))
    t = store.tables[ev.addr]
    assert len(t.elem) <= 1 << 16
    embed.table_write(store, ev, (1 << 32) - 2, FuncRef(0))
    assert embed.table_read(store, ev, (1 << 32) - 2) == FuncRef(0)
    assert isinstance(embed.table_read(store, ev, 1 << 31), NullRef)
    assert embed.table_grow(store, ev, 2) == -1 or embed.table_size(store, ev) == (1 << 32) + 1


def _stateful_module():
    # f0(a, v): memory[a] = v; g = v; table[0] = ref.func 0 ; f1: memory.grow 1
    body = [I("local.get", 0), I("local.get", 1), I("i32.store", MemArg(2, 0, 0)),
            I("local.get", 1), I("global.set", 0),
            I("i32.const", 0), I("ref.func", 0), I("table.set", 0)]
    return func_module(
        [(0, [], body), (1, [], [I("i32.const", 1), I("memory.grow", 0), I("drop")])],
        [ft([I32, I32], []), ft()],
        mems=[Mem(MemType(Limits(1, 10)))],
        tables=[Table(TableType(Limits(2), FUNCREF))],
        globals_=[Global(GlobalType(True, I32), (I("i32.const", 7),))],
        elems=[Elem(FUNCREF, ((I("ref.func", 1),),), Active(0, (I("i32.const", 1),)))],
        datas=[Data(b"hello", Active(0, (I("i32.const", 100),)))])


def test_rollback_restores_memory_globals_and_tables_exactly():
    store, inst = instantiate(_stateful_module())
    mem, g, tab = store.mems[0], store.globals[0], store.tables[0]
    before = (mem.read(0, mem.size), mem.size, g.value, list(tab.elem), tab.size)
    snap = embed.snapshot(inst)
    embed.invoke_export(store, inst, "f0", [100, 0xDEADBEEF])
    embed.invoke_export(store, inst, "f1", [])
    embed.invoke_export(store, inst, "f0", [65536 + 5, 1])
    assert mem.size == 2 * 65536 and g.value == 1 and tab.get(0) == FuncRef(inst.funcs[0].addr)
    snap.rollback()
    after = (mem.read(0, mem.size), mem.size, g.value, list(tab.elem), tab.size)
    assert after == before
    # rolled back twice in a row, and writes after the rollback are journalled too
    embed.invoke_export(store, inst, "f0", [8, 3])
    snap.rollback()
    assert (mem.read(0, mem.size), g.value) == (before[0], before[2])
    snap.release()
    embed.invoke_export(store, inst, "f0", [8, 3])
    assert mem.read(8, 4) == b"\3\0\0\0" and mem.journal is None


def test_snapshot_is_cheap_for_a_large_memory():
    store = embed.Store()
    ev = embed.mem_alloc(store, MemType(Limits(4096)))    # 256 MiB
    mem = store.mems[ev.addr]
    mem.write(40 << 20, b"x")                             # dense prefix now 40 MiB+
    from pyic.wasm.runtime.snapshot import Snapshot
    snap = Snapshot([mem], [], [])
    mem.write(5, b"abc")
    assert snap.journal_bytes() == 4096                   # one chunk saved, not the memory
    snap.rollback()
    assert mem.read(5, 3) == b"\0\0\0" and mem.read(40 << 20, 1) == b"x"


def test_active_segments_and_out_of_bounds_segment_traps():
    store, inst = instantiate(_stateful_module())
    assert store.mems[0].read(100, 5) == b"hello"
    assert store.tables[0].get(1) == FuncRef(inst.funcs[1].addr)
    bad = func_module([], [], mems=[Mem(MemType(Limits(1)))],
                      datas=[Data(b"ab", Active(0, (I("i32.const", 65535),)))])
    with pytest.raises(Trap, match="out of bounds memory access"):
        instantiate(bad)
