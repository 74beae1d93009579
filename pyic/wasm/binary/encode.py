"""Encoding modules into the binary format (spec chapter 5, the other way round).

`encode_module(module) -> bytes` writes minimal LEB128s and picks, where the
binary format has a choice, the form the decoder maps back to the same
abstract syntax, so that ``decode_module(encode_module(m)) == m``:

* element segments use the compact form (flags 0-3, bare function indices)
  exactly when their type is ``(ref func)`` and every entry is one
  ``ref.func`` -- in Wasm 3.0 that form *means* ``(ref func)``; a ``funcref``
  segment uses the expression forms (flags 4-7);
* a data count section is written when some function body refers to a data
  segment (``memory.init``, ``data.drop``, ``array.new_data``,
  ``array.init_data``), as the decoder requires it then, and only then;
* custom sections go back after the section recorded in their ``after``; the
  name section is re-encoded from ``module.names`` when that is present and
  its bytes say something else (else they are kept as they are).

Structured instructions are written with an explicit work stack, so deep
nesting does not use the host stack.
"""

from __future__ import annotations

import leb128 as _leb128

from ...errors import MalformedError
from ..syntax.instructions import Instr
from ..syntax.modules import DECLARATIVE, PASSIVE, Active, Custom, Module, Names
from ..syntax.opcodes import ALL_OPCODES, BINARY_ORDER, VARIANTS
from ..syntax.types import (
    FUNCREF, ArrayType, Exact, FieldType, FuncType, Limits, RecType, RefType, StructType,
    SubType,
)
from .decode import MAGIC, SECTION_ORDER, VERSION
from .instructions import DATA_OPS
from .names import decode_names
from .types import ABSHEAP_BY_NAME

REF_FUNC = RefType(False, "func")

_VALTYPE_BYTES = {"i32": b"\x7f", "i64": b"\x7e", "f32": b"\x7d", "f64": b"\x7c", "v128": b"\x7b",
                  "i8": b"\x78", "i16": b"\x77"}
_EXTERN_KIND = {"func": 0, "table": 1, "memory": 2, "global": 3, "tag": 4}
_CATCH_KIND = {"catch": 0, "catch_ref": 1, "catch_all": 2, "catch_all_ref": 3}


def _fail(message: str) -> MalformedError:
    return MalformedError(f"cannot encode: {message}")


# ---------------------------------------------------------------- 5.2 values

def u(x: int, bits: int = 32) -> bytes:
    """Unsigned LEB128, minimal (the ``leb128`` package's encoder)."""
    if not 0 <= x < (1 << bits):
        raise _fail(f"{x} is no u{bits}")
    if x < 0x80:  # the common case, without the library call
        return bytes((x,))
    return bytes(_leb128.u.encode(x))


def s(x: int, bits: int) -> bytes:
    """Signed LEB128, minimal (the ``leb128`` package's encoder)."""
    if not -(1 << (bits - 1)) <= x < (1 << (bits - 1)):
        raise _fail(f"{x} is no s{bits}")
    return bytes(_leb128.i.encode(x))


def signed(x: int, bits: int) -> int:
    """An N-bit pattern (unsigned int, as the syntax keeps constants) read as signed."""
    x &= (1 << bits) - 1
    return x - (1 << bits) if x >> (bits - 1) else x


def vec(items: list) -> bytes:
    """``vec(B)`` of already encoded elements."""
    return u(len(items)) + b"".join(items)


def name(text: str) -> bytes:
    raw = text.encode("utf-8", "surrogatepass")
    return u(len(raw)) + raw


# ---------------------------------------------------------------- 5.3 types

def heaptype(ht, exact: bool = False) -> bytes:
    if isinstance(ht, Exact):       # custom-descriptors: 0x62 x
        return b"\x62" + u(ht.typeidx)
    if exact:
        return b"\x62" + u(ht)
    if isinstance(ht, int):
        return s(ht, 33)
    code = ABSHEAP_BY_NAME.get(ht)
    if code is None:
        raise _fail(f"unknown heap type {ht!r}")
    return bytes((code & 0x7F,))


def reftype(rt: RefType) -> bytes:
    if rt.nullable and isinstance(rt.heaptype, str):
        return heaptype(rt.heaptype)  # the short form
    return (b"\x63" if rt.nullable else b"\x64") + heaptype(rt.heaptype, rt.exact)


def valtype(t) -> bytes:
    if isinstance(t, RefType):
        return reftype(t)
    b = _VALTYPE_BYTES.get(t)
    if b is None:
        raise _fail(f"unknown value type {t!r}")
    return b


def resulttype(ts: tuple) -> bytes:
    return vec([valtype(t) for t in ts])


def fieldtype(ft: FieldType) -> bytes:
    return valtype(ft.storagetype) + (b"\x01" if ft.mut else b"\x00")


def comptype(ct) -> bytes:
    if isinstance(ct, FuncType):
        return b"\x60" + resulttype(ct.params) + resulttype(ct.results)
    if isinstance(ct, StructType):
        return b"\x5f" + vec([fieldtype(f) for f in ct.fields])
    if isinstance(ct, ArrayType):
        return b"\x5e" + fieldtype(ct.field)
    raise _fail(f"unknown composite type {ct!r}")


def subtype(st: SubType) -> bytes:
    ct = comptype(st.comptype)
    # custom-descriptors: (describes x) 0x4C x, (descriptor y) 0x4D y before the comptype
    if st.descriptor is not None:
        ct = b"\x4d" + u(st.descriptor) + ct
    if st.describes is not None:
        ct = b"\x4c" + u(st.describes) + ct
    if st.final and not st.supertypes:
        return ct
    return (b"\x4f" if st.final else b"\x50") + vec([u(x) for x in st.supertypes]) + ct


def rectype(rt: RecType) -> bytes:
    if len(rt.subtypes) == 1:
        return subtype(rt.subtypes[0])
    return b"\x4e" + vec([subtype(st) for st in rt.subtypes])


def limits(lim: Limits, page_size: int = 65536) -> bytes:
    """5.3.9 limits; ``shared`` (threads) and a page size other than 64 KiB
    (custom-page-sizes) in flag bits 1 and 3 (docs/proposals.md)."""
    flags = ((1 if lim.max is not None else 0) | (2 if lim.shared else 0)
             | (4 if lim.addrtype == "i64" else 0) | (8 if page_size != 65536 else 0))
    out = bytes((flags,)) + u(lim.min, 64)
    if lim.max is not None:
        out += u(lim.max, 64)
    if page_size != 65536:
        if page_size <= 0 or page_size & (page_size - 1):
            raise _fail(f"page size {page_size}")
        out += u(page_size.bit_length() - 1)
    return out


def memtype(mt) -> bytes:
    return limits(mt.limits, mt.page_size)


def tabletype(tt) -> bytes:
    return reftype(tt.reftype) + limits(tt.limits)


def globaltype(gt) -> bytes:
    return valtype(gt.valtype) + (b"\x01" if gt.mut else b"\x00")


def tagtype(tt) -> bytes:
    return b"\x00" + u(tt.typeidx)


def blocktype(bt) -> bytes:
    if bt is None:
        return b"\x40"
    if isinstance(bt, int):
        return s(bt, 33)
    return valtype(bt)


# ---------------------------------------------------------------- 5.4 instructions

_INDEX_KINDS = frozenset((
    "labelidx", "funcidx", "typeidx", "localidx", "globalidx", "tableidx", "memidx",
    "elemidx", "dataidx", "tagidx", "fieldidx", "u32",
))


def _opcode_bytes(code) -> bytes:
    if isinstance(code, tuple):
        return bytes((code[0],)) + u(code[1])
    return bytes((code,))


# op name -> (opcode bytes, immediate kinds in binary order, permutation or None)
_ENC: dict = {}
for _info in ALL_OPCODES.values():
    _order = BINARY_ORDER.get(_info.name)
    _kinds = tuple(_info.imms[i] for i in _order) if _order else _info.imms
    _ENC[_info.name] = (_opcode_bytes(_info.code), _kinds, _order)
# threads: ``atomic.fence`` is followed by a zero byte (its memory-order flags)
_ENC["atomic.fence"] = (_ENC["atomic.fence"][0] + b"\x00", (), None)
_VARIANT_BYTES = {n: _opcode_bytes(c) for n, c in VARIANTS.items()}


def memarg(ma) -> bytes:
    if not 0 <= ma.align < 0x40:
        raise _fail(f"alignment exponent {ma.align}")
    if ma.memidx:
        return u(ma.align | 0x40) + u(ma.memidx) + u(ma.offset, 64)
    return u(ma.align) + u(ma.offset, 64)


def catch(c) -> bytes:
    k = _CATCH_KIND.get(c.kind)
    if k is None:
        raise _fail(f"unknown catch clause {c.kind!r}")
    if k < 2:
        return bytes((k,)) + u(c.tagidx) + u(c.labelidx)
    return bytes((k,)) + u(c.labelidx)


def immediate(kind: str, x) -> bytes:
    if kind in _INDEX_KINDS:
        return u(x)
    if kind == "memarg":
        return memarg(x)
    if kind == "i32":
        return s(signed(x, 32), 32)
    if kind == "i64":
        return s(signed(x, 64), 64)
    if kind == "f32":
        return (x & 0xFFFFFFFF).to_bytes(4, "little")
    if kind == "f64":
        return (x & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little")
    if kind == "v128":
        return (x & ((1 << 128) - 1)).to_bytes(16, "little")
    if kind == "laneidx":
        if not 0 <= x < 256:
            raise _fail(f"lane index {x}")
        return bytes((x,))
    if kind == "shuffle":
        if len(x) != 16 or not all(0 <= lane < 256 for lane in x):
            raise _fail(f"shuffle lanes {x!r}")
        return bytes(x)
    if kind == "labelvec":
        return vec([u(lab) for lab in x])
    if kind == "heaptype":
        return heaptype(x)
    if kind == "blocktype":
        return blocktype(x)
    if kind == "catches":
        return vec([catch(c) for c in x])
    raise _fail(f"unknown immediate kind {kind!r}")


def instr(i: Instr) -> bytes:
    """One non-structured instruction."""
    op = i.op
    imm = i.imm
    entry = _ENC.get(op)
    if entry is None:
        raise _fail(f"unknown instruction {op!r}")
    code, kinds, order = entry
    if not imm:
        if kinds:
            raise _fail(f"{op} lacks immediates")
        return code
    if op == "select":  # typed select, 0x1C
        return _VARIANT_BYTES["select"] + resulttype(imm[0])
    if op == "ref.test" or op == "ref.cast" or op == "ref.cast_desc_eq":
        rt = imm[0]
        return (_VARIANT_BYTES[op] if rt.nullable else code) + heaptype(rt.heaptype, rt.exact)
    if op in ("br_on_cast", "br_on_cast_fail", "br_on_cast_desc_eq", "br_on_cast_desc_eq_fail"):
        label, rt1, rt2 = imm
        flags = (1 if rt1.nullable else 0) | (2 if rt2.nullable else 0)
        return (code + bytes((flags,)) + u(label) + heaptype(rt1.heaptype, rt1.exact)
                + heaptype(rt2.heaptype, rt2.exact))
    if len(imm) != len(kinds):
        raise _fail(f"{op} takes {len(kinds)} immediates")
    if order is not None:
        imm = tuple(imm[j] for j in order)
    if len(kinds) == 1:
        return code + immediate(kinds[0], imm[0])
    return code + b"".join(immediate(k, x) for k, x in zip(kinds, imm))


class _Uses:
    __slots__ = ("data",)

    def __init__(self) -> None:
        self.data = False


def expr(body: tuple, uses: _Uses | None = None, marks: dict | None = None) -> bytes:
    """5.4.10 ``expr``: the instructions and the final ``end`` (0x0B).  With ``marks``
    (instruction number in `walk` order -> None), each is set to the offset in the
    bytes where that instruction starts (for branch hints)."""
    out = bytearray()
    n = 0
    # work items: an iterator over instructions, or bytes to write when reached
    work: list = [b"\x0b", iter(body)]
    cache: dict = {}
    while work:
        item = work[-1]
        if isinstance(item, bytes):
            out += item
            work.pop()
            continue
        for i in item:
            op = i.op
            if marks is not None:
                if n in marks:
                    marks[n] = len(out)
                n += 1
            if op == "block" or op == "loop":
                out += _ENC[op][0] + blocktype(i.imm[0])
                work.append(b"\x0b")
                work.append(iter(i.imm[1]))
                break
            if op == "if":
                bt, then, else_ = i.imm
                out += b"\x04" + blocktype(bt)
                work.append(b"\x0b")
                if else_:
                    work.append(iter(else_))
                    work.append(b"\x05")
                work.append(iter(then))
                break
            if op == "try_table":
                bt, catches, inner = i.imm
                out += b"\x1f" + blocktype(bt) + vec([catch(c) for c in catches])
                work.append(b"\x0b")
                work.append(iter(inner))
                break
            if op == "try":
                # legacy exception handling: try bt body (catch x | catch_all) ... end,
                # or try bt body delegate l
                bt, inner, catches, delegate = i.imm
                out += b"\x06" + blocktype(bt)
                work.append(b"\x18" + u(delegate) if delegate is not None else b"\x0b")
                for c in reversed(catches):
                    work.append(iter(c.body))
                    work.append(b"\x19" if c.tagidx is None else b"\x07" + u(c.tagidx))
                work.append(iter(inner))
                break
            enc = cache.get(i)
            if enc is None:
                enc = cache[i] = instr(i)
                if uses is not None and op in DATA_OPS:
                    uses.data = True
            out += enc
        else:
            work.pop()
    return bytes(out)


# ---------------------------------------------------------------- 5.5 modules

def section(sid: int, content: bytes) -> bytes:
    return bytes((sid,)) + u(len(content)) + content


def import_(im) -> bytes:
    k = _EXTERN_KIND.get(im.kind)
    if k is None:
        raise _fail(f"unknown import kind {im.kind!r}")
    head = name(im.module) + name(im.name) + bytes((k,))
    if im.kind == "func":
        if isinstance(im.desc, Exact):  # custom-descriptors: an exact import, kind 0x20
            return name(im.module) + name(im.name) + b"\x20" + u(im.desc.typeidx)
        return head + u(im.desc)
    if im.kind == "table":
        return head + tabletype(im.desc)
    if im.kind == "memory":
        return head + memtype(im.desc)
    if im.kind == "global":
        return head + globaltype(im.desc)
    return head + tagtype(im.desc)


def table(t) -> bytes:
    if t.init is None:
        return tabletype(t.type)
    return b"\x40\x00" + tabletype(t.type) + expr(t.init)


def export(ex) -> bytes:
    k = _EXTERN_KIND.get(ex.kind)
    if k is None:
        raise _fail(f"unknown export kind {ex.kind!r}")
    return name(ex.name) + bytes((k,)) + u(ex.index)


def _funcidx(e: tuple):
    """The index of an element expression that is exactly ``(ref.func x)``, else None."""
    if len(e) == 1 and e[0].op == "ref.func":
        return e[0].imm[0]
    return None


def elem(e) -> bytes:
    mode = e.mode
    idxs = [_funcidx(x) for x in e.init]
    if e.type == REF_FUNC and None not in idxs:
        items = vec([u(x) for x in idxs])
        if mode == PASSIVE:
            return b"\x01\x00" + items
        if mode == DECLARATIVE:
            return b"\x03\x00" + items
        if mode.index == 0:
            return b"\x00" + expr(mode.offset) + items
        return b"\x02" + u(mode.index) + expr(mode.offset) + b"\x00" + items
    items = vec([expr(x) for x in e.init])
    if mode == PASSIVE:
        return b"\x05" + reftype(e.type) + items
    if mode == DECLARATIVE:
        return b"\x07" + reftype(e.type) + items
    if mode.index == 0 and e.type == FUNCREF:
        return b"\x04" + expr(mode.offset) + items
    return b"\x06" + u(mode.index) + expr(mode.offset) + reftype(e.type) + items


def locals_(ts: tuple) -> bytes:
    """Runs of equal local types, ``vec(n:u32 t:valtype)``."""
    groups: list = []
    for t in ts:
        if groups and groups[-1][1] == t:
            groups[-1][0] += 1
        else:
            groups.append([1, t])
    return vec([u(n) + valtype(t) for n, t in groups])


def code(f, uses: _Uses, marks: dict | None = None) -> bytes:
    """5.5.13 a code entry; ``marks`` as for `expr`, offsets from the locals' start."""
    head = locals_(f.locals)
    body = head + expr(f.body, uses, marks)
    if marks:
        for k, at in marks.items():
            marks[k] = None if at is None else at + len(head)
    return u(len(body)) + body


BRANCH_HINT_SECTION = "metadata.code.branch_hint"


def branch_hint_section(m: Module, offsets: dict) -> bytes:
    """The branch hinting proposal's custom section: per function (increasing index)
    its hints (increasing offset): ``offset:u32 1:u32 value:u32``.  ``offsets``:
    funcidx -> {instruction number: offset}."""
    by_func: dict = {}
    for h in m.hints:
        at = offsets.get(h.func, {}).get(h.index)
        if at is None:
            raise _fail(f"branch hint of function {h.func} at no instruction")
        by_func.setdefault(h.func, []).append((at, h.value))
    return vec([u(x) + vec([u(at) + b"\x01" + u(v) for at, v in sorted(hints)])
                for x, hints in sorted(by_func.items())])


def data(d) -> bytes:
    init = bytes(d.init)
    raw = u(len(init)) + init
    mode = d.mode
    if mode == PASSIVE:
        return b"\x01" + raw
    if not isinstance(mode, Active):
        raise _fail(f"data segment mode {mode!r}")
    if mode.index == 0:
        return b"\x00" + expr(mode.offset) + raw
    return b"\x02" + u(mode.index) + expr(mode.offset) + raw


def names_section(n: Names) -> bytes:
    """Appendix A.7.1: the contents of a name section."""
    subs: list = []
    if n.module is not None:
        subs.append((0, name(n.module)))
    if n.funcs:
        subs.append((1, vec([u(x) + name(nm) for x, nm in n.funcs])))
    if n.locals:
        subs.append((2, vec([u(x) + vec([u(y) + name(nm) for y, nm in m]) for x, m in n.locals])))
    subs.extend(n.other)
    subs.sort(key=lambda p: p[0])
    return b"".join(bytes((sid,)) + u(len(c)) + bytes(c) for sid, c in subs)


def custom(c: Custom) -> bytes:
    return section(0, name(c.name) + bytes(c.data))


def encode_module(module: Module) -> bytes:
    """5.5.17 the binary format of ``module``."""
    m = module
    uses = _Uses()
    sections: dict = {}
    if m.types:
        sections[1] = vec([rectype(rt) for rt in m.types])
    if m.imports:
        sections[2] = vec([import_(im) for im in m.imports])
    if m.funcs:
        sections[3] = vec([u(f.typeidx) for f in m.funcs])
    if m.tables:
        sections[4] = vec([table(t) for t in m.tables])
    if m.mems:
        sections[5] = vec([memtype(mem.type) for mem in m.mems])
    if m.tags:
        sections[13] = vec([tagtype(t.type) for t in m.tags])
    if m.globals:
        sections[6] = vec([globaltype(g.type) + expr(g.init) for g in m.globals])
    if m.exports:
        sections[7] = vec([export(ex) for ex in m.exports])
    if m.start is not None:
        sections[8] = u(m.start.func)
    if m.elems:
        sections[9] = vec([elem(e) for e in m.elems])
    if m.funcs:
        nimported = sum(1 for im in m.imports if im.kind == "func")
        wanted: dict = {}
        for h in m.hints:
            wanted.setdefault(h.func - nimported, {})[h.index] = None
        sections[10] = vec([code(f, uses, wanted.get(k)) for k, f in enumerate(m.funcs)])
    if uses.data:
        sections[12] = u(len(m.datas))
    if m.datas:
        sections[11] = vec([data(d) for d in m.datas])

    customs = list(m.customs)
    if m.hints:
        # branch hints from the text format: their section goes before the code section
        hint_bytes = branch_hint_section(m, {k + nimported: v for k, v in wanted.items()})
        for j, c in enumerate(customs):
            if c.name == BRANCH_HINT_SECTION:
                customs[j] = Custom(BRANCH_HINT_SECTION, hint_bytes, c.after)
                break
        else:
            customs.append(Custom(BRANCH_HINT_SECTION, hint_bytes, 12))
    name_bytes = names_section(m.names) if m.names is not None else None
    if name_bytes is not None:
        for j, c in enumerate(customs):
            if c.name == "name":
                if decode_names(bytes(c.data)) != m.names:
                    # the section's own bytes stand while they say what m.names says
                    # (they may differ in encoding, e.g. padded LEB128 sizes)
                    customs[j] = Custom("name", name_bytes, c.after)
                break
        else:
            customs.append(Custom("name", name_bytes, SECTION_ORDER[-1]))
    slots = {sid: [] for sid in SECTION_ORDER}
    first: list = []
    last: list = []
    for c in customs:
        if c.after == 0:
            first.append(c)
        elif c.after in slots:
            slots[c.after].append(c)
        else:
            last.append(c)

    out = bytearray(MAGIC.to_bytes(4, "little") + VERSION.to_bytes(4, "little"))
    for c in first:
        out += custom(c)
    for sid in SECTION_ORDER:
        content = sections.get(sid)
        if content is not None:
            out += section(sid, content)
        for c in slots[sid]:
            out += custom(c)
    for c in last:
        out += custom(c)
    return bytes(out)
