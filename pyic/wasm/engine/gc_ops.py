"""Handlers and lowering of the GC instructions (spec 4.6.9 "Reference Instructions",
which in Wasm 3.0 include the aggregate ones): ``ref.i31``, ``i31.get_*``,
``struct.*``, ``array.*``, ``ref.test``, ``ref.cast``, ``any.convert_extern``,
``extern.convert_any``; ``br_on_cast(_fail)`` are lowered as branches by
`pyic.wasm.engine.lower` and run here.

Handler conventions: see `pyic.wasm.engine.control`.  Every type index is
resolved when lowering, to its canonical `DefType` and the facts handlers need
(field count, packing masks, default values); a reference type in ``ref.test``
/ ``ref.cast`` / ``br_on_cast`` is closed the same way.

Packed fields (``i8``, ``i16``) hold their value wrapped to the width
(``pack``); ``get_s`` sign-extends it (``unpack``), ``get``/``get_u`` read it
as it is.  Traps carry the test suite's messages: "null structure
reference", "null array reference", "null i31 reference", "out of bounds
array access", "cast failure", and for the segment sources "out of bounds
memory access" (data) and "out of bounds table access" (elements).

Bulk array instructions (``array.fill``, ``copy``, ``init_data``,
``init_elem``, ``new``, ``new_data``, ``new_elem``) count once, whatever
their length (docs/semantics.md).

The lowered form is the reference interpreter's prepared form
(`pyic.wasm.exec.prepare.aggregate_immediates`), and allocation, bulk access,
segments and conversions are `pyic.wasm.runtime.aggregates`'s steps, as the
reference's rules (`pyic.wasm.exec.rules_gc`) take them.  The per-element
accesses (``i31.get_*``, ``struct.get*``/``set``, ``array.get*``/``set``/``len``)
stay written out here: they run in loops, where a call more would cost.
"""

from __future__ import annotations

from ...errors import Trap
from ..exec.prepare import aggregate_immediates
from ..exec.rules_basic import pop_values
from ..runtime.aggregates import (ARRAY_OOB, NULL_ARRAY, NULL_STRUCT, array_of, copy_array,
                                  data_values, elem_values, externalize, fill_array,
                                  init_array_data, init_array_elem, internalize, new_array,
                                  new_struct)
from ..runtime.gc import MASK31, ArrayInst, I31Ref, StructInst, ref_matches, sign_extend
from ..runtime.values import NullRef
from ..syntax.facts import stack_effect
from .control import br_drop


# ------------------------------------------------------------------ i31 (4.6.9)

def ref_i31(ins, S, L, pc):
    S[-1] = I31Ref(S[-1] & MASK31)
    return pc


def i31_get_u(ins, S, L, pc):
    r = S[-1]
    if type(r) is NullRef:
        raise Trap("null i31 reference")
    S[-1] = r.value
    return pc


def i31_get_s(ins, S, L, pc):
    r = S[-1]
    if type(r) is NullRef:
        raise Trap("null i31 reference")
    v = r.value
    S[-1] = (v | 0x8000_0000) if v & 0x4000_0000 else v
    return pc


# ------------------------------------------------------------------ structures

def struct_new(ins, S, L, pc):
    # (h, cost, deftype, n, packs: ((field index, mask), ...))
    S.append(new_struct(ins[2], pop_values(S, ins[3]), ins[4]))
    return pc


def struct_new_default(ins, S, L, pc):
    # (h, cost, deftype, defaults)
    S.append(StructInst(ins[2], list(ins[3])))
    return pc


def struct_get(ins, S, L, pc):
    # (h, cost, field index): also struct.get_u, whose packed values are stored unsigned
    r = S[-1]
    if type(r) is NullRef:
        raise Trap(NULL_STRUCT)
    S[-1] = r.fields[ins[2]]
    return pc


def struct_get_s(ins, S, L, pc):
    # (h, cost, field index, packed type)
    r = S[-1]
    if type(r) is NullRef:
        raise Trap(NULL_STRUCT)
    S[-1] = sign_extend(r.fields[ins[2]], ins[3])
    return pc


def struct_set(ins, S, L, pc):
    # (h, cost, field index, mask or None)
    v = S.pop()
    r = S.pop()
    if type(r) is NullRef:
        raise Trap(NULL_STRUCT)
    r.fields[ins[2]] = v if ins[3] is None else v & ins[3]
    return pc


# ------------------------------------------------------------------ array allocation

def array_new(ins, S, L, pc):
    # (h, cost, deftype, mask or None)
    n = S.pop()
    S[-1] = new_array(ins[2], S[-1], n, ins[3])
    return pc


def array_new_default(ins, S, L, pc):
    # (h, cost, deftype, default)
    S[-1] = new_array(ins[2], ins[3], S[-1], None)
    return pc


def array_new_fixed(ins, S, L, pc):
    # (h, cost, deftype, n, mask or None)
    S.append(array_of(ins[2], pop_values(S, ins[3]), ins[4]))
    return pc


def array_new_data(ins, S, L, pc):
    # (h, cost, deftype, datainst, element size)
    n = S.pop()
    S[-1] = ArrayInst(ins[2], data_values(ins[3].data, S[-1], n, ins[4]))
    return pc


def array_new_elem(ins, S, L, pc):
    # (h, cost, deftype, eleminst)
    n = S.pop()
    S[-1] = ArrayInst(ins[2], elem_values(ins[3].elem, S[-1], n))
    return pc


# ------------------------------------------------------------------ array access

def array_get(ins, S, L, pc):
    # also array.get_u (packed values are stored unsigned)
    i = S.pop()
    a = S[-1]
    if type(a) is NullRef:
        raise Trap(NULL_ARRAY)
    fields = a.fields
    if i >= len(fields):
        raise Trap(ARRAY_OOB)
    S[-1] = fields[i]
    return pc


def array_get_s(ins, S, L, pc):
    # (h, cost, packed type)
    i = S.pop()
    a = S[-1]
    if type(a) is NullRef:
        raise Trap(NULL_ARRAY)
    fields = a.fields
    if i >= len(fields):
        raise Trap(ARRAY_OOB)
    S[-1] = sign_extend(fields[i], ins[2])
    return pc


def array_set(ins, S, L, pc):
    # (h, cost, mask or None)
    v = S.pop()
    i = S.pop()
    a = S.pop()
    if type(a) is NullRef:
        raise Trap(NULL_ARRAY)
    fields = a.fields
    if i >= len(fields):
        raise Trap(ARRAY_OOB)
    fields[i] = v if ins[2] is None else v & ins[2]
    return pc


def array_len(ins, S, L, pc):
    a = S[-1]
    if type(a) is NullRef:
        raise Trap(NULL_ARRAY)
    S[-1] = len(a.fields)
    return pc


def array_fill(ins, S, L, pc):
    # (h, cost, mask or None)
    n = S.pop()
    v = S.pop()
    i = S.pop()
    fill_array(S.pop(), i, v, n, ins[2])
    return pc


def array_copy(ins, S, L, pc):
    n = S.pop()
    s = S.pop()
    sa = S.pop()
    d = S.pop()
    copy_array(S.pop(), d, sa, s, n)
    return pc


def array_init_data(ins, S, L, pc):
    # (h, cost, datainst, element size)
    n = S.pop()
    s = S.pop()
    d = S.pop()
    init_array_data(S.pop(), d, ins[2], s, n, ins[3])
    return pc


def array_init_elem(ins, S, L, pc):
    # (h, cost, eleminst)
    n = S.pop()
    s = S.pop()
    d = S.pop()
    init_array_elem(S.pop(), d, ins[2], s, n)
    return pc


# ------------------------------------------------------------------ casts and conversions

def ref_test(ins, S, L, pc):
    # (h, cost, closed reftype, store.funcs)
    S[-1] = 1 if ref_matches(S[-1], ins[2], ins[3]) else 0
    return pc


def ref_cast(ins, S, L, pc):
    if not ref_matches(S[-1], ins[2], ins[3]):
        raise Trap("cast failure")
    return pc


def br_on_cast(ins, S, L, pc):
    # (h, cost, target, keep, drop, closed reftype, store.funcs): branch with the reference
    if ref_matches(S[-1], ins[5], ins[6]):
        return br_drop(ins, S, L, pc)
    return pc


def br_on_cast_fail(ins, S, L, pc):
    if ref_matches(S[-1], ins[5], ins[6]):
        return pc
    return br_drop(ins, S, L, pc)


def any_convert_extern(ins, S, L, pc):
    S[-1] = internalize(S[-1])
    return pc


def extern_convert_any(ins, S, L, pc):
    S[-1] = externalize(S[-1])
    return pc


# ------------------------------------------------------------------ lowering

# The GC instructions this module lowers, and their handlers; their stack effects are
# instruction facts (`pyic.wasm.syntax.facts`), but for the two whose immediates decide it.
HANDLERS = {
    "ref.i31": ref_i31, "i31.get_s": i31_get_s, "i31.get_u": i31_get_u,
    "struct.new": struct_new, "struct.new_default": struct_new_default,
    "struct.get": struct_get, "struct.get_s": struct_get_s, "struct.get_u": struct_get,
    "struct.set": struct_set,
    "array.new": array_new, "array.new_default": array_new_default,
    "array.new_fixed": array_new_fixed, "array.new_data": array_new_data,
    "array.new_elem": array_new_elem, "array.get": array_get, "array.get_s": array_get_s,
    "array.get_u": array_get, "array.set": array_set, "array.len": array_len,
    "array.fill": array_fill, "array.copy": array_copy, "array.init_data": array_init_data,
    "array.init_elem": array_init_elem, "ref.test": ref_test, "ref.cast": ref_cast,
    "any.convert_extern": any_convert_extern, "extern.convert_any": extern_convert_any}
GC_OPS = frozenset(HANDLERS)


def effect(op: str, imm: tuple, mi) -> tuple:
    """(pops, pushes) of a GC instruction."""
    if op == "struct.new":
        return len(mi.deftypes[imm[0]].comptype.fields), 1
    if op == "array.new_fixed":
        return imm[1], 1
    return stack_effect(op)


def lower_gc(op: str, imm: tuple, cost: int, mi, store) -> list:
    """The lowered form of a GC instruction of the function's module instance ``mi``."""
    h = HANDLERS.get(op)
    if h is None:
        raise Trap(f"unsupported instruction {op}")
    return [h, cost, *aggregate_immediates(op, imm, mi, store)]
