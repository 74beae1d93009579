"""Typing rules of the aggregate (GC) instructions: structs and arrays (spec 3.4.7,
"Aggregate Reference Instructions").

Split from `instructions`, whose ``handler`` registry these rules join when
that module imports this one.
"""

from __future__ import annotations

from ...errors import InvalidError
from ..syntax.types import RefType
from .types import NUMTYPES, defaultable, match_valtype, string_of_valtype, unpacked
from .instructions import I32, V128, exact_refs, handler


# ------------------------------------------------------------------ aggregate (3.4.7)

def _field(v, x, i):
    st = v.ts.struct_type(x)
    if type(i) is not int or not 0 <= i < len(st.fields):
        raise InvalidError(f"unknown field {i}")
    return st.fields[i]


@handler("struct.new")
def _struct_new(v, instr):
    x = instr.imm[0]
    st = v.ts.struct_type(x)
    if v.ts.subtype(x).descriptor is not None:     # custom-descriptors
        raise InvalidError("type with descriptor requires descriptor allocation")
    v.pop_vals([unpacked(f.storagetype) for f in st.fields])
    v.vals.append(RefType(False, x, exact_refs()))


@handler("struct.new_default")
def _struct_new_default(v, instr):
    x = instr.imm[0]
    st = v.ts.struct_type(x)
    if v.ts.subtype(x).descriptor is not None:     # custom-descriptors
        raise InvalidError("type with descriptor requires descriptor allocation")
    if not all(defaultable(unpacked(f.storagetype)) for f in st.fields):
        raise InvalidError("field type is not defaultable")
    v.vals.append(RefType(False, x, exact_refs()))


@handler("struct.get", "struct.get_s", "struct.get_u")
def _struct_get(v, instr):
    x, i = instr.imm
    f = _field(v, x, i)
    packed = unpacked(f.storagetype) != f.storagetype
    if packed != (instr.op != "struct.get"):
        raise InvalidError("field is packed" if packed else "field is unpacked")
    v.pop_val(RefType(True, x))
    v.vals.append(unpacked(f.storagetype))


@handler("struct.set")
def _struct_set(v, instr):
    x, i = instr.imm
    f = _field(v, x, i)
    if not f.mut:
        raise InvalidError("immutable field")
    v.pop_val(unpacked(f.storagetype))
    v.pop_val(RefType(True, x))


def _array_field(v, x):
    return v.ts.array_type(x).field


@handler("array.new")
def _array_new(v, instr):
    x = instr.imm[0]
    f = _array_field(v, x)
    v.pop_vals((unpacked(f.storagetype), I32))
    v.vals.append(RefType(False, x, exact_refs()))


@handler("array.new_default")
def _array_new_default(v, instr):
    x = instr.imm[0]
    f = _array_field(v, x)
    if not defaultable(unpacked(f.storagetype)):
        raise InvalidError("array type is not defaultable")
    v.pop_val(I32)
    v.vals.append(RefType(False, x, exact_refs()))


@handler("array.new_fixed")
def _array_new_fixed(v, instr):
    x, n = instr.imm
    f = _array_field(v, x)
    v.pop_repeat(unpacked(f.storagetype), n)
    v.vals.append(RefType(False, x, exact_refs()))


def _check_numeric_field(f) -> None:
    t = unpacked(f.storagetype)
    if t not in NUMTYPES and t != V128:
        raise InvalidError("array type is not numeric or vector")


def _check_elem_field(v, f, y) -> None:
    rt = v.c.elem(y)
    if not match_valtype(v.ts, rt, unpacked(f.storagetype)):
        raise InvalidError(f"type mismatch: element segment's type {string_of_valtype(rt)} "
                           f"does not match array's field type "
                           f"{string_of_valtype(f.storagetype)}")


@handler("array.new_data")
def _array_new_data(v, instr):
    x, y = instr.imm
    f = _array_field(v, x)
    v.c.data(y)
    _check_numeric_field(f)
    v.pop_vals((I32, I32))
    v.vals.append(RefType(False, x, exact_refs()))


@handler("array.new_elem")
def _array_new_elem(v, instr):
    x, y = instr.imm
    f = _array_field(v, x)
    _check_elem_field(v, f, y)
    v.pop_vals((I32, I32))
    v.vals.append(RefType(False, x, exact_refs()))


@handler("array.get", "array.get_s", "array.get_u")
def _array_get(v, instr):
    x = instr.imm[0]
    f = _array_field(v, x)
    packed = unpacked(f.storagetype) != f.storagetype
    if packed != (instr.op != "array.get"):
        raise InvalidError("array is packed" if packed else "array is unpacked")
    v.pop_vals((RefType(True, x), I32))
    v.vals.append(unpacked(f.storagetype))


def _mutable_array_field(v, x):
    f = _array_field(v, x)
    if not f.mut:
        raise InvalidError("immutable array")
    return f


@handler("array.set")
def _array_set(v, instr):
    x = instr.imm[0]
    f = _mutable_array_field(v, x)
    v.pop_vals((RefType(True, x), I32, unpacked(f.storagetype)))


@handler("array.fill")
def _array_fill(v, instr):
    x = instr.imm[0]
    f = _mutable_array_field(v, x)
    v.pop_vals((RefType(True, x), I32, unpacked(f.storagetype), I32))


@handler("array.copy")
def _array_copy(v, instr):
    x, y = instr.imm
    fd = _mutable_array_field(v, x)
    fs = _array_field(v, y)
    sd, ss = fd.storagetype, fs.storagetype
    ok = ss == sd if (unpacked(sd) != sd or unpacked(ss) != ss) else match_valtype(v.ts, ss, sd)
    if not ok:
        raise InvalidError("array types do not match")
    v.pop_vals((RefType(True, x), I32, RefType(True, y), I32, I32))


@handler("array.init_data")
def _array_init_data(v, instr):
    x, y = instr.imm
    f = _mutable_array_field(v, x)
    v.c.data(y)
    _check_numeric_field(f)
    v.pop_vals((RefType(True, x), I32, I32, I32))


@handler("array.init_elem")
def _array_init_elem(v, instr):
    x, y = instr.imm
    f = _mutable_array_field(v, x)
    _check_elem_field(v, f, y)
    v.pop_vals((RefType(True, x), I32, I32, I32))
