"""A ``WasmState`` in the store: one ``wasm_states`` row and its memories' pages.

Both memories are paged images (`pyic.ic.system_api.images`): a tuple with one
entry per 64 KiB page, ``None`` for a page of zeros.  A page is one row of
``pages``; zero pages have no row.  Saving compares the new image with the one
stored page by page — first by identity, since an image shares every page it
did not write with the image it came from, then by content — and writes only
the pages that differ.
"""

from __future__ import annotations

import sqlite3
from collections import Counter

from ..canister import WasmState
from ..system_api.images import PAGE, ZERO_PAGE, HeapImage, PagedBlob, pages_of, read_pages
from .codec import CorruptStore
from .columns import BLOB, INT, TEXT, VALUE, from_sql, to_sql

IMAGE = "image"       # wasm_memory is a HeapImage: pages, tables and dropped segments
VALUE_KIND = "value"  # wasm_memory is another value (b"" before the first capture):
                      # in wasm_memory_value, no pages
PAGED = "paged"       # stable_memory is a PagedBlob
BYTES = "bytes"       # stable_memory is bytes (kept as pages all the same)

WASM, STABLE = "wasm", "stable"


def _npages(size: int) -> int:
    return -(-size // PAGE)


def state_row(ws: WasmState) -> tuple:
    """The ``wasm_states`` columns after (canister, snapshot), in schema order."""
    mem, stable = ws.wasm_memory, ws.stable_memory
    if isinstance(mem, HeapImage):
        heap = (IMAGE, to_sql(INT, mem.size, "wasm_memory_size"), None,
                to_sql(VALUE, mem.tables, "tables"),
                to_sql(VALUE, mem.dropped_datas, "dropped_datas"),
                to_sql(VALUE, mem.dropped_elems, "dropped_elems"))
    else:
        heap = (VALUE_KIND, 0, to_sql(VALUE, mem, "wasm_memory"), "[]", "[]", "[]")
    kind = PAGED if isinstance(stable, PagedBlob) else BYTES
    return heap + (kind, to_sql(INT, len(stable), "stable_memory_size"),
                   to_sql(VALUE, ws.globals, "globals"), to_sql(BLOB, ws.self_id, "self_id"))


STATE_COLUMNS = ("wasm_memory_kind", "wasm_memory_size", "wasm_memory_value", "tables",
                 "dropped_datas", "dropped_elems", "stable_memory_kind", "stable_memory_size",
                 "globals", "self_id")


def heap_pages(ws: WasmState | None) -> tuple:
    mem = ws.wasm_memory if ws is not None else None
    return mem.pages if isinstance(mem, HeapImage) else ()


def stable_pages(ws: WasmState | None) -> tuple:
    if ws is None:
        return ()
    stable = ws.stable_memory
    return stable.pages if isinstance(stable, PagedBlob) else pages_of(stable)


# ------------------------------------------------------------------ writing


def write_state(conn: sqlite3.Connection, written: Counter, canister: bytes, snapshot: bytes,
                old: WasmState | None, new: WasmState | None) -> None:
    """Make the stored ``WasmState`` of (canister, snapshot) ``new``, given that ``old``
    is stored; ``None`` for none."""
    if old is new:
        return
    if new is None:
        conn.execute("DELETE FROM wasm_states WHERE canister = ? AND snapshot = ?",
                     (canister, snapshot))
        conn.execute("DELETE FROM pages WHERE canister = ? AND snapshot = ?", (canister, snapshot))
        written["wasm_states"] += 1
        return
    row = state_row(new)
    if old is None or state_row(old) != row:
        conn.execute(f"INSERT OR REPLACE INTO wasm_states (canister, snapshot, "
                     f"{', '.join(STATE_COLUMNS)}) VALUES ({', '.join('?' * 12)})",
                     (canister, snapshot) + row)
        written["wasm_states"] += 1
    write_pages(conn, written, canister, snapshot, WASM, heap_pages(old), heap_pages(new))
    write_pages(conn, written, canister, snapshot, STABLE, stable_pages(old), stable_pages(new))


def write_pages(conn: sqlite3.Connection, written: Counter, canister: bytes, snapshot: bytes,
                memory: str, old: tuple, new: tuple) -> None:
    """Write the pages of ``new`` that differ from ``old`` (what is stored)."""
    if old is new:
        return
    key = (canister, snapshot, memory)
    for p in range(max(len(old), len(new))):
        a = old[p] if p < len(old) else None
        b = new[p] if p < len(new) else None
        if a is b or (a or ZERO_PAGE) == (b or ZERO_PAGE):
            continue
        if b is None or b == ZERO_PAGE:
            conn.execute("DELETE FROM pages WHERE canister = ? AND snapshot = ? AND memory = ? "
                         "AND page = ?", key + (p,))
        else:
            conn.execute("INSERT OR REPLACE INTO pages (canister, snapshot, memory, page, data) "
                         "VALUES (?, ?, ?, ?, ?)", key + (p, bytes(b)))
        written["pages"] += 1


# ------------------------------------------------------------------ reading


def read_states(conn: sqlite3.Connection, where: str, args: tuple) -> dict:
    """The stored ``WasmState``s selected by ``where`` (on canister, snapshot), keyed
    by (canister, snapshot)."""
    pages: dict = {}
    for canister, snapshot, memory, page, data in conn.execute(
            f"SELECT canister, snapshot, memory, page, data FROM pages WHERE {where}", args):
        if not (type(page) is int and 0 <= page and isinstance(data, bytes)
                and 0 < len(data) <= PAGE):
            raise CorruptStore(f"a stored {memory} memory page {page!r:.20} is malformed")
        pages.setdefault((canister, snapshot, memory), {})[page] = data
    states = {}
    for row in conn.execute(f"SELECT canister, snapshot, {', '.join(STATE_COLUMNS)} "
                            f"FROM wasm_states WHERE {where}", args):
        key = (row[0], row[1])
        states[key] = _state_of(row[2:], pages.pop(key + (WASM,), {}),
                                pages.pop(key + (STABLE,), {}))
    if pages:
        raise CorruptStore("stored memory pages belong to no Wasm state")
    return states


def _page_tuple(pages: dict, size: int, what: str) -> tuple:
    n = _npages(size)
    if pages and max(pages) >= n:
        raise CorruptStore(f"a stored {what} page lies beyond the memory's size")
    return tuple(pages.get(p) for p in range(n))


def _int_set(value) -> bool:
    return type(value) is frozenset and all(type(i) is int for i in value)


def _state_of(row: tuple, wasm: dict, stable: dict) -> WasmState:
    kind = from_sql(TEXT, row[0], "wasm_memory_kind")
    if kind == IMAGE:
        size = from_sql(INT, row[1], "wasm_memory_size")
        tables = from_sql(VALUE, row[3], "tables")
        datas = from_sql(VALUE, row[4], "dropped_datas")
        elems = from_sql(VALUE, row[5], "dropped_elems")
        if size < 0 or type(tables) is not tuple or not _int_set(datas) or not _int_set(elems):
            raise CorruptStore("a stored Wasm memory image is malformed")
        memory = HeapImage(size, _page_tuple(wasm, size, WASM), tables, datas, elems)
    elif kind == VALUE_KIND and not wasm:
        memory = from_sql(VALUE, row[2], "wasm_memory_value")
    else:
        raise CorruptStore(f"unknown wasm_memory_kind {kind!r:.30}")
    stable_kind = from_sql(TEXT, row[6], "stable_memory_kind")
    size = from_sql(INT, row[7], "stable_memory_size")
    if size < 0 or stable_kind not in (PAGED, BYTES):
        raise CorruptStore(f"a stored stable memory is malformed ({stable_kind!r:.30}, {size})")
    blob = PagedBlob(size, _page_tuple(stable, size, STABLE))
    stable_memory = blob if stable_kind == PAGED else read_pages(blob.pages, size, 0, size)
    return WasmState(memory, stable_memory, from_sql(VALUE, row[8], "globals"),
                     from_sql(BLOB, row[9], "self_id"))


__all__ = ["write_state", "write_pages", "read_states", "state_row"]
