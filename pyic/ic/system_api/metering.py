"""What the replica counts (limits-and-costs.md §6): the static cost of each
Wasm instruction, as a `pyic.wasm.exec.cost.CostModel`, and the cycles an
instruction count costs.

pyic charges each instruction as it runs, not each basic block in advance
(§6.1); totals of completed executions are the same, except that pyic does
not add the replica's 1 per function entry.  SIMD instructions cost 1
(the §6.2 exceptions for SIMD are not modelled).
"""

from __future__ import annotations

from functools import lru_cache

from ...wasm.exec.cost import BULK_OPS, CostModel
from ...wasm.syntax.opcodes import OPCODES

_FIXED = {
    "block": 0, "loop": 0,
    "global.get": 2, "global.set": 2, "table.get": 5, "table.set": 5,
    "memory.grow": 300, "table.grow": 300, "memory.size": 20, "table.size": 100,
    "data.drop": 300, "elem.drop": 300,
    "call": 5, "call_indirect": 10, "return_call": 3, "return_call_indirect": 60,
    "if": 2, "br": 2, "br_if": 2, "br_table": 2,
    "ref.null": 1, "ref.is_null": 5, "ref.func": 130,
    "f32.div": 3, "f64.div": 5, "f32.copysign": 2, "f64.copysign": 3,
    "f32.sqrt": 5, "f64.sqrt": 8,
}
_FLOAT_2 = {"add", "sub", "mul", "ceil", "floor", "trunc", "nearest"}
_FLOAT_CMP = {"eq", "ne", "lt", "gt", "le", "ge"}


def instruction_cost(op: str, wasm64: bool) -> int:
    """``instruction_to_cost`` (§6.2)."""
    if op in _FIXED:
        return _FIXED[op]
    if op in BULK_OPS:
        return 100
    ty, _, name = op.partition(".")
    if ".load" in op or ".store" in op:
        return 2 if wasm64 else 1
    if ty in ("i32", "i64") and name in ("div_s", "div_u", "rem_s", "rem_u"):
        return 10
    if ty in ("f32", "f64"):
        if name in ("min", "max"):
            return 18
        if name in _FLOAT_2:
            return 2
        if name in _FLOAT_CMP:
            return 3
        if name.startswith("convert_"):
            return 16 if name.endswith("_u") else 3
        return 1
    if ty in ("i32", "i64") and name.startswith("trunc_"):
        return 20
    return 1


@lru_cache(maxsize=2)
def cost_model(wasm64: bool) -> CostModel:
    """The replica's cost model; bulk operations also pay 1 per byte or entry (§6.1)."""
    return CostModel({op: instruction_cost(op, wasm64) for op in OPCODES},
                     per_byte={op: 1 for op in BULK_OPS})


def cycles_for(cfg, instructions: int, wasm64: bool) -> int:
    """Cycles an execution of ``instructions`` costs: ``execution_cost``, with the
    per-instruction fee doubled for wasm64 (§5: 20 per 10 instructions)."""
    return cfg.execution_cost(instructions * (2 if wasm64 else 1))
