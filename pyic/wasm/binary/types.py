"""Decoding types (spec 5.3, "Types").

The reference interpreter tries some grammar alternatives in turn (its
``either``): the error reported is the one of the last alternative.  Where
that matters for the message (heap types, block types, storage types, the
table encodings) the functions here do the same, by trying, rewinding and
trying the next alternative.

With ``r.version == 2`` the functions read the Wasm 2.0 grammar (its section
numbers are cited as "2.0 5.3.x"): the only reference types are ``funcref``
and ``externref`` (no heap types), a type is a function type, and limits are
a 0/1 flag with u32 bounds.
"""

from __future__ import annotations

from ...errors import MalformedError
from ..features import enabled
from ..syntax.types import (
    ArrayType, FieldType, FuncType, GlobalType, Limits, MemType, RecType, RefType,
    StructType, SubType, TableType, TagType,
)
from .reader import Reader, byte, expect, len32, s7, s33, u32, u64, uN

# 5.3.1 number types, 5.3.2 vector types: their s7 codes
NUMVEC_CODES = {-0x01: "i32", -0x02: "i64", -0x03: "f32", -0x04: "f64", -0x05: "v128"}

# 5.3.3 abstract heap types
ABSHEAP_CODES = {
    -0x0C: "noexn", -0x0D: "nofunc", -0x0E: "noextern", -0x0F: "none",
    -0x10: "func", -0x11: "extern", -0x12: "any", -0x13: "eq",
    -0x14: "i31", -0x15: "struct", -0x16: "array", -0x17: "exn",
}
ABSHEAP_BY_NAME = {v: k for k, v in ABSHEAP_CODES.items()}

# 5.3.4 the short forms ``ht`` of ``ref null ht`` for the abstract heap types
SHORT_REFTYPES = {code: RefType(True, ht) for code, ht in ABSHEAP_CODES.items()}
REF_NONNULL = -0x1C  # 0x64 ref ht
REF_NULL = -0x1D     # 0x63 ref null ht

# value types in one lookup: a single byte read as s7
VALTYPE_CODES: dict = {**NUMVEC_CODES, **SHORT_REFTYPES}

PACKED_CODES = {-0x08: "i8", -0x09: "i16"}

# Wasm 2.0 value types (2.0 5.3.1-5.3.4): numbers, v128, funcref, externref
WASM2_REFTYPES = {code: SHORT_REFTYPES[code] for code in (-0x10, -0x11)}
WASM2_VALTYPE_CODES: dict = {**NUMVEC_CODES, **WASM2_REFTYPES}

TYPEIDX_LIMIT = 1 << 31  # the reference interpreter's type indices are positive int32s


def typeuse(r: Reader) -> int:
    """A type index written as u32 (supertypes, imported functions, tags)."""
    start = r.pos
    x = u32(r)
    if x >= TYPEIDX_LIMIT:
        raise r.error("malformed type index", start)
    return x


def _typeidx_s33(r: Reader) -> int | None:
    """A type index written as a non-negative s33 (5.3.3 ``heaptype``, 5.4.2
    ``blocktype``); else None, with the reader left where it was."""
    start = r.pos
    try:
        x = s33(r)
    except MalformedError:
        x = -1
    if 0 <= x < TYPEIDX_LIMIT:
        return x
    r.pos = start
    return None


def heaptype(r: Reader):
    """5.3.3 ``heaptype``: a type index as a non-negative s33, else an abstract type."""
    start = r.pos
    if r.version < 3:  # 2.0 5.4.2: ``ref.null`` takes a reftype, funcref or externref
        rt = WASM2_REFTYPES.get(s7(r))
        if rt is None:
            raise r.error("malformed reference type", start)
        return rt.heaptype
    x = _typeidx_s33(r)
    if x is not None:
        return x
    code = s7(r)
    ht = ABSHEAP_CODES.get(code)
    if ht is None:
        raise r.error("malformed heap type", start)
    return ht


EXACT_CODE = 0x62   # custom-descriptors: ``0x62 x:u32``, the exact heap type of x


def heaptype_exact(r: Reader) -> tuple:
    """``heaptype`` or, with custom-descriptors (docs/proposals.md), ``0x62 x``:
    (heap type, whether exact)."""
    if r.version >= 3 and r.peek() == EXACT_CODE and enabled("custom-descriptors"):
        start = r.pos
        r.pos += 1
        x = _typeidx_s33(r)     # a type index, as in a heap type
        if x is None:
            raise r.error("malformed heap type", start)
        return x, True
    return heaptype(r), False


def _ref_heaptype(r: Reader, code: int, start: int) -> RefType:
    """5.3.4 the long reference types ``ref ht`` and ``ref null ht``, after their
    first byte ``code`` (read at ``start``); anything else is malformed."""
    if r.version >= 3:  # Wasm 2.0 (5.3.3, 5.3.4) has no ``ref ht`` forms
        if code == REF_NONNULL:
            return RefType(False, *heaptype_exact(r))
        if code == REF_NULL:
            return RefType(True, *heaptype_exact(r))
    raise r.error("malformed reference type", start)


def reftype(r: Reader) -> RefType:
    """5.3.4 ``reftype``."""
    start = r.pos
    code = s7(r)
    rt = SHORT_REFTYPES.get(code) if r.version >= 3 else WASM2_REFTYPES.get(code)
    if rt is not None:
        return rt
    return _ref_heaptype(r, code, start)


def valtype(r: Reader):
    """5.3.5 ``valtype``: a number, vector or reference type (a failure is
    reported as the last alternative's, "malformed reference type")."""
    start = r.pos
    code = s7(r)
    t = VALTYPE_CODES.get(code) if r.version >= 3 else WASM2_VALTYPE_CODES.get(code)
    if t is not None:
        return t
    return _ref_heaptype(r, code, start)


def resulttype(r: Reader) -> tuple:
    """5.3.6 ``resulttype ::= vec(valtype)``."""
    return tuple([valtype(r) for _ in range(len32(r))])


def storagetype(r: Reader):
    """5.3.7 ``storagetype ::= valtype | packtype``."""
    start = r.pos
    try:
        return valtype(r)
    except MalformedError:
        r.pos = start
    code = s7(r)
    t = PACKED_CODES.get(code)
    if t is None:
        raise r.error("malformed storage type", start)
    return t


def mut(r: Reader) -> bool:
    b = byte(r)
    if b == 0:
        return False
    if b == 1:
        return True
    raise r.error("malformed mutability", r.pos - 1)


def fieldtype(r: Reader) -> FieldType:
    t = storagetype(r)
    return FieldType(mut(r), t)


def comptype(r: Reader):
    """5.3.7 ``comptype``: func, struct or array."""
    code = s7(r)
    if code == -0x20:
        params = resulttype(r)
        return FuncType(params, resulttype(r))
    if code == -0x21:
        return StructType(tuple([fieldtype(r) for _ in range(len32(r))]))
    if code == -0x22:
        return ArrayType(fieldtype(r))
    raise r.error("malformed definition type", r.pos - 1)


def subtype(r: Reader) -> SubType:
    """5.3.8 ``subtype``: ``0x50`` (open) or ``0x4F`` (final) with supertypes, or a bare
    comptype."""
    b = r.peek()
    if b == 0x50 or b == 0x4F:
        r.pos += 1
        supers = tuple([typeuse(r) for _ in range(len32(r))])
        return _described(r, b == 0x4F, supers)
    return _described(r, True, ())


def _described(r: Reader, final: bool, supers: tuple) -> SubType:
    """custom-descriptors (Overview.md "Binary Format"): ``0x4C x`` (describes x) then
    ``0x4D y`` (descriptor y), each at most once and in that order, before the comptype."""
    describes = descriptor = None
    if enabled("custom-descriptors"):
        if r.peek() == 0x4C:
            r.pos += 1
            describes = typeuse(r)
        if r.peek() == 0x4D:
            r.pos += 1
            descriptor = typeuse(r)
    return SubType(final, supers, comptype(r), describes, descriptor)


def rectype(r: Reader) -> RecType:
    """5.3.8 ``rectype``: ``0x4E vec(subtype)`` or a single subtype."""
    if r.version < 3:  # 2.0 5.5.4: the type section holds function types only
        return RecType((SubType(True, (), functype2(r)),))
    if r.peek() == 0x4E:
        r.pos += 1
        return RecType(tuple([subtype(r) for _ in range(len32(r))]))
    return RecType((subtype(r),))


def functype2(r: Reader) -> FuncType:
    """2.0 5.3.6 ``functype ::= 0x60 resulttype resulttype``."""
    if s7(r) != -0x20:
        raise r.error("malformed function type", r.pos - 1)
    params = resulttype(r)
    return FuncType(params, resulttype(r))


def limits(r: Reader) -> Limits:
    """5.3.9 ``limits``: a flags byte (bit 0: a maximum follows, bit 2: i64
    addresses), then u64 bounds.  Bit 1 (``shared``, of the threads proposal,
    not in Wasm 3.0) is rejected, as the reference interpreter does."""
    if r.version < 3:
        return limits2(r)
    flags = byte(r)
    if flags & 0xFA:
        raise r.error("malformed limits flags", r.pos - 1)
    lo = u64(r)
    hi = u64(r) if flags & 1 else None
    return Limits(lo, hi, "i64" if flags & 4 else "i32")


def limits2(r: Reader) -> Limits:
    """2.0 5.3.7 ``limits``: 0x00 min or 0x01 min max, u32 bounds.  The
    reference interpreter reads the flag as a 1-bit LEB128 (hence "integer too
    large" for a flag 2, as the Wasm 2.0 suite expects)."""
    flag = uN(r, 1)
    lo = u32(r)
    return Limits(lo, u32(r) if flag else None, "i32")


def tabletype(r: Reader) -> TableType:
    rt = reftype(r)
    return TableType(limits(r), rt)


def memtype(r: Reader) -> MemType:
    """5.3.9 a memory's limits.  Beyond 3.0 (docs/proposals.md) the flags may
    also hold bit 1, ``shared`` (threads), and bit 3: a page size follows the
    bounds, as its base-2 logarithm (custom-page-sizes)."""
    if r.version < 3:
        if enabled("threads") and r.peek() in (0x02, 0x03):
            # threads over 2.0: flags 2/3, a shared memory without/with a maximum
            shared_max = byte(r) & 1
            lo = u32(r)
            return MemType(Limits(lo, u32(r) if shared_max else None, "i32", True))
        return MemType(limits2(r))
    allowed = 0x05
    if enabled("threads"):
        allowed |= 0x02
    if enabled("custom-page-sizes"):
        allowed |= 0x08
    flags = byte(r)
    if flags & ~allowed:
        raise r.error("malformed limits flags", r.pos - 1)
    lo = u64(r)
    hi = u64(r) if flags & 1 else None
    page_size = 65536
    if flags & 8:
        at = r.pos
        exponent = u32(r)
        if exponent >= 64:      # no such page size fits in a u64
            raise r.error("invalid custom page size", at)
        page_size = 1 << exponent
    return MemType(Limits(lo, hi, "i64" if flags & 4 else "i32", bool(flags & 2)), page_size)


def globaltype(r: Reader) -> GlobalType:
    t = valtype(r)
    return GlobalType(mut(r), t)


def tagtype(r: Reader) -> TagType:
    """5.3.10 ``tagtype ::= 0x00 typeidx`` (the attribute byte is reserved)."""
    expect(r, 0x00, "zero byte expected")
    return TagType(typeuse(r))


def blocktype(r: Reader):
    """5.4.2 ``blocktype``: a type index (non-negative s33), ``0x40`` (empty) or a value type."""
    x = _typeidx_s33(r)
    if x is not None:
        return x
    if r.peek() == 0x40:
        r.pos += 1
        return None
    return valtype(r)


def idx(r: Reader) -> int:
    return u32(r)
