"""Debugging aids: ``ic0.debug_print`` and ``ic0.trap`` (interface spec,
"Debugging aids")."""

from __future__ import annotations

from ...errors import Trap
from . import ic0
from .state import heap_size

LOG_CAPACITY = 4096
NON_REPLICATED = frozenset({"NRQ", "TQ", "CQ", "CRy", "CRt", "CC", "F"})


def _log_charge(n: int) -> int:
    # limits-and-costs.md §6.3, with the whole log buffer free.
    return 2 * min(n, LOG_CAPACITY) + 50 * min(n, LOG_CAPACITY)


def _message(es, src: int, size: int) -> bytes | None:
    """The message at ``src``, at most `LOG_CAPACITY` bytes of it (the log keeps no more,
    so no more is read: a 4 GiB ``debug_print`` reads 4 KiB); ``None`` when out of bounds."""
    if src + size > heap_size(es):
        return None
    return es.mem.read(src, min(size, LOG_CAPACITY)) if size else b""


@ic0("debug_print", "(I, I) -> ()", "* s", overhead=100,
     bytes_charged=lambda a: _log_charge(a[1]))
def debug_print(es, src, size):
    # Never traps: an out-of-bounds message is replaced by a note.
    data = _message(es, src, size)
    if es.context not in NON_REPLICATED:
        es.logs.append(data if data is not None else
                       f"(debug_print: message of {size} bytes out of bounds)".encode())


@ic0("trap", "(I, I) -> ()", "* s", bytes_charged=lambda a: a[1] + _log_charge(a[1]))
def trap(es, src, size):
    data = _message(es, src, size)
    text = data.decode("utf-8", "replace") if data is not None else \
        f"(message of {size} bytes out of bounds)"
    raise Trap(f"Canister called `ic0.trap` with message: '{text}'")
