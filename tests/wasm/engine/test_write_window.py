"""Stores under a rollback journal: the write window (`MemInst.wlo`/`wlimit`).

While a snapshot is open, a store inside the window of already-saved chunks takes the
inline fast path and one outside it the slow path (`MemInst.write`, which saves and widens).
Both paths must leave the same bytes, the same counts and an exact rollback, on both tiers."""

import random

import pytest

from pyic.wasm import embed
from pyic.wasm.runtime.memory import JOURNAL_CHUNK, WINDOW_GAP

# store(addr, value, width) for every (addr, width) pair of a table in memory at 0..;
# widths 1, 2, 4, 8 exercise every store form; bulk fill and copy at the end.
WAT = """
(module
  (memory (export "m") 64)
  (func (export "run") (param $n i32) (result i32)
    (local $i i32) (local $a i32) (local $w i32) (local $acc i32)
    (loop $l
      (local.set $a (i32.load (i32.mul (local.get $i) (i32.const 8))))
      (local.set $w (i32.load offset=4 (i32.mul (local.get $i) (i32.const 8))))
      (if (i32.eq (local.get $w) (i32.const 1))
        (then (i32.store8 (local.get $a) (i32.add (local.get $i) (i32.const 7)))))
      (if (i32.eq (local.get $w) (i32.const 2))
        (then (i32.store16 (local.get $a) (i32.mul (local.get $i) (i32.const 977)))))
      (if (i32.eq (local.get $w) (i32.const 4))
        (then (i32.store (local.get $a) (i32.mul (local.get $i) (i32.const 2654435761)))))
      (if (i32.eq (local.get $w) (i32.const 8))
        (then (i64.store (local.get $a) (i64.mul (i64.extend_i32_u (local.get $i))
                                                 (i64.const 0x9E3779B97F4A7C15)))))
      (local.set $acc (i32.add (local.get $acc) (i32.load8_u (local.get $a))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (memory.fill (i32.const 0x300000) (i32.const 0xAB) (i32.const 5000))
    (memory.copy (i32.const 0x310000) (i32.const 0x300000) (i32.const 3000))
    (local.get $acc)))
"""
TABLE_END = 1 << 16      # the (addr, width) table lives below this


def _table(seed: int, n: int) -> bytes:
    rng = random.Random(seed)
    hot = [rng.randrange(TABLE_END, 0x3F0000) for _ in range(3)]
    out = bytearray()
    for _ in range(n):
        w = rng.choice((1, 2, 4, 8))
        if rng.random() < 0.8:      # near a hot spot: the window should cover it soon
            a = rng.choice(hot) + rng.randrange(-20000, 20000)
        else:                       # anywhere, also far beyond the window's gap
            a = rng.randrange(TABLE_END, 64 * 65536 - 8)
        out += a.to_bytes(4, "little") + w.to_bytes(4, "little")
    return bytes(out)


def _run(tier: str, seed: int, n: int, mode: str):
    store = embed.Store(embed.Config(tier=tier))
    inst = embed.module_instantiate(store, embed.load_module(WAT))
    mem = store.mems[0]
    mem.write(0, _table(seed, n))
    mem.write(0x200000, bytes(range(256)) * 64)         # nonzero bytes to roll back to
    before = mem.read(0, mem.size)
    snap = embed.snapshot(inst) if mode != "plain" else None
    results, count = embed.invoke_export(store, inst, "run", [n])
    after = mem.read(0, mem.size)
    window = (mem.wlo, mem.wlimit)
    if mode == "rollback":
        snap.rollback()
        assert mem.read(0, mem.size) == before
        snap.release()
    elif mode == "release":
        snap.release()
    final = mem.read(0, mem.size)
    assert (mem.wlo, mem.wlimit) == (0, len(mem.data))
    return results, count, after, final, window


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stores_under_a_journal_match_plain_stores_on_both_tiers(seed):
    n = 3000
    plain = _run("reference", seed, n, "plain")
    for tier in ("reference", "fast"):
        for mode in ("release", "rollback"):
            results, count, after, final, window = _run(tier, seed, n, mode)
            assert (results, count, after) == plain[:3]
            if mode == "release":
                assert final == plain[3]
            lo, hi = window
            assert lo % JOURNAL_CHUNK == 0 and lo < hi      # the window opened on the hot spots


def test_the_window_only_covers_saved_chunks():
    store = embed.Store()
    inst = embed.module_instantiate(store, embed.load_module(WAT))
    mem = store.mems[0]
    snap = embed.snapshot(inst)
    assert (mem.wlo, mem.wlimit) == (0, 0)                 # nothing saved: every store is slow
    mem.write(0x100005, b"x")
    mem.write(0x100000 + 3 * JOURNAL_CHUNK, b"y")            # a gap of two chunks: saved too
    mem.write(0x100000 + WINDOW_GAP + 10 * JOURNAL_CHUNK, b"z")  # too far: saved, not covered
    assert (mem.wlo, mem.wlimit) == (0x100000, 0x100000 + 4 * JOURNAL_CHUNK)
    for c in range(mem.wlo // JOURNAL_CHUNK, mem.wlimit // JOURNAL_CHUNK):
        assert c in mem.journal
    snap.rollback()
    assert (mem.wlo, mem.wlimit) == (0, 0)
    assert mem.read(0x100000, 5 * JOURNAL_CHUNK).count(0) == 5 * JOURNAL_CHUNK
    snap.release()
    assert (mem.wlo, mem.wlimit) == (0, len(mem.data))
