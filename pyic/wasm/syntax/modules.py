"""Modules (spec 2.5), for all of Wasm 3.0.

A `Module` is the abstract syntax of one module: immutable, comparable with
``==``, and the same whichever format it was read from.  Two choices make that
hold:

* element segments always hold expressions (``(ref.func 3)`` rather than the
  binary format's bare function indices): the encoder picks the compact form
  when it can;
* the data count section is not part of the syntax: the encoder writes one
  when the code needs it.
"""

from __future__ import annotations

from typing import Union

from attrs import field

from .node import node
from .types import FuncType, GlobalType, MemType, RecType, RefType, TableType, TagType


@node
class Func:
    """2.5.7 ``func ::= {type typeidx, locals local*, body expr}``.

    ``locals`` are value types, one per local (parameters not included).
    """

    typeidx: int
    locals: tuple = ()
    body: tuple = ()


@node
class Table:
    """2.5.6 ``table ::= {type tabletype, init expr}``; ``init`` is ``None``
    when the table is initialised with null (the 2.0 form)."""

    type: TableType
    init: tuple | None = None


@node
class Mem:
    """2.5.5 ``mem ::= {type memtype}``."""

    type: MemType


@node
class Global:
    """2.5.4 ``global ::= {type globaltype, init expr}``."""

    type: GlobalType
    init: tuple


@node
class Tag:
    """2.5.3 ``tag ::= {type tagtype}``."""

    type: TagType


@node
class Active:
    """The active mode of an element or data segment: copied into table or
    memory ``index`` at the address ``offset`` (a constant expression) on
    instantiation."""

    index: int
    offset: tuple


PASSIVE = "passive"
DECLARATIVE = "declare"
SegmentMode = Union[Active, str]


@node
class Elem:
    """2.5.9 ``elem ::= {type reftype, init expr*, mode elemmode}``."""

    type: RefType
    init: tuple
    mode: SegmentMode


@node
class Data:
    """2.5.8 ``data ::= {init byte*, mode datamode}`` (never declarative)."""

    init: bytes
    mode: SegmentMode


@node
class Start:
    """2.5.10 ``start ::= {func funcidx}``."""

    func: int


@node
class Import:
    """2.5.11 ``import ::= {module name, name name, desc externtype}``.

    ``kind`` is one of ``"func" "table" "memory" "global" "tag"``; ``desc`` is
    the type index (func, tag: a `TagType`), or the `TableType`, `MemType`,
    `GlobalType`.
    """

    module: str
    name: str
    kind: str
    desc: object


@node
class Export:
    """2.5.12 ``export ::= {name name, desc externidx}``: ``kind`` as for imports,
    ``index`` into that kind's index space."""

    name: str
    kind: str
    index: int


@node
class Custom:
    """A custom section (5.5.3), kept as raw bytes.

    ``after`` is the id of the last non-custom section before it (0 when it
    precedes them all), so the encoder can put it back where it was.
    """

    name: str
    data: bytes
    after: int = 0


@node
class Names:
    """The name section (appendix A.7.1): debug names, decoded.

    ``module`` the module name or ``None``; ``funcs`` a tuple of (funcidx, name);
    ``locals`` a tuple of (funcidx, ((localidx, name), ...)); other subsections are
    kept as (id, bytes) in ``other``.
    """

    module: str | None = None
    funcs: tuple = ()
    locals: tuple = ()
    other: tuple = ()


@node
class BranchHint:
    """A branch hint (branch hinting proposal, WebAssembly/branch-hinting): function
    ``func``'s instruction number ``index`` (counting every instruction of its body,
    nested ones included, in `instructions.walk` order), a ``target`` (the op that
    follows the hint in the text, ``None`` if none does), is likely taken (``value``
    1) or not (0).  ``at`` says where the hint was written, for messages."""

    func: int
    target: str | None
    value: int
    at: object = None
    index: int = -1


@node
class Module:
    """2.5 ``module``: the fields in the spec's order."""

    types: tuple = ()        # RecType*
    imports: tuple = ()      # Import*
    funcs: tuple = ()        # Func*
    tables: tuple = ()       # Table*
    mems: tuple = ()         # Mem*
    globals: tuple = ()      # Global*
    tags: tuple = ()         # Tag*
    elems: tuple = ()        # Elem*
    datas: tuple = ()        # Data*
    start: Start | None = None
    exports: tuple = ()      # Export*
    customs: tuple = field(default=(), eq=False)  # Custom*: not part of the module's meaning
    names: Names | None = field(default=None, eq=False)
    hints: tuple = field(default=(), eq=False)   # BranchHint*, from the text format

    def deftypes(self) -> tuple:
        """The type index space: every `SubType` of every rec group, in order."""
        return tuple(st for rt in self.types for st in rt.subtypes)

    def imported(self, kind: str) -> tuple:
        """The imports of one kind, in order (they come first in its index space)."""
        return tuple(im for im in self.imports if im.kind == kind)


__all__ = [
    "Func", "Table", "Mem", "Global", "Tag", "Active", "PASSIVE", "DECLARATIVE",
    "Elem", "Data", "Start", "Import", "Export", "Custom", "Names", "BranchHint", "Module",
    "FuncType", "GlobalType", "MemType", "RecType", "TableType", "TagType",
]
