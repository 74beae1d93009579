"""Binding numeric and vector instructions to `pyic.wasm.numerics`.

The numerics modules own the arithmetic (pure functions over bit patterns);
this module only finds the function for an op name; in canonical-NaN mode the
lowering wraps it with `pyic.wasm.numerics.canonical.canonicalising`, as the
reference interpreter does.
"""

from __future__ import annotations

from ...errors import Trap
from ..numerics import NUMERIC


def lookup(op: str):
    """The numerics function implementing ``op``; `Trap` if pyic has none
    (never for valid 2.0 code)."""
    entry = NUMERIC.get(op)
    if entry is None:
        raise Trap(f"unsupported instruction {op}")
    return entry[0]
