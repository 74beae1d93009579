"""The text format printer: a `Module` as WAT (spec chapter 6, read backwards).

`print_module` writes any module of the abstract syntax so that the text
parser reads it back to an equal module.  Choices that make that hold:

* every use of a function type is an explicit ``(type N)``, so parsing never
  appends an implicitly defined type (6.4.15, "type uses");
* indices are numeric everywhere, except functions with a debug name (name
  section) no other function shares: those print as ``$name`` (``$"name"``
  when it is no plain identifier); a name several functions share prints as
  ``(@name "name")`` (the annotations proposal, docs/proposals.md);
* custom sections print as ``(@custom "name" (after S) "bytes")``, so that
  ``wat2wasm`` writes them back byte for byte where they were; the name
  section prints so only when the names above would not give back its exact
  bytes (a non-minimal LEB128 size, local names, other subsections);
* floats print exactly, as hexadecimal floats, ``inf`` or ``nan:0xPAYLOAD``;
* instructions print flat (``block`` ... ``end``), indented by nesting depth,
  from an explicit work stack, so a deeply nested body never recurses on the
  host stack;
* constant expressions (offsets, initialisers, element items) print each
  plain instruction in parentheses, e.g. ``(offset (i32.const 0))``.

Definitions carry their index in a block comment, ``(func (;3;) ...)``.
The output is pure ASCII: other characters of names print as ``\\hh`` escapes
of their UTF-8 bytes.
"""

from __future__ import annotations

from ...errors import MalformedError
from ..syntax.instructions import Catch, Instr, MemArg
from ..syntax.modules import DECLARATIVE, PASSIVE, Active, Module
from ..syntax.opcodes import ALL_OPCODES, natural_alignment
from ..syntax.types import (
    ArrayType, Exact, FieldType, FuncType, GlobalType, Limits, MemType, RecType, RefType,
    StructType, SubType, TableType, TagType,
)

INDENT = "  "
# Indentation stops growing here: very deep nesting would otherwise make the
# output quadratic in size.  Flat instructions do not depend on it.
MAX_INDENT_DEPTH = 40

# 6.4.4.1 reference type abbreviations: ``funcref == (ref null func)`` etc.
_REFTYPE_SHORTHANDS = {
    "func": "funcref", "extern": "externref", "exn": "exnref", "any": "anyref",
    "eq": "eqref", "i31": "i31ref", "struct": "structref", "array": "arrayref",
    "none": "nullref", "nofunc": "nullfuncref", "noextern": "nullexternref",
    "noexn": "nullexnref",
}
_ABSHEAPTYPES = frozenset(_REFTYPE_SHORTHANDS)
_VALTYPES = frozenset(("i32", "i64", "f32", "f64", "v128"))
_PACKED = frozenset(("i8", "i16"))

# 6.3.5 idchar: printable ASCII other than space, quotes, comma, semicolon, brackets.
_IDCHARS = frozenset(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "!#$%&'*+-./:<=>?@\\^_`|~"
)

# 6.3.3 strings: one text form per byte.
_STRING_BYTE = tuple(
    "\\\"" if b == 0x22 else "\\\\" if b == 0x5C else
    chr(b) if 0x20 <= b < 0x7F else f"\\{b:02x}"
    for b in range(256)
)

_CATCH_KINDS = ("catch", "catch_ref", "catch_all", "catch_all_ref")


def _bad(what: str) -> MalformedError:
    """A value the abstract syntax does not allow (a hand-built module's slip)."""
    return MalformedError(f"cannot print {what}")


# ---------------------------------------------------------------- values (6.3)

def string_text(data: bytes) -> str:
    """6.3.3 a string literal denoting exactly ``data``."""
    table = _STRING_BYTE
    return '"' + "".join([table[b] for b in data]) + '"'


def name_text(name: str) -> str:
    """6.3.4 a name: the string of its UTF-8 encoding."""
    if not isinstance(name, str):
        raise _bad(f"name {name!r}")
    try:
        return string_text(name.encode("utf-8"))
    except UnicodeEncodeError:
        raise _bad(f"name {name!r}: not encodable as UTF-8") from None


def is_idname(name: object) -> bool:
    """Whether ``$name`` is a plain identifier (6.3.5)."""
    return isinstance(name, str) and name != "" and all(c in _IDCHARS for c in name)


def signed_text(value: int, bits: int) -> str:
    """An integer constant in its signed reading (both readings denote the same bits)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise _bad(f"i{bits} constant {value!r}")
    if value >= 1 << (bits - 1):
        value -= 1 << bits
    return str(value)


def float_text(bits: int, exp_bits: int, mant_bits: int) -> str:
    """6.3.2 a float with bit pattern ``bits``, exactly: a hexadecimal float,
    ``inf``, ``nan`` (the canonical NaN) or ``nan:0xPAYLOAD``."""
    width = 1 + exp_bits + mant_bits
    if not isinstance(bits, int) or isinstance(bits, bool) or not 0 <= bits < 1 << width:
        raise _bad(f"f{1 + exp_bits + mant_bits} constant {bits!r}")
    sign = "-" if bits >> (exp_bits + mant_bits) else ""
    e = (bits >> mant_bits) & ((1 << exp_bits) - 1)
    m = bits & ((1 << mant_bits) - 1)
    if e == (1 << exp_bits) - 1:
        if m == 0:
            return sign + "inf"
        if m == 1 << (mant_bits - 1):
            return sign + "nan"
        return f"{sign}nan:{m:#x}"
    if e == 0 and m == 0:
        return sign + "0x0p+0"
    bias = (1 << (exp_bits - 1)) - 1
    pad = -mant_bits % 4  # whole hex digits for the fraction
    digits = f"{m << pad:0{(mant_bits + pad) // 4}x}".rstrip("0")
    fraction = "." + digits if digits else ""
    if e == 0:  # subnormal: 0.fraction * 2^(1-bias)
        return f"{sign}0x0{fraction}p{1 - bias:+d}"
    return f"{sign}0x1{fraction}p{e - bias:+d}"


def f32_text(bits: int) -> str:
    return float_text(bits, 8, 23)


def f64_text(bits: int) -> str:
    return float_text(bits, 11, 52)


def v128_text(bits: int) -> str:
    """A v128 constant as four i32 lanes (lane 0 holds the low bits)."""
    if not isinstance(bits, int) or not 0 <= bits < 1 << 128:
        raise _bad(f"v128 constant {bits!r}")
    lanes = " ".join(f"0x{(bits >> (32 * i)) & 0xFFFFFFFF:08x}" for i in range(4))
    return "i32x4 " + lanes


# ---------------------------------------------------------------- types (6.4)

def heaptype_text(ht: object) -> str:
    if isinstance(ht, Exact):   # custom-descriptors (docs/proposals.md)
        return f"(exact {heaptype_text(ht.typeidx)})"
    if isinstance(ht, bool):
        raise _bad(f"heap type {ht!r}")
    if isinstance(ht, int):
        return str(ht)
    if ht in _ABSHEAPTYPES:
        return ht  # type: ignore[return-value]
    raise _bad(f"heap type {ht!r}")


def reftype_text(rt: RefType) -> str:
    if not isinstance(rt, RefType):
        raise _bad(f"reference type {rt!r}")
    if rt.nullable and isinstance(rt.heaptype, str) and rt.heaptype in _REFTYPE_SHORTHANDS:
        return _REFTYPE_SHORTHANDS[rt.heaptype]
    ht = Exact(rt.heaptype) if rt.exact else rt.heaptype
    return f"(ref {'null ' if rt.nullable else ''}{heaptype_text(ht)})"


def valtype_text(t: object) -> str:
    if isinstance(t, RefType):
        return reftype_text(t)
    if t in _VALTYPES:
        return t  # type: ignore[return-value]
    raise _bad(f"value type {t!r}")


def storagetype_text(t: object) -> str:
    if t in _PACKED:
        return t  # type: ignore[return-value]
    return valtype_text(t)


def _valtypes(ts: tuple) -> str:
    return " ".join(valtype_text(t) for t in ts)


def functype_text(ft: FuncType) -> str:
    """``(func (param t*) (result t*))``, empty groups left out."""
    parts = ["func"]
    if ft.params:
        parts.append(f"(param {_valtypes(ft.params)})")
    if ft.results:
        parts.append(f"(result {_valtypes(ft.results)})")
    return "(" + " ".join(parts) + ")"


def fieldtype_text(ft: FieldType) -> str:
    if not isinstance(ft, FieldType):
        raise _bad(f"field type {ft!r}")
    st = storagetype_text(ft.storagetype)
    return f"(mut {st})" if ft.mut else st


def comptype_text(ct: object) -> str:
    if isinstance(ct, FuncType):
        return functype_text(ct)
    if isinstance(ct, StructType):
        return "(struct" + "".join(f" (field {fieldtype_text(f)})" for f in ct.fields) + ")"
    if isinstance(ct, ArrayType):
        return f"(array {fieldtype_text(ct.field)})"
    raise _bad(f"composite type {ct!r}")


def subtype_text(st: SubType) -> str:
    """6.4.7 ``(sub final? typeidx* comptype)``; a final subtype without
    supertypes is written as its bare composite type."""
    if not isinstance(st, SubType):
        raise _bad(f"sub type {st!r}")
    ct = comptype_text(st.comptype)
    # custom-descriptors: (describes x) (descriptor y) before the comptype
    if st.descriptor is not None:
        ct = f"(descriptor {_index(st.descriptor)}) {ct}"
    if st.describes is not None:
        ct = f"(describes {_index(st.describes)}) {ct}"
    if st.final and not st.supertypes:
        return ct
    supers = "".join(f" {_index(x)}" for x in st.supertypes)
    return f"(sub{' final' if st.final else ''}{supers} {ct})"


def limits_text(lim: Limits) -> str:
    """``addrtype? min max?`` (the ``i32`` address type is left implicit)."""
    if not isinstance(lim, Limits):
        raise _bad(f"limits {lim!r}")
    parts = []
    if lim.addrtype == "i64":
        parts.append("i64")
    elif lim.addrtype != "i32":
        raise _bad(f"address type {lim.addrtype!r}")
    parts.append(str(_index(lim.min)))
    if lim.max is not None:
        parts.append(str(_index(lim.max)))
    return " ".join(parts)


def tabletype_text(tt: TableType) -> str:
    if not isinstance(tt, TableType):
        raise _bad(f"table type {tt!r}")
    return f"{limits_text(tt.limits)} {reftype_text(tt.reftype)}"


def memtype_text(mt: MemType) -> str:
    if not isinstance(mt, MemType):
        raise _bad(f"memory type {mt!r}")
    text = limits_text(mt.limits) + (" shared" if mt.limits.shared else "")
    if mt.page_size != 65536:   # custom-page-sizes (docs/proposals.md)
        text += f" (pagesize {_index(mt.page_size)})"
    return text


def globaltype_text(gt: GlobalType) -> str:
    if not isinstance(gt, GlobalType):
        raise _bad(f"global type {gt!r}")
    t = valtype_text(gt.valtype)
    return f"(mut {t})" if gt.mut else t


def _index(x: object) -> int:
    if not isinstance(x, int) or isinstance(x, bool) or x < 0:
        raise _bad(f"index {x!r}")
    return x


# ---------------------------------------------------------------- printer


class _Printer:
    def __init__(self, module: Module) -> None:
        if not isinstance(module, Module):
            raise _bad(f"module {module!r}")
        self.module = module
        self.lines: list[str] = []
        self.func_ids = _func_ids(module)
        self.func_names = _func_names(module)
        self.hints, self.hint_section = _branch_hints(module)

    # -- output
    def emit(self, depth: int, text: str) -> None:
        self.lines.append(INDENT * min(depth, MAX_INDENT_DEPTH) + text)

    def funcidx(self, x: object) -> str:
        return self.func_ids.get(x) or str(_index(x))

    def func_id(self, x: int) -> str:
        """The ``$id`` (if any) and the index comment of a function definition,
        or its ``(@name ...)`` when its debug name is no unique identifier."""
        name = self.func_ids.get(x)
        if name:
            return f"{name} (;{x};)"
        debug = self.func_names.get(x)
        if debug is not None:
            return f"(;{x};) (@name {name_text(debug)})"
        return f"(;{x};)"

    # -- module (6.6)
    def print_module(self) -> str:
        m = self.module
        names = m.names
        head = "(module"
        if names is not None and is_idname(names.module):
            head += f" ${names.module}"
        elif names is not None and isinstance(names.module, str):
            head += f" (@name {name_text(names.module)})"
        self.emit(0, head)
        self.types(m.types)
        counts = {"func": 0, "table": 0, "memory": 0, "global": 0, "tag": 0}
        for im in m.imports:
            self.emit(1, f"(import {name_text(im.module)} {name_text(im.name)} "
                         f"{self.importdesc(im.kind, im.desc, counts)})")
        nfuncs = counts["func"]
        for i, f in enumerate(m.funcs):
            self.func(nfuncs + i, f)
        for i, t in enumerate(m.tables, counts["table"]):
            text = f"(table (;{i};) {tabletype_text(t.type)}"
            if t.init is not None:
                text += " " + self.const_expr(t.init)
            self.emit(1, text + ")")
        for i, mem in enumerate(m.mems, counts["memory"]):
            self.emit(1, f"(memory (;{i};) {memtype_text(mem.type)})")
        for i, tag in enumerate(m.tags, counts["tag"]):
            self.emit(1, f"(tag (;{i};) {self.tagtype(tag.type)})")
        for i, g in enumerate(m.globals, counts["global"]):
            self.emit(1, f"(global (;{i};) {globaltype_text(g.type)} {self.const_expr(g.init)})")
        for ex in m.exports:
            self.emit(1, f"(export {name_text(ex.name)} {self.externidx(ex.kind, ex.index)})")
        if m.start is not None:
            self.emit(1, f"(start {self.funcidx(m.start.func)})")
        for i, e in enumerate(m.elems):
            self.elem(i, e)
        for i, d in enumerate(m.datas):
            self.data(i, d)
        for c in m.customs:
            if c.name == "name" and self._names_regenerate(c):
                continue
            if c is self.hint_section:
                continue    # printed as annotations
            self.custom(c)
        self.emit(0, ")")
        return "\n".join(self.lines) + "\n"

    def _names_regenerate(self, c) -> bool:
        """Whether the ids and ``@name``s printed give back name section ``c``
        byte for byte (so it need not print as a ``@custom``)."""
        from ..binary.encode import names_section
        from ..syntax.modules import Names

        names = self.module.names
        if names is None or names.locals or names.other:
            return False
        nfuncs = sum(im.kind == "func" for im in self.module.imports) + len(self.module.funcs)
        if any(not 0 <= x < nfuncs for x, _ in names.funcs):
            return False    # a name for no function prints nowhere but in the section
        try:
            return names_section(Names(names.module, names.funcs)) == bytes(c.data)
        except Exception:
            return False

    def custom(self, c) -> None:
        """A custom section as ``(@custom "name" place "bytes"...)`` (annotations proposal)."""
        from .annotations import placement_text

        head = f"(@custom {name_text(c.name)} {placement_text(c.after)}"
        data = bytes(c.data)
        if len(data) <= 48:
            self.emit(1, f"{head} {string_text(data)})")
            return
        self.emit(1, head)
        for k in range(0, len(data), 48):
            self.emit(2, string_text(data[k:k + 48]))
        self.emit(1, ")")

    def types(self, rectypes: tuple) -> None:
        x = 0
        for rt in rectypes:
            if not isinstance(rt, RecType):
                raise _bad(f"recursive type {rt!r}")
            if len(rt.subtypes) == 1:  # a lone type definition is a group of one (6.4.7.1)
                self.emit(1, f"(type (;{x};) {subtype_text(rt.subtypes[0])})")
                x += 1
                continue
            if not rt.subtypes:
                self.emit(1, "(rec)")
                continue
            self.emit(1, "(rec")
            for st in rt.subtypes:
                self.emit(2, f"(type (;{x};) {subtype_text(st)})")
                x += 1
            self.emit(1, ")")

    def tagtype(self, tt: object) -> str:
        if isinstance(tt, TagType):
            return f"(type {_index(tt.typeidx)})"
        return f"(type {_index(tt)})"  # a bare type index: what a tag type stands for

    def importdesc(self, kind: str, desc: object, counts: dict) -> str:
        if kind not in counts:
            raise _bad(f"import kind {kind!r}")
        x = counts[kind]
        counts[kind] = x + 1
        if kind == "func":
            if isinstance(desc, Exact):     # custom-descriptors: an exact import
                return f"(func {self.func_id(x)} (exact (type {_index(desc.typeidx)})))"
            return f"(func {self.func_id(x)} (type {_index(desc)}))"
        if kind == "table":
            return f"(table (;{x};) {tabletype_text(desc)})"  # type: ignore[arg-type]
        if kind == "memory":
            return f"(memory (;{x};) {memtype_text(desc)})"  # type: ignore[arg-type]
        if kind == "global":
            return f"(global (;{x};) {globaltype_text(desc)})"  # type: ignore[arg-type]
        return f"(tag (;{x};) {self.tagtype(desc)})"  # type: ignore[arg-type]

    def externidx(self, kind: str, x: int) -> str:
        if kind == "func":
            return f"(func {self.funcidx(x)})"
        if kind in ("table", "memory", "global", "tag"):
            return f"({kind} {_index(x)})"
        raise _bad(f"export kind {kind!r}")

    def func(self, x: int, f) -> None:
        head = f"(func {self.func_id(x)} (type {_index(f.typeidx)})"
        if not f.locals and not f.body:
            self.emit(1, head + ")")
            return
        self.emit(1, head)
        locals_ = f.locals
        for i in range(0, len(locals_), 16):
            self.emit(2, f"(local {_valtypes(locals_[i:i + 16])})")
        self.instrs(f.body, 2, self.hints.get(x))
        self.emit(1, ")")

    def elem(self, i: int, e) -> None:
        parts = [f"(elem (;{i};)"]
        parts.extend(self.segment_mode(e.mode, "table", declarative_ok=True))
        parts.append(reftype_text(e.type))
        items = [f"(item{self.const_expr_parts(expr)})" for expr in e.init]
        if len(items) <= 4:
            self.emit(1, " ".join(parts + items) + ")")
            return
        self.emit(1, " ".join(parts))
        for k in range(0, len(items), 4):
            self.emit(2, " ".join(items[k:k + 4]))
        self.emit(1, ")")

    def data(self, i: int, d) -> None:
        parts = [f"(data (;{i};)"]
        parts.extend(self.segment_mode(d.mode, "memory", declarative_ok=False))
        init = d.init
        if not isinstance(init, (bytes, bytearray)):
            raise _bad(f"data {init!r}")
        if len(init) <= 32:
            self.emit(1, " ".join(parts + [string_text(init)]) + ")")
            return
        self.emit(1, " ".join(parts))
        for k in range(0, len(init), 32):
            self.emit(2, string_text(init[k:k + 32]))
        self.emit(1, ")")

    def segment_mode(self, mode: object, kind: str, declarative_ok: bool) -> list:
        if isinstance(mode, Active):
            offset = self.const_expr_parts(mode.offset)
            return [f"({kind} {_index(mode.index)})", f"(offset{offset})"]
        if mode == PASSIVE:
            return []
        if mode == DECLARATIVE and declarative_ok:
            return ["declare"]
        raise _bad(f"segment mode {mode!r}")

    # -- instructions (6.5)
    def const_expr(self, expr: tuple) -> str:
        return self.const_expr_parts(expr).lstrip(" ")

    def const_expr_parts(self, expr: tuple) -> str:
        """A constant expression on one line: plain instructions folded, ``(i32.const 1)``."""
        if not isinstance(expr, tuple):
            raise _bad(f"expression {expr!r}")
        if any(isinstance(i, Instr) and i.op in _STRUCTURED for i in expr):
            # Not constant, but printable: flat, on one line.
            sub = _Printer(Module())
            sub.func_ids = self.func_ids
            sub.instrs(expr, 0)
            return "".join(" " + line.strip() for line in sub.lines)
        return "".join(f" ({self.plain(i)})" for i in expr)

    def instrs(self, body: tuple, depth: int, hints: dict | None = None) -> None:
        """Flat instructions, one a line, indented by nesting (iterative); ``hints``:
        instruction number (`walk` order) -> branch hint value, printed before it."""
        if not isinstance(body, tuple):
            raise _bad(f"instruction sequence {body!r}")
        work: list = [(depth, i) for i in reversed(body)]
        emit = self.emit
        n = -1
        while work:
            d, item = work.pop()
            if isinstance(item, str):  # "else" or "end"
                emit(d, item)
                continue
            if not isinstance(item, Instr):
                raise _bad(f"instruction {item!r}")
            n += 1
            if hints and n in hints:
                emit(d, f'(@metadata.code.branch_hint "\\{hints[n]:02x}")')
            op = item.op
            if op not in _STRUCTURED:
                emit(d, self.plain(item))
                continue
            imm = item.imm
            if op == "if":
                _check_arity(item, 3)
                bt, then, else_ = imm
                emit(d, "if" + _blocktype_text(bt))
                work.append((d, "end"))
                if else_:
                    work.extend((d + 1, i) for i in reversed(_body(else_)))
                    work.append((d, "else"))
                work.extend((d + 1, i) for i in reversed(_body(then)))
            elif op == "try_table":
                _check_arity(item, 3)
                bt, catches, inner = imm
                emit(d, "try_table" + _blocktype_text(bt) + _catches_text(catches))
                work.append((d, "end"))
                work.extend((d + 1, i) for i in reversed(_body(inner)))
            elif op == "try":  # legacy exceptions (docs/proposals.md)
                _check_arity(item, 4)
                bt, inner, catches, delegate = imm
                emit(d, "try" + _blocktype_text(bt))
                work.append((d, "end" if delegate is None else f"delegate {_index(delegate)}"))
                for c in reversed(catches):
                    work.extend((d + 1, i) for i in reversed(_body(c.body)))
                    work.append((d, "catch_all" if c.tagidx is None
                                 else f"catch {_index(c.tagidx)}"))
                work.extend((d + 1, i) for i in reversed(_body(inner)))
            else:  # block, loop
                _check_arity(item, 2)
                bt, inner = imm
                emit(d, op + _blocktype_text(bt))
                work.append((d, "end"))
                work.extend((d + 1, i) for i in reversed(_body(inner)))

    def plain(self, instr: Instr) -> str:
        """A plain instruction (6.5): its keyword and immediates."""
        if not isinstance(instr, Instr):
            raise _bad(f"instruction {instr!r}")
        op = instr.op
        info = ALL_OPCODES.get(op)
        if info is None or op in _STRUCTURED:
            raise _bad(f"instruction {op!r}")
        imm = instr.imm
        if not isinstance(imm, tuple):
            raise _bad(f"immediates of {op}: {imm!r}")
        kinds = info.imms
        if op == "select":  # 6.5.2 ``select (result t*)?``
            if imm == ():
                return "select"
            if len(imm) == 1 and isinstance(imm[0], tuple):
                return f"select (result{''.join(' ' + valtype_text(t) for t in imm[0])})"
            raise _bad(f"immediates of select: {imm!r}")
        if len(imm) != len(kinds):
            raise _bad(f"immediates of {op}: {imm!r}")
        if not kinds:
            return op
        if kinds[0] == "memarg":
            return op + _memarg_text(op, imm[0]) + "".join(f" {_index(v)}" for v in imm[1:])
        if op.startswith("memory."):
            return op + _memory_imms_text(op, imm)
        if op == "call_indirect" or op == "return_call_indirect":
            return f"{op} {_index(imm[0])} (type {_index(imm[1])})"
        parts = [op]
        for kind, value in zip(kinds, imm):
            text = self.immediate(kind, value)
            if text:
                parts.append(text)
        return " ".join(parts)

    def immediate(self, kind: str, v: object) -> str:
        if kind == "funcidx":
            return self.funcidx(v)
        if kind in _INDEX_KINDS:
            return str(_index(v))
        if kind == "i32":
            return signed_text(v, 32)  # type: ignore[arg-type]
        if kind == "i64":
            return signed_text(v, 64)  # type: ignore[arg-type]
        if kind == "f32":
            return f32_text(v)  # type: ignore[arg-type]
        if kind == "f64":
            return f64_text(v)  # type: ignore[arg-type]
        if kind == "v128":
            return v128_text(v)  # type: ignore[arg-type]
        if kind == "labelvec" or kind == "shuffle":
            if not isinstance(v, tuple):
                raise _bad(f"{kind} {v!r}")
            return " ".join(str(_index(x)) for x in v) if v else ""
        if kind == "heaptype":
            return heaptype_text(v)
        if kind == "reftype":
            return reftype_text(v)  # type: ignore[arg-type]
        raise _bad(f"immediate kind {kind!r}")


_STRUCTURED = frozenset(("block", "loop", "if", "try_table", "try"))
_INDEX_KINDS = frozenset((
    "labelidx", "typeidx", "localidx", "globalidx", "tableidx", "memidx", "elemidx",
    "dataidx", "tagidx", "fieldidx", "laneidx", "u32",
))


def _check_arity(instr: Instr, n: int) -> None:
    if not isinstance(instr.imm, tuple) or len(instr.imm) != n:
        raise _bad(f"immediates of {instr.op}: {instr.imm!r}")


def _body(body: object) -> tuple:
    if not isinstance(body, tuple):
        raise _bad(f"instruction sequence {body!r}")
    return body


def _blocktype_text(bt: object) -> str:
    """6.5.3 ``blocktype``: nothing, ``(result t)`` or ``(type x)``."""
    if bt is None:
        return ""
    if isinstance(bt, int) and not isinstance(bt, bool):
        return f" (type {_index(bt)})"
    return f" (result {valtype_text(bt)})"


def _catches_text(catches: object) -> str:
    if not isinstance(catches, tuple):
        raise _bad(f"catch clauses {catches!r}")
    parts = []
    for c in catches:
        if not isinstance(c, Catch) or c.kind not in _CATCH_KINDS:
            raise _bad(f"catch clause {c!r}")
        if c.kind.startswith("catch_all"):
            parts.append(f" ({c.kind} {_index(c.labelidx)})")
        else:
            parts.append(f" ({c.kind} {_index(c.tagidx)} {_index(c.labelidx)})")
    return "".join(parts)


def _memarg_text(op: str, ma: object) -> str:
    """6.5.6 ``memidx? offset=N? align=N?`` with defaults left out."""
    if not isinstance(ma, MemArg):
        raise _bad(f"memarg {ma!r}")
    text = ""
    if _index(ma.memidx):
        text += f" {ma.memidx}"
    if _index(ma.offset):
        text += f" offset={ma.offset}"
    align = 1 << _index(ma.align)
    if align != natural_alignment(op):
        text += f" align={align}"
    return text


def _memory_imms_text(op: str, imm: tuple) -> str:
    """memory.size/grow/fill/copy/init/data.drop: memory indices 0 left implicit."""
    if op == "memory.init":
        mem, data = imm
        return (f" {_index(mem)}" if _index(mem) else "") + f" {_index(data)}"
    if all(_index(x) == 0 for x in imm):
        return ""
    return "".join(f" {x}" for x in imm)


def _func_ids(module: Module) -> dict:
    """Function index -> ``$name`` for debug names usable as identifiers."""
    names = module.names
    if names is None or not isinstance(names.funcs, tuple):
        return {}
    seen: dict = {}
    for entry in names.funcs:
        if not (isinstance(entry, tuple) and len(entry) == 2):
            continue
        x, name = entry
        if isinstance(x, int) and not isinstance(x, bool) and x >= 0 and isinstance(name, str):
            seen.setdefault(name, []).append(x)
    ids = {}
    for name, xs in seen.items():
        if len(set(xs)) == 1 and name:  # a name two functions share would be a duplicate id
            ids[xs[0]] = "$" + name if is_idname(name) else "$" + name_text(name)
    return ids


def _branch_hints(module: Module) -> tuple:
    """The branch hints of ``module``: funcidx -> {instruction number: value}, and the
    custom section they come from (``None`` when there is none, or when annotations
    would not give back its exact bytes, e.g. an offset at no if/br_if)."""
    if module.hints:   # read from the text format
        out: dict = {}
        for h in module.hints:
            out.setdefault(h.func, {})[h.index] = h.value
        return out, None
    from ..binary.encode import BRANCH_HINT_SECTION

    section = next((c for c in module.customs if c.name == BRANCH_HINT_SECTION), None)
    if section is None:
        return {}, None
    try:
        out = _read_branch_hints(module, bytes(section.data))
    except Exception:  # a section pyic cannot read back stays a @custom
        out = None
    return ({}, None) if out is None else (out, section)


def _read_branch_hints(module: Module, data: bytes) -> dict | None:
    """The hints of a branch hint section, by instruction number; ``None`` unless each
    offset is that of an if/br_if in pyic's encoding and the section is exactly what
    the encoder writes for them."""
    from attrs import evolve

    from ..binary.encode import branch_hint_section, code
    from ..binary.reader import Reader, len32, u32
    from ..syntax.instructions import walk
    from ..syntax.modules import BranchHint

    r = Reader(data)
    nimported = sum(1 for im in module.imports if im.kind == "func")
    out: dict = {}
    hints: list = []
    offsets: dict = {}
    for _ in range(len32(r)):
        x = u32(r)
        f = module.funcs[x - nimported]
        instrs = list(walk(f.body))
        marks = dict.fromkeys(range(len(instrs)))
        code(f, _NoUses(), marks)
        offsets[x] = marks
        number = {offset: k for k, offset in marks.items()}
        for _ in range(len32(r)):
            k = number.get(u32(r))
            one, value = u32(r), u32(r)
            if one != 1 or value > 1 or k is None or instrs[k].op not in ("if", "br_if"):
                return None
            hints.append(BranchHint(x, instrs[k].op, value, None, k))
            out.setdefault(x, {})[k] = value
    if not r.at_end() or branch_hint_section(evolve(module, hints=tuple(hints)), offsets) != data:
        return None
    return out


class _NoUses:
    """An encoder's use record nobody reads."""

    data = False


def _func_names(module: Module) -> dict:
    """Function index -> debug name, for every well-formed entry of the name section."""
    names = module.names
    if names is None or not isinstance(names.funcs, tuple):
        return {}
    return {e[0]: e[1] for e in names.funcs
            if isinstance(e, tuple) and len(e) == 2 and isinstance(e[0], int)
            and isinstance(e[1], str)}


def print_module(module: Module) -> str:
    """The text format of ``module`` (see the module docstring)."""
    return _Printer(module).print_module()
