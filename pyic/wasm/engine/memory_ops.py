"""Handlers of memory instructions (spec 4.6.8 "Memory Instructions"), scalar and vector.

Lowered form: ``(h, cost, meminst, offset[, lane])``.  The effective address
is the operand plus the static offset, in unbounded arithmetic (so neither a
32- nor a 64-bit address can wrap around); it must lie with the whole access
within the memory's size.  Accesses below ``len(data)`` (``wlimit`` for
stores) take the fast path straight into the bytearray; everything else goes
through `MemInst.read` / `write`, which check bounds and trap.
"""

from __future__ import annotations

from ..runtime.bulk import copy_memory, init_memory
from ..runtime.memory import PAGE_SIZE

_from = int.from_bytes


def _sx(nbits: int, wbits: int):
    """Sign-extend an ``nbits`` pattern to a ``wbits`` one (unsigned result)."""
    h = 1 << (nbits - 1)
    m = (1 << wbits) - 1
    return lambda x: ((x ^ h) - h) & m


def make_load(n: int, post=None):
    """A load of ``n`` bytes, little endian, then ``post`` (sign extension) if any."""
    if post is None:
        def load(ins, S, L, pc):
            m = ins[2]
            ea = S[-1] + ins[3]
            end = ea + n
            data = m.data
            if end <= len(data):
                S[-1] = _from(data[ea:end], "little")
            else:
                S[-1] = _from(m.read(ea, n), "little")
            return pc
    else:
        def load(ins, S, L, pc):
            m = ins[2]
            ea = S[-1] + ins[3]
            end = ea + n
            data = m.data
            if end <= len(data):
                S[-1] = post(_from(data[ea:end], "little"))
            else:
                S[-1] = post(_from(m.read(ea, n), "little"))
            return pc
    return load


def make_store(n: int):
    mask = (1 << (8 * n)) - 1

    def store(ins, S, L, pc):
        m = ins[2]
        v = S.pop()
        ea = S.pop() + ins[3]
        b = (v & mask).to_bytes(n, "little")
        if m.wlo <= ea <= m.wlimit - n:
            m.data[ea:ea + n] = b
        else:
            m.write(ea, b)
        return pc
    return store


LOADS = {
    "i32.load": (4, None), "i64.load": (8, None), "f32.load": (4, None), "f64.load": (8, None),
    "i32.load8_s": (1, _sx(8, 32)), "i32.load8_u": (1, None),
    "i32.load16_s": (2, _sx(16, 32)), "i32.load16_u": (2, None),
    "i64.load8_s": (1, _sx(8, 64)), "i64.load8_u": (1, None),
    "i64.load16_s": (2, _sx(16, 64)), "i64.load16_u": (2, None),
    "i64.load32_s": (4, _sx(32, 64)), "i64.load32_u": (4, None),
    "v128.load": (16, None),
}
STORES = {
    "i32.store": 4, "i64.store": 8, "f32.store": 4, "f64.store": 8, "v128.store": 16,
    "i32.store8": 1, "i32.store16": 2, "i64.store8": 1, "i64.store16": 2, "i64.store32": 4,
}


# ------------------------------------------------------------------ vector loads (4.6.8)

def _widen(b: bytes, lanebytes: int, signed: bool) -> int:
    """``v128.loadNxM_sx``: each N-bit lane of ``b`` extended to 2N bits."""
    nbits = 8 * lanebytes
    out = 0
    h = 1 << (nbits - 1)
    m = (1 << (2 * nbits)) - 1
    for i in range(len(b) // lanebytes):
        x = _from(b[i * lanebytes:(i + 1) * lanebytes], "little")
        if signed:
            x = ((x ^ h) - h) & m
        out |= x << (2 * nbits * i)
    return out


def _splat(x: int, nbits: int) -> int:
    out = 0
    for i in range(128 // nbits):
        out |= x << (nbits * i)
    return out


def make_vload(op: str):
    """v128.load8x8_s ... load64_splat, load32_zero, load64_zero."""
    name = op.split(".", 1)[1]
    if "x" in name[4:]:  # load8x8_s etc.
        lanebits = int(name[4:name.index("x")])
        signed = name.endswith("_s")

        def conv(b):
            return _widen(b, lanebits // 8, signed)
        n = 8
    elif name.endswith("_splat"):
        nbits = int(name[4:-6])
        n = nbits // 8

        def conv(b):
            return _splat(_from(b, "little"), nbits)
    else:  # _zero
        n = int(name[4:-5]) // 8

        def conv(b):
            return _from(b, "little")

    def vload(ins, S, L, pc):
        m = ins[2]
        ea = S[-1] + ins[3]
        S[-1] = conv(m.read(ea, n))
        return pc
    return vload


def make_load_lane(nbits: int):
    n = nbits // 8
    mask = (1 << nbits) - 1

    def load_lane(ins, S, L, pc):
        v = S.pop()
        ea = S[-1] + ins[3]
        x = _from(ins[2].read(ea, n), "little")
        shift = ins[4] * nbits
        S[-1] = (v & ~(mask << shift)) | (x << shift)
        return pc
    return load_lane


def make_store_lane(nbits: int):
    n = nbits // 8
    mask = (1 << nbits) - 1

    def store_lane(ins, S, L, pc):
        v = S.pop()
        ea = S.pop() + ins[3]
        ins[2].write(ea, ((v >> (ins[4] * nbits)) & mask).to_bytes(n, "little"))
        return pc
    return store_lane


# -------------------------------------------------------------- size, grow, bulk (imm: meminst ...)

def memory_size(ins, S, L, pc):
    S.append(ins[2].size // PAGE_SIZE)
    return pc


def memory_grow(ins, S, L, pc):
    # (h, cost, meminst, address mask): -1 is the mask itself
    r = ins[2].grow(S[-1])
    S[-1] = r & ins[3]
    return pc


def memory_fill(ins, S, L, pc):
    n = S.pop()
    val = S.pop()
    d = S.pop()
    ins[2].fill(d, val & 0xFF, n)
    return pc


def memory_copy(ins, S, L, pc):
    # (h, cost, dst meminst, src meminst)
    n = S.pop()
    s = S.pop()
    copy_memory(ins[2], S.pop(), ins[3], s, n)
    return pc


def memory_init(ins, S, L, pc):
    # (h, cost, meminst, datainst)
    n = S.pop()
    s = S.pop()
    init_memory(ins[2], S.pop(), ins[3], s, n)
    return pc


def data_drop(ins, S, L, pc):
    ins[2].data = b""
    return pc
