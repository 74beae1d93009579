"""The pluggable cost model of instruction counting (docs/semantics.md, "Counting").

By default every executed instruction costs 1 and nothing else costs
anything.  A `CostModel` can give any instruction another cost (by op name,
``0`` allowed) and charge bulk operations per element moved: bytes for
``memory.fill/copy/init``, entries for ``table.fill/copy/init``.
"""

from __future__ import annotations

BULK_OPS = ("memory.fill", "memory.copy", "memory.init", "table.fill", "table.copy", "table.init")


class CostModel:
    """``instr``: op name -> cost (default ``default``); ``per_byte``: bulk op name -> cost per unit."""

    __slots__ = ("instr", "default", "per_byte")

    def __init__(self, instr: dict | None = None, default: int = 1, per_byte: dict | None = None) -> None:
        self.instr = dict(instr or {})
        self.default = default
        self.per_byte = dict(per_byte or {})

    def cost(self, op: str) -> int:
        return self.instr.get(op, self.default)

    def unit_cost(self, op: str) -> int:
        return self.per_byte.get(op, 0)


DEFAULT = CostModel()
