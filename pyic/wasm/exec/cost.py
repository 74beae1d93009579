"""The pluggable cost model of instruction counting (docs/semantics.md, "Counting").

By default every executed instruction costs 1, and a bulk operation of ``n``
elements (bytes for ``memory.fill/copy/init``, entries for
``table.fill/copy/init``, elements for the ``array.*`` bulk operations) pays
``⌊n / 4096⌋`` more on top of that, before it runs: operations up to 4 KiB
count once, exactly as every other instruction (the bench manifest's
definition), while a large one pays for its size, so an instruction limit
bounds it before anything is allocated.  A `CostModel` can give any
instruction another cost (by op name, ``0`` allowed) and charge a bulk
operation exactly per element instead (``per_byte``: the IC's model).
"""

from __future__ import annotations

# The bulk operations are a fact of each instruction (`pyic.wasm.syntax.facts`, its
# ``count_operand``): memory and table ones, the array ones, and all of them together.
# Every bulk operation takes its element count as its last operand (the top of the stack).
from ..syntax.facts import ARRAY_BULK_OPS, BULK_OPS, METERED_OPS

__all__ = ["ARRAY_BULK_OPS", "BULK_OPS", "METERED_OPS", "GRANULE_SHIFT", "CostModel", "DEFAULT"]
# The default per-unit rule: one unit per whole 4096 elements (a shift of 12).
GRANULE_SHIFT = 12


class CostModel:
    """``instr``: op name -> cost (default ``default``); ``per_byte``: bulk op name -> cost per
    element (ops without an entry follow the default rule, one per 4096 elements)."""

    __slots__ = ("instr", "default", "per_byte")

    def __init__(self, instr: dict | None = None, default: int = 1,
                 per_byte: dict | None = None) -> None:
        self.instr = dict(instr or {})
        self.default = default
        self.per_byte = dict(per_byte or {})

    def cost(self, op: str) -> int:
        return self.instr.get(op, self.default)

    def unit_cost(self, op: str) -> tuple[int, int]:
        """``(unit, shift)``: a bulk operation of ``n`` elements pays ``(n >> shift) * unit``
        on top of its instruction cost; ``unit == 0`` for no per-element charge."""
        if op not in METERED_OPS:
            return 0, 0
        if op in self.per_byte:
            return self.per_byte[op], 0
        return 1, GRANULE_SHIFT


DEFAULT = CostModel()
