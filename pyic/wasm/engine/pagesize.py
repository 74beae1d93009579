"""Execution of the custom-page-sizes proposal (WebAssembly/custom-page-sizes,
``proposals/custom-page-sizes/Overview.md``; docs/proposals.md).

A memory instance knows its page size (`MemInst.page_size`); ``memory.grow``
already counts in its pages.  ``memory.size`` of a memory whose pages are not
64 KiB gets its own handler here (3.0's divides by 64 KiB, and the fast tier
inlines that); a function using it runs on the reference interpreter.
"""

from __future__ import annotations


def memory_size(ins, S, L, pc):
    # (h, cost, meminst)
    m = ins[2]
    S.append(m.size // m.page_size)
    return pc


def _memory_size(imm, cost, mi, store):
    m = mi.mems[imm[0]]
    if m.page_size == 65536:
        return None                 # 3.0's memory.size
    return 0, 1, [memory_size, cost, m]


LOWER = {"memory.size": _memory_size}
