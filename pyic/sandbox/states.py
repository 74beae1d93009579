"""Execution states across the process boundary, as page deltas.

Both sides hold the same few states under the same numbers (`Execute` says
which).  A state travels as its difference from one of them: the pages that
are not the *same object* as the base's page at that index.  Images share
every page they did not write with the image they came from (copy-on-write,
`pyic.ic.system_api.images`), so identity finds the dirty pages of a message
without comparing bytes; a page that is equal but not shared travels all the
same, which costs bytes, never correctness.  The replica's sandbox does the
same with its page maps: only dirty pages go back after an execution.
"""

from __future__ import annotations

from ..ic.canister import WasmState
from ..ic.system_api.images import HeapImage, PagedBlob
from .protocol import BlobDelta, ImageDelta, ProtocolError, StateDelta


def _changed(pages: tuple, base_pages: tuple) -> tuple:
    nb = len(base_pages)
    return tuple((i, p) for i, p in enumerate(pages)
                 if i >= nb or p is not base_pages[i])


def delta(state: WasmState, base: WasmState | None, base_id: int | None) -> StateDelta:
    """``state`` as a `StateDelta` against ``base`` (held as ``base_id``)."""
    heap = state.wasm_memory
    base_heap = base.wasm_memory if base is not None else None
    if isinstance(heap, HeapImage):
        bp = base_heap.pages if isinstance(base_heap, HeapImage) else ()
        same_tables = isinstance(base_heap, HeapImage) and heap.tables is base_heap.tables
        heap = ImageDelta(heap.size, len(heap.pages), _changed(heap.pages, bp),
                          None if same_tables else heap.tables,
                          heap.dropped_datas, heap.dropped_elems)
    elif not isinstance(heap, bytes):
        raise ProtocolError(f"sandbox: a Wasm memory of type {type(heap).__name__}")
    stable = PagedBlob.of(state.stable_memory)
    base_stable = base.stable_memory if base is not None else None
    sp = base_stable.pages if isinstance(base_stable, PagedBlob) else ()
    return StateDelta(base_id, heap, BlobDelta(stable.size, len(stable.pages),
                                               _changed(stable.pages, sp)),
                      tuple(state.globals), bytes(state.self_id))


def _pages(npages: int, changed: tuple, base_pages: tuple) -> tuple:
    pages = list(base_pages[:npages])
    pages.extend([None] * (npages - len(pages)))
    for entry in changed:
        if type(entry) is not tuple or len(entry) != 2:
            raise ProtocolError("sandbox: a malformed page entry")
        i, page = entry
        if type(i) is not int or not 0 <= i < npages or not (page is None or type(page) is bytes):
            raise ProtocolError("sandbox: a page entry out of range")
        pages[i] = page
    return tuple(pages)


def apply(d: StateDelta, base: WasmState | None) -> WasmState:
    """The state ``d`` describes, given the ``base`` it was made against."""
    if not isinstance(d, StateDelta) or not isinstance(d.stable, BlobDelta):
        raise ProtocolError("sandbox: not a state delta")
    heap = d.heap
    base_heap = base.wasm_memory if base is not None else None
    if isinstance(heap, ImageDelta):
        bh = base_heap if isinstance(base_heap, HeapImage) else None
        if heap.tables is None and bh is None:
            raise ProtocolError("sandbox: a delta keeps the tables of no image")
        heap = HeapImage(heap.size, _pages(heap.npages, heap.changed, bh.pages if bh else ()),
                         bh.tables if heap.tables is None else heap.tables,
                         heap.dropped_datas, heap.dropped_elems)
    elif type(heap) is not bytes:
        raise ProtocolError("sandbox: a Wasm memory that is neither an image nor bytes")
    base_stable = base.stable_memory if base is not None else None
    sp = base_stable.pages if isinstance(base_stable, PagedBlob) else ()
    stable = d.stable
    if (stable.changed == () and isinstance(base_stable, PagedBlob)
            and stable.size == base_stable.size and stable.npages == len(sp)):
        blob = base_stable       # unchanged: keep sharing it (and its identity)
    else:
        blob = PagedBlob(stable.size, _pages(stable.npages, stable.changed, sp))
    return WasmState(heap, blob, d.globals, d.self_id)


__all__ = ["apply", "delta"]
