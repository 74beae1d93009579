"""Memory instances (spec 4.2.8), lazy and journalled.

A memory's bytes live in two places:

* ``data``: a bytearray holding the addresses ``[0, len(data))``.  It starts
  small and grows, on the first write beyond its end, up to ``DENSE_LIMIT``
  bytes.  Reads between ``len(data)`` and the memory's size see zeros.  The
  interpreter's fast path reads and writes ``data`` directly when the whole
  access lies below ``len(data)`` (loads) or ``wlimit`` (stores).
* ``pages``: a dict of 64 KiB chunks for addresses at or above
  ``DENSE_LIMIT``, created on first write.  So a memory declared with 65,536
  pages, or a 64-bit memory of terabytes, costs nothing until it is touched.

Invariant: ``len(data) <= size`` (bytes), and ``wlimit`` is ``len(data)``
except while a journal is open, when it is 0 so every store takes the slow
path, which saves each 4 KiB chunk before its first change (see `journal`).
"""

from __future__ import annotations

from ...errors import Trap

PAGE_SIZE = 65536
DENSE_LIMIT = 1 << 28        # addresses below 256 MiB live in the bytearray
EAGER_BYTES = 1 << 22        # a memory up to 4 MiB is allocated at once
CHUNK = 1 << 16              # granularity of the sparse region
JOURNAL_CHUNK = 1 << 12      # granularity of the rollback journal
# 4.5.3.? growmem may fail; pyic refuses to grow a memory beyond 2**48 bytes
# (a modelled implementation limit) so that sizes stay meaningful.
MAX_BYTES = 1 << 48

OOB = "out of bounds memory access"


class MemInst:
    """4.2.8 ``meminst ::= {type memtype, data vec(byte)}`` (data kept lazily)."""

    __slots__ = ("addr", "type", "size", "max", "addrtype", "data", "wlimit", "pages", "journal")

    def __init__(self, memtype) -> None:
        lim = memtype.limits
        self.addr = -1
        self.type = memtype
        self.addrtype = lim.addrtype
        self.size = lim.min * PAGE_SIZE
        self.max = lim.max
        self.data = bytearray(min(self.size, EAGER_BYTES))
        self.wlimit = len(self.data)
        self.pages: dict = {}
        self.journal: dict | None = None

    # ------------------------------------------------------------------ sizes

    @property
    def page_count(self) -> int:
        return self.size // PAGE_SIZE

    def grow(self, n: int) -> int:
        """4.5.3.10 growmem: the old size in pages, or -1 (as an unsigned int: the caller masks)."""
        old = self.size // PAGE_SIZE
        new = old + n
        limit = self.max if self.max is not None else (1 << 16 if self.addrtype == "i32" else 1 << 48)
        if new > limit or new * PAGE_SIZE > MAX_BYTES:
            return -1
        self.size = new * PAGE_SIZE
        # Small memories stay fully allocated so the fast path covers them.
        if self.size <= EAGER_BYTES and len(self.data) < self.size:
            self._extend(self.size)
        return old

    # ------------------------------------------------------------------ byte access

    def read(self, addr: int, n: int) -> bytes:
        """The ``n`` bytes at ``addr``; traps when out of bounds."""
        end = addr + n
        if end > self.size or addr < 0 or n < 0:
            raise Trap(OOB)
        data = self.data
        if end <= len(data):
            return bytes(data[addr:end])
        out = bytearray(n)
        if addr < len(data):
            out[: len(data) - addr] = data[addr:]
        lo = max(addr, DENSE_LIMIT)
        if lo < end and self.pages:
            pos = lo
            while pos < end:
                chunk = pos // CHUNK
                start = pos - chunk * CHUNK
                take = min(CHUNK - start, end - pos)
                page = self.pages.get(chunk)
                if page is not None:
                    out[pos - addr: pos - addr + take] = page[start:start + take]
                pos += take
        return bytes(out)

    def write(self, addr: int, b: bytes) -> None:
        """Store ``b`` at ``addr``; traps when out of bounds (nothing is written then)."""
        n = len(b)
        end = addr + n
        if end > self.size or addr < 0:
            raise Trap(OOB)
        if n == 0:
            return
        if self.journal is not None:
            self._save(addr, end)
        if end <= len(self.data):
            self.data[addr:end] = b
            return
        if addr < DENSE_LIMIT:
            self._extend(min(end, DENSE_LIMIT))
            cut = min(end, DENSE_LIMIT) - addr
            self.data[addr:addr + cut] = b[:cut]
            if cut == n:
                return
            addr, b = addr + cut, b[cut:]
        self._write_pages(addr, b)

    def fill(self, addr: int, value: int, n: int) -> None:
        if addr + n > self.size or addr < 0 or n < 0:
            raise Trap(OOB)
        if n and self.journal is None and addr + n <= len(self.data):
            self.data[addr:addr + n] = bytes((value,)) * n
            return
        # Large fills above the dense prefix go chunk by chunk to keep memory bounded.
        pos, end = addr, addr + n
        while pos < end:
            take = min(end - pos, CHUNK)
            self.write(pos, bytes((value,)) * take)
            pos += take

    def copy_within(self, dst: int, src: int, n: int) -> None:
        if src + n > self.size or dst + n > self.size:
            raise Trap(OOB)
        if n and self.journal is None and max(src, dst) + n <= len(self.data):
            d = self.data
            d[dst:dst + n] = d[src:src + n]
            return
        if n:
            self.write(dst, self.read(src, n))

    # ------------------------------------------------------------------ internals

    def _extend(self, end: int) -> None:
        """Grow the dense prefix to cover ``end`` (rounded up, doubling, within size)."""
        data = self.data
        want = max(end, 2 * len(data))
        want = -(-want // CHUNK) * CHUNK
        want = min(want, self.size, DENSE_LIMIT)
        if want > len(data):
            data.extend(bytes(want - len(data)))
        if self.journal is None:
            self.wlimit = len(data)

    def _write_pages(self, addr: int, b: bytes) -> None:
        pos, end, i = addr, addr + len(b), 0
        while pos < end:
            chunk = pos // CHUNK
            start = pos - chunk * CHUNK
            take = min(CHUNK - start, end - pos)
            page = self.pages.get(chunk)
            if page is None:
                page = self.pages[chunk] = bytearray(CHUNK)
            page[start:start + take] = b[i:i + take]
            pos += take
            i += take

    def _save(self, addr: int, end: int) -> None:
        """Journal: keep the original bytes of every chunk in ``[addr, end)`` before its first write."""
        journal = self.journal
        for c in range(addr // JOURNAL_CHUNK, (end - 1) // JOURNAL_CHUNK + 1):
            if c not in journal:
                lo = c * JOURNAL_CHUNK
                journal[c] = self._raw_read(lo, min(JOURNAL_CHUNK, self.size - lo))

    def _raw_read(self, addr: int, n: int) -> bytes:
        return self.read(addr, n)

    # ------------------------------------------------------------------ snapshots

    def begin_journal(self) -> tuple:
        """Start recording changes; returns the state needed by `rollback`."""
        self.journal = {}
        self.wlimit = 0
        return (self.size, len(self.data), frozenset(self.pages))

    def end_journal(self) -> None:
        """Stop recording (the changes are kept)."""
        self.journal = None
        self.wlimit = len(self.data)

    def rollback(self, saved: tuple) -> None:
        """Restore the memory to its state at `begin_journal` (and keep journalling afresh)."""
        size, dense_len, page_keys = saved
        journal = self.journal or {}
        self.journal = None
        self.size = max(self.size, size)  # so every journalled chunk is writable again
        for c, original in journal.items():
            lo = c * JOURNAL_CHUNK
            if lo < len(self.data):
                self.data[lo:lo + len(original)] = original[: max(0, len(self.data) - lo)]
            if lo + len(original) > DENSE_LIMIT:
                self._write_pages(max(lo, DENSE_LIMIT), original[max(0, DENSE_LIMIT - lo):])
        del self.data[dense_len:]
        for k in list(self.pages):
            if k not in page_keys:
                del self.pages[k]
        self.size = size
        self.journal = {}
        self.wlimit = 0
