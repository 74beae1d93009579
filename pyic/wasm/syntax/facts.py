"""What each instruction does to the operand stack, and how it is charged.

A sibling of `opcodes` (the instructions' names, opcodes and immediates): one
`Facts` per instruction of `opcodes.ALL_OPCODES`, so that the validator, the
lowering of the reference interpreter, the fast tier's code generator and the
cost model read one statement of each fact instead of restating it.

* ``signature``: ``(operand types, result types)`` when the instruction's type
  is one fixed ``[t1*] -> [t2*]`` (spec 3.4.10 and 3.4.11, the numeric and
  vector instructions, and a few reference ones), deepest operand first; ``None`` when
  the types depend on the context or the immediates (``local.get``, loads with
  the memory's address type, ``struct.get``) or are polymorphic (``drop``,
  ``select``).
* ``effect``: ``(pops, pushes)``, how many values it takes from and gives to
  the stack when that does not depend on its immediates; ``VARIES`` (``None``)
  when it does: a block type, a function or tag type, a label's arity, a
  struct's field count or ``array.new_fixed``'s count.
* ``polymorphic``: an unconditional transfer of control (``br``, ``return``,
  ``throw``, ``unreachable``...): the stack after it is polymorphic (spec
  3.4, "stack-polymorphic"), and the code up to the end of the block is dead.
* ``count_operand``: for the bulk operations the cost model charges per
  element (docs/semantics.md, "Counting"), the position of the element count
  among the operands, deepest first; ``None`` for an ordinary instruction,
  charged its flat cost.  Every bulk operation takes its count last (on top of
  the stack), which the lowering relies on.

`stack_effect`, `signature` and `count_operand` read the table by op name.
"""

from __future__ import annotations


from .node import node
from .opcodes import ALL_OPCODES
from .types import F32, F64, I32, I64, NUMTYPES, V128, RefType

VARIES = None   # an effect that depends on the immediates


@node
class Facts:
    op: str
    effect: tuple | None
    signature: tuple | None = None
    polymorphic: bool = False
    count_operand: int | None = None


# ------------------------------------------------------------------ numeric (3.4.10)

_RELOPS = frozenset("eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u lt gt le ge".split())
_UNOPS = frozenset("clz ctz popcnt abs neg ceil floor trunc nearest sqrt "
                   "extend8_s extend16_s extend32_s".split())


def _scalar_signature(t: str, rest: str) -> tuple:
    """``t.rest``'s type: const, testop, relop, unop, binop or cvtop ``t.cvtop_t1``."""
    if rest == "const":
        return (), (t,)
    if rest == "eqz":
        return (t,), (I32,)
    if rest in _RELOPS:
        return (t, t), (I32,)
    if rest in _UNOPS:
        return (t,), (t,)
    for part in rest.split("_")[1:]:
        if part in NUMTYPES:  # a conversion t.cvtop_t1
            return (part,), (t,)
    return (t, t), (t,)


# ------------------------------------------------------------------ vector (3.4.11)

# Each shape's lane type (unpacked: i8 and i16 lanes are read and written as i32) and count.
SHAPES = {"i8x16": (I32, 16), "i16x8": (I32, 8), "i32x4": (I32, 4), "i64x2": (I64, 2),
          "f32x4": (F32, 4), "f64x2": (F64, 2)}
_VUNARY_PREFIXES = ("not", "abs", "neg", "popcnt", "sqrt", "ceil", "floor", "trunc", "nearest",
                    "extend_", "convert", "demote", "promote", "extadd_pairwise", "relaxed_trunc")
_VTERNARY = frozenset(("bitselect", "relaxed_madd", "relaxed_nmadd", "relaxed_laneselect",
                       "relaxed_dot_i8x16_i7x16_add_s"))


def _vector_signature(shape: str, rest: str) -> tuple:
    if rest == "const":
        return (), (V128,)
    if rest == "splat":
        return (SHAPES[shape][0],), (V128,)
    if rest.startswith("extract_lane"):
        return (V128,), (SHAPES[shape][0],)
    if rest == "replace_lane":
        return (V128, SHAPES[shape][0]), (V128,)
    if rest in ("any_true", "all_true", "bitmask"):
        return (V128,), (I32,)
    if rest in ("shl", "shr_s", "shr_u"):
        return (V128, I32), (V128,)
    if rest in _VTERNARY:
        return (V128, V128, V128), (V128,)
    if rest.startswith(_VUNARY_PREFIXES):
        return (V128,), (V128,)
    return (V128, V128), (V128,)


# ------------------------------------------------------------------ memory (3.4.5)

def _memory_effect(op: str) -> tuple:
    """A load or store with a memarg: the address, the stored value, the vector of a
    ``_lane`` access; the threads proposal's atomic accesses (Overview.md)."""
    if ".atomic." in op:
        name = op.split(".atomic.", 1)[1]
        if op.startswith("memory."):            # notify [at i32], wait [at t i64] -> [i32]
            return (2, 1) if name == "notify" else (3, 1)
        if name.startswith("store"):
            return 2, 0
        if name.endswith(("cmpxchg", "cmpxchg_u")):
            return 3, 1
        return (1, 1) if name.startswith("load") else (2, 1)   # load; rmw [at t] -> [t]
    name = op.split(".", 1)[1]
    if name.startswith("store"):
        return 2, 0
    if name.endswith("_lane"):
        return 2, 1
    return 1, 1


# ------------------------------------------------------------------ everything else

_EQREF = RefType(True, "eq")
_I31REF = RefType(True, "i31")

# op -> (pops, pushes) or VARIES, for the instructions outside the rules above.
_EFFECTS = {
    # control (3.4.2)
    "nop": (0, 0), "block": VARIES, "loop": VARIES, "if": VARIES, "try_table": VARIES,
    "br_if": VARIES, "br_on_null": VARIES, "br_on_non_null": VARIES,
    "br_on_cast": VARIES, "br_on_cast_fail": VARIES,
    "call": VARIES, "call_indirect": VARIES, "call_ref": VARIES,
    # parametric (3.4.1)
    "drop": (1, 0), "select": (3, 1),
    # variable (3.4.3)
    "local.get": (0, 1), "local.set": (1, 0), "local.tee": (1, 1),
    "global.get": (0, 1), "global.set": (1, 0),
    # table (3.4.4)
    "table.get": (1, 1), "table.set": (2, 0), "table.size": (0, 1), "table.grow": (2, 1),
    "table.fill": (3, 0), "table.copy": (3, 0), "table.init": (3, 0), "elem.drop": (0, 0),
    # memory (3.4.5)
    "memory.size": (0, 1), "memory.grow": (1, 1), "memory.fill": (3, 0), "memory.copy": (3, 0),
    "memory.init": (3, 0), "data.drop": (0, 0),
    # reference (3.4.6)
    "ref.null": (0, 1), "ref.is_null": (1, 1), "ref.func": (0, 1), "ref.eq": (2, 1),
    "ref.as_non_null": (1, 1), "ref.test": (1, 1), "ref.cast": (1, 1),
    # aggregate (3.4.7), scalar (3.4.8) and external (3.4.9) references
    "struct.new": VARIES, "struct.new_default": (0, 1),
    "struct.get": (1, 1), "struct.get_s": (1, 1), "struct.get_u": (1, 1), "struct.set": (2, 0),
    "array.new": (2, 1), "array.new_default": (1, 1), "array.new_fixed": VARIES,
    "array.new_data": (2, 1), "array.new_elem": (2, 1),
    "array.get": (2, 1), "array.get_s": (2, 1), "array.get_u": (2, 1), "array.set": (3, 0),
    "array.len": (1, 1), "array.fill": (4, 0), "array.copy": (5, 0),
    "array.init_data": (4, 0), "array.init_elem": (4, 0),
    "any.convert_extern": (1, 1), "extern.convert_any": (1, 1),
    "ref.i31": (1, 1), "i31.get_s": (1, 1), "i31.get_u": (1, 1),
    # custom-descriptors (Overview.md "New Instructions"): the descriptor is one more operand
    "struct.new_desc": VARIES, "struct.new_default_desc": (1, 1), "ref.get_desc": (1, 1),
    "ref.cast_desc_eq": (2, 1), "br_on_cast_desc_eq": VARIES, "br_on_cast_desc_eq_fail": VARIES,
    # legacy exceptions (legacy/Exceptions.md)
    "try": VARIES,
    # threads (Overview.md "Fence operator")
    "atomic.fence": (0, 0),
}

# Unconditional transfers of control: op -> (pops, pushes) before the stack turns
# polymorphic, or VARIES (a label's, the function's or a tag's values).
_POLYMORPHIC = {
    "unreachable": (0, 0), "br": VARIES, "br_table": VARIES, "return": VARIES,
    "return_call": VARIES, "return_call_indirect": VARIES, "return_call_ref": VARIES,
    "throw": VARIES, "throw_ref": (1, 0), "rethrow": (0, 0),
}

# Fixed types outside the numeric and vector rules.
_SIGNATURES = {
    "nop": ((), ()),
    "ref.eq": ((_EQREF, _EQREF), (I32,)),
    "ref.i31": ((I32,), (RefType(False, "i31"),)),
    "i31.get_s": ((_I31REF,), (I32,)),
    "i31.get_u": ((_I31REF,), (I32,)),
    "array.len": ((RefType(True, "array"),), (I32,)),
    "atomic.fence": ((), ()),
    # wide-arithmetic (Overview.md "Validation"): 128-bit values as (low, high) i64 pairs
    "i64.add128": ((I64, I64, I64, I64), (I64, I64)),
    "i64.sub128": ((I64, I64, I64, I64), (I64, I64)),
    "i64.mul_wide_s": ((I64, I64), (I64, I64)),
    "i64.mul_wide_u": ((I64, I64), (I64, I64)),
}

# The bulk operations charged per element (docs/semantics.md, "Counting"); their element
# count is their last operand.
BULK_OPS = ("memory.fill", "memory.copy", "memory.init", "table.fill", "table.copy", "table.init")
ARRAY_BULK_OPS = ("array.new", "array.new_default", "array.new_data", "array.new_elem",
                  "array.fill", "array.copy", "array.init_data", "array.init_elem")


def _facts(op: str, info) -> Facts:
    kind, _, rest = op.partition(".")
    if op in _POLYMORPHIC:
        return Facts(op, _POLYMORPHIC[op], polymorphic=True)
    if "memarg" in info.imms:
        return Facts(op, _memory_effect(op))
    sig = _SIGNATURES.get(op)
    if sig is None and op not in _EFFECTS:
        if kind in NUMTYPES:
            sig = _scalar_signature(kind, rest)
        elif kind in SHAPES or kind == V128:
            sig = _vector_signature(kind, rest)
        else:
            raise ValueError(f"no facts for instruction {op}")   # a slip in this table
    effect = (len(sig[0]), len(sig[1])) if sig is not None else _EFFECTS[op]
    count = effect[0] - 1 if op in BULK_OPS or op in ARRAY_BULK_OPS else None
    return Facts(op, effect, sig, False, count)


FACTS: dict[str, Facts] = {op: _facts(op, info) for op, info in ALL_OPCODES.items()}
# Every bulk-metered instruction.
METERED_OPS = frozenset(op for op, f in FACTS.items() if f.count_operand is not None)


def stack_effect(op: str) -> tuple | None:
    """``(pops, pushes)`` of ``op``, or ``None`` when its immediates decide (`VARIES`)."""
    return FACTS[op].effect


def signature(op: str) -> tuple | None:
    """``(operand types, result types)`` of ``op`` when fixed, else ``None``."""
    return FACTS[op].signature


def count_operand(op: str) -> int | None:
    """The position (deepest first) of a bulk operation's element count, else ``None``."""
    return FACTS[op].count_operand


__all__ = ["FACTS", "Facts", "VARIES", "SHAPES", "BULK_OPS", "ARRAY_BULK_OPS", "METERED_OPS",
           "stack_effect", "signature", "count_operand"]
