"""Types (spec 2.3, "Types"), for all of Wasm 3.0.

Number and vector types are the strings ``"i32" "i64" "f32" "f64" "v128"``;
packed storage types are ``"i8" "i16"``.  Reference types are `RefType`
values, whose heap type is either an abstract heap type name (a string) or a
type index (an int).  Everything is immutable.
"""

from __future__ import annotations

from typing import Union

from .node import node

# 2.3.1 Number types, 2.3.2 Vector types
I32 = "i32"
I64 = "i64"
F32 = "f32"
F64 = "f64"
V128 = "v128"
NUMTYPES = (I32, I64, F32, F64)

# 2.3.4 Heap types: the abstract ones.  A concrete heap type is a type index (int).
ABSHEAPTYPES = (
    "func", "nofunc", "extern", "noextern", "exn", "noexn",
    "any", "eq", "i31", "struct", "array", "none",
)

HeapType = Union[str, int]


@node
class Exact:
    """custom-descriptors: the exact heap type ``(exact x)`` where a bare heap type
    stands (``ref.null``'s immediate); in a `RefType` it is ``exact=True``."""

    typeidx: int


@node
class RefType:
    """2.3.5 ``reftype ::= ref null? heaptype``; ``exact`` (custom-descriptors'
    exact heap type ``(exact x)``, docs/proposals.md) only with a type index."""

    nullable: bool
    heaptype: HeapType
    exact: bool = False


# Short-hands of the text format (6.4.4.1: ``funcref == (ref null func)`` etc.)
FUNCREF = RefType(True, "func")
EXTERNREF = RefType(True, "extern")
EXNREF = RefType(True, "exn")
ANYREF = RefType(True, "any")
EQREF = RefType(True, "eq")
I31REF = RefType(True, "i31")
STRUCTREF = RefType(True, "struct")
ARRAYREF = RefType(True, "array")
NULLREF = RefType(True, "none")
NULLFUNCREF = RefType(True, "nofunc")
NULLEXTERNREF = RefType(True, "noextern")
NULLEXNREF = RefType(True, "noexn")

# 2.3.6 Value types: a number type, the vector type, or a reference type.
ValType = Union[str, RefType]

# 2.3.7 Result types are tuples of value types.
ResultType = tuple

# 2.3.9 Composite types: packed and storage types
I8 = "i8"
I16 = "i16"
StorageType = Union[str, RefType]


@node
class FuncType:
    """2.3.9 ``functype ::= resulttype -> resulttype``."""

    params: ResultType = ()
    results: ResultType = ()


@node
class FieldType:
    """2.3.9 ``fieldtype ::= mut? storagetype``."""

    mut: bool
    storagetype: StorageType


@node
class StructType:
    """2.3.9 ``comptype ::= struct fieldtype*``."""

    fields: tuple = ()


@node
class ArrayType:
    """2.3.9 ``comptype ::= array fieldtype``."""

    field: FieldType


CompType = Union[FuncType, StructType, ArrayType]


@node
class SubType:
    """2.3.10 ``subtype ::= sub final? typeidx* comptype``.

    ``supertypes`` are type indices.  A plain ``(type (func ...))`` is a final
    subtype with no supertypes.
    """

    final: bool
    supertypes: tuple
    comptype: CompType
    # custom-descriptors (docs/proposals.md): ``(describes x)``, ``(descriptor y)``
    describes: int | None = None
    descriptor: int | None = None


@node
class RecType:
    """2.3.10 ``rectype ::= rec subtype*``.  The type section is a list of these;
    the module's type index space is their subtypes, flattened in order."""

    subtypes: tuple


def plain_functype(ft: FuncType) -> RecType:
    """The rec group a Wasm 2.0 ``(type (func ...))`` stands for."""
    return RecType((SubType(True, (), ft),))


# 2.3.11 Address types (memory64, table64)
AddrType = str  # "i32" or "i64"


@node
class Limits:
    """2.3.12 ``limits ::= {min u64, max u64?}``, with its address type (i32 or i64)
    and the threads proposal's ``shared`` flag (memories only)."""

    min: int
    max: int | None = None
    addrtype: AddrType = I32
    shared: bool = False


@node
class TagType:
    """2.3.13 ``tagtype ::= typeuse`` (the function type of its exception payload)."""

    typeidx: int


@node
class GlobalType:
    """2.3.14 ``globaltype ::= mut? valtype``."""

    mut: bool
    valtype: ValType


@node
class MemType:
    """2.3.15 ``memtype ::= addrtype limits`` (the address type lives in `Limits`),
    and the custom-page-sizes proposal's page size in bytes (1 or 65536)."""

    limits: Limits
    page_size: int = 65536


@node
class TableType:
    """2.3.16 ``tabletype ::= addrtype limits reftype``."""

    limits: Limits
    reftype: RefType


# 2.3.19 External types name what an import or export is:
# ("func", typeidx) ("table", TableType) ("memory", MemType) ("global", GlobalType) ("tag", TagType)
EXTERN_KINDS = ("func", "table", "memory", "global", "tag")
