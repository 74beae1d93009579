"""Defined types at run time (spec 4.4.1 "Instantiation" into closed types; 2.3.10
"Recursive Types") and the matching rules execution needs (3.3 "Matching").

Validation compares type indices of *one* module.  At run time types meet
across modules (imports, ``call_indirect``, casts of values made elsewhere),
so every type index of a module instance is resolved to a *defined type*: a
`DefType` object, canonical for its rec group.  Canonicalisation (the
iso-recursive type equivalence of 3.3.10 "Defined Types", cf. the test file
type-canon.wast) works on each rec group in order: its structure, with
indices into the group made relative and indices before it replaced by
their (already canonical) `DefType`, is the group's key; equal keys give the
very same `DefType` objects.  So type equivalence is ``is``, and subtyping
of defined types walks the declared supertype chain (3.3.10 "Defined Types":
``deftype1 <= deftype2`` iff they are equal or a supertype of ``deftype1``
matches ``deftype2``).

The canonical table is process-wide: defined types are immutable values,
and sharing them lets modules of different stores agree, as the spec's
closed types do.

Closed types (value, storage, composite types) are the syntax's classes
with every concrete heap type a `DefType` instead of an index.
"""

from __future__ import annotations

from ..syntax.types import (ArrayType, FieldType, FuncType, GlobalType, RefType, StructType,
                            SubType, TableType)
from ..valid.types import ABS_SUPERS


class DefType:
    """3.1.2 ``deftype ::= rectype . i``: subtype ``index`` of a canonical rec group.

    ``comptype`` is closed (heap types are `DefType` objects); ``super`` is
    the declared supertype (Wasm 3.0 allows at most one) or ``None``;
    ``kind`` is ``"func"``, ``"struct"`` or ``"array"``.
    """

    __slots__ = ("group", "index", "final", "super", "comptype", "kind")

    def __init__(self, index: int, final: bool) -> None:
        self.group: tuple = ()
        self.index = index
        self.final = final
        self.super: DefType | None = None
        self.comptype = None
        self.kind = ""

    def __repr__(self) -> str:
        return f"<deftype {self.kind} {id(self.group) & 0xFFFF:x}.{self.index}>"


_GROUPS: dict = {}


def _key_vt(t, ref):
    if isinstance(t, RefType):
        ht = t.heaptype
        key = ("ref", t.nullable, ref(ht) if type(ht) is int else ht)
        return key + ("exact",) if t.exact else key    # custom-descriptors
    return t


def _key_comptype(ct, ref) -> tuple:
    if isinstance(ct, FuncType):
        return ("func", tuple(_key_vt(t, ref) for t in ct.params),
                tuple(_key_vt(t, ref) for t in ct.results))
    if isinstance(ct, StructType):
        return ("struct", tuple((f.mut, _key_vt(f.storagetype, ref)) for f in ct.fields))
    return ("array", (ct.field.mut, _key_vt(ct.field.storagetype, ref)))


def _key_clauses(st, ref) -> tuple:
    """custom-descriptors: a type's describes/descriptor clauses are part of its identity."""
    d, y = getattr(st, "describes", None), getattr(st, "descriptor", None)
    if d is None and y is None:
        return ()
    return (None if d is None else ref(d), None if y is None else ref(y))


def _close_vt(t, resolve):
    if isinstance(t, RefType) and type(t.heaptype) is int:
        return RefType(t.nullable, resolve(t.heaptype), t.exact)
    return t


def _close_comptype(ct, resolve):
    if isinstance(ct, FuncType):
        return FuncType(tuple(_close_vt(t, resolve) for t in ct.params),
                        tuple(_close_vt(t, resolve) for t in ct.results))
    if isinstance(ct, StructType):
        return StructType(tuple(FieldType(f.mut, _close_vt(f.storagetype, resolve))
                                for f in ct.fields))
    f = ct.field
    return ArrayType(FieldType(f.mut, _close_vt(f.storagetype, resolve)))


def deftypes_of(rectypes) -> tuple:
    """The canonical `DefType` of every type index of a module whose type section is ``rectypes``
    (a sequence of `RecType`; the module must be valid)."""
    out: list = []
    for rt in rectypes:
        start = len(out)
        subtypes = rt.subtypes

        def ref(x: int, start=start):
            return ("rec", x - start) if x >= start else out[x]
        key = tuple((bool(st.final), tuple(ref(x) for x in st.supertypes),
                     _key_comptype(st.comptype, ref)) + _key_clauses(st, ref) for st in subtypes)
        group = _GROUPS.get(key)
        if group is None:
            group = tuple(DefType(i, bool(st.final)) for i, st in enumerate(subtypes))

            def resolve(x: int, start=start, group=group):
                return group[x - start] if x >= start else out[x]
            for d, st in zip(group, subtypes):
                d.group = group
                d.super = resolve(st.supertypes[0]) if st.supertypes else None
                d.comptype = _close_comptype(st.comptype, resolve)
                d.kind = ("func" if isinstance(st.comptype, FuncType)
                          else "struct" if isinstance(st.comptype, StructType) else "array")
            _GROUPS[key] = group
        out.extend(group)
    return tuple(out)


def deftype_of_functype(ft: FuncType) -> DefType:
    """The defined type of a host function's type: a final function type alone in its rec group.

    A host function type that mentions type indices has no module to close it
    against: it gets a defined type of its own, equal to no other."""
    if any(isinstance(t, RefType) and type(t.heaptype) is int for t in ft.params + ft.results):
        d = DefType(0, True)
        d.group, d.comptype, d.kind = (d,), ft, "func"
        return d
    return deftypes_of((_Rec((SubType(True, (), ft),)),))[0]


class _Rec:
    __slots__ = ("subtypes",)

    def __init__(self, subtypes: tuple) -> None:
        self.subtypes = subtypes


# ---------------------------------------------------------- closing a module's types (3.1.1, 4.4.1)

def close_valtype(t, deftypes: tuple):
    """The closed form of value type ``t`` of a module with defined types ``deftypes``."""
    if isinstance(t, RefType) and type(t.heaptype) is int:
        return RefType(t.nullable, deftypes[t.heaptype], t.exact)
    return t


def close_tabletype(tt: TableType, deftypes: tuple) -> TableType:
    rt = close_valtype(tt.reftype, deftypes)
    return tt if rt is tt.reftype else TableType(tt.limits, rt)


def close_globaltype(gt: GlobalType, deftypes: tuple) -> GlobalType:
    vt = close_valtype(gt.valtype, deftypes)
    return gt if vt is gt.valtype else GlobalType(gt.mut, vt)


# ------------------------------------------------------------------ matching on closed types (3.3)

def match_deftype(d1: DefType, d2: DefType) -> bool:
    """3.3.10 "Defined Types": ``d1`` is ``d2`` or one of its declared supertypes (transitively)
    is."""
    while d1 is not None:
        if d1 is d2:
            return True
        d1 = d1.super
    return False


def match_heaptype(h1, h2) -> bool:
    """3.3.3 "Heap Types" on closed heap types (abstract names or `DefType`)."""
    if h1 is h2 or h1 == h2:
        return True
    if type(h1) is DefType:
        if type(h2) is DefType:
            return match_deftype(h1, h2)
        if h1.kind == "func":
            return h2 == "func"
        return h2 in (h1.kind, "eq", "any")
    if type(h2) is DefType:
        return h1 == ("nofunc" if h2.kind == "func" else "none")
    sup = ABS_SUPERS.get(h1)
    return sup is not None and h2 in sup


def match_reftype(r1: RefType, r2: RefType) -> bool:
    if r2.exact:    # custom-descriptors: only the same exact type, or a bottom type
        return ((r2.nullable or not r1.nullable)
                and (r1.heaptype is r2.heaptype if r1.exact
                     else type(r1.heaptype) is str and match_heaptype(r1.heaptype, r2.heaptype)))
    return (r2.nullable or not r1.nullable) and match_heaptype(r1.heaptype, r2.heaptype)


def match_valtype(t1, t2) -> bool:
    if t1 == t2:
        return True
    return isinstance(t1, RefType) and isinstance(t2, RefType) and match_reftype(t1, t2)
