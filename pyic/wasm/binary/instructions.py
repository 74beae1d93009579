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

The dispatch tables are built once per version of the binary format
(`OpcodeTables`, ``TABLES[r.version]``): Wasm 2.0's lack the instructions of
the 3.0 proposals and read zero bytes where 3.0 has memory indices.
"""

from __future__ import annotations

from ..syntax.instructions import Catch, Instr, LegacyCatch, MemArg
from ..features import current
from ..syntax.opcodes import BINARY_ORDER, PROPOSAL_OPCODES, VARIANTS, ops_for
from ..syntax.types import Exact, RefType
from . import types as T
from .reader import Reader, byte, expect, f32, f64, get_bytes, len32, s32, s64, u32, u64, v128

OPCODE_FEATURES = frozenset(i.feature for i in PROPOSAL_OPCODES.values())

# Kinds of one-byte opcodes, for the dispatch in `ExprDecoder.expr`.
(ILLEGAL, PLAIN, IDX, IDX2, MEMARG, I32C, I64C, F32C, F64C, BLOCK, IF, ELSE, END,
 TRY_TABLE, BR_TABLE, SELECT_T, REF_NULL, PREFIX, ZERO_MEMIDX,
 CATCH, CATCH_ALL, DELEGATE) = range(22)   # the last three: legacy exceptions' delimiters

_INDEX_KINDS = frozenset((
    "labelidx", "funcidx", "typeidx", "localidx", "globalidx", "tableidx", "memidx",
    "elemidx", "dataidx", "tagidx", "fieldidx", "u32",
))

# The one-byte instructions Wasm 3.0 added (exception handling, tail calls,
# typed function references, GC's ``ref.eq``): illegal opcodes in Wasm 2.0,
# as are the 0xFB (GC) prefix and relaxed SIMD (0xFD 0x100 and up).
WASM3_ONLY = frozenset((
    "throw", "throw_ref", "try_table", "return_call", "return_call_indirect",
    "call_ref", "return_call_ref", "br_on_null", "br_on_non_null", "ref.eq",
    "ref.as_non_null",
))


def in_wasm2(name: str, code) -> bool:
    """Whether the instruction ``name`` with opcode ``code`` is in Wasm 2.0."""
    if isinstance(code, tuple):
        return code[0] == 0xFC or (code[0] == 0xFD and code[1] < 0x100)
    return name not in WASM3_ONLY


class OpcodeTables:
    """The dispatch tables of one version of the binary format (3 or 2):

    * ``kind[b]``, ``name[b]``: the kind and name of one-byte opcode ``b``;
    * ``plain[b]``: the shared `Instr` of an immediate-free one-byte opcode;
    * ``prefixed[prefix][sub]``: (name, immediate kinds in binary order,
      BINARY_ORDER permutation or None);
    * ``blocktypes``: the block types that are one byte, by that byte.
    """

    __slots__ = ("kind", "name", "plain", "prefixed", "blocktypes")

    def __init__(self, version: int, features: frozenset = frozenset()) -> None:
        kind = self.kind = [ILLEGAL] * 256
        names: list = [None] * 256
        self.name = names
        self.plain: list = [None] * 256
        self.prefixed: dict = (
            {0xFB: {}, 0xFC: {}, 0xFD: {}} if version >= 3 else {0xFC: {}, 0xFD: {}}
        )
        if "threads" in features:
            self.prefixed[0xFE] = {}
        for info in ops_for(features).values():
            if version < 3 and not in_wasm2(info.name, info.code):
                continue
            self._add(info.name, info.code, info.imms, version)
        kind[0x05] = ELSE
        kind[0x0B] = END
        if "legacy-exceptions" in features:
            kind[0x07], kind[0x19], kind[0x18] = CATCH, CATCH_ALL, DELEGATE
        kind[VARIANTS["select"]] = SELECT_T
        names[VARIANTS["select"]] = "select"
        for p in self.prefixed:
            kind[p] = PREFIX
        # The prefixed opcodes with a second encoding, for their nullable form (5.4.7).
        ops = ops_for(features)
        for name, code in VARIANTS.items():
            if isinstance(code, tuple) and code[0] in self.prefixed and name in ops:
                self.prefixed[code[0]][code[1]] = (name, ops[name].imms, None)
        # 0x40 (empty) and the one-byte value types
        self.blocktypes: dict = {0x40: None}
        codes = T.VALTYPE_CODES if version >= 3 else T.WASM2_VALTYPE_CODES
        for c, t in codes.items():
            self.blocktypes[c & 0x7F] = t

    def _add(self, name: str, code, imms: tuple, version: int) -> None:
        if isinstance(code, tuple):
            order = BINARY_ORDER.get(name)
            binary = tuple(imms[i] for i in order) if order else imms
            if version < 3:
                # 2.0 5.4.6: memory.init/copy/fill have reserved zero bytes
                # where 3.0 (multi-memory) has memory indices
                binary = tuple("zero" if k == "memidx" else k for k in binary)
            self.prefixed[code[0]][code[1]] = (name, binary, order)
            return
        self.name[code] = name
        if not imms:
            self.kind[code] = PLAIN
            self.plain[code] = Instr(name)
        elif imms == ("blocktype",):
            self.kind[code] = IF if name == "if" else BLOCK
        elif imms == ("blocktype", "catches"):
            self.kind[code] = TRY_TABLE
        elif imms == ("memidx",) and version < 3:
            self.kind[code] = ZERO_MEMIDX  # 2.0 5.4.6: memory.size/grow 0x00
        elif len(imms) == 1 and imms[0] in _INDEX_KINDS:
            self.kind[code] = IDX
        elif len(imms) == 2 and imms[0] in _INDEX_KINDS and imms[1] in _INDEX_KINDS:
            self.kind[code] = IDX2  # call_indirect and return_call_indirect: binary order swapped
        elif imms == ("memarg",):
            self.kind[code] = MEMARG
        elif imms == ("labelvec", "labelidx"):
            self.kind[code] = BR_TABLE
        elif imms == ("heaptype",):
            self.kind[code] = REF_NULL
        else:
            self.kind[code] = {("i32",): I32C, ("i64",): I64C, ("f32",): F32C, ("f64",): F64C}[imms]


TABLES = {3: OpcodeTables(3), 2: OpcodeTables(2)}
# With proposals enabled (docs/proposals.md): (version, features) -> tables.
_FEATURE_TABLES: dict = {}


def tables_for(version: int) -> OpcodeTables:
    """The dispatch tables of ``version`` with the features enabled here."""
    features = current() & OPCODE_FEATURES
    if not features:
        return TABLES[version]
    key = (version, features)
    t = _FEATURE_TABLES.get(key)
    if t is None:
        t = _FEATURE_TABLES[key] = OpcodeTables(version, features)
    return t

def _legacy_section(state: list, cur: list) -> None:
    """A section of a legacy try ends: its body, or the catch being read."""
    if state[0] is None:
        state[0] = tuple(cur)
    else:
        state[3].append(LegacyCatch(state[1], tuple(cur)))


def _legacy_try(bt, state: list, cur: list, delegate) -> Instr:
    """The legacy ``try`` whose last section is ``cur`` (exception-handling,
    legacy/Exceptions.md "Binary format")."""
    _legacy_section(state, cur)
    return Instr("try", (bt, state[0], tuple(state[3]), delegate))


# Instructions whose immediates refer to a data segment: they need the data
# count section (5.5.15), as the reference interpreter checks while decoding.
DATA_OPS = frozenset(("memory.init", "data.drop", "array.new_data", "array.init_data"))

CATCH_KINDS = ("catch", "catch_ref", "catch_all", "catch_all_ref")

_LONG = object()  # marks a block type that needs the general reader


class ExprDecoder:
    """Decodes the expressions of one module; remembers whether a function
    body used a data index (for "data count section required")."""

    __slots__ = ("r", "tables", "cache", "uses_data")

    def __init__(self, r: Reader) -> None:
        self.r = r
        self.tables = tables_for(r.version)
        self.cache: dict = {}
        self.uses_data = False

    def memarg(self) -> MemArg:
        """5.4.5 ``memarg``: flags (alignment exponent, bit 6: a memory index
        follows), then the offset."""
        r = self.r
        if r.version < 3:
            # 2.0 5.4.6: ``memarg ::= align:u32 offset:u32``, the decoder
            # taking an alignment exponent of 32 or more as malformed
            align = u32(r)
            if align >= 32:
                raise r.error("malformed memop flags", r.pos - 1)
            return MemArg(align, u32(r), 0)
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
        entry = self.tables.prefixed[prefix].get(sub)
        if entry is None:
            if prefix == 0xFD:  # the reference interpreter names only the sub-opcode here
                raise r.error(f"illegal opcode {sub:02x}", start)
            raise r.error(f"illegal opcode {prefix:02x} {sub:02x}", start)
        name, kinds, order = entry
        if prefix == 0xFE and sub == 0x03:
            # threads: atomic.fence, then a flags byte that must be zero
            expect(r, 0x00, "zero byte expected")
        if not kinds:
            key = (prefix, sub)
            instr = self.cache.get(key)
            if instr is None:
                instr = self.cache[key] = Instr(name)
            return instr
        if prefix == 0xFB and (20 <= sub <= 25 or 35 <= sub <= 38):
            return self.gc_cast(sub, name, start)
        imm = []
        for kind in kinds:
            if kind in _INDEX_KINDS:
                imm.append(u32(r))
            elif kind == "memarg":
                imm.append(self.memarg())
            elif kind == "zero":  # a Wasm 2.0 reserved byte where 3.0 has a memidx
                expect(r, 0x00, "zero byte expected")
                imm.append(0)
            elif kind == "laneidx":
                imm.append(byte(r))  # 5.4.9: a lane index is a byte
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
        if sub <= 23 or sub in (35, 36):    # 35, 36: custom-descriptors' ref.cast_desc_eq
            return Instr(name, (RefType(sub in (21, 23, 36), *T.heaptype_exact(r)),))
        flags = byte(r)
        if flags & 0xFC:
            raise r.error("malformed br_on_cast flags", r.pos - 1)
        label = u32(r)
        ht1 = T.heaptype_exact(r)
        ht2 = T.heaptype_exact(r)
        return Instr(name, (label, RefType(bool(flags & 1), *ht1), RefType(bool(flags & 2), *ht2)))

    def expr(self) -> tuple:
        """5.4.10 ``expr ::= instr* 0x0B``: the instructions of a body or a
        constant expression, consuming the final ``end``."""
        r = self.r
        data = r.data
        end = r.end
        pos = r.pos
        cache = self.cache
        tables = self.tables
        kinds = tables.kind
        names = tables.name
        plain = tables.plain
        blocktypes = tables.blocktypes
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
                elif pos + 1 < end and data[pos + 1] < 0x80:   # two bytes: below 2^14
                    x = (data[pos] & 0x7F) | (data[pos + 1] << 7)
                    pos += 2
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
                # Fast path: an alignment below 32 and no memory index (one byte of
                # flags, the same in 2.0 and 3.0), an offset of one byte.
                if pos + 1 < end and data[pos] < 0x20 and data[pos + 1] < 0x80:
                    key = (((data[pos + 1] << 5) | data[pos]) << 8) | b
                    instr = cache.get(key)
                    if instr is None:
                        instr = cache[key] = Instr(names[b], (MemArg(data[pos], data[pos + 1], 0),))
                    pos += 2
                else:
                    r.pos = pos
                    ma = self.memarg()
                    pos = r.pos
                    key = (b, ma)
                    instr = cache.get(key)
                    if instr is None:
                        instr = cache[key] = Instr(names[b], (ma,))
                cur.append(instr)
            elif k == I32C or k == I64C:
                if pos < end and data[pos] < 0x40:
                    x = data[pos]
                    pos += 1
                elif pos + 1 < end and data[pos] >= 0x80 and data[pos + 1] < 0x80:
                    # two bytes: a 14-bit signed value (no length or range check applies)
                    x = (data[pos] & 0x7F) | (data[pos + 1] << 7)
                    if x & 0x2000:
                        x -= 0x4000
                    x &= 0xFFFFFFFF if k == I32C else 0xFFFFFFFFFFFFFFFF
                    pos += 2
                elif k == I64C:
                    r.pos = pos
                    x = s64(r) & 0xFFFFFFFFFFFFFFFF
                    pos = r.pos
                else:
                    r.pos = pos
                    x = s32(r) & 0xFFFFFFFF
                    pos = r.pos
                key = (b, x)
                instr = cache.get(key)
                if instr is None:
                    instr = cache[key] = Instr(names[b], (x,))
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
                elif op == 0x06:
                    instr = _legacy_try(bt, catches, cur, None)
                else:
                    instr = Instr(names[op], (bt, tuple(cur)))
                cur = outer
                cur.append(instr)
            elif k == BLOCK or k == IF:
                bt = blocktypes.get(data[pos], _LONG) if pos < end else _LONG
                if bt is _LONG:
                    r.pos = pos
                    bt = T.blocktype(r)
                    pos = r.pos
                else:
                    pos += 1
                # a legacy try keeps [body, pending catch's tag, catch_all seen, catches]
                stack.append((b, bt, [None, None, False, []] if b == 0x06 else None, cur, None))
                cur = []
            elif k == CATCH or k == CATCH_ALL:
                # legacy exceptions: the try's body, or the handler before, ends here
                if not stack or stack[-1][0] != 0x06 or stack[-1][2][2]:
                    raise r.error("END opcode expected", start)
                state = stack[-1][2]
                r.pos = pos
                tag = u32(r) if k == CATCH else None
                pos = r.pos
                _legacy_section(state, cur)
                state[1] = tag
                state[2] = k == CATCH_ALL
                cur = []
            elif k == DELEGATE:
                if not stack or stack[-1][0] != 0x06 or stack[-1][2][0] is not None:
                    raise r.error("END opcode expected", start)
                r.pos = pos
                label = u32(r)
                pos = r.pos
                _, bt, state, outer, _ = stack.pop()
                instr = _legacy_try(bt, state, cur, label)
                cur = outer
                cur.append(instr)
            elif k == ELSE:
                if stack and stack[-1][0] == 0x04 and stack[-1][4] is None:
                    op, bt, catches, outer, _ = stack.pop()
                    stack.append((op, bt, catches, outer, tuple(cur)))
                    cur = []
                else:
                    raise r.error("END opcode expected", start)
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
            elif k == ZERO_MEMIDX:
                r.pos = pos
                expect(r, 0x00, "zero byte expected")
                pos = r.pos
                key = b  # as IDX's key for index 0
                instr = cache.get(key)
                if instr is None:
                    instr = cache[key] = Instr(names[b], (0,))
                cur.append(instr)
            elif k == REF_NULL:
                r.pos = pos
                ht, exact = T.heaptype_exact(r)
                cur.append(Instr("ref.null", (Exact(ht) if exact else ht,)))
                pos = r.pos
            else:
                raise r.error(f"illegal opcode {b:02x}", start)
