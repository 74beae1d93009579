"""Types in the text format (spec 6.4, text/types.rst) and type uses (text/modules.rst).

Each function reads one grammar rule at the reader's position and returns its
abstract syntax (`pyic.wasm.syntax.types`).  Type identifiers resolve through
the module context.
"""

from __future__ import annotations

from ..features import enabled

from ..syntax.types import (
    ABSHEAPTYPES, ArrayType, Exact, FieldType, FuncType, GlobalType, Limits, MemType, RecType,
    RefType,
    StructType, SubType, TableType,
)
from .context import ModuleContext, format_id
from .lexer import ID, KEYWORD, LPAR, NAT, RPAR
from .reader import Reader

NUMVECTYPES = frozenset(("i32", "i64", "f32", "f64", "v128"))
_ABSHEAP = frozenset(ABSHEAPTYPES)

# 6.4.4.1 reference type short-hands: ``funcref == (ref null func)`` etc.
REFTYPE_SHORTHANDS = {
    "anyref": "any", "eqref": "eq", "i31ref": "i31", "structref": "struct",
    "arrayref": "array", "nullref": "none", "funcref": "func", "nullfuncref": "nofunc",
    "exnref": "exn", "nullexnref": "noexn", "externref": "extern",
    "nullexternref": "noextern",
}
_SHORTHAND_TYPES = {k: RefType(True, v) for k, v in REFTYPE_SHORTHANDS.items()}


def typeidx(r: Reader, c: ModuleContext) -> int:
    """A type index: a number or a bound ``$id``."""
    kind = r.kinds[r.i]
    if kind == NAT:
        return r.nat(32)
    if kind == ID:
        at = r.i
        r.i += 1
        return c.types.lookup(r.vals[at], r, at)
    raise r.unexpected()


def heaptype(r: Reader, c: ModuleContext):
    """``absheaptype | typeidx``, and with custom-descriptors ``(exact typeidx)``
    (an `Exact`; docs/proposals.md)."""
    if r.kinds[r.i] == KEYWORD and r.vals[r.i] in _ABSHEAP:
        r.i += 1
        return r.vals[r.i - 1]
    if r.peek_field() == "exact" and enabled("custom-descriptors"):
        r.i += 2
        x = typeidx(r, c)
        r.rpar()
        return Exact(x)
    return typeidx(r, c)


def reftype(r: Reader, c: ModuleContext) -> RefType:
    """``(ref null? heaptype)`` or a short-hand like ``funcref``."""
    i = r.i
    if r.kinds[i] == KEYWORD:
        rt = _SHORTHAND_TYPES.get(r.vals[i])
        if rt is None:
            raise r.unexpected()
        r.i += 1
        return rt
    r.open("ref")
    nullable = r.at_keyword("null")
    if nullable:
        r.i += 1
    ht = heaptype(r, c)
    r.rpar()
    if isinstance(ht, Exact):
        return RefType(nullable, ht.typeidx, True)
    return RefType(nullable, ht)


def valtype(r: Reader, c: ModuleContext):
    """``numtype | vectype | reftype``."""
    i = r.i
    if r.kinds[i] == KEYWORD and r.vals[i] in NUMVECTYPES:
        r.i += 1
        return r.vals[i]
    return reftype(r, c)


def valtypes(r: Reader, c: ModuleContext) -> list:
    """Value types up to the next ``)``."""
    out = []
    while r.kinds[r.i] != RPAR:
        out.append(valtype(r, c))
    return out


def storagetype(r: Reader, c: ModuleContext):
    if r.kinds[r.i] == KEYWORD and r.vals[r.i] in ("i8", "i16"):
        r.i += 1
        return r.vals[r.i - 1]
    return valtype(r, c)


def _mut(r: Reader, c: ModuleContext, inner) -> tuple:
    """``inner | (mut inner)``: (whether mutable, the inner type)."""
    if r.peek_field() == "mut":
        r.i += 2
        t = inner(r, c)
        r.rpar()
        return True, t
    return False, inner(r, c)


def fieldtype(r: Reader, c: ModuleContext) -> FieldType:
    """``storagetype | (mut storagetype)``."""
    return FieldType(*_mut(r, c, storagetype))


def globaltype(r: Reader, c: ModuleContext) -> GlobalType:
    """``valtype | (mut valtype)``."""
    return GlobalType(*_mut(r, c, valtype))


def params_results(r: Reader, c: ModuleContext, names: list | None):
    """``(param $id? t)* | (param t*)*`` then ``(result t*)*``.

    Parameter names go to ``names`` (one entry per parameter, None when
    anonymous); when ``names`` is None, named parameters are not allowed.
    """
    params: list = []
    results: list = []
    kinds, vals = r.kinds, r.vals
    while kinds[r.i] == LPAR and kinds[r.i + 1] == KEYWORD and vals[r.i + 1] == "param":
        r.i += 2
        if kinds[r.i] == ID and names is not None:
            names.append((vals[r.i], r.i))
            r.i += 1
            params.append(valtype(r, c))
        else:
            ts = valtypes(r, c)
            params.extend(ts)
            if names is not None:
                names.extend((None, r.i) for _ in ts)
        r.rpar()
    while kinds[r.i] == LPAR and kinds[r.i + 1] == KEYWORD and vals[r.i + 1] == "result":
        r.i += 2
        results.extend(valtypes(r, c))
        r.rpar()
    if kinds[r.i] == LPAR and kinds[r.i + 1] == KEYWORD and vals[r.i + 1] == "param":
        raise r.unexpected(r.i + 1)   # parameters must come first
    return params, results


def comptype(r: Reader, c: ModuleContext, index: int):
    """``(func ...)``, ``(struct (field ...)*)`` or ``(array fieldtype)``."""
    word = r.peek_field()
    if word == "func":
        r.i += 2
        params, results = params_results(r, c, [])
        r.rpar()
        return FuncType(tuple(params), tuple(results))
    if word == "struct":
        r.i += 2
        fields = []
        names: dict[str, int] = {}
        while r.peek_field() == "field":
            r.i += 2
            if r.kinds[r.i] == ID:
                name = r.vals[r.i]
                if name in names:
                    raise r.error(f"duplicate field {format_id(name)}")
                names[name] = len(fields)
                r.i += 1
                fields.append(fieldtype(r, c))
            else:
                while r.kinds[r.i] != RPAR:
                    fields.append(fieldtype(r, c))
            r.rpar()
        r.rpar()
        c.fields[index] = names
        return StructType(tuple(fields))
    if word == "array":
        r.i += 2
        ft = fieldtype(r, c)
        r.rpar()
        return ArrayType(ft)
    raise r.unexpected(r.i + 1 if r.kinds[r.i] == LPAR else r.i)


def subtype(r: Reader, c: ModuleContext, index: int) -> SubType:
    """``comptype | (sub final? typeidx* comptype)``."""
    if r.peek_field() == "sub":
        r.i += 2
        final = r.at_keyword("final")
        if final:
            r.i += 1
        supers = []
        while r.kinds[r.i] in (NAT, ID):
            supers.append(typeidx(r, c))
        describes, descriptor = _descriptor_clauses(r, c)
        ct = comptype(r, c, index)
        r.rpar()
        return SubType(final, tuple(supers), ct, describes, descriptor)
    describes, descriptor = _descriptor_clauses(r, c)
    return SubType(True, (), comptype(r, c, index), describes, descriptor)


def _descriptor_clauses(r: Reader, c: ModuleContext) -> tuple:
    """custom-descriptors: ``(describes x)? (descriptor y)?`` before a comptype."""
    out = [None, None]
    if enabled("custom-descriptors"):
        for k, word in enumerate(("describes", "descriptor")):
            if r.peek_field() == word:
                r.i += 2
                out[k] = typeidx(r, c)
                r.rpar()
    return tuple(out)


def typedef(r: Reader, c: ModuleContext, index: int) -> SubType:
    """``(type $id? subtype)``; the id was bound before (pass 1)."""
    r.open("type")
    r.opt_id()
    st = subtype(r, c, index)
    r.rpar()
    return st


def rectype(r: Reader, c: ModuleContext) -> RecType:
    """``(rec typedef*)`` or a lone typedef (6.4.7.1 abbreviation)."""
    index = len(c.deftypes)
    if r.peek_field() == "rec":
        r.i += 2
        sts = []
        while r.kinds[r.i] != RPAR:
            sts.append(typedef(r, c, index + len(sts)))
        r.rpar()
        return RecType(tuple(sts))
    return RecType((typedef(r, c, index),))


def addrtype(r: Reader) -> str:
    """``i32 | i64``, default i32."""
    if r.kinds[r.i] == KEYWORD and r.vals[r.i] in ("i32", "i64"):
        r.i += 1
        return r.vals[r.i - 1]
    return "i32"


def limits(r: Reader, c: ModuleContext, at: str) -> Limits:
    """``u64 u64?``: 3.0 leaves the range to validation, but Wasm 2.0, having
    only 32-bit address types, reads ``u32 u32?`` ("i32 constant out of range")."""
    bits = 32 if c.version < 3 and at == "i32" else 64
    lo = r.nat(bits)
    hi = r.nat(bits) if r.kinds[r.i] == NAT else None
    return Limits(lo, hi, at)


def tabletype(r: Reader, c: ModuleContext) -> TableType:
    at = addrtype(r)
    lim = limits(r, c, at)
    return TableType(lim, reftype(r, c))


def memtype(r: Reader, c: ModuleContext) -> MemType:
    """``addrtype? limits shared? (pagesize n)?``: ``shared`` of the threads
    proposal, the page size of custom-page-sizes (docs/proposals.md)."""
    at = addrtype(r)
    lim = limits(r, c, at)
    if r.at_keyword("shared"):  # threads proposal
        r.i += 1
        lim = Limits(lim.min, lim.max, lim.addrtype, True)
    return MemType(lim, pagesize(r))


def pagesize(r: Reader) -> int:
    """custom-page-sizes: ``(pagesize n)``, ``n`` a power of two; else 65536."""
    if r.peek_field() != "pagesize" or not enabled("custom-page-sizes"):
        return 65536
    r.i += 2
    at = r.i
    n = r.nat(64)
    if n == 0 or n & (n - 1):
        raise r.error("invalid custom page size", at)
    r.rpar()
    return n


def typeuse(r: Reader, c: ModuleContext, names: list | None):
    """``(type x)? (param ...)* (result ...)*`` unresolved: (x or None, params, results, at)."""
    at = r.i
    x = None
    if r.peek_field() == "type":
        r.i += 2
        x = typeidx(r, c)
        r.rpar()
    params, results = params_results(r, c, names)
    return x, params, results, at


def resolve_typeuse(r: Reader, c: ModuleContext, x, params, results, at: int) -> int:
    """The type index a type use stands for (text/modules.rst "Type Uses").

    With ``(type x)``, inline parameters and results must repeat x's function
    type; without, the smallest equal plain function type is used, or a new
    one is appended to the type section.
    """
    if x is None:
        return c.implicit_typeuse(FuncType(tuple(params), tuple(results)))
    if params or results:
        ft = functype_at(r, c, x, at)
        if ft.params != tuple(params) or ft.results != tuple(results):
            raise r.error("inline function type does not match explicit type", at)
    return x


def functype_at(r: Reader, c: ModuleContext, x: int, at: int) -> FuncType:
    """The function type with index x, which the text needs to know."""
    if not 0 <= x < len(c.deftypes):
        raise r.error(f"unknown type {x}", at)
    ft = c.functype_of(x)
    if ft is None:
        raise r.error(f"non-function type {x}", at)
    return ft
