"""Immutable images of a canister's memories, shared page by page.

The spec's ``WasmState`` is a value: a trap rolls back by discarding the new
one.  Copying whole memories per message would make that cost the memory's
size, so both memories are kept as *paged images*: a tuple with one entry per
64 KiB page, ``None`` for a page of zeros, else its ``bytes``.  A new image
shares every page it did not change with the image it was made from
(copy-on-write at page granularity), so a message pays for the pages it
wrote, plus one pointer per page.

* `PagedBlob` is ``stable_memory``: it behaves as the spec's blob (``len``,
  ``bytes``, slicing, equality with ``bytes``).
* `StableMemory` is the working copy an execution reads and writes.
* `HeapImage` is ``wasm_memory`` of a Wasm canister: memory 0, the tables
  (as function indices, so an image outlives the store it came from) and the
  dropped data / element segments.
"""

from __future__ import annotations

from attrs import field, frozen

from ...errors import Trap

PAGE = 65536
ZERO_PAGE = bytes(PAGE)


def _npages(size: int) -> int:
    return -(-size // PAGE)


def pages_of(data: bytes) -> tuple:
    """``data`` (a multiple of nothing in particular) as a page tuple."""
    out = []
    for lo in range(0, len(data), PAGE):
        chunk = bytes(data[lo:lo + PAGE])
        if len(chunk) < PAGE:
            chunk += bytes(PAGE - len(chunk))
        out.append(None if chunk == ZERO_PAGE else chunk)
    return tuple(out)


def page_spans(offset: int, n: int):
    """The pieces of bytes ``[offset, offset+n)`` that lie in one page each, in
    order: (page index, offset within the page, length)."""
    pos, end = offset, offset + n
    while pos < end:
        p = pos // PAGE
        lo = pos - p * PAGE
        take = min(PAGE - lo, end - pos)
        yield p, lo, take
        pos += take


def read_pages(pages: tuple, size: int, offset: int, n: int) -> bytes:
    """Bytes ``[offset, offset+n)`` of a page tuple (the caller checked the bounds)."""
    out = bytearray()
    for p, lo, take in page_spans(offset, n):
        page = pages[p] if p < len(pages) else None
        out += page[lo:lo + take] if page is not None else bytes(take)
    return bytes(out)


@frozen(eq=False)
class PagedBlob:
    """An immutable blob of ``size`` bytes kept as pages (``stable_memory``)."""

    size: int = 0
    pages: tuple = ()

    @classmethod
    def of(cls, data) -> "PagedBlob":
        if isinstance(data, PagedBlob):
            return data
        return cls(len(data), pages_of(data))

    def __len__(self) -> int:
        return self.size

    def __bytes__(self) -> bytes:
        return read_pages(self.pages, self.size, 0, self.size)

    def __getitem__(self, key):
        if isinstance(key, slice):
            start, stop, step = key.indices(self.size)
            if step != 1:
                return bytes(self)[key]
            return read_pages(self.pages, self.size, start, max(0, stop - start))
        if key < 0:
            key += self.size
        if not 0 <= key < self.size:
            raise IndexError("PagedBlob index out of range")
        page = self.pages[key // PAGE] if key // PAGE < len(self.pages) else None
        return page[key % PAGE] if page is not None else 0

    def __eq__(self, other) -> bool:
        if isinstance(other, PagedBlob):
            if self.size != other.size:
                return False
            return all(a is b or (a or ZERO_PAGE) == (b or ZERO_PAGE)
                       for a, b in zip(self.pages, other.pages)) \
                and len(self.pages) == len(other.pages)
        if isinstance(other, (bytes, bytearray)):
            return self.size == len(other) and bytes(self) == bytes(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.size, tuple(p is None for p in self.pages)))

    def __repr__(self) -> str:
        used = sum(p is not None for p in self.pages)
        return f"PagedBlob({self.size} bytes, {used} non-zero pages)"


class StableMemory:
    """The working copy of stable memory during one execution.

    Reads fall through to the base image; the first write to a page copies it.
    `freeze` gives the new `PagedBlob` (the base itself when nothing changed).
    """

    __slots__ = ("base", "size", "dirty")

    def __init__(self, base) -> None:
        self.base = PagedBlob.of(base)
        self.size = self.base.size
        self.dirty: dict = {}

    def read(self, offset: int, n: int) -> bytes:
        if offset + n > self.size:
            raise Trap("stable memory out of bounds")
        p, lo = divmod(offset, PAGE)
        if lo + n <= PAGE:      # within one page: most reads
            page = self.dirty.get(p)
            if page is None:
                base = self.base.pages
                page = base[p] if p < len(base) else None
            return bytes(page[lo:lo + n]) if page is not None else bytes(n)
        if not self.dirty:
            return read_pages(self.base.pages, self.size, offset, n)
        out = bytearray()
        base = self.base.pages
        for p, lo, take in page_spans(offset, n):
            page = self.dirty.get(p)
            if page is None:
                page = base[p] if p < len(base) else None
            out += page[lo:lo + take] if page is not None else bytes(take)
        return bytes(out)

    def write(self, offset: int, data: bytes) -> None:
        n = len(data)
        if offset + n > self.size:
            raise Trap("stable memory out of bounds")
        if not n:
            return
        base = self.base.pages
        p, lo = divmod(offset, PAGE)
        if lo + n <= PAGE:      # within one page: most writes
            page = self.dirty.get(p)
            if page is None:
                old = base[p] if p < len(base) else None
                page = self.dirty[p] = bytearray(old if old is not None else PAGE)
            page[lo:lo + n] = data
            return
        i = 0
        for p, lo, take in page_spans(offset, n):
            page = self.dirty.get(p)
            if page is None:
                old = base[p] if p < len(base) else None
                page = self.dirty[p] = bytearray(old if old is not None else PAGE)
            page[lo:lo + take] = data[i:i + take]
            i += take

    def grow(self, new_pages: int) -> None:
        self.size += new_pages * PAGE

    def freeze(self) -> PagedBlob:
        if not self.dirty and self.size == self.base.size:
            return self.base
        pages = list(self.base.pages)
        n = _npages(self.size)
        pages.extend([None] * (n - len(pages)))
        for p, page in self.dirty.items():
            b = bytes(page)
            pages[p] = None if b == ZERO_PAGE else b
        return PagedBlob(self.size, tuple(pages))


@frozen(eq=False)
class HeapImage:
    """``wasm_memory`` of a Wasm canister (see the module docstring).

    ``tables``: per table ``(size, entries)``, each entry a function index of
    the module instance or ``None`` (null).  ``dropped_datas`` /
    ``dropped_elems``: indices of segments dropped so far.
    """

    size: int = 0
    pages: tuple = ()
    tables: tuple = ()
    dropped_datas: frozenset = field(factory=frozenset)
    dropped_elems: frozenset = field(factory=frozenset)

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        used = sum(p is not None for p in self.pages)
        return f"HeapImage({self.size} bytes, {used} non-zero pages)"
