"""Operations on aggregate instances (Wasm 3.0 spec 4.6.9, the ``struct.*`` and ``array.*``
rules' steps on values and instances), shared by the reference interpreter's rules
(`pyic.wasm.exec.rules_gc`) and the fast tier's baseline handlers (`pyic.wasm.engine.gc_ops`),
which differ only in how they reach their operands.

Packed fields (``i8``, ``i16``) are stored wrapped to their width (4.2.15 "Aggregate Instances":
``pack``): a value written to one is masked with its ``field_mask``.  Traps carry the test
suite's messages.  An array longer than ``MAX_ARRAY`` elements is a modelled allocation
failure: `Exhaustion` (the spec lets allocation fail).
"""

from __future__ import annotations

from ...errors import Exhaustion, Trap
from .gc import PACK_MASK, ArrayInst, StructInst, is_internal
from .values import ExternRef, HostRef, NullRef, null

NULL_STRUCT = "null structure reference"
NULL_ARRAY = "null array reference"
NULL_DESC = "null descriptor reference"
ARRAY_OOB = "out of bounds array access"
MAX_ARRAY = 1 << 24


def field_mask(storagetype) -> int | None:
    """The mask that packs a value into a field of ``storagetype`` (``None``: not packed)."""
    return PACK_MASK.get(storagetype) if type(storagetype) is str else None


def allocating(n: int) -> None:
    """An array of ``n`` elements can be allocated, or `Exhaustion`."""
    if n > MAX_ARRAY:
        raise Exhaustion("out of memory: array too large")


def new_struct(deftype, fields: list, packs: tuple) -> StructInst:
    """``struct.new``: the structure of ``fields``, each ``(index, mask)`` of ``packs`` packed."""
    for i, m in packs:
        fields[i] &= m
    return StructInst(deftype, fields)


def new_array(deftype, v, n: int, mask) -> ArrayInst:
    """``array.new``, ``array.new_default``: ``n`` elements ``v`` (packed with ``mask``)."""
    allocating(n)
    if mask is not None:
        v &= mask
    return ArrayInst(deftype, [v] * n)


def array_of(deftype, values: list, mask) -> ArrayInst:
    """``array.new_fixed``: the array of ``values`` (packed with ``mask``)."""
    if mask is not None:
        values = [v & mask for v in values]
    return ArrayInst(deftype, values)


def array_fields(a) -> list:
    """The elements of the array reference ``a``; a null reference traps."""
    if type(a) is NullRef:
        raise Trap(NULL_ARRAY)
    return a.fields


def data_values(data: bytes, s: int, n: int, size: int) -> list:
    """``array.new_data``, ``array.init_data``: the ``n`` element values of ``size`` bytes each
    (little endian) that the data instance's bytes ``data`` hold from offset ``s``; trap if
    they reach past its end."""
    if s + n * size > len(data):
        raise Trap("out of bounds memory access")
    allocating(n)
    frm = int.from_bytes
    return [frm(data[k:k + size], "little") for k in range(s, s + n * size, size)]


def elem_values(elem: list, s: int, n: int) -> list:
    """``array.new_elem``, ``array.init_elem``: the ``n`` references of the element instance's
    ``elem`` from ``s``; trap if they reach past its end."""
    if s + n > len(elem):
        raise Trap("out of bounds table access")
    return elem[s:s + n]


def fill_array(a, i: int, v, n: int, mask) -> None:
    """``array.fill``: elements ``i`` .. ``i + n - 1`` of ``a`` become ``v``."""
    fields = array_fields(a)
    if i + n > len(fields):
        raise Trap(ARRAY_OOB)
    if mask is not None:
        v &= mask
    fields[i:i + n] = [v] * n


def copy_array(da, d: int, sa, s: int, n: int) -> None:
    """``array.copy``: ``n`` elements of ``sa`` from ``s`` to ``da`` at ``d``.  The slice is
    taken first, so overlapping ranges behave as the spec's element-wise order."""
    if type(sa) is NullRef or type(da) is NullRef:
        raise Trap(NULL_ARRAY)
    if s + n > len(sa.fields) or d + n > len(da.fields):
        raise Trap(ARRAY_OOB)
    da.fields[d:d + n] = sa.fields[s:s + n]


def init_array_data(a, d: int, datainst, s: int, n: int, size: int) -> None:
    """``array.init_data``: ``n`` elements of ``a`` from ``d`` read from the data instance."""
    fields = array_fields(a)
    if d + n > len(fields):
        raise Trap(ARRAY_OOB)
    fields[d:d + n] = data_values(datainst.data, s, n, size)


def init_array_elem(a, d: int, eleminst, s: int, n: int) -> None:
    """``array.init_elem``: ``n`` elements of ``a`` from ``d`` taken from the element instance."""
    fields = array_fields(a)
    if d + n > len(fields):
        raise Trap(ARRAY_OOB)
    fields[d:d + n] = elem_values(eleminst.elem, s, n)


def internalize(r):
    """``any.convert_extern``: ``ref.extern r`` gives ``r``; a host object becomes ref.host."""
    if type(r) is NullRef:
        return null("any")
    if type(r) is ExternRef:
        v = r.value
        return v if is_internal(v) else HostRef(v)
    return r


def externalize(r):
    """``extern.convert_any``: the reference wrapped as ``ref.extern`` (a ref.host unwrapped)."""
    if type(r) is NullRef:
        return null("extern")
    if type(r) is HostRef:
        return ExternRef(r.value)
    return ExternRef(r)


def desc_matches(r, d, nullable: bool) -> bool:
    """custom-descriptors: whether ``r`` has exactly the descriptor ``d`` (a null ``r`` passes if
    ``nullable``); a null descriptor traps."""
    if type(d) is NullRef:
        raise Trap(NULL_DESC)
    if type(r) is NullRef:
        return nullable
    return type(r) is StructInst and r.desc is d
