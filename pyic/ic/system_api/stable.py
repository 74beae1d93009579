"""Stable memory (interface spec, "Stable memory"; pseudo-code in "System
imports").  The 32-bit API follows the prose where the pseudo-code has typos
(it tests ``|wasm_memory|`` instead of ``|stable_memory|``, and ``stable_read``
swaps source and destination; see system-api.md §4.6)."""

from __future__ import annotations

from ...errors import Trap
from . import ic0
from .images import PAGE
from .state import check_heap, copy_from_canister, copy_to_canister

# Implementation limits: 500 GiB of stable memory (the IC's), 4 GiB for the 32-bit API.
MAX_STABLE_PAGES = 500 * (1 << 30) // PAGE
MAX_STABLE32_PAGES = 1 << 16
U64 = (1 << 64) - 1
U32 = (1 << 32) - 1


def _pages(es) -> int:
    return es.stable.size // PAGE


def _grow(es, new_pages: int, limit: int) -> int | None:
    old = _pages(es)
    if old + new_pages > limit:
        return None
    es.stable.grow(new_pages)
    return old


# Copies move this many bytes at a time, after every bounds check: a 4 GiB copy never
# holds 4 GiB in a temporary.
PIECE = 1 << 20


def _write(es, offset: int, src: int, size: int, name: str) -> None:
    check_heap(es, src, size, name)
    if offset + size > es.stable.size:
        raise Trap(f"ic0.{name}: stable memory out of bounds: {offset} + {size} > "
                   f"{es.stable.size}")
    if size <= PIECE:
        es.stable.write(offset, copy_from_canister(es, src, size, name))
        return
    for k in range(0, size, PIECE):
        n = min(PIECE, size - k)
        es.stable.write(offset + k, copy_from_canister(es, src + k, n, name))


def _read(es, dst: int, offset: int, size: int, name: str) -> None:
    if offset + size > es.stable.size:
        raise Trap(f"ic0.{name}: stable memory out of bounds: {offset} + {size} > "
                   f"{es.stable.size}")
    check_heap(es, dst, size, name)
    if size <= PIECE:
        copy_to_canister(es, dst, 0, size, es.stable.read(offset, size), name)
        return
    for k in range(0, size, PIECE):
        n = min(PIECE, size - k)
        copy_to_canister(es, dst + k, 0, n, es.stable.read(offset + k, n), name)


@ic0("stable64_size", "() -> i64", "* s", overhead=0)
def stable64_size(es):
    return _pages(es)


@ic0("stable64_grow", "(i64) -> i64", "* s", overhead=100)
def stable64_grow(es, new_pages):
    old = _grow(es, new_pages, MAX_STABLE_PAGES)
    return U64 if old is None else old


@ic0("stable64_write", "(i64, i64, i64) -> ()", "* s", overhead=20, bytes_charged=2)
def stable64_write(es, offset, src, size):
    _write(es, offset, src, size, "stable64_write")


@ic0("stable64_read", "(i64, i64, i64) -> ()", "* s", overhead=20, bytes_charged=2)
def stable64_read(es, dst, offset, size):
    _read(es, dst, offset, size, "stable64_read")


# ------------------------------------------------------------------ the deprecated 32-bit API


def _check_32(es, name: str) -> None:
    if _pages(es) > MAX_STABLE32_PAGES:
        raise Trap(f"ic0.{name}: stable memory is larger than 4 GiB; use the 64-bit API")


@ic0("stable_size", "() -> i32", "* s", overhead=0, i32_only=True)
def stable_size(es):
    _check_32(es, "stable_size")
    return _pages(es)


@ic0("stable_grow", "(i32) -> i32", "* s", overhead=100, i32_only=True)
def stable_grow(es, new_pages):
    _check_32(es, "stable_grow")
    old = _grow(es, new_pages, MAX_STABLE32_PAGES)
    return U32 if old is None else old


@ic0("stable_write", "(i32, i32, i32) -> ()", "* s", overhead=20, bytes_charged=2,
     i32_only=True)
def stable_write(es, offset, src, size):
    _check_32(es, "stable_write")
    _write(es, offset, src, size, "stable_write")


@ic0("stable_read", "(i32, i32, i32) -> ()", "* s", overhead=20, bytes_charged=2,
     i32_only=True)
def stable_read(es, dst, offset, size):
    _check_32(es, "stable_read")
    _read(es, dst, offset, size, "stable_read")
