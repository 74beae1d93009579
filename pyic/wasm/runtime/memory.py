"""Memory instances (spec 4.2.9), lazy and journalled.

A memory's bytes live in two places:

* ``data``: a bytearray holding the addresses ``[0, len(data))``.  It starts
  small and grows, on the first write beyond its end, up to ``DENSE_LIMIT``
  bytes.  Reads between ``len(data)`` and the memory's size see zeros.  The
  interpreter's fast path reads and writes ``data`` directly when the whole
  access lies below ``len(data)`` (loads) or in the *write window*
  ``[wlo, wlimit)`` (stores).
* ``pages``: a dict of 64 KiB chunks for addresses at or above
  ``dense_limit`` (``DENSE_LIMIT`` unless configured), created on first write.
  A chunk is a ``bytearray``, or a ``bytes`` object shared with whoever took
  it (`freeze_page`, `load_page`: the IC's memory images), copied on its
  next write.  So a memory declared with 65,536
  pages, or a 64-bit memory of terabytes, costs nothing until it is touched.

Invariant: ``len(data) <= size`` (bytes), and the write window is
``[0, len(data))`` except while a journal is open.  Then it is a run of 4 KiB
chunks of the dense prefix that the journal has already saved (copy on
write, once per chunk and journal): a store outside it takes the slow path,
which saves the chunks it changes and widens the window over them (and over
a gap of at most ``WINDOW_GAP`` bytes, saved too), so the stores of a message
soon run on the fast path again, as outside a journal.

Host memory is bounded by design: the dense prefix grows by an eighth at a
time (never past what was written, rounded to 64 KiB, plus that eighth),
pages are created only by nonzero writes (filling or copying zeros over
untouched memory creates nothing), a journal keeps no copy of a chunk that
was all zeros, and bulk moves go through the memory in 1 MiB pieces.  The
host memory one instance holds (``footprint``) may be capped (``cap``, from
``Config.host_memory_cap``): a write that would take it beyond the cap
raises ``Exhaustion("out of memory")`` before allocating, with nothing of
that write done (docs/semantics.md, "Memories and tables").
"""

from __future__ import annotations

from ...errors import Exhaustion, Trap

PAGE_SIZE = 65536
DENSE_LIMIT = 1 << 28        # addresses below 256 MiB live in the bytearray
EAGER_BYTES = 1 << 22        # a memory up to 4 MiB is allocated at once
CHUNK = 1 << 16              # granularity of the sparse region
JOURNAL_CHUNK = 1 << 12      # granularity of the rollback journal
WINDOW_GAP = 1 << 20         # unwritten bytes the write window may span to stay one run
# 4.7.1.8 growmem may fail; pyic refuses to grow a memory beyond 2**48 bytes
# (a modelled implementation limit) so that sizes stay meaningful.
MAX_BYTES = 1 << 48

OOB = "out of bounds memory access"
OUT_OF_MEMORY = "out of memory"
MOVE_PIECE = 1 << 20         # bulk moves go through the memory in pieces of this size


class MemInst:
    """4.2.9 ``meminst ::= {type memtype, data vec(byte)}`` (data kept lazily)."""

    __slots__ = ("addr", "type", "size", "max", "addrtype", "data", "wlo", "wlimit", "pages",
                 "journal", "cap", "dense_limit", "page_size")

    def __init__(self, memtype, cap: int | None = None, dense_limit: int = DENSE_LIMIT) -> None:
        lim = memtype.limits
        self.addr = -1
        self.type = memtype
        self.addrtype = lim.addrtype
        # custom-page-sizes (docs/proposals.md): 1 or 65536 bytes a page
        self.page_size = getattr(memtype, "page_size", PAGE_SIZE)
        self.size = lim.min * self.page_size
        self.max = lim.max
        self.cap = cap
        self.dense_limit = dense_limit
        eager = min(self.size, EAGER_BYTES, dense_limit)
        if cap is not None and eager > cap:
            raise Exhaustion(OUT_OF_MEMORY)
        self.data = bytearray(eager)
        self.wlo = 0
        self.wlimit = len(self.data)
        self.pages: dict = {}
        self.journal: dict | None = None

    def footprint(self) -> int:
        """The host bytes this memory holds: the dense prefix, the pages, the journal."""
        journal = self.journal
        return len(self.data) + CHUNK * len(self.pages) + \
            (JOURNAL_CHUNK * len(journal) if journal else 0)

    def _check_cap(self, more: int) -> None:
        """Refuse to hold ``more`` host bytes beyond the cap (before allocating them)."""
        if self.cap is not None and self.footprint() + more > self.cap:
            raise Exhaustion(OUT_OF_MEMORY)

    # ------------------------------------------------------------------ sizes

    @property
    def page_count(self) -> int:
        return self.size // self.page_size

    def grow(self, n: int) -> int:
        """4.7.1.8 growmem: the old size in pages, or -1 (as an unsigned int: the caller masks)."""
        ps = self.page_size
        old = self.size // ps
        new = old + n
        if self.max is not None:
            limit = self.max
        else:   # as many pages as the address type reaches (2^16 / 2^48 of 64 KiB)
            bits = 32 if self.addrtype == "i32" else 64
            limit = min((1 << bits) // ps, (1 << bits) - 1)
        if new > limit or new * ps > MAX_BYTES:
            return -1
        self.size = new * ps
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
        lo = max(addr, self.dense_limit)
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
                self._widen(addr, end)
        if end <= len(self.data):
            self.data[addr:end] = b
            return
        if self.cap is not None:
            self._check_cap(self._growth(addr, end))   # all of it, before any byte changes
        if addr < self.dense_limit:
            self._extend(min(end, self.dense_limit))
            cut = min(end, self.dense_limit) - addr
            self.data[addr:addr + cut] = b[:cut]
            if cut == n:
                return
            addr, b = addr + cut, b[cut:]
        self._write_pages(addr, b)

    def fill(self, addr: int, value: int, n: int) -> None:
        if addr + n > self.size or addr < 0 or n < 0:
            raise Trap(OOB)
        if n and self.wlo <= addr and addr + n <= self.wlimit:
            self.data[addr:addr + n] = bytes((value,)) * n
            return
        # Large fills above the dense prefix go piece by piece to keep memory bounded;
        # zeros over untouched memory change nothing and allocate nothing.
        pos, end = addr, addr + n
        while pos < end:
            take = min(end - pos, CHUNK - pos % CHUNK)
            if value or not self._untouched(pos, take):
                self.write(pos, bytes((value,)) * take)
            pos += take

    def copy_within(self, dst: int, src: int, n: int) -> None:
        if src + n > self.size or dst + n > self.size:
            raise Trap(OOB)
        if n and self.wlo <= dst and dst + n <= self.wlimit and src + n <= len(self.data):
            d = self.data
            d[dst:dst + n] = d[src:src + n]
            return
        move(self, dst, self, src, n)

    def _untouched(self, addr: int, n: int) -> bool:
        """Whether ``[addr, addr + n)`` (within one chunk above the dense prefix, or beyond
        the prefix's end) was never written, so reads as zeros without holding any bytes."""
        if addr < len(self.data):
            return False
        if addr + n <= self.dense_limit:
            return True
        return addr >= self.dense_limit and addr // CHUNK not in self.pages \
            and (addr + n - 1) // CHUNK == addr // CHUNK

    # ------------------------------------------------------------------ internals

    def _dense_target(self, end: int) -> int:
        """The length the dense prefix grows to so as to cover ``end``: by an eighth at least,
        rounded up to 64 KiB, within the size and the dense limit."""
        data = self.data
        want = max(end, len(data) + (len(data) >> 3))
        want = -(-want // CHUNK) * CHUNK
        return min(want, self.size, self.dense_limit)

    def _growth(self, addr: int, end: int) -> int:
        """The host bytes a write of ``[addr, end)`` adds (dense growth and new chunks)."""
        more = 0
        dense = self.dense_limit
        if addr < dense and end > len(self.data):
            more += max(0, self._dense_target(min(end, dense)) - len(self.data))
        lo = max(addr, dense)
        if lo < end:
            pages = self.pages
            more += CHUNK * sum(1 for c in range(lo // CHUNK, (end - 1) // CHUNK + 1)
                                if c not in pages)
        return more

    def _extend(self, end: int) -> None:
        """Grow the dense prefix to cover ``end`` (`_dense_target`)."""
        data = self.data
        want = self._dense_target(end)
        if want > len(data):
            self._check_cap(want - len(data))
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
                self._check_cap(CHUNK)
                page = self.pages[chunk] = bytearray(CHUNK)
            elif type(page) is not bytearray:     # shared: copy on write
                page = self.pages[chunk] = bytearray(page)
            page[start:start + take] = b[i:i + take]
            pos += take
            i += take

    def _save(self, addr: int, end: int) -> None:
        """Journal: keep the original bytes of every chunk in ``[addr, end)`` before its first
        write."""
        journal = self.journal
        first, last = addr // JOURNAL_CHUNK, (end - 1) // JOURNAL_CHUNK
        new = sum(1 for c in range(first, last + 1) if c not in journal)
        if new:
            self._check_cap(new * JOURNAL_CHUNK)
        for c in range(first, last + 1):
            if c not in journal:
                journal[c] = self._original(c * JOURNAL_CHUNK)

    def _widen(self, addr: int, end: int) -> None:
        """After `_save` of ``[addr, end)`` (within the dense prefix): widen the write window
        to cover it, if the window stays one run with at most `WINDOW_GAP` unwritten bytes
        between; the chunks the window gains are saved first.  The journal so may hold
        up to `WINDOW_GAP` more bytes per widening than the chunks written (counted in
        `footprint`, the same on every tier)."""
        lo = addr - addr % JOURNAL_CHUNK
        hi = min(end - end % -JOURNAL_CHUNK, len(self.data))
        wlo, whi = self.wlo, self.wlimit
        if whi <= wlo:                              # empty window
            self.wlo, self.wlimit = lo, hi
            return
        if lo > whi + WINDOW_GAP or hi < wlo - WINDOW_GAP:
            return
        try:
            if lo < wlo:
                self._save(lo, wlo)
                self.wlo = lo
            if hi > whi:
                self._save(whi, hi)
                self.wlimit = hi
        except Exhaustion:      # the cap: the window stays as it is, the write goes on
            pass

    def _original(self, lo: int):
        """What the journal keeps of the chunk at ``lo``: ``None`` if it is all zeros, a view
        of a shared page (no copy: the page is immutable), or a copy of its bytes."""
        n = min(JOURNAL_CHUNK, self.size - lo)
        if lo >= len(self.data):
            if lo < self.dense_limit:
                return None
            page = self.pages.get(lo // CHUNK)
            if page is None:
                return None
            if type(page) is bytes:
                return memoryview(page)[lo % CHUNK:lo % CHUNK + n]
        original = self._raw_read(lo, n)
        return None if original.count(0) == len(original) else original

    def _raw_read(self, addr: int, n: int) -> bytes:
        return self.read(addr, n)

    # ------------------------------------------------------------------ sharing pages

    def freeze_page(self, k: int) -> bytes | None:
        """The 64 KiB page ``k`` as immutable bytes (``None``: never written, zeros).  A page of
        the sparse region is then shared, not copied: the memory keeps the same object and
        copies it on its next write there."""
        lo = k * CHUNK
        if lo >= self.dense_limit:
            page = self.pages.get(k)
            if page is None:
                return None
            if type(page) is not bytes:
                page = self.pages[k] = bytes(page)
            return page
        if lo >= len(self.data):
            return None
        return self.read(lo, min(CHUNK, self.size - lo))

    def load_page(self, k: int, page: bytes) -> None:
        """Make page ``k`` equal ``page`` (64 KiB; no journal open), sharing it if it lies in
        the sparse region."""
        lo = k * CHUNK
        if lo >= self.dense_limit and len(page) == CHUNK and type(page) is bytes:
            if lo + CHUNK > self.size:
                raise Trap(OOB)
            if k not in self.pages:
                self._check_cap(CHUNK)
            self.pages[k] = page
        else:
            self.write(lo, page)

    # ------------------------------------------------------------------ snapshots

    def begin_journal(self) -> tuple:
        """Start recording changes; returns the state needed by `rollback`."""
        self.journal = {}
        self.wlo = self.wlimit = 0
        return (self.size, len(self.data), frozenset(self.pages))

    def end_journal(self) -> None:
        """Stop recording (the changes are kept)."""
        self.journal = None
        self.wlo = 0
        self.wlimit = len(self.data)

    def rollback(self, saved: tuple) -> None:
        """Restore the memory to its state at `begin_journal` (and keep journalling afresh)."""
        size, dense_len, page_keys = saved
        journal = self.journal or {}
        self.journal = None
        self.size = max(self.size, size)  # so every journalled chunk is writable again
        for c, original in journal.items():
            lo = c * JOURNAL_CHUNK
            if original is None:
                original = bytes(min(JOURNAL_CHUNK, self.size - lo))
            if lo < len(self.data):
                self.data[lo:lo + len(original)] = original[: max(0, len(self.data) - lo)]
            if lo + len(original) > self.dense_limit:
                self._write_pages(max(lo, self.dense_limit),
                                  original[max(0, self.dense_limit - lo):])
        del self.data[dense_len:]
        for k in list(self.pages):
            if k not in page_keys:
                del self.pages[k]
        self.size = size
        self.journal = {}
        self.wlo = self.wlimit = 0


def move(dm: MemInst, dst: int, sm: MemInst, src: int, n: int) -> None:
    """``memory.copy``'s effect, bounds already checked: ``n`` bytes from ``sm`` at ``src`` to
    ``dm`` at ``dst``, as if through a temporary buffer, but moved in pieces of at most
    `MOVE_PIECE` bytes (backwards when the ranges overlap with ``dst`` above ``src``), and
    zeros over untouched memory skipped, so host memory stays bounded."""
    if n <= 0:
        return
    if n <= MOVE_PIECE:
        dm.write(dst, sm.read(src, n))
        return
    starts = range(0, n, MOVE_PIECE)
    if dm is sm and src < dst < src + n:
        starts = reversed(starts)
    for k in starts:
        take = min(MOVE_PIECE, n - k)
        if _fresh(dm, dst + k, take):
            if _fresh(sm, src + k, take):
                continue
            piece = sm.read(src + k, take)
            if piece.count(0) == take:
                continue
        else:
            piece = sm.read(src + k, take)
        dm.write(dst + k, piece)


def _fresh(m: MemInst, addr: int, n: int) -> bool:
    """Whether ``[addr, addr + n)`` of ``m`` holds no bytes yet (reads as zeros for free)."""
    if addr < len(m.data):
        return False
    end = addr + n
    if end <= m.dense_limit:
        return True
    lo = max(addr, m.dense_limit) // CHUNK
    return not any(c in m.pages for c in range(lo, (end - 1) // CHUNK + 1))
