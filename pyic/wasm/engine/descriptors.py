"""Execution of the custom-descriptors proposal's instructions
(WebAssembly/custom-descriptors, ``proposals/custom-descriptors/Overview.md``;
docs/proposals.md).

A structure allocated with ``struct.new_desc``/``struct.new_default_desc``
keeps its descriptor (another structure) in `StructInst.desc`:

* allocating with a null descriptor traps ("null descriptor reference");
* ``ref.get_desc`` gives it back (a null reference traps: "null reference");
* ``ref.cast_desc_eq`` and ``br_on_cast_desc_eq(_fail)`` compare it with the
  given descriptor by identity: a null descriptor traps ("null descriptor
  reference"); a null reference passes when the target type is nullable;
  a failed ``ref.cast_desc_eq`` traps ("descriptor cast failure").

Each instruction counts once.  The fast tier does not know these handlers:
functions using them run on the reference interpreter.
"""

from __future__ import annotations

from ...errors import Trap
from ..runtime.aggregates import NULL_DESC, desc_matches
from ..runtime.values import NullRef
from . import gc_ops as G
from .control import br_drop


def struct_new_desc(ins, S, L, pc):
    # (h, cost, the lowered struct.new / struct.new_default)
    d = S.pop()
    if type(d) is NullRef:
        raise Trap(NULL_DESC)
    inner = ins[2]
    inner[0](inner, S, L, pc)
    S[-1].desc = d
    return pc


def ref_get_desc(ins, S, L, pc):
    r = S[-1]
    if type(r) is NullRef:
        raise Trap("null reference")
    S[-1] = r.desc
    return pc


def ref_cast_desc_eq(ins, S, L, pc):
    # (h, cost, target nullable)
    d = S.pop()
    if not desc_matches(S[-1], d, ins[2]):
        raise Trap("descriptor cast failure")
    return pc


def br_on_cast_desc_eq(ins, S, L, pc):
    # (h, cost, target, keep, drop, target nullable): branch with the reference
    d = S.pop()
    if desc_matches(S[-1], d, ins[5]):
        return br_drop(ins, S, L, pc)
    return pc


def br_on_cast_desc_eq_fail(ins, S, L, pc):
    d = S.pop()
    if desc_matches(S[-1], d, ins[5]):
        return pc
    return br_drop(ins, S, L, pc)


def _struct_new_desc(imm, cost, mi, store):
    inner = G.lower_gc("struct.new", imm, 0, mi, store)
    return len(mi.deftypes[imm[0]].comptype.fields) + 1, 1, [struct_new_desc, cost, inner]


def _struct_new_default_desc(imm, cost, mi, store):
    inner = G.lower_gc("struct.new_default", imm, 0, mi, store)
    return 1, 1, [struct_new_desc, cost, inner]


# op -> lowering (exec/proposals.py); the branching ones are lowered by `lower` itself
LOWER = {
    "struct.new_desc": _struct_new_desc,
    "struct.new_default_desc": _struct_new_default_desc,
    "ref.get_desc": lambda imm, cost, mi, store: (1, 1, [ref_get_desc, cost]),
    "ref.cast_desc_eq": lambda imm, cost, mi, store: (2, 1, [ref_cast_desc_eq, cost,
                                                            imm[0].nullable]),
}
