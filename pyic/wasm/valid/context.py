"""The validation context C (spec 3.1.6, "Contexts").

C records the types of everything an instruction can refer to by index.
Every lookup checks its index and raises the test suite's "unknown ..."
message (with the index, as the reference interpreter does).
"""

from __future__ import annotations

from ...errors import InvalidError
from .types import TypeSpace


def lookup(kind: str, items: list, x: object):
    if type(x) is not int or not 0 <= x < len(items):
        raise InvalidError(f"unknown {kind} {x}")
    return items[x]


class Context:
    """C: types, funcs, tables, mems, globals, tags, elems, datas, refs.

    ``version`` selects the few rules where Wasm 2.0 and 3.0 differ (see
    docs/validation.md): 2 forbids several memories, lets constant expressions
    read imported globals only, and words the immutable-global error as 2.0 did.
    """

    def __init__(self, version: int = 3) -> None:
        self.version = version
        self.types = TypeSpace()
        self.funcs: list = []        # type index of every function
        self.func_types: list = []   # its FuncType
        self.tables: list = []       # TableType
        self.mems: list = []         # MemType
        self.globals: list = []      # GlobalType
        self.tags: list = []         # FuncType of every tag
        self.elems: list = []        # RefType of every element segment
        self.datas: int = 0          # data segments are untyped: only their count matters
        self.refs: frozenset = frozenset()  # C.refs: function indices declared for ref.func
        # custom-descriptors: the functions imported inexactly (ref.func gives no exact type)
        self.inexact_funcs: set = set()

    # 3.1.6: the lookups C.funcs[x] etc.
    def func(self, x: object):
        return lookup("function", self.func_types, x)

    def table(self, x: object):
        return lookup("table", self.tables, x)

    def mem(self, x: object):
        return lookup("memory", self.mems, x)

    def global_(self, x: object):
        return lookup("global", self.globals, x)

    def tag(self, x: object):
        return lookup("tag", self.tags, x)

    def elem(self, x: object):
        return lookup("elem segment", self.elems, x)

    def data(self, x: object) -> None:
        if type(x) is not int or not 0 <= x < self.datas:
            raise InvalidError(f"unknown data segment {x}")

    def immutable_global_message(self) -> str:
        return "global is immutable" if self.version < 3 else "immutable global"
