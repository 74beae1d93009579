"""Identifier contexts (spec 6.1.3 "Contexts", text/modules.rst "Indices").

A module's symbolic identifiers live in one `Space` per index space; a
function adds locals and a stack of labels.  Looking up an unbound identifier
or binding one twice raises `MalformedError` with the reference interpreter's
messages ("unknown function $f", "duplicate local $x", ...).

The context also holds the module's type definitions as far as they are
known, because implicit type uses (6.4.15 "Type Uses") must find an existing
function type or append a new one at the end of the type section.
"""

from __future__ import annotations

from ..syntax.types import FuncType, RecType, SubType


class Space:
    """One index space: names bound so far and how many entries it has."""

    __slots__ = ("category", "names", "count")

    def __init__(self, category: str) -> None:
        self.category = category      # as in the messages: "function", "data segment", ...
        self.names: dict[str, int] = {}
        self.count = 0

    def bind(self, name: str | None, reader, at: int) -> int:
        """Add one entry, optionally named; its index."""
        index = self.count
        if name is not None:
            if name in self.names:
                raise reader.error(f"duplicate {self.category} {format_id(name)}", at)
            self.names[name] = index
        self.count += 1
        return index

    def lookup(self, name: str, reader, at: int) -> int:
        index = self.names.get(name)
        if index is None:
            raise reader.error(f"unknown {self.category} {format_id(name)}", at)
        return index


def format_id(name: str) -> str:
    """An identifier as written: ``$name``, or ``$"..."`` when it needs quotes."""
    if name and all(c.isascii() and (c.isalnum() or c in "!#$%&'*+-./:<=>?@\\^_`|~")
                    for c in name):
        return "$" + name
    return '$"' + name.encode("unicode_escape").decode("ascii") + '"'


class ModuleContext:
    """The identifier context of one module (text/modules.rst), plus its types.

    ``version`` is the Wasm version whose text format is read: 3, or 2 for Wasm
    2.0's, which has 32-bit limits and memarg offsets and another message for
    lane indices out of range.
    """

    def __init__(self, version: int = 3) -> None:
        self.version = version
        self.types = Space("type")
        self.funcs = Space("function")
        self.tables = Space("table")
        self.mems = Space("memory")
        self.globals = Space("global")
        self.tags = Space("tag")
        self.elems = Space("elem segment")
        self.datas = Space("data segment")
        # field names of each type index (GC struct fields)
        self.fields: dict[int, dict[str, int]] = {}
        # the type section as built so far
        self.rectypes: list[RecType] = []
        self.deftypes: list[SubType] = []
        # first index of each plain function type (a final, supertype-less
        # singleton rec group): the candidates for implicit type uses
        self.plain_functypes: dict[FuncType, int] = {}

    def add_rectype(self, rt: RecType) -> None:
        first = len(self.deftypes)
        self.rectypes.append(rt)
        self.deftypes.extend(rt.subtypes)
        if len(rt.subtypes) == 1:
            st = rt.subtypes[0]
            if st.final and not st.supertypes and isinstance(st.comptype, FuncType):
                self.plain_functypes.setdefault(st.comptype, first)

    def implicit_typeuse(self, ft: FuncType) -> int:
        """6.4.15.1 type uses without ``(type x)``: the smallest index of an equal plain
        function type, else a new one appended to the type section."""
        index = self.plain_functypes.get(ft)
        if index is None:
            index = len(self.deftypes)
            self.types.count = max(self.types.count, index) + 1
            self.add_rectype(RecType((SubType(True, (), ft),)))
        return index

    def functype_of(self, index: int) -> FuncType | None:
        """The function type at ``index``, or None when there is none."""
        if 0 <= index < len(self.deftypes):
            ct = self.deftypes[index].comptype
            if isinstance(ct, FuncType):
                return ct
        return None


class Labels(list):
    """The label names in scope, innermost last; None for an anonymous label."""

    __slots__ = ()

    def lookup(self, name: str, reader, at: int) -> int:
        """The label index of ``name``: its depth counted from the innermost label."""
        for depth in range(len(self) - 1, -1, -1):
            if self[depth] == name:
                return len(self) - 1 - depth
        raise reader.error(f"unknown label {format_id(name)}", at)


class FuncContext:
    """Locals and labels of the function (or constant expression) being parsed."""

    __slots__ = ("locals", "labels", "hints", "hinted")

    def __init__(self) -> None:
        self.locals = Space("local")    # parameters, then locals
        self.labels = Labels()
        # branch hints (annotations): the token indices hints stand before, and
        # id(instruction) -> token index for the if/br_if instructions there
        self.hints: frozenset = frozenset()
        self.hinted: dict = {}
