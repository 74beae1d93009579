"""Decoding instructions and expressions (spec 5.4, "Instructions").

`ExprDecoder.expr` reads an instruction sequence up to its closing ``end``.
Nested blocks are kept on an explicit stack of open blocks, so nesting depth
costs heap, never host stack.

The instruction shapes come from the one instruction table,
`pyic.wasm.syntax.opcodes`.  Speed matters here (a 1 MB module must decode in
well under a second), hence:

* the loop works on a local ``pos`` into the bytes, with the one-byte LEB128
  case inlined, and calls the general readers only for longer encodings;
* instructions are immutable, so equal ones are shared: one `Instr` per
  immediate-free opcode, and a per-module cache for the ones with immediates.
"""

from __future__ import annotations

from ..syntax.instructions import Catch, Instr, MemArg
from ..syntax.opcodes import BINARY_ORDER, OPCODES, VARIANTS
from ..syntax.types import RefType
from . import types as T
from .reader import Reader, byte, f32, f64, get_bytes, len32, s32, s64, u32, u64, v128

# Kinds of one-byte opcodes, for the dispatch in `ExprDecoder.expr`.
(ILLEGAL, PLAIN, IDX, IDX2, MEMARG, I32C, I64C, F32C, F64C, BLOCK, IF, ELSE, END,
 TRY_TABLE, BR_TABLE, SELECT_T, REF_NULL, PREFIX) = range(18)

_INDEX_KINDS = frozenset((
    "labelidx", "funcidx", "typeidx", "localidx", "globalidx", "tableidx", "memidx",
    "elemidx", "dataidx", "tagidx", "fieldidx", "u32",
))

KIND = [ILLEGAL] * 256
NAME: list = [None] * 256
PLAIN_INSTR: list = [None] * 256
# prefix -> {sub-opcode: (name, immediate kinds in binary order, BINARY_ORDER permutation or None)}
PREFIXED: dict = {0xFB: {}, 0xFC: {}, 0xFD: {}}

for _info in OPCODES.values():
    _code = _info.code
    _imms = _info.imms
    if isinstance(_code, tuple):
        _order = BINARY_ORDER.get(_info.name)
        _binary = tuple(_imms[i] for i in _order) if _order else _imms
        PREFIXED[_code[0]][_code[1]] = (_info.name, _binary, _order)
        continue
    NAME[_code] = _info.name
    if not _imms:
        KIND[_code] = PLAIN
        PLAIN_INSTR[_code] = Instr(_info.name)
    elif _imms == ("blocktype",):
        KIND[_code] = IF if _info.name == "if" else BLOCK
    elif _imms == ("blocktype", "catches"):
        KIND[_code] = TRY_TABLE
    elif len(_imms) == 1 and _imms[0] in _INDEX_KINDS:
        KIND[_code] = IDX
    elif len(_imms) == 2 and _imms[0] in _INDEX_KINDS and _imms[1] in _INDEX_KINDS:
        KIND[_code] = IDX2  # call_indirect and return_call_indirect: binary order swapped
    elif _imms == ("memarg",):
        KIND[_code] = MEMARG
    elif _imms == ("labelvec", "labelidx"):
        KIND[_code] = BR_TABLE
    elif _imms == ("heaptype",):
        KIND[_code] = REF_NULL
    else:
        KIND[_code] = {("i32",): I32C, ("i64",): I64C, ("f32",): F32C, ("f64",): F64C}[_imms]

KIND[0x05] = ELSE
KIND[0x0B] = END
KIND[VARIANTS["select"]] = SELECT_T
NAME[VARIANTS["select"]] = "select"
for _p in PREFIXED:
    KIND[_p] = PREFIX

# The prefixed opcodes with a second encoding, for their nullable form (5.4.3).
for _name, _code in VARIANTS.items():
    if isinstance(_code, tuple):
        PREFIXED[_code[0]][_code[1]] = (_name, OPCODES[_name].imms, None)

# Instructions whose immediates refer to a data segment: they need the data
# count section (5.5.13), as the reference interpreter checks while decoding.
DATA_OPS = frozenset(("memory.init", "data.drop", "array.new_data", "array.init_data"))

CATCH_KINDS = ("catch", "catch_ref", "catch_all", "catch_all_ref")

# Block types that are one byte: 0x40 (empty) and the one-byte value types.
_ONE_BYTE_BLOCKTYPES: dict = {0x40: None}
_LONG = object()  # marks a block type that needs the general reader
for _c, _t in T.VALTYPE_CODES.items():
    _ONE_BYTE_BLOCKTYPES[_c & 0x7F] = _t


class ExprDecoder:
    """Decodes the expressions of one module; remembers whether a function
    body used a data index (for "data count section required")."""

    __slots__ = ("r", "cache", "uses_data")

    def __init__(self, r: Reader) -> None:
        self.r = r
        self.cache: dict = {}
        self.uses_data = False

    def memarg(self) -> MemArg:
        """5.4.7 ``memarg``: flags (alignment exponent, bit 6: a memory index
        follows), then the offset."""
        r = self.r
        start = r.pos
        flags = u32(r)
        if flags >= 0x80:
            raise r.error("malformed memop flags", start)
        memidx = u32(r) if flags & 0x40 else 0
        return MemArg(flags & 0x3F, u64(r), memidx)

    def catch(self) -> Catch:
        r = self.r
        k = byte(r)
        if k > 3:
            raise r.error("malformed catch clause", r.pos - 1)
        if k < 2:
            x = u32(r)
            return Catch(CATCH_KINDS[k], x, u32(r))
        return Catch(CATCH_KINDS[k], None, u32(r))

    def prefixed(self, prefix: int, start: int) -> Instr:
        """An instruction with prefix 0xFB (GC), 0xFC (numeric, bulk) or 0xFD (vector)."""
        r = self.r
        sub = u32(r)
        entry = PREFIXED[prefix].get(sub)
        if entry is None:
            if prefix == 0xFD:  # the reference interpreter names only the sub-opcode here
                raise r.error(f"illegal opcode {sub:02x}", start)
            raise r.error(f"illegal opcode {prefix:02x} {sub:02x}", start)
        name, kinds, order = entry
        if not kinds:
            key = (prefix, sub)
            instr = self.cache.get(key)
            if instr is None:
                instr = self.cache[key] = Instr(name)
            return instr
        if prefix == 0xFB and sub >= 20:
            return self.gc_cast(sub, name, start)
        imm = []
        for kind in kinds:
            if kind in _INDEX_KINDS:
                imm.append(u32(r))
            elif kind == "memarg":
                imm.append(self.memarg())
            elif kind == "laneidx":
                imm.append(byte(r))  # 5.4.8: a lane index is a byte
            elif kind == "v128":
                imm.append(v128(r))
            elif kind == "shuffle":
                imm.append(tuple(get_bytes(r, 16)))
            else:  # not reachable with the instruction table as it is
                raise r.error(f"illegal opcode {prefix:02x} {sub:02x}", start)
        if order is not None:
            imm = [imm[order.index(i)] for i in range(len(imm))]
        if name in DATA_OPS:
            self.uses_data = True
        return Instr(name, tuple(imm))

    def gc_cast(self, sub: int, name: str, start: int) -> Instr:
        """``ref.test``, ``ref.cast`` (0xFB 20-23) and ``br_on_cast(_fail)`` (0xFB 24, 25)."""
        r = self.r
        if sub <= 23:
            return Instr(name, (RefType(sub in (21, 23), T.heaptype(r)),))
        flags = byte(r)
        if flags & 0xFC:
            raise r.error("malformed br_on_cast flags", r.pos - 1)
        label = u32(r)
        ht1 = T.heaptype(r)
        ht2 = T.heaptype(r)
        return Instr(name, (label, RefType(bool(flags & 1), ht1), RefType(bool(flags & 2), ht2)))

    def expr(self) -> tuple:
        """5.4.9 ``expr ::= instr* 0x0B``: the instructions of a body or a
        constant expression, consuming the final ``end``."""
        r = self.r
        data = r.data
        end = r.end
        pos = r.pos
        cache = self.cache
        kinds = KIND
        names = NAME
        plain = PLAIN_INSTR
        cur: list = []
        # Open blocks: (opcode, blocktype, catches, enclosing list, then-branch of an if or None)
        stack: list = []
        while True:
            if pos >= end:
                r.pos = pos
                raise r.eos()
            start = pos
            b = data[pos]
            pos += 1
            k = kinds[b]
            if k == PLAIN:
                cur.append(plain[b])
            elif k == IDX:
                if pos < end and data[pos] < 0x80:
                    x = data[pos]
                    pos += 1
                else:
                    r.pos = pos
                    x = u32(r)
                    pos = r.pos
                key = (x << 8) | b
                instr = cache.get(key)
                if instr is None:
                    instr = cache[key] = Instr(names[b], (x,))
                cur.append(instr)
            elif k == MEMARG:
                r.pos = pos
                ma = self.memarg()
                pos = r.pos
                key = (b, ma)
                instr = cache.get(key)
                if instr is None:
                    instr = cache[key] = Instr(names[b], (ma,))
                cur.append(instr)
            elif k == I32C:
                if pos < end and data[pos] < 0x40:
                    x = data[pos]
                    pos += 1
                else:
                    r.pos = pos
                    x = s32(r) & 0xFFFFFFFF
                    pos = r.pos
                key = (b, x)
                instr = cache.get(key)
                if instr is None:
                    instr = cache[key] = Instr("i32.const", (x,))
                cur.append(instr)
            elif k == END:
                if not stack:
                    r.pos = pos
                    return tuple(cur)
                op, bt, catches, outer, then = stack.pop()
                if op == 0x04:
                    if then is None:
                        instr = Instr("if", (bt, tuple(cur), ()))
                    else:
                        instr = Instr("if", (bt, then, tuple(cur)))
                elif op == 0x1F:
                    instr = Instr("try_table", (bt, catches, tuple(cur)))
                else:
                    instr = Instr(names[op], (bt, tuple(cur)))
                cur = outer
                cur.append(instr)
            elif k == BLOCK or k == IF:
                bt = _ONE_BYTE_BLOCKTYPES.get(data[pos], _LONG) if pos < end else _LONG
                if bt is _LONG:
                    r.pos = pos
                    bt = T.blocktype(r)
                    pos = r.pos
                else:
                    pos += 1
                stack.append((b, bt, None, cur, None))
                cur = []
            elif k == ELSE:
                if stack and stack[-1][0] == 0x04 and stack[-1][4] is None:
                    op, bt, catches, outer, _ = stack.pop()
                    stack.append((op, bt, catches, outer, tuple(cur)))
                    cur = []
                else:
                    raise r.error("END opcode expected", start)
            elif k == I64C:
                r.pos = pos
                x = s64(r) & 0xFFFFFFFFFFFFFFFF
                pos = r.pos
                cur.append(Instr("i64.const", (x,)))
            elif k == F32C:
                r.pos = pos
                cur.append(Instr("f32.const", (f32(r),)))
                pos = r.pos
            elif k == F64C:
                r.pos = pos
                cur.append(Instr("f64.const", (f64(r),)))
                pos = r.pos
            elif k == IDX2:
                # call_indirect, return_call_indirect: binary typeidx tableidx
                r.pos = pos
                y = u32(r)
                x = u32(r)
                pos = r.pos
                cur.append(Instr(names[b], (x, y)))
            elif k == BR_TABLE:
                r.pos = pos
                n = len32(r)
                labels = tuple([u32(r) for _ in range(n)])
                cur.append(Instr("br_table", (labels, u32(r))))
                pos = r.pos
            elif k == PREFIX:
                r.pos = pos
                cur.append(self.prefixed(b, start))
                pos = r.pos
            elif k == TRY_TABLE:
                r.pos = pos
                bt = T.blocktype(r)
                n = len32(r)
                catches = tuple([self.catch() for _ in range(n)])
                pos = r.pos
                stack.append((b, bt, catches, cur, None))
                cur = []
            elif k == SELECT_T:
                r.pos = pos
                cur.append(Instr("select", (T.resulttype(r),)))
                pos = r.pos
            elif k == REF_NULL:
                r.pos = pos
                cur.append(Instr("ref.null", (T.heaptype(r),)))
                pos = r.pos
            else:
                raise r.error(f"illegal opcode {b:02x}", start)
