"""Reduction rules of the aggregate reference instructions (Wasm 3.0 spec 4.6.9: ``ref.i31``,
``i31.get_sx``, ``struct.*``, ``array.*``, ``ref.test``, ``ref.cast``, ``any.convert_extern``,
``extern.convert_any``) and of the custom-descriptors proposal (WebAssembly/custom-descriptors
``Overview.md``; docs/proposals.md).  ``br_on_cast*`` are branches: `pyic.wasm.exec.rules_control`.

Rule conventions: `pyic.wasm.exec.rules_basic`.  Type indices are prepared to their
canonical defined types and the facts a rule needs (field count, packing masks, defaults).
Packed fields (``i8``, ``i16``) hold their value wrapped to the width; ``get_s``
sign-extends it.  The steps on instances (allocation, bounds, segments, conversions) are
`pyic.wasm.runtime.aggregates`'s, shared with the fast tier; an array longer than its
``MAX_ARRAY`` elements is a modelled allocation failure: ``Exhaustion``.
"""

from __future__ import annotations

from ...errors import Trap
from ..runtime.aggregates import (ARRAY_OOB, NULL_DESC, NULL_STRUCT, array_fields, array_of,
                                  copy_array, data_values, desc_matches, elem_values, externalize,
                                  fill_array, init_array_data, init_array_elem, internalize,
                                  new_array, new_struct)
from ..runtime.gc import MASK31, ArrayInst, I31Ref, StructInst, ref_matches, sign_extend
from ..runtime.values import NullRef
from .rules_basic import pop_values


# ------------------------------ i31


def ref_i31(ins, S, L, F, pc):
    """``ref.i31``: the i32 operand wrapped to 31 bits."""
    S[-1] = I31Ref(S[-1] & MASK31)
    return pc


def i31_get_u(ins, S, L, F, pc):
    r = S[-1]
    if type(r) is NullRef:
        raise Trap("null i31 reference")
    S[-1] = r.value
    return pc


def i31_get_s(ins, S, L, F, pc):
    r = S[-1]
    if type(r) is NullRef:
        raise Trap("null i31 reference")
    v = r.value
    S[-1] = (v | 0x8000_0000) if v & 0x4000_0000 else v
    return pc


# ------------------------------ structures


def struct_new(ins, S, L, F, pc):
    """``struct.new x``: (rule, cost, deftype, field count, ((packed field, mask), ...))."""
    S.append(new_struct(ins[2], pop_values(S, ins[3]), ins[4]))
    return pc


def struct_new_default(ins, S, L, F, pc):
    """``struct.new_default x``: (rule, cost, deftype, default values)."""
    S.append(StructInst(ins[2], list(ins[3])))
    return pc


def struct_get(ins, S, L, F, pc):
    """``struct.get x y`` and ``struct.get_u`` (packed values are held unsigned)."""
    r = S[-1]
    if type(r) is NullRef:
        raise Trap(NULL_STRUCT)
    S[-1] = r.fields[ins[2]]
    return pc


def struct_get_s(ins, S, L, F, pc):
    r = S[-1]
    if type(r) is NullRef:
        raise Trap(NULL_STRUCT)
    S[-1] = sign_extend(r.fields[ins[2]], ins[3])
    return pc


def struct_set(ins, S, L, F, pc):
    """``struct.set x y``: (rule, cost, field, mask or None)."""
    v = S.pop()
    r = S.pop()
    if type(r) is NullRef:
        raise Trap(NULL_STRUCT)
    r.fields[ins[2]] = v if ins[3] is None else v & ins[3]
    return pc


# ------------------------------ arrays


def array_new(ins, S, L, F, pc):
    """``array.new x``: (rule, cost, deftype, mask or None)."""
    n = S.pop()
    S[-1] = new_array(ins[2], S[-1], n, ins[3])
    return pc


def array_new_default(ins, S, L, F, pc):
    """``array.new_default x``: (rule, cost, deftype, default value)."""
    S[-1] = new_array(ins[2], ins[3], S[-1], None)
    return pc


def array_new_fixed(ins, S, L, F, pc):
    """``array.new_fixed x n``: (rule, cost, deftype, n, mask or None)."""
    S.append(array_of(ins[2], pop_values(S, ins[3]), ins[4]))
    return pc


def array_new_data(ins, S, L, F, pc):
    """``array.new_data x y``: (rule, cost, deftype, datainst, element size)."""
    n = S.pop()
    S[-1] = ArrayInst(ins[2], data_values(ins[3].data, S[-1], n, ins[4]))
    return pc


def array_new_elem(ins, S, L, F, pc):
    """``array.new_elem x y``: (rule, cost, deftype, eleminst)."""
    n = S.pop()
    S[-1] = ArrayInst(ins[2], elem_values(ins[3].elem, S[-1], n))
    return pc


def array_get(ins, S, L, F, pc):
    """``array.get x`` and ``array.get_u x``."""
    i = S.pop()
    fields = array_fields(S[-1])
    if i >= len(fields):
        raise Trap(ARRAY_OOB)
    S[-1] = fields[i]
    return pc


def array_get_s(ins, S, L, F, pc):
    i = S.pop()
    fields = array_fields(S[-1])
    if i >= len(fields):
        raise Trap(ARRAY_OOB)
    S[-1] = sign_extend(fields[i], ins[2])
    return pc


def array_set(ins, S, L, F, pc):
    """``array.set x``: (rule, cost, mask or None)."""
    v = S.pop()
    i = S.pop()
    fields = array_fields(S.pop())
    if i >= len(fields):
        raise Trap(ARRAY_OOB)
    fields[i] = v if ins[2] is None else v & ins[2]
    return pc


def array_len(ins, S, L, F, pc):
    S[-1] = len(array_fields(S[-1]))
    return pc


def array_fill(ins, S, L, F, pc):
    n = S.pop()
    v = S.pop()
    i = S.pop()
    fill_array(S.pop(), i, v, n, ins[2])
    return pc


def array_copy(ins, S, L, F, pc):
    """``array.copy x y``: the slice is taken first, as the spec's element order for overlaps."""
    n = S.pop()
    s = S.pop()
    sa = S.pop()
    d = S.pop()
    copy_array(S.pop(), d, sa, s, n)
    return pc


def array_init_data(ins, S, L, F, pc):
    """``array.init_data x y``: (rule, cost, datainst, element size)."""
    n = S.pop()
    s = S.pop()
    d = S.pop()
    init_array_data(S.pop(), d, ins[2], s, n, ins[3])
    return pc


def array_init_elem(ins, S, L, F, pc):
    """``array.init_elem x y``: (rule, cost, eleminst)."""
    n = S.pop()
    s = S.pop()
    d = S.pop()
    init_array_elem(S.pop(), d, ins[2], s, n)
    return pc


# ------------------------------ casts and conversions


def ref_test(ins, S, L, F, pc):
    """``ref.test rt``: (rule, cost, closed reftype, store.funcs)."""
    S[-1] = 1 if ref_matches(S[-1], ins[2], ins[3]) else 0
    return pc


def ref_cast(ins, S, L, F, pc):
    if not ref_matches(S[-1], ins[2], ins[3]):
        raise Trap("cast failure")
    return pc


def any_convert_extern(ins, S, L, F, pc):
    """``any.convert_extern``: ref.extern r -> r; a host object becomes ref.host."""
    S[-1] = internalize(S[-1])
    return pc


def extern_convert_any(ins, S, L, F, pc):
    """``extern.convert_any``: r -> ref.extern r."""
    S[-1] = externalize(S[-1])
    return pc


# ------------------------------ custom-descriptors


def struct_new_desc(ins, S, L, F, pc):
    """``struct.new_desc x`` / ``struct.new_default_desc x``: the descriptor is the last
    operand; ``ins[2]`` is the prepared allocation without it."""
    d = S.pop()
    if type(d) is NullRef:
        raise Trap(NULL_DESC)
    inner = ins[2]
    inner[0](inner, S, L, F, pc)
    S[-1].desc = d
    return pc


def ref_get_desc(ins, S, L, F, pc):
    r = S[-1]
    if type(r) is NullRef:
        raise Trap("null reference")
    S[-1] = r.desc
    return pc


def ref_cast_desc_eq(ins, S, L, F, pc):
    """``ref.cast_desc_eq rt``: (rule, cost, target nullable)."""
    d = S.pop()
    if not desc_matches(S[-1], d, ins[2]):
        raise Trap("descriptor cast failure")
    return pc
