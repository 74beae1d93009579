"""Reduction rules of the table (Wasm 3.0 spec 4.6.7) and memory (4.6.8) instructions, and of the
threads proposal's atomic accesses (WebAssembly/threads ``Overview.md``; docs/proposals.md).

Rule conventions: `pyic.wasm.exec.rules_basic`.  A prepared memory instruction carries the
memory instance F.module.memaddrs[x] designates and the static offset: ``(rule, cost,
meminst, offset[, lane])``.  The effective address is operand + offset in unbounded
arithmetic (neither a 32- nor a 64-bit address wraps), and the whole access must lie in
the memory: `MemInst.read`/`write` check it and trap with "out of bounds memory access".
Loads below ``len(data)`` and stores inside the write window (``wlo``..``wlimit``) read and
write the bytearray directly, the same check done by one comparison.
"""

from __future__ import annotations

from ..runtime import atomics
from ..runtime.bulk import copy_memory, copy_table, init_memory, init_table

_from = int.from_bytes

# ------------------------------ 4.6.8 t.load, t.loadN_sx, t.store


def _extend_s(nbits: int, wbits: int):
    h = 1 << (nbits - 1)
    m = (1 << wbits) - 1
    return lambda x: ((x ^ h) - h) & m


def make_load(n: int, extend=None):
    """``t.load memarg`` (``extend`` None) and ``t.loadN_sx memarg`` of ``n`` bytes."""
    if extend is None:
        def load(ins, S, L, F, pc):
            m = ins[2]
            ea = S[-1] + ins[3]
            end = ea + n
            data = m.data
            S[-1] = _from(data[ea:end] if end <= len(data) else m.read(ea, n), "little")
            return pc
    else:
        def load(ins, S, L, F, pc):
            m = ins[2]
            ea = S[-1] + ins[3]
            end = ea + n
            data = m.data
            S[-1] = extend(_from(data[ea:end] if end <= len(data) else m.read(ea, n), "little"))
            return pc
    return load


def make_store(n: int):
    """``t.store memarg``, ``t.storeN memarg``: the value wrapped to ``n`` bytes, little endian."""
    mask = (1 << (8 * n)) - 1

    def store(ins, S, L, F, pc):
        m = ins[2]
        c = S.pop()
        ea = S.pop() + ins[3]
        b = (c & mask).to_bytes(n, "little")
        if m.wlo <= ea <= m.wlimit - n:
            m.data[ea:ea + n] = b
        else:
            m.write(ea, b)
        return pc
    return store


LOADS = {
    "i32.load": (4, None), "i64.load": (8, None), "f32.load": (4, None), "f64.load": (8, None),
    "v128.load": (16, None),
    "i32.load8_s": (1, _extend_s(8, 32)), "i32.load8_u": (1, None),
    "i32.load16_s": (2, _extend_s(16, 32)), "i32.load16_u": (2, None),
    "i64.load8_s": (1, _extend_s(8, 64)), "i64.load8_u": (1, None),
    "i64.load16_s": (2, _extend_s(16, 64)), "i64.load16_u": (2, None),
    "i64.load32_s": (4, _extend_s(32, 64)), "i64.load32_u": (4, None),
}
STORES = {
    "i32.store": 4, "i64.store": 8, "f32.store": 4, "f64.store": 8, "v128.store": 16,
    "i32.store8": 1, "i32.store16": 2, "i64.store8": 1, "i64.store16": 2, "i64.store32": 4,
}

# ------------------------------ 4.6.8 vector loads and stores


def _widen(b: bytes, lanebytes: int, signed: bool) -> int:
    """``v128.loadNxM_sx``: each N-bit lane extended to 2N bits."""
    nbits = 8 * lanebytes
    h = 1 << (nbits - 1)
    m = (1 << (2 * nbits)) - 1
    out = 0
    for i in range(len(b) // lanebytes):
        x = _from(b[i * lanebytes:(i + 1) * lanebytes], "little")
        if signed:
            x = ((x ^ h) - h) & m
        out |= x << (2 * nbits * i)
    return out


def make_vload(op: str):
    """4.6.8 ``v128.loadNxM_sx``, ``v128.loadN_splat``, ``v128.loadN_zero``."""
    name = op.split(".", 1)[1]
    if "x" in name[4:]:
        lanebytes = int(name[4:name.index("x")]) // 8
        signed = name.endswith("_s")
        n = 8

        def conv(b):
            return _widen(b, lanebytes, signed)
    elif name.endswith("_splat"):
        nbits = int(name[4:-6])
        n = nbits // 8

        def conv(b):
            x = _from(b, "little")
            return sum(x << (nbits * i) for i in range(128 // nbits))
    else:
        n = int(name[4:-5]) // 8

        def conv(b):
            return _from(b, "little")

    def vload(ins, S, L, F, pc):
        S[-1] = conv(ins[2].read(S[-1] + ins[3], n))
        return pc
    return vload


def make_load_lane(nbits: int):
    """``v128.loadN_lane memarg x`` (4.6.8)."""
    n = nbits // 8
    mask = (1 << nbits) - 1

    def load_lane(ins, S, L, F, pc):
        v = S.pop()
        x = _from(ins[2].read(S[-1] + ins[3], n), "little")
        shift = ins[4] * nbits
        S[-1] = (v & ~(mask << shift)) | (x << shift)
        return pc
    return load_lane


def make_store_lane(nbits: int):
    """``v128.storeN_lane memarg x`` (4.6.8)."""
    n = nbits // 8
    mask = (1 << nbits) - 1

    def store_lane(ins, S, L, F, pc):
        v = S.pop()
        ea = S.pop() + ins[3]
        ins[2].write(ea, ((v >> (ins[4] * nbits)) & mask).to_bytes(n, "little"))
        return pc
    return store_lane


# ------------------------------ 4.6.8 size, grow, bulk


def memory_size(ins, S, L, F, pc):
    """``memory.size x`` (4.6.8): the size in pages (custom-page-sizes: the memory's pages)."""
    m = ins[2]
    S.append(m.size // m.page_size)
    return pc


def memory_grow(ins, S, L, F, pc):
    """``memory.grow x`` (4.6.8): the old size in pages, or -1 (``ins[3]`` is -1 as the
    memory's address type) when the memory cannot grow."""
    S[-1] = ins[2].grow(S[-1]) & ins[3]
    return pc


def memory_fill(ins, S, L, F, pc):
    """``memory.fill x`` (4.6.8): pop n, val, d; trap if d + n is out of bounds."""
    n = S.pop()
    val = S.pop()
    d = S.pop()
    ins[2].fill(d, val & 0xFF, n)
    return pc


def memory_copy(ins, S, L, F, pc):
    """``memory.copy x y`` (4.6.8): pop n, s, d; both ranges must be in bounds."""
    n = S.pop()
    s = S.pop()
    copy_memory(ins[2], S.pop(), ins[3], s, n)
    return pc


def memory_init(ins, S, L, F, pc):
    """``memory.init x y`` (4.6.8): copy n bytes of data instance y from s to d."""
    n = S.pop()
    s = S.pop()
    init_memory(ins[2], S.pop(), ins[3], s, n)
    return pc


def data_drop(ins, S, L, F, pc):
    """``data.drop x`` (4.6.8): the data instance's bytes become empty."""
    ins[2].data = b""
    return pc


# ------------------------------ 4.6.7 tables


def table_get(ins, S, L, F, pc):
    """``table.get x`` (4.6.7): trap if i is out of bounds."""
    S[-1] = ins[2].get(S[-1])
    return pc


def table_set(ins, S, L, F, pc):
    """``table.set x`` (4.6.7)."""
    val = S.pop()
    ins[2].set(S.pop(), val)
    return pc


def table_size(ins, S, L, F, pc):
    """``table.size x`` (4.6.7)."""
    S.append(ins[2].size)
    return pc


def table_grow(ins, S, L, F, pc):
    """``table.grow x`` (4.6.7): the old size, or -1 (``ins[3]``) when it cannot grow."""
    n = S.pop()
    val = S.pop()
    S.append(ins[2].grow(n, val) & ins[3])
    return pc


def table_fill(ins, S, L, F, pc):
    """``table.fill x`` (4.6.7)."""
    n = S.pop()
    val = S.pop()
    i = S.pop()
    ins[2].fill(i, val, n)
    return pc


def table_copy(ins, S, L, F, pc):
    """``table.copy x y`` (4.6.7): both ranges checked first, then the elements copied
    as if through a temporary (the spec's order for overlapping ranges)."""
    n = S.pop()
    s = S.pop()
    copy_table(ins[2], S.pop(), ins[3], s, n)
    return pc


def table_init(ins, S, L, F, pc):
    """``table.init x y`` (4.6.7)."""
    n = S.pop()
    s = S.pop()
    init_table(ins[2], S.pop(), ins[3], s, n)
    return pc


def elem_drop(ins, S, L, F, pc):
    """``elem.drop x`` (4.6.7)."""
    ins[2].elem = []
    return pc


# ------------------------------ threads: atomic accesses
# The accesses themselves, with the proposal's checks, are `pyic.wasm.runtime.atomics`'s.
# Prepared form: (rule, cost, meminst, offset, size[, operator]).


def atomic_load(ins, S, L, F, pc):
    S[-1] = atomics.load(ins[2], S[-1], ins[3], ins[4])
    return pc


def atomic_store(ins, S, L, F, pc):
    c = S.pop()
    atomics.store(ins[2], S.pop(), ins[3], ins[4], c)
    return pc


def atomic_rmw(ins, S, L, F, pc):
    c = S.pop()
    S[-1] = atomics.rmw(ins[2], S[-1], ins[3], ins[4], ins[5], c)
    return pc


def atomic_cmpxchg(ins, S, L, F, pc):
    replacement = S.pop()
    expected = S.pop()
    S[-1] = atomics.cmpxchg(ins[2], S[-1], ins[3], ins[4], expected, replacement)
    return pc


def atomic_notify(ins, S, L, F, pc):
    """``memory.atomic.notify``: wakes the script threads waiting there (none outside them)."""
    count = S.pop()
    S[-1] = atomics.notify(ins[2], S[-1], ins[3], count)
    return pc


def atomic_wait(ins, S, L, F, pc):
    """``memory.atomic.waitN``: "not-equal" (1), "timed-out" (2), woken (0) or a trap."""
    timeout = S.pop()
    expected = S.pop()
    S[-1] = atomics.wait(ins[2], S[-1], ins[3], ins[4], expected, timeout)
    return pc


def atomic_fence(ins, S, L, F, pc):
    return pc

