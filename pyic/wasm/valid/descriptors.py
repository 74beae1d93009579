"""Typing rules of the custom-descriptors proposal's instructions
(WebAssembly/custom-descriptors, ``proposals/custom-descriptors/Overview.md``,
"Allocation With Descriptors", "New Instructions"; docs/proposals.md).

With ``C.types[x] ~ descriptor y ct``:

* ``struct.new_desc x``: ``t* (ref null (exact y)) -> (ref (exact x))``;
  ``struct.new_default_desc x``: ``(ref null (exact y)) -> (ref (exact x))``
  (and ``struct.new``/``struct.new_default`` refuse such an ``x``);
* ``ref.get_desc x``: ``(ref null (exact_1 x)) -> (ref (exact_1 y))``;
* ``ref.cast_desc_eq rt``: ``(ref null ht) (ref null (exact_1 y)) -> rt`` with
  ``rt = (ref null? (exact_1 x))`` in ``ht``'s hierarchy;
* ``br_on_cast_desc_eq(_fail) l rt1 rt2``: as ``br_on_cast(_fail)`` with a
  descriptor ``(ref null (exact_1 y))`` for ``rt2 = (ref null? (exact_1 x))`` on top.
"""

from __future__ import annotations

from ...errors import InvalidError
from ..syntax.types import RefType
from .instructions import HANDLERS, _br_on_cast_common
from .types import BOT, check_reftype, defaultable, match_reftype, top_heaptype, unpacked


def descriptor_of(v, ht) -> int:
    """The descriptor type of heap type ``ht`` (an error when it has none)."""
    y = v.ts.subtype(ht).descriptor if type(ht) is int else None
    if y is None:
        raise InvalidError(f"type {ht} does not have a descriptor")
    return y


def _struct_new_desc(v, instr):
    x = instr.imm[0]
    st = v.ts.struct_type(x)
    y = v.ts.subtype(x).descriptor
    if y is None:
        raise InvalidError("type without descriptor requires non-descriptor allocation")
    v.pop_val(RefType(True, y, True))
    if instr.op == "struct.new_desc":
        v.pop_vals([unpacked(f.storagetype) for f in st.fields])
    elif not all(defaultable(unpacked(f.storagetype)) for f in st.fields):
        raise InvalidError("field type is not defaultable")
    v.vals.append(RefType(False, x, True))


def _ref_get_desc(v, instr):
    x = instr.imm[0]
    y = v.ts.subtype(x).descriptor
    if y is None:
        raise InvalidError("type without descriptor")
    rt = v.pop_val(RefType(True, x))
    # exact_1: an exact x (or a bottom type) has exactly x's descriptor type
    exact = rt is BOT or match_reftype(v.ts, rt, RefType(True, x, True))
    v.vals.append(RefType(False, y, exact))


def _ref_cast_desc_eq(v, instr):
    rt = instr.imm[0]
    check_reftype(v.ts, rt)
    y = descriptor_of(v, rt.heaptype)
    v.pop_val(RefType(True, y, rt.exact))
    v.pop_val(RefType(True, top_heaptype(v.ts, rt.heaptype)))
    v.vals.append(rt)


def _br_on_cast_desc_eq(v, instr):
    _, _, rt2 = instr.imm
    check_reftype(v.ts, rt2)
    y = descriptor_of(v, rt2.heaptype)
    v.pop_val(RefType(True, y, rt2.exact))
    _br_on_cast_common(v, instr, instr.op == "br_on_cast_desc_eq_fail")


HANDLERS["struct.new_desc"] = _struct_new_desc
HANDLERS["struct.new_default_desc"] = _struct_new_desc
HANDLERS["ref.get_desc"] = _ref_get_desc
HANDLERS["ref.cast_desc_eq"] = _ref_cast_desc_eq
HANDLERS["br_on_cast_desc_eq"] = _br_on_cast_desc_eq
HANDLERS["br_on_cast_desc_eq_fail"] = _br_on_cast_desc_eq
