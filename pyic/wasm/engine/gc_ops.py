"""Handlers and lowering of the GC instructions (spec 4.6 "Reference Instructions",
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
"""

from __future__ import annotations

from ...errors import Exhaustion, Trap
from ..runtime.gc import (MASK31, PACK_MASK, PACK_SIZE, ArrayInst, I31Ref, StructInst,
                          field_default, is_internal, ref_matches, sign_extend)
from ..runtime.types import close_valtype
from ..runtime.values import ExternRef, HostRef, NullRef, null
from ..syntax.facts import stack_effect

NULL_STRUCT = "null structure reference"
NULL_ARRAY = "null array reference"
ARRAY_OOB = "out of bounds array access"
# A modelled implementation limit: no array has more elements than this
# (the spec allows allocation to fail; pyic reports it as exhaustion).
MAX_ARRAY = 1 << 24


def _new_fields(n: int) -> None:
    if n > MAX_ARRAY:
        raise Exhaustion("out of memory: array too large")


# ------------------------------------------------------------------ i31 (4.4.2)

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
    n = ins[3]
    fields = S[len(S) - n:] if n else []
    del S[len(S) - n:]
    for i, m in ins[4]:
        fields[i] &= m
    S.append(StructInst(ins[2], fields))
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
    _new_fields(n)
    v = S[-1]
    if ins[3] is not None:
        v &= ins[3]
    S[-1] = ArrayInst(ins[2], [v] * n)
    return pc


def array_new_default(ins, S, L, pc):
    # (h, cost, deftype, default)
    n = S[-1]
    _new_fields(n)
    S[-1] = ArrayInst(ins[2], [ins[3]] * n)
    return pc


def array_new_fixed(ins, S, L, pc):
    # (h, cost, deftype, n, mask or None)
    n = ins[3]
    fields = S[len(S) - n:] if n else []
    del S[len(S) - n:]
    if ins[4] is not None:
        m = ins[4]
        fields = [v & m for v in fields]
    S.append(ArrayInst(ins[2], fields))
    return pc


def _data_values(data: bytes, s: int, n: int, size: int) -> list:
    """``n`` little-endian values of ``size`` bytes from ``data`` at ``s`` (bounds checked)."""
    if s + n * size > len(data):
        raise Trap("out of bounds memory access")
    _new_fields(n)
    frm = int.from_bytes
    return [frm(data[k:k + size], "little") for k in range(s, s + n * size, size)]


def array_new_data(ins, S, L, pc):
    # (h, cost, deftype, datainst, element size)
    n = S.pop()
    s = S[-1]
    S[-1] = ArrayInst(ins[2], _data_values(ins[3].data, s, n, ins[4]))
    return pc


def array_new_elem(ins, S, L, pc):
    # (h, cost, deftype, eleminst)
    n = S.pop()
    s = S[-1]
    elem = ins[3].elem
    if s + n > len(elem):
        raise Trap("out of bounds table access")
    S[-1] = ArrayInst(ins[2], elem[s:s + n])
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
    a = S.pop()
    if type(a) is NullRef:
        raise Trap(NULL_ARRAY)
    fields = a.fields
    if i + n > len(fields):
        raise Trap(ARRAY_OOB)
    if ins[2] is not None:
        v &= ins[2]
    fields[i:i + n] = [v] * n
    return pc


def array_copy(ins, S, L, pc):
    n = S.pop()
    s = S.pop()
    sa = S.pop()
    d = S.pop()
    da = S.pop()
    if type(sa) is NullRef or type(da) is NullRef:
        raise Trap(NULL_ARRAY)
    if s + n > len(sa.fields) or d + n > len(da.fields):
        raise Trap(ARRAY_OOB)
    # slicing copies first, so overlapping ranges behave as the spec's element-wise order
    da.fields[d:d + n] = sa.fields[s:s + n]
    return pc


def array_init_data(ins, S, L, pc):
    # (h, cost, datainst, element size)
    n = S.pop()
    s = S.pop()
    d = S.pop()
    a = S.pop()
    if type(a) is NullRef:
        raise Trap(NULL_ARRAY)
    if d + n > len(a.fields):
        raise Trap(ARRAY_OOB)
    a.fields[d:d + n] = _data_values(ins[2].data, s, n, ins[3])
    return pc


def array_init_elem(ins, S, L, pc):
    # (h, cost, eleminst)
    n = S.pop()
    s = S.pop()
    d = S.pop()
    a = S.pop()
    if type(a) is NullRef:
        raise Trap(NULL_ARRAY)
    if d + n > len(a.fields):
        raise Trap(ARRAY_OOB)
    elem = ins[2].elem
    if s + n > len(elem):
        raise Trap("out of bounds table access")
    a.fields[d:d + n] = elem[s:s + n]
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
        return _branch(ins, S)
    return pc


def br_on_cast_fail(ins, S, L, pc):
    if ref_matches(S[-1], ins[5], ins[6]):
        return pc
    return _branch(ins, S)


def _branch(ins, S):
    drop = ins[4]
    if drop:
        keep = ins[3]
        n = len(S)
        del S[n - keep - drop:n - keep]
    return ins[2]


def any_convert_extern(ins, S, L, pc):
    # 4.4.2: ref.extern r -> r; a host object becomes ref.host
    r = S[-1]
    if type(r) is NullRef:
        S[-1] = null("any")
    elif type(r) is ExternRef:
        v = r.value
        S[-1] = v if is_internal(v) else HostRef(v)
    return pc


def extern_convert_any(ins, S, L, pc):
    r = S[-1]
    if type(r) is NullRef:
        S[-1] = null("extern")
    elif type(r) is HostRef:
        S[-1] = ExternRef(r.value)
    else:
        S[-1] = ExternRef(r)
    return pc


# ------------------------------------------------------------------ lowering

def _mask(storagetype):
    return PACK_MASK.get(storagetype) if type(storagetype) is str else None


def _field_size(storagetype) -> int:
    # only numeric, vector and packed element types can come from data segments (validation)
    return PACK_SIZE[storagetype]


# The GC instructions this module lowers; their stack effects are instruction facts
# (`pyic.wasm.syntax.facts`), but for the two whose immediates decide it.
GC_OPS = frozenset((
    "ref.i31", "i31.get_s", "i31.get_u",
    "struct.new", "struct.new_default", "struct.get", "struct.get_s", "struct.get_u", "struct.set",
    "array.new", "array.new_default", "array.new_fixed", "array.new_data", "array.new_elem",
    "array.get", "array.get_s", "array.get_u", "array.set", "array.len", "array.fill",
    "array.copy", "array.init_data", "array.init_elem",
    "ref.test", "ref.cast", "any.convert_extern", "extern.convert_any"))


def effect(op: str, imm: tuple, mi) -> tuple:
    """(pops, pushes) of a GC instruction."""
    if op == "struct.new":
        return len(mi.deftypes[imm[0]].comptype.fields), 1
    if op == "array.new_fixed":
        return imm[1], 1
    return stack_effect(op)


def lower_gc(op: str, imm: tuple, cost: int, mi, store) -> list:
    """The lowered form of a GC instruction of the function's module instance ``mi``."""
    if op == "ref.i31":
        return [ref_i31, cost]
    if op == "i31.get_s":
        return [i31_get_s, cost]
    if op == "i31.get_u":
        return [i31_get_u, cost]
    if op in ("ref.test", "ref.cast"):
        rt = close_valtype(imm[0], mi.deftypes)
        return [ref_test if op == "ref.test" else ref_cast, cost, rt, store.funcs]
    if op == "any.convert_extern":
        return [any_convert_extern, cost]
    if op == "extern.convert_any":
        return [extern_convert_any, cost]
    if op == "array.len":
        return [array_len, cost]
    dt = mi.deftypes[imm[0]]
    ct = dt.comptype
    if op.startswith("struct."):
        fields = ct.fields
        if op == "struct.new":
            packs = tuple((i, _mask(f.storagetype)) for i, f in enumerate(fields)
                          if _mask(f.storagetype) is not None)
            return [struct_new, cost, dt, len(fields), packs]
        if op == "struct.new_default":
            return [struct_new_default, cost, dt, tuple(field_default(f.storagetype) for f in fields)]
        i = imm[1]
        st = fields[i].storagetype
        if op == "struct.set":
            return [struct_set, cost, i, _mask(st)]
        if op == "struct.get_s":
            return [struct_get_s, cost, i, st]
        return [struct_get, cost, i]
    st = ct.field.storagetype
    if op == "array.new":
        return [array_new, cost, dt, _mask(st)]
    if op == "array.new_default":
        return [array_new_default, cost, dt, field_default(st)]
    if op == "array.new_fixed":
        return [array_new_fixed, cost, dt, imm[1], _mask(st)]
    if op == "array.new_data":
        return [array_new_data, cost, dt, mi.datas[imm[1]], _field_size(st)]
    if op == "array.new_elem":
        return [array_new_elem, cost, dt, mi.elems[imm[1]]]
    if op == "array.get_s":
        return [array_get_s, cost, st]
    if op in ("array.get", "array.get_u"):
        return [array_get, cost]
    if op == "array.set":
        return [array_set, cost, _mask(st)]
    if op == "array.fill":
        return [array_fill, cost, _mask(st)]
    if op == "array.copy":
        return [array_copy, cost]
    if op == "array.init_data":
        return [array_init_data, cost, mi.datas[imm[1]], _field_size(st)]
    if op == "array.init_elem":
        return [array_init_elem, cost, mi.elems[imm[1]]]
    raise Trap(f"unsupported instruction {op}")
