"""Validity of types (spec 3.2) and matching/subtyping (spec 3.3, "Matching").

Types are the syntax's: value types are strings or `RefType`; a concrete heap
type is a type index (int) into the module's type index space.  Two type
indices denote the same type when their rec groups are structurally equal
(iso-recursive equivalence, 3.1.3 "Rolling and Unrolling", 3.3.10 "Defined Types"):
`TypeSpace` gives every type index a *canonical id* so that this check is one comparison.

``BOT`` is the bottom value type of the validation algorithm (appendix
"Validation Algorithm"): the type of an operand popped from a polymorphic
stack, matching every value type.
"""

from __future__ import annotations

from ...errors import InvalidError
from ..syntax.types import (
    ArrayType, FieldType, FuncType, Limits, RefType, StructType, SubType,
)


class _Bot:
    """The bottom value (and heap) type of the algorithm; matches everything."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "_"


BOT = _Bot()

NUMTYPES = frozenset(("i32", "i64", "f32", "f64"))
PACKED = frozenset(("i8", "i16"))

# 3.3.3 Heap type matching on abstract heap types: every abstract heap type
# with the set of abstract heap types it matches.
ABS_SUPERS = {
    "any": frozenset(("any",)),
    "eq": frozenset(("eq", "any")),
    "i31": frozenset(("i31", "eq", "any")),
    "struct": frozenset(("struct", "eq", "any")),
    "array": frozenset(("array", "eq", "any")),
    "none": frozenset(("none", "i31", "struct", "array", "eq", "any")),
    "func": frozenset(("func",)),
    "nofunc": frozenset(("nofunc", "func")),
    "extern": frozenset(("extern",)),
    "noextern": frozenset(("noextern", "extern")),
    "exn": frozenset(("exn",)),
    "noexn": frozenset(("noexn", "exn")),
}

# The top type of each hierarchy (used by ref.test / ref.cast).
ABS_TOP = {
    "any": "any", "eq": "any", "i31": "any", "struct": "any", "array": "any", "none": "any",
    "func": "func", "nofunc": "func", "extern": "extern", "noextern": "extern",
    "exn": "exn", "noexn": "exn",
}

SHORTHANDS = {
    "func": "funcref", "extern": "externref", "any": "anyref", "eq": "eqref",
    "i31": "i31ref", "struct": "structref", "array": "arrayref", "none": "nullref",
    "nofunc": "nullfuncref", "noextern": "nullexternref", "exn": "exnref",
    "noexn": "nullexnref",
}


def string_of_valtype(t: object) -> str:
    """The text format of a value type, for error messages."""
    if t is BOT:
        return "_"
    if isinstance(t, RefType):
        ht = t.heaptype
        if t.nullable and isinstance(ht, str) and ht in SHORTHANDS:
            return SHORTHANDS[ht]
        ht_s = "_" if ht is BOT else str(ht)
        if t.exact:
            ht_s = f"(exact {ht_s})"
        return f"(ref {'null ' if t.nullable else ''}{ht_s})"
    return str(t)


def string_of_resulttype(ts) -> str:
    return "[" + " ".join(string_of_valtype(t) for t in ts) + "]"


def _type_indices_of_comptype(ct) -> list:
    """Every type index a composite type mentions (for the "unknown type" check)."""
    out = []
    if isinstance(ct, FuncType):
        vts = list(ct.params) + list(ct.results)
    elif isinstance(ct, StructType):
        vts = [f.storagetype if isinstance(f, FieldType) else f for f in ct.fields]
    elif isinstance(ct, ArrayType):
        f = ct.field
        vts = [f.storagetype if isinstance(f, FieldType) else f]
    else:
        raise InvalidError("malformed composite type")
    for t in vts:
        if isinstance(t, RefType) and isinstance(t.heaptype, int):
            out.append(t.heaptype)
    return out


class TypeSpace:
    """The module's defined types (C.types) with their canonical ids.

    ``subtypes[x]`` is the `SubType` of type index ``x``; ``canon[x]`` an
    opaque hashable id equal for two indices iff their types are equivalent.
    """

    def __init__(self) -> None:
        self.subtypes: list = []
        self.canon: list = []
        self._groups: dict = {}

    def __len__(self) -> int:
        return len(self.subtypes)

    # ------------------------------------------------------------ lookups

    def subtype(self, x: object) -> SubType:
        if type(x) is not int or not 0 <= x < len(self.subtypes):
            raise InvalidError(f"unknown type {x}")
        return self.subtypes[x]

    def comptype(self, x: object):
        return self.subtype(x).comptype

    def func_type(self, x: object) -> FuncType:
        ct = self.subtype(x).comptype
        if not isinstance(ct, FuncType):
            raise InvalidError(f"non-function type {x}")
        return ct

    def struct_type(self, x: object) -> StructType:
        ct = self.subtype(x).comptype
        if not isinstance(ct, StructType):
            raise InvalidError(f"non-structure type {x}")
        return ct

    def array_type(self, x: object) -> ArrayType:
        ct = self.subtype(x).comptype
        if not isinstance(ct, ArrayType):
            raise InvalidError(f"non-array type {x}")
        return ct

    # ------------------------------------------------------------ 3.2.11 rec types

    def add_rectype(self, rt) -> None:
        """Validate rec group ``rt`` and append its subtypes (3.2.11 "Recursive types")."""
        subtypes = getattr(rt, "subtypes", None)
        if not isinstance(subtypes, tuple):
            raise InvalidError("malformed recursive type")
        start = len(self.subtypes)
        end = start + len(subtypes)
        for st in subtypes:
            if not isinstance(st, SubType):
                raise InvalidError("malformed sub type")
            for x in tuple(st.supertypes) + tuple(_type_indices_of_comptype(st.comptype)):
                if type(x) is not int or not 0 <= x < end:
                    raise InvalidError(f"unknown type {x}")
        for k, st in enumerate(subtypes):
            if st.describes is not None or st.descriptor is not None:
                _check_descriptor_clauses(subtypes, start, k)
        # Canonical id: the group's structure with indices inside the group
        # made relative and indices before it replaced by their canonical ids.
        def ref(x: int):
            return ("rec", x - start) if x >= start else self.canon[x]
        key = tuple(self._key_subtype(st, ref) for st in subtypes)
        gid = self._groups.setdefault(key, len(self._groups))
        for i, st in enumerate(subtypes):
            self.subtypes.append(st)
            self.canon.append((gid, i))
        for st in subtypes:
            check_comptype(self, st.comptype)
        for i, st in enumerate(subtypes):
            self._check_subtype_sub(st, start + i)

    @staticmethod
    def _key_subtype(st: SubType, ref) -> tuple:
        def vt(t):
            if isinstance(t, RefType):
                ht = t.heaptype
                key = (t.nullable, ref(ht) if isinstance(ht, int) else ht)
                return key + ("exact",) if t.exact else key
            return t

        def ft(f):
            return (f.mut, vt(f.storagetype))
        ct = st.comptype
        if isinstance(ct, FuncType):
            body = ("func", tuple(vt(t) for t in ct.params), tuple(vt(t) for t in ct.results))
        elif isinstance(ct, StructType):
            body = ("struct", tuple(ft(f) for f in ct.fields))
        else:
            body = ("array", ft(ct.field))
        key = (bool(st.final), tuple(ref(x) for x in st.supertypes), body)
        if st.describes is not None or st.descriptor is not None:
            key += (None if st.describes is None else ref(st.describes),
                    None if st.descriptor is None else ref(st.descriptor))
        return key

    def _check_subtype_sub(self, st: SubType, x: int) -> None:
        for y in st.supertypes:
            if y >= x:
                raise InvalidError(f"sub type {x} has forward super type {y}")
            sup = self.subtypes[y]
            if sup.final:
                raise InvalidError(f"sub type {x} has final super type {y}")
            if not match_comptype(self, st.comptype, sup.comptype):
                raise InvalidError(f"sub type {x} does not match super type {y}")
            if (st.descriptor is not None or st.describes is not None
                    or sup.descriptor is not None or sup.describes is not None):
                self._check_descriptor_subtyping(st, x, sup, y)

    def _check_descriptor_subtyping(self, st: SubType, x: int, sup: SubType, y: int) -> None:
        """custom-descriptors (Overview.md "Custom Descriptor Definitions"): a subtype
        keeps its supertype's descriptor (by a subtype of it) and describes what a
        subtype of the supertype's described type is."""
        if (sup.descriptor is not None and st.descriptor is None) or \
                ((sup.describes is None) != (st.describes is None)):
            raise InvalidError(f"sub type {x} does not match super type {y}")
        if sup.descriptor is not None and not self.match_typeidx(st.descriptor, sup.descriptor):
            raise InvalidError(f"descriptor type {st.descriptor} does not match")
        if sup.describes is not None and not self.match_typeidx(st.describes, sup.describes):
            raise InvalidError(f"described type {st.describes} does not match")

    # ------------------------------------------------------------ matching on indices

    def match_typeidx(self, x: int, y: int) -> bool:
        """Does defined type ``x`` match ``y`` (equivalent, or a declared subtype)?"""
        canon = self.canon
        target = canon[y]
        while True:
            if canon[x] == target:
                return True
            supers = self.subtypes[x].supertypes
            if not supers or supers[0] >= x:  # the guard keeps a bad module from looping
                return False
            x = supers[0]


def _check_descriptor_clauses(subtypes: tuple, start: int, k: int) -> None:
    """custom-descriptors: type ``start + k``'s ``describes``/``descriptor`` clauses name
    types of its own rec group, describes an earlier one, only structs have them, and
    each descriptor describes the type that names it, and the other way round."""
    st = subtypes[k]
    x = start + k
    n = len(subtypes)
    y, d = st.descriptor, st.describes
    if y is not None and not (type(y) is int and start <= y < start + n):
        raise InvalidError("descriptor type is outside rec group")
    if d is not None and not (type(d) is int and start <= d < start + n):
        raise InvalidError("described type is outside rec group")
    if d is not None and d >= x:
        raise InvalidError("forward use of described type")
    if y is not None and not isinstance(st.comptype, StructType):
        raise InvalidError("descriptor type must be a struct")
    if d is not None and not isinstance(st.comptype, StructType):
        raise InvalidError("described type must be a struct")
    if y is not None and subtypes[y - start].describes != x:
        raise InvalidError("type is not described by its descriptor")
    if d is not None and subtypes[d - start].descriptor != x:
        raise InvalidError("described type is not described by descriptor")


# ------------------------------------------------------------------ matching (3.3)

def match_heaptype(ts: TypeSpace, h1, h2) -> bool:
    if h1 == h2 and type(h1) is type(h2):
        return True
    if h1 is BOT:
        return True
    if type(h1) is int:
        if type(h2) is int:
            return ts.match_typeidx(h1, h2)
        ct = ts.subtypes[h1].comptype
        if isinstance(ct, FuncType):
            return h2 == "func"
        if isinstance(ct, StructType):
            return h2 in ("struct", "eq", "any")
        return h2 in ("array", "eq", "any")
    if type(h2) is int:
        ct = ts.subtypes[h2].comptype
        if h1 == "nofunc":
            return isinstance(ct, FuncType)
        if h1 == "none":
            return not isinstance(ct, FuncType)
        return False
    sup = ABS_SUPERS.get(h1)
    return sup is not None and h2 in sup


def match_reftype(ts: TypeSpace, r1: RefType, r2: RefType) -> bool:
    if not (r2.nullable or not r1.nullable):
        return False
    if r2.exact:
        # custom-descriptors: (exact x) is matched by (exact y) for y equivalent to
        # x, and by the bottom types only
        h1, h2 = r1.heaptype, r2.heaptype
        if r1.exact:
            return type(h1) is int and ts.canon[h1] == ts.canon[h2]
        return h1 is BOT or (type(h1) is str and match_heaptype(ts, h1, h2))
    return match_heaptype(ts, r1.heaptype, r2.heaptype)


def match_valtype(ts: TypeSpace, t1, t2) -> bool:
    if t1 is BOT or t1 == t2:
        return True
    if isinstance(t1, RefType) and isinstance(t2, RefType):
        return match_reftype(ts, t1, t2)
    return False


def match_resulttype(ts: TypeSpace, ts1, ts2) -> bool:
    return len(ts1) == len(ts2) and all(match_valtype(ts, a, b) for a, b in zip(ts1, ts2))


def _match_storagetype(ts: TypeSpace, s1, s2) -> bool:
    if s1 in PACKED or s2 in PACKED:
        return s1 == s2
    return match_valtype(ts, s1, s2)


def match_fieldtype(ts: TypeSpace, f1: FieldType, f2: FieldType) -> bool:
    if bool(f1.mut) != bool(f2.mut):
        return False
    if f1.mut:  # mutable fields are invariant
        return (_match_storagetype(ts, f1.storagetype, f2.storagetype)
                and _match_storagetype(ts, f2.storagetype, f1.storagetype))
    return _match_storagetype(ts, f1.storagetype, f2.storagetype)


def match_comptype(ts: TypeSpace, c1, c2) -> bool:
    if isinstance(c1, FuncType) and isinstance(c2, FuncType):
        return (match_resulttype(ts, c2.params, c1.params)
                and match_resulttype(ts, c1.results, c2.results))
    if isinstance(c1, StructType) and isinstance(c2, StructType):
        return (len(c1.fields) >= len(c2.fields)
                and all(match_fieldtype(ts, a, b) for a, b in zip(c1.fields, c2.fields)))
    if isinstance(c1, ArrayType) and isinstance(c2, ArrayType):
        return match_fieldtype(ts, c1.field, c2.field)
    return False


def top_heaptype(ts: TypeSpace, ht):
    if type(ht) is int:
        return "func" if isinstance(ts.subtypes[ht].comptype, FuncType) else "any"
    return ABS_TOP.get(ht, ht)


def diff_reftype(rt1: RefType, rt2: RefType) -> RefType:
    """``rt1 \\ rt2``: what remains of ``rt1`` when a cast to ``rt2`` failed."""
    return RefType(False if rt2.nullable else rt1.nullable, rt1.heaptype, rt1.exact)


def defaultable(t) -> bool:
    """3.2.6 A value type is defaultable unless it is a non-nullable reference."""
    return not isinstance(t, RefType) or t.nullable


def unpacked(st):
    return "i32" if st in PACKED else st


# ------------------------------------------------------------------ validity (3.2)

def check_heaptype(ts: TypeSpace, ht) -> None:
    if type(ht) is int:
        ts.subtype(ht)
    elif ht not in ABS_TOP:
        raise InvalidError(f"unknown heap type {ht}")


def check_valtype(ts: TypeSpace, t) -> None:
    if isinstance(t, RefType):
        check_heaptype(ts, t.heaptype)
    elif t not in NUMTYPES and t != "v128":
        raise InvalidError(f"unknown value type {t}")


def check_reftype(ts: TypeSpace, t) -> None:
    if not isinstance(t, RefType):
        raise InvalidError(f"type mismatch: {string_of_valtype(t)} is not a reference type")
    check_heaptype(ts, t.heaptype)


def check_storagetype(ts: TypeSpace, t) -> None:
    if t not in PACKED:
        check_valtype(ts, t)


def check_comptype(ts: TypeSpace, ct) -> None:
    if isinstance(ct, FuncType):
        for t in ct.params:
            check_valtype(ts, t)
        for t in ct.results:
            check_valtype(ts, t)
    elif isinstance(ct, StructType):
        for f in ct.fields:
            check_storagetype(ts, f.storagetype)
    elif isinstance(ct, ArrayType):
        check_storagetype(ts, ct.field.storagetype)
    else:
        raise InvalidError("malformed composite type")


def check_limits(lim: Limits, k: int, msg: str) -> None:
    """3.2.12 Limits: min and max within ``k``, and min <= max."""
    if not isinstance(lim, Limits) or type(lim.min) is not int:
        raise InvalidError("malformed limits")
    if not 0 <= lim.min <= k:
        raise InvalidError(msg)
    if lim.max is not None:
        if not 0 <= lim.max <= k:
            raise InvalidError(msg)
        if lim.min > lim.max:
            raise InvalidError("size minimum must not be greater than maximum")


def addrtype_of(lim: Limits) -> str:
    at = lim.addrtype
    if at not in ("i32", "i64"):
        raise InvalidError(f"unknown address type {at}")
    return at


def check_memtype(mt) -> None:
    lim = mt.limits
    if lim.shared and lim.max is None:  # threads proposal
        raise InvalidError("shared memory must have maximum")
    page_size = getattr(mt, "page_size", 65536)
    if page_size != 65536:
        # custom-page-sizes (Overview.md "Validation"): 1 or 64 KiB; with byte-sized
        # pages a memory may hold as many pages as its address type has addresses
        # but one
        if page_size != 1:
            raise InvalidError("invalid custom page size")
        bits = 64 if addrtype_of(lim) == "i64" else 32
        check_limits(lim, (1 << bits) - 1, f"memory size must be at most 2^{bits}-1 pages")
        return
    if addrtype_of(lim) == "i64":
        check_limits(lim, 1 << 48, "memory size must be at most 2^48 pages (256 TiB)")
    else:
        check_limits(lim, 1 << 16, "memory size must be at most 65536 pages (4GiB)")


def check_tabletype(ts: TypeSpace, tt) -> None:
    check_reftype(ts, tt.reftype)
    lim = tt.limits
    if addrtype_of(lim) == "i64":
        check_limits(lim, (1 << 64) - 1, "table size must be at most 2^64-1")
    else:
        check_limits(lim, (1 << 32) - 1, "table size must be at most 2^32-1")


def check_globaltype(ts: TypeSpace, gt) -> None:
    check_valtype(ts, gt.valtype)


def check_tagtype(ts: TypeSpace, tt) -> FuncType:
    ft = ts.func_type(tt.typeidx)
    if ft.results:
        raise InvalidError("non-empty tag result type")
    return ft
