"""pyic's own stress canisters (the ``*.wat`` files beside this module), for ``tools/bench.py
--canisters``: what each runs, how to run it through `pyic.testing.PocketIC`, and a Python
model of each one's reply.

Every canister exports ``canister_update run``: the argument is ``n`` (u32, little-endian),
the reply a 64-bit checksum (little-endian) that the model here computes from ``n`` alone,
so a wrong reply is caught at any size.  The instruction count is the IC's accounting (the
sum of the ``instructions_executed`` of the canisters involved: every instruction at its
replica cost, bulk operations and System API calls per byte), the same on every tier.

The models are independent of the Wasm: plain Python over a ``bytearray`` / dicts, following
the algorithm each ``.wat`` file's header describes.
"""

from __future__ import annotations

import os
import time

HERE = os.path.dirname(os.path.abspath(__file__))
M64 = (1 << 64) - 1
FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
LCG_MUL = 6364136223846793005
LCG_ADD = 1442695040888963407
LCG_SEED = 0x853C49E6748FEA9B
CYCLES = 10 ** 15                 # each stress canister's balance (calls reserve cycles)


class Stress:
    """One stress canister: ``name``, its WAT file, its full and small ``n``, and what it
    stresses (``what``, for help texts).  ``calls`` is installed twice (`run`)."""

    def __init__(self, name: str, wat: str, full: int, small: int, what: str) -> None:
        self.name, self.wat, self.full, self.small, self.what = name, wat, full, small, what


STRESS = (
    Stress("alloc", "alloc.wat", 100_000, 1_000,
           "free-list allocator: small allocations and frees, memory.grow"),
    Stress("bulk", "bulk.wat", 200_000, 500, "memory.fill/copy/init over large ranges"),
    Stress("stable", "stable.wat", 100_000, 1_000, "stable64_write/read/grow in loops"),
    Stress("calls", "calls.wat", 3_000, 100, "inter-canister calls, 50 in flight"),
)
BY_NAME = {s.name: s for s in STRESS}

# pyic's count of each run(n) at the full and small sizes (measured on both tiers, which
# agree): the benchmark fails if a change to the engine or the IC's metering moves them.
COUNTS = {
    "alloc": {"full": 83_379_854, "small": 929_542},
    "bulk": {"full": 355_740_133, "small": 5_102_159},
    "stable": {"full": 68_479_176, "small": 899_058},
    "calls": {"full": 31_364_551, "small": 1_047_951},
}


# ------------------------------------------------------------------ running

def wasm_of(stress: Stress) -> bytes:
    """The canister's module, parsed from its WAT by pyic's own text parser."""
    from pyic.wasm.binary import encode_module
    from pyic.wasm.text import parse_module
    with open(os.path.join(HERE, stress.wat)) as f:
        return encode_module(parse_module(f.read(), source=stress.wat))


def _module(pic, cid):
    from pyic.testing import to_principal_bytes
    c = pic.ic.state.canisters.get(to_principal_bytes(cid))
    return c.can_state.module if c is not None and c.can_state is not None else None


def count(pic, cid) -> int:
    """Instructions the canister's module executed so far (the IC's accounting)."""
    return getattr(_module(pic, cid), "instructions_executed", 0)


def _stores() -> list:
    """Every Wasm store alive in this process (found by the garbage collector, so without
    reaching into how the IC keeps its canisters' instances)."""
    import gc

    from pyic.wasm.runtime.store import Store
    return [o for o in gc.get_objects() if type(o) is Store]


def store_ids() -> set:
    return {id(s) for s in _stores()}


def tiers_since(before: set) -> set:
    """The tiers of the stores created since ``before`` (`store_ids`) that are still alive:
    those of the canisters' instances."""
    return {s.config.tier for s in _stores() if id(s) not in before}


def run(stress: Stress, n: int, max_rounds: int = 100_000, tier: str | None = None) -> dict:
    """Install ``stress`` on a fresh `PocketIC` (the call benchmark: twice, the caller
    given the callee's id), submit ``run(n)`` and tick until it is answered.  Returns the
    reply, the instructions the call executed (on every canister involved), its CPU seconds
    (submit and rounds, not installation) and the rounds it took."""
    from pyic.errors import ICError
    from pyic.testing import PocketIC, to_principal_bytes
    wasm = wasm_of(stress)
    stores = store_ids()
    pic = PocketIC(tier=tier)
    cids = [pic.create_canister(cycles=CYCLES)]
    if stress.name == "calls":
        callee = cids[0]
        cids.insert(0, pic.create_canister(cycles=CYCLES))
        pic.install_code(callee, wasm, b"")
        pic.install_code(cids[0], wasm, to_principal_bytes(callee))
    else:
        pic.install_code(cids[0], wasm, b"")
    before = sum(count(pic, c) for c in cids)
    c0 = time.process_time()
    message = pic.submit_call(cids[0], "run", n.to_bytes(4, "little"))
    rounds = 0
    status = None
    while status is None:
        if rounds == max_rounds:
            raise ICError(f"{stress.name}: run({n}) unanswered after {max_rounds} rounds")
        pic.tick()
        rounds += 1
        status = pic.ingress_status(message)
    cpu = time.process_time() - c0
    if not isinstance(status, bytes):
        raise ICError(f"{stress.name}: run({n}) rejected: {status}")
    tiers = tiers_since(stores)
    return {"reply": bytes(status), "checksum": int.from_bytes(status, "little"),
            "count": sum(count(pic, c) for c in cids) - before, "cpu_s": cpu,
            "rounds": rounds, "tier": tiers.pop() if len(tiers) == 1 else sorted(tiers)}


# ------------------------------------------------------------------ models

def _lcg(x: int) -> int:
    return (x * LCG_MUL + LCG_ADD) & M64


def model_alloc(n: int) -> int:
    """alloc.wat: live blocks in a dict; the free lists as stacks of block addresses."""
    free: list[list[int]] = [[] for _ in range(6)]
    bump = 65536
    slots = [0] * 4096
    blocks = {}                       # user pointer -> (class, first word, last word)
    cs, x = FNV_OFFSET, LCG_SEED

    def fold(cs: int, p: int) -> int:
        _, first, last = blocks[p]
        return ((cs ^ ((first + last + p) & M64)) * FNV_PRIME) & M64

    for _ in range(n):
        x = _lcg(x)
        r = x >> 33
        slot = r & 4095
        words = 1 + (r >> 12) % 63
        p = slots[slot]
        if p:
            cs = fold(cs, p)
            free[blocks.pop(p)[0]].append(p - 8)
        k = next(k for k in range(6) if (16 << k) - 8 >= 8 * words)
        if free[k]:
            block = free[k].pop()
        else:
            block = bump
            bump += 16 << k
        p = block + 8
        blocks[p] = (k, x, (x + words - 1) & M64)
        slots[slot] = p
    for p in slots:
        if p:
            cs = fold(cs, p)
    return cs ^ bump


BULK_SEGMENT = b"pyic bulk stress: memory.fill, memory.copy and memory.init, 64 B"
BULK_REGION = 0x400000
BULK_LIMIT = BULK_REGION - 8192


def model_bulk(n: int) -> int:
    """bulk.wat: the region as a ``bytearray``; slice assignment copies as memory.copy does
    (the source is read whole before the destination is written)."""
    mem = bytearray(BULK_REGION)
    cs, x = FNV_OFFSET, LCG_SEED

    def fold(cs: int, addr: int) -> int:
        return ((cs ^ int.from_bytes(mem[addr:addr + 8], "little")) * FNV_PRIME) & M64

    for i in range(n):
        x = _lcg(x)
        y = x >> 16
        length = 1 + (y & 4095)
        a = min((y >> 12) & 0x3FFFFF, BULK_LIMIT)
        b = min(((y >> 34) & 0x3FFF) << 8, BULK_LIMIT)
        op = x >> 62
        if op == 0:
            mem[a:a + length] = bytes([i & 255]) * length
        elif op == 1:
            mem[b:b + length] = mem[a:a + length]
        elif op == 2:
            mem[a:a + 64 - (length & 63)] = BULK_SEGMENT[length & 63:]
        else:
            d = a + 1 + ((y >> 45) & 7)
            mem[d:d + length] = mem[a:a + length]
        cs = fold(fold(cs, a), b)
    for addr in range(0, BULK_REGION, 4096):
        cs = fold(cs, addr)
    return cs


def model_stable(n: int) -> int:
    """stable.wat: stable memory, the source buffer and the read buffer as ``bytearray``s."""
    stable = bytearray()
    source = bytearray(b"".join(((j * 0x9E3779B97F4A7C15) & M64).to_bytes(8, "little")
                                for j in range(8192)))
    read = bytearray(0x10000)
    pages = 0
    cs, x = FNV_OFFSET, LCG_SEED

    def fold(cs: int, word: bytes) -> int:
        return ((cs ^ int.from_bytes(word, "little")) * FNV_PRIME) & M64

    for i in range(n):
        if i & 255 == 0 and pages < 64:
            pages += 1
            stable.extend(bytes(0x10000))
        x = _lcg(x)
        y = x >> 16
        size = pages << 16
        length = 1 + (y & 1023)
        off = ((y >> 10) & 0x3FFFFF) % (size - length + 1)
        h = (y >> 32) & 0x7FFF            # into the source buffer
        if x >> 63 == 0:
            stable[off:off + length] = source[h:h + length]
        else:
            read[:length] = stable[off:off + length]
            cs = fold(cs, read[:8])
            source[h:h + 8] = cs.to_bytes(8, "little")
        at = ((y >> 20) % (size - 8)) & ~7
        stable[at:at + 8] = x.to_bytes(8, "little")
    for off in range(0, pages << 16, 4096):
        cs = fold(cs, stable[off:off + 8])
    return cs


def model_calls(n: int) -> int:
    """calls.wat: the sum over every call i of add(i) ^ i (in any order)."""
    return sum(((3 * i * i + 7) & M64) ^ i for i in range(n)) & M64


MODELS = {"alloc": model_alloc, "bulk": model_bulk, "stable": model_stable, "calls": model_calls}
