"""`memory.fill` / `memory.copy` written out in the fast tier's generated code.

In a function that keeps a memory's bytes, length and write window in locals, the fast tier
writes the bulk operations' common case inline and calls `MemInst.fill`/`copy_within` for the
rest (outside the window, zero length, out of bounds).  Both paths must give the reference
interpreter's bytes, results, counts, traps and limit stops, with and without a rollback
journal open."""

import random

import pytest

from pyic.errors import InstructionLimitExceeded, Trap
from pyic.wasm import embed
from pyic.wasm.engine import fast

# Reads (dst, src/value, n, op) records from the table at 0 and applies them; returns a
# checksum of the bytes it touched.  op 0: fill, op 1: copy.
WAT = """
(module
  (memory (export "m") 8 16)
  (func (export "run") (param $k i32) (result i32)
    (local $i i32) (local $p i32) (local $d i32) (local $s i32) (local $n i32) (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $k)))
        (local.set $p (i32.mul (local.get $i) (i32.const 16)))
        (local.set $d (i32.load (local.get $p)))
        (local.set $s (i32.load offset=4 (local.get $p)))
        (local.set $n (i32.load offset=8 (local.get $p)))
        (if (i32.load offset=12 (local.get $p))
          (then (memory.copy (local.get $d) (local.get $s) (local.get $n)))
          (else (memory.fill (local.get $d) (local.get $s) (local.get $n))))
        (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31))
                                 (i32.load8_u (local.get $d))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $acc)))
"""
TABLE = 0x1000          # records live below this
SIZE = 8 * 65536


def _records(seed: int, k: int, trap_last: bool) -> bytes:
    rng = random.Random(seed)
    out = bytearray()
    for i in range(k):
        op = rng.randrange(2)
        n = rng.choice((0, 1, 7, 300, 4096, 20000))
        d = rng.randrange(TABLE, SIZE - n)
        s = rng.randrange(TABLE, SIZE - n) if op else rng.randrange(-5, 300)
        if rng.random() < 0.2 and op:          # overlapping copies, both directions
            s = max(TABLE, min(SIZE - n, d + rng.randrange(-50, 50)))
        if rng.random() < 0.05:                # zero length at the very end: no trap
            d, n = SIZE, 0
        if trap_last and i == k - 1:           # one byte past the end: a trap
            d, n = SIZE - 10, 11
        out += b"".join((x & 0xFFFFFFFF).to_bytes(4, "little") for x in (d, s, n, op))
    return bytes(out)


def _run(tier: str, seed: int, k: int, journal: bool, limit=None, trap_last=False):
    store = embed.Store(embed.Config(tier=tier))
    inst = embed.module_instantiate(store, embed.load_module(WAT))
    mem = store.mems[0]
    mem.write(0, _records(seed, k, trap_last))
    mem.write(0x8000, bytes(range(256)) * 512)
    snap = embed.snapshot(inst) if journal else None
    try:
        out = embed.invoke_export(store, inst, "run", [k], limit=limit)
    except (Trap, InstructionLimitExceeded) as e:
        out = (type(e).__name__, e.count)
    image = mem.read(0, mem.size)
    if snap is not None:
        snap.release()
    return out, image, store


@pytest.mark.parametrize("journal", [False, True], ids=["plain", "journal"])
@pytest.mark.parametrize("seed", [1, 2])
def test_inline_bulk_ops_match_the_reference(seed, journal):
    fast_out, fast_image, store = _run("fast", seed, 60, journal)
    ref_out, ref_image, _ = _run("reference", seed, 60, journal)
    assert fast_out == ref_out
    assert fast_image == ref_image
    src = fast.source_of(store, store.funcs[0])
    assert "] = bytes((" in src and "M0.fill(" in src           # both paths are in the code
    assert "M0.copy_within(" in src


@pytest.mark.parametrize("journal", [False, True], ids=["plain", "journal"])
def test_inline_bulk_ops_trap_like_the_reference(journal):
    fast_out, fast_image, _ = _run("fast", 3, 40, journal, trap_last=True)
    ref_out, ref_image, _ = _run("reference", 3, 40, journal, trap_last=True)
    assert fast_out[0] == "Trap"
    assert fast_out == ref_out and fast_image == ref_image


def test_inline_bulk_ops_stop_at_the_same_instruction():
    _, _, _ = _run("fast", 4, 30, False)
    full, _, _ = _run("reference", 4, 30, False)
    total = full[1]
    for limit in (1, 17, total // 3, total // 2, total - 1):
        assert _run("fast", 4, 30, False, limit=limit)[:2] == \
            _run("reference", 4, 30, False, limit=limit)[:2]
