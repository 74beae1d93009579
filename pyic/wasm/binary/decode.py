"""Decoding modules (spec 5.5, "Modules"): sections, then the module.

`decode_module` turns the bytes of a binary module into its abstract syntax
(`pyic.wasm.syntax.Module`), or raises `MalformedError` with the reference
interpreter's message and the byte offset of the problem.  See docs/binary.md
for the limits and the message policy.

``decode_module(data, version=2)`` reads the Wasm 2.0 binary format instead
(docs/binary.md, "Wasm 2.0"): the version travels on the `Reader`, and each
grammar rule that differs checks ``r.version``.
"""

from __future__ import annotations

import gc

from ...errors import MalformedError
from ..syntax.instructions import Instr
from ..syntax.modules import (
    DECLARATIVE, PASSIVE, Active, Custom, Data, Elem, Export, Func, Global, Import, Mem,
    Module, Start, Table, Tag,
)
from ..features import enabled
from ..syntax.types import FUNCREF, Exact, RefType
from . import types as T
from .instructions import ExprDecoder
from .names import decode_names
from .reader import (
    Reader, byte, expect, get_bytes, len32, name, string, u32, word32,
)

MAGIC = 0x6D736100  # "\0asm"
VERSION = 1

# 5.5.2 sections may come in this order only (custom sections anywhere): the
# data count section (12) precedes the code section, the tag section (13)
# follows the memory section.
SECTION_ORDER = (1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11)
SECTION_RANK = {sid: i for i, sid in enumerate(SECTION_ORDER)}

# Implementation limits (docs/binary.md): the most locals a function may
# declare (the JS API's limit), and all functions of a module together (so
# that a small input cannot expand into a huge syntax tree).  Above them
# decoding stops with "too many locals" before allocating anything.
MAX_LOCALS = 50_000
MAX_MODULE_LOCALS = 1_000_000

EXTERN_KINDS = ("func", "table", "memory", "global", "tag")

REF_FUNC = RefType(False, "func")  # 5.5.12 ``elemkind 0x00``: (ref func)


# ---------------------------------------------------------------- 5.5.5 import section

def externtype(r: Reader):
    kind = byte(r)
    if kind == 0x00:
        # 2.0 5.5.5: a plain u32 type index (3.0's typeuse caps it at 2^31)
        return "func", T.typeuse(r) if r.version >= 3 else u32(r)
    if kind == 0x01:
        return "table", T.tabletype(r)
    if kind == 0x02:
        return "memory", T.memtype(r)
    if kind == 0x03:
        return "global", T.globaltype(r)
    if kind == 0x04 and r.version >= 3:  # 2.0 has no tags
        return "tag", T.tagtype(r)
    if kind == 0x20 and r.version >= 3 and enabled("custom-descriptors"):
        return "func", Exact(T.typeuse(r))     # an exact function import
    raise r.error("malformed import kind", r.pos - 1)


def import_(r: Reader) -> Import:
    module = name(r)
    nm = name(r)
    kind, desc = externtype(r)
    return Import(module, nm, kind, desc)


# ---------------------------------------------------------------- 5.5.7 table section

def table(r: Reader, ed: ExprDecoder) -> Table:
    """``0x40 0x00 tabletype expr`` or a bare ``tabletype`` (initialised with null).

    Like the reference interpreter, a failure of the first form is reported as
    the second form's failure (0x40 is no reference type)."""
    start = r.pos
    if r.peek() == 0x40 and r.version >= 3:  # 2.0 5.5.7: a table is a bare tabletype
        try:
            r.pos += 1
            expect(r, 0x00, "zero byte expected")
            tt = T.tabletype(r)
            return Table(tt, ed.expr())
        except MalformedError:
            r.pos = start
    return Table(T.tabletype(r), None)


# ---------------------------------------------------------------- 5.5.10 export section

def export(r: Reader) -> Export:
    nm = name(r)
    kind = byte(r)
    if kind > 4 or (kind == 4 and r.version < 3):  # 4 is a tag (not in 2.0)
        raise r.error("malformed export kind", r.pos - 1)
    return Export(nm, EXTERN_KINDS[kind], u32(r))


# ---------------------------------------------------------------- 5.5.12 element section

def elemkind(r: Reader) -> RefType:
    if byte(r) != 0x00:
        raise r.error("malformed element kind", r.pos - 1)
    return REF_FUNC


def funcidx_exprs(r: Reader) -> tuple:
    """``vec(funcidx)``, each index made the expression ``(ref.func x)``."""
    return tuple([(Instr("ref.func", (u32(r),)),) for _ in range(len32(r))])


def exprs(r: Reader, ed: ExprDecoder) -> tuple:
    return tuple([ed.expr() for _ in range(len32(r))])


def elem(r: Reader, ed: ExprDecoder) -> Elem:
    start = r.pos
    flags = u32(r)
    if flags == 0:
        mode = Active(0, ed.expr())
        return Elem(REF_FUNC, funcidx_exprs(r), mode)
    if flags == 1:
        rt = elemkind(r)
        return Elem(rt, funcidx_exprs(r), PASSIVE)
    if flags == 2:
        x = u32(r)
        mode = Active(x, ed.expr())
        rt = elemkind(r)
        return Elem(rt, funcidx_exprs(r), mode)
    if flags == 3:
        rt = elemkind(r)
        return Elem(rt, funcidx_exprs(r), DECLARATIVE)
    if flags == 4:
        mode = Active(0, ed.expr())
        return Elem(FUNCREF, exprs(r, ed), mode)
    if flags == 5:
        rt = T.reftype(r)
        return Elem(rt, exprs(r, ed), PASSIVE)
    if flags == 6:
        x = u32(r)
        mode = Active(x, ed.expr())
        rt = T.reftype(r)
        return Elem(rt, exprs(r, ed), mode)
    if flags == 7:
        rt = T.reftype(r)
        return Elem(rt, exprs(r, ed), DECLARATIVE)
    # the reference interpreter points at the last byte of the flags
    raise r.error("malformed elements segment kind", max(start, r.pos - 1))


# ---------------------------------------------------------------- 5.5.13 code section

def locals_(r: Reader, budget: list) -> tuple:
    """``vec(locals)``, expanded to one value type per local; ``budget[0]`` is
    how many locals the module's other functions may still declare."""
    start = r.pos
    groups = [(u32(r), T.valtype(r)) for _ in range(len32(r))]
    total = sum(n for n, _ in groups)
    if total >= 1 << 32 or total > MAX_LOCALS or total > budget[0]:
        raise r.error("too many locals", start)
    budget[0] -= total
    out: list = []
    for n, t in groups:
        out.extend([t] * n)
    return tuple(out)


def code(r: Reader, ed: ExprDecoder, budget: list) -> tuple:
    """``code ::= size:u32 func``, the size checked after decoding, as the reference does."""
    size = len32(r)
    start = r.pos
    ls = locals_(r, budget)
    body = ed.expr()
    if r.pos != start + size:
        raise r.error("section size mismatch", start)
    return ls, body


# ---------------------------------------------------------------- 5.5.14 data section

def data(r: Reader, ed: ExprDecoder) -> Data:
    start = r.pos
    flags = u32(r)
    if flags == 0:
        mode = Active(0, ed.expr())
        return Data(string(r), mode)
    if flags == 1:
        return Data(string(r), PASSIVE)
    if flags == 2:
        x = u32(r)
        mode = Active(x, ed.expr())
        return Data(string(r), mode)
    raise r.error("malformed data segment kind", max(start, r.pos - 1))


# ---------------------------------------------------------------- 5.5.17 modules

class _Sections:
    """What the sections of one module hold, as they are read."""

    def __init__(self) -> None:
        self.types: list = []
        self.imports: list = []
        self.typeidxs: list = []
        self.tables: list = []
        self.mems: list = []
        self.tags: list = []
        self.globals: list = []
        self.exports: list = []
        self.start: Start | None = None
        self.elems: list = []
        self.datacount: int | None = None
        self.codes: list = []
        self.datas: list = []
        self.customs: list = []
        self.code_uses_data = False


def section(r: Reader, ed: ExprDecoder, sid: int, s: _Sections) -> None:
    """The contents of non-custom section ``sid`` (5.5.4 - 5.5.16)."""
    if sid == 1:
        s.types = [T.rectype(r) for _ in range(len32(r))]
    elif sid == 2:
        s.imports = [import_(r) for _ in range(len32(r))]
    elif sid == 3:
        s.typeidxs = [u32(r) for _ in range(len32(r))]
    elif sid == 4:
        s.tables = [table(r, ed) for _ in range(len32(r))]
    elif sid == 5:
        s.mems = [Mem(T.memtype(r)) for _ in range(len32(r))]
    elif sid == 13:
        s.tags = [Tag(T.tagtype(r)) for _ in range(len32(r))]
    elif sid == 6:
        s.globals = [Global(T.globaltype(r), ed.expr()) for _ in range(len32(r))]
    elif sid == 7:
        s.exports = [export(r) for _ in range(len32(r))]
    elif sid == 8:
        s.start = Start(u32(r))
    elif sid == 9:
        s.elems = [elem(r, ed) for _ in range(len32(r))]
    elif sid == 12:
        s.datacount = u32(r)
    elif sid == 10:
        ed.uses_data = False
        budget = [MAX_MODULE_LOCALS]
        s.codes = [code(r, ed, budget) for _ in range(len32(r))]
        s.code_uses_data = ed.uses_data
    elif sid == 11:
        s.datas = [data(r, ed) for _ in range(len32(r))]


def custom(r: Reader, size: int, after: int) -> Custom:
    """5.5.3 ``custom ::= name byte*``: the bytes are what the size leaves after the name."""
    start = r.pos
    nm = name(r)
    return Custom(nm, get_bytes(r, size - (r.pos - start)), after)


def decode_module(data: bytes, version: int = 3) -> Module:
    """5.5.17 ``module``: the magic, the version, then the sections in order.

    ``version`` 3 (the default) reads the Wasm 3.0 binary format, 2 the Wasm
    2.0 one (same syntax tree; docs/binary.md lists the differences)."""
    if version not in (2, 3):
        raise ValueError(f"unsupported Wasm version {version}")
    # The syntax tree is acyclic, so the cyclic garbage collector has nothing to
    # find in it; left on, it re-scans the growing tree many times (a fifth of the
    # decoding time of a 1 MB module).  Paused only if it was on, and always resumed.
    if not gc.isenabled():
        return _decode(data, version)
    gc.disable()
    try:
        return _decode(data, version)
    finally:
        gc.enable()


def _decode(data: bytes, version: int) -> Module:
    r = Reader(data, version)
    if word32(r) != MAGIC:
        raise r.error("magic header not detected", 0)
    if word32(r) != VERSION:
        raise r.error("unknown binary version", 4)
    ed = ExprDecoder(r)
    s = _Sections()
    next_rank = 0
    last_id = 0
    raw = r.data
    max_id = 13 if version >= 3 else 12  # 2.0 5.5.2: no tag section
    while r.pos < r.end:
        start = r.pos
        sid = raw[start]
        if sid > max_id:
            raise r.error("malformed section id", start)
        r.pos += 1
        size = len32(r)
        body = r.pos
        if sid == 0:
            s.customs.append(custom(r, size, last_id))
            continue
        rank = SECTION_RANK[sid]
        if rank < next_rank:  # out of order, or a second section of one kind
            raise r.error("unexpected content after last section", start)
        next_rank = rank + 1
        last_id = sid
        section(r, ed, sid, s)
        if r.pos != body + size:
            raise r.error("section size mismatch", body)
    if len(s.typeidxs) != len(s.codes):
        raise r.error("function and code section have inconsistent lengths", r.end)
    if s.datacount is not None and s.datacount != len(s.datas):
        raise r.error("data count and data section have inconsistent lengths", r.end)
    if s.datacount is None and s.code_uses_data:
        raise r.error("data count section required", r.end)
    funcs = tuple(Func(x, ls, body) for x, (ls, body) in zip(s.typeidxs, s.codes))
    names = None
    for c in s.customs:
        if c.name == "name":
            names = decode_names(
                c.data
            )  # None when malformed: then it stays a plain custom section
            break
    return Module(
        types=tuple(s.types), imports=tuple(s.imports), funcs=funcs,
        tables=tuple(s.tables), mems=tuple(s.mems), globals=tuple(s.globals),
        tags=tuple(s.tags), elems=tuple(s.elems), datas=tuple(s.datas), start=s.start,
        exports=tuple(s.exports), customs=tuple(s.customs), names=names,
    )
