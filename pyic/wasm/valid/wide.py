"""Typing rules of the wide-arithmetic proposal (WebAssembly/wide-arithmetic,
``proposals/wide-arithmetic/Overview.md``, "Validation"; docs/proposals.md).

* ``i64.add128``, ``i64.sub128``: ``[i64 i64 i64 i64] -> [i64 i64]``, two 128-bit
  integers as (low, high) halves in, their sum/difference out;
* ``i64.mul_wide_s``, ``i64.mul_wide_u``: ``[i64 i64] -> [i64 i64]``, the full
  128-bit product (low, high).
"""

from __future__ import annotations

from ..syntax.facts import signature
from .instructions import _simple

# Fixed types, as the instruction facts state them.
for _op in ("i64.add128", "i64.sub128", "i64.mul_wide_s", "i64.mul_wide_u"):
    _simple(_op, *signature(_op))
