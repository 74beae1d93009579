"""GC and exception objects (spec 4.2.1 "Values", 4.2.15 "Aggregate Instances", 4.2.16
"Exception Instances") and the dynamic type of a reference (4.5.1 "Value Typing").

The spec keeps structure, array and exception instances in the store and
refers to them by address (``ref.struct a``).  pyic lets the Python object
*be* the instance and the reference at once: equality of references is
object identity (``ref.eq``), and an object lives as long as something
refers to it (so the store never fills with garbage).

* `I31Ref`: ``ref.i31 i``, ``i`` an unsigned 31-bit int (equal by value);
* `StructInst`: ``{type deftype, fields fieldval*}``;
* `ArrayInst`: ``{type deftype, fields fieldval*}``;
* `ExnInst`: ``{tag tagaddr, fields val*}`` (an ``exnref``'s target).

Field values are stored as values, except packed ones (``i8``, ``i16``),
which are stored wrapped to their width (4.2.15 "Aggregate Instances": ``pack``); reading them
extends them with ``_s`` or ``_u`` (``unpack``).
"""

from __future__ import annotations

from ..syntax.types import RefType
from .types import DefType, match_deftype
from .values import ExternRef, FuncRef, HostRef, NullRef, Ref, null

MASK31 = 0x7FFF_FFFF


class I31Ref(Ref):
    """``ref.i31 i``: an unboxed scalar, ``value`` in [0, 2**31)."""

    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return type(other) is I31Ref and other.value == self.value

    def __hash__(self) -> int:
        return hash(("i31", self.value))

    def __repr__(self) -> str:
        return f"(ref.i31 {self.value})"


class StructInst(Ref):
    """4.2.15 "Aggregate Instances": ``structinst ::= {type deftype, fields fieldval*}``.

    The object is also the reference to it (``ref.struct a``)."""

    __slots__ = ("type", "fields", "desc")

    def __init__(self, deftype: DefType, fields: list) -> None:
        self.type = deftype
        self.fields = fields
        self.desc = None    # custom-descriptors: its descriptor (exec/descriptors.py)

    def __repr__(self) -> str:
        return f"(ref.struct {len(self.fields)} fields)"


class ArrayInst(Ref):
    """4.2.15 "Aggregate Instances": ``arrayinst ::= {type deftype, fields fieldval*}``.

    The object is also the reference to it (``ref.array a``)."""

    __slots__ = ("type", "fields")

    def __init__(self, deftype: DefType, fields: list) -> None:
        self.type = deftype
        self.fields = fields

    def __repr__(self) -> str:
        return f"(ref.array {len(self.fields)} elements)"


class ExnInst(Ref):
    """4.2.16 "Exception Instances": ``exninst ::= {tag tagaddr, fields val*}``.

    A thrown exception; the object is also the ``exnref`` to it."""

    __slots__ = ("tag", "fields")

    def __init__(self, tag, fields: tuple) -> None:
        self.tag = tag
        self.fields = fields

    def __repr__(self) -> str:
        return f"(ref.exn {self.fields!r})"


# ------------------------------------------------------------------ packed fields
# (4.2.15 "Aggregate Instances": pack / unpack)

PACK_MASK = {"i8": 0xFF, "i16": 0xFFFF}
PACK_SIZE = {"i8": 1, "i16": 2, "i32": 4, "i64": 8, "f32": 4, "f64": 8, "v128": 16}


def field_default(storagetype):
    """The default value of a field (0 for numbers, vectors and packed types, null for
    references)."""
    if isinstance(storagetype, RefType):
        return null(storagetype.heaptype)
    return 0


def sign_extend(v: int, storagetype: str) -> int:
    """``unpack_s``: a packed value, sign-extended to an unsigned i32."""
    bits = 8 if storagetype == "i8" else 16
    h = 1 << (bits - 1)
    return ((v ^ h) - h) & 0xFFFF_FFFF


# ------------------------------------------------------------------ the dynamic type of references

_ABSTRACT_OF = {I31Ref: ("i31", "eq", "any"), StructInst: ("struct", "eq", "any"),
                ArrayInst: ("array", "eq", "any"), ExnInst: ("exn",), HostRef: ("any",),
                ExternRef: ("extern",), FuncRef: ("func",)}


def ref_matches(r: Ref, rt: RefType, funcs) -> bool:
    """Whether reference value ``r`` has a type matching the closed reference type ``rt``
    (4.6.9 "Reference Instructions", ``ref.test``: ``type_of_ref(r) <= rt``).

    ``funcs`` is the store's function list, to find a function reference's
    defined type (``None``: any function matches a concrete function type)."""
    if type(r) is NullRef:
        return rt.nullable
    ht = rt.heaptype
    if type(ht) is str:
        return ht in _ABSTRACT_OF.get(type(r), ())
    cls = type(r)
    if rt.exact:    # custom-descriptors: the value's type is exactly ht
        if cls is StructInst or cls is ArrayInst:
            return r.type is ht
        return cls is FuncRef and (funcs is None or funcs[r.addr].deftype is ht)
    if cls is StructInst or cls is ArrayInst:
        return type(ht) is DefType and match_deftype(r.type, ht)
    if cls is FuncRef:
        if type(ht) is not DefType or ht.kind != "func":
            return False
        return funcs is None or match_deftype(funcs[r.addr].deftype, ht)
    return False


def is_internal(r: object) -> bool:
    """References that ``extern.convert_any`` wraps as they are (everything but host references)."""
    return isinstance(r, Ref) and type(r) not in (HostRef, ExternRef, NullRef)
