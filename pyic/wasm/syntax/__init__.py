"""Abstract syntax of WebAssembly (spec chapter 2): types, instructions, modules."""

from .instructions import BlockType, Catch, Expr, Instr, MemArg, bodies, walk  # noqa: F401
from .modules import (  # noqa: F401
    DECLARATIVE, PASSIVE, Active, Custom, Data, Elem, Export, Func, Global, Import, Mem,
    Module, Names, Start, Table, Tag,
)
from .types import (  # noqa: F401
    ABSHEAPTYPES, ANYREF, EQREF, EXNREF, EXTERNREF, F32, F64, FUNCREF, I8, I16, I31REF, I32,
    I64, NULLEXNREF, NULLEXTERNREF, NULLFUNCREF, NULLREF, STRUCTREF, ARRAYREF, V128,
    ArrayType, FieldType, FuncType, GlobalType, Limits, MemType, RecType, RefType, StructType,
    SubType, TableType, TagType, plain_functype,
)
