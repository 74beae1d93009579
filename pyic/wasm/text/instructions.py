"""Instructions in the text format (spec text/instructions.rst).

`instrs` reads an instruction sequence, plain (``block ... end``) and folded
(``(i32.add (local.get 0) (i32.const 1))``) forms mixed, up to the first token
that cannot continue it.  It never recurses: open blocks and folded
expressions live on an explicit stack of frames, so nesting depth is bounded
by memory only.

Immediates are read as `opcodes.OPCODES` lists them, with the text format's
abbreviations (6.5.5.1, 6.5.6.1): omitted table and memory indices mean 0, a memarg's
alignment defaults to the natural one, ``call_indirect`` takes a type use,
block types may be given inline and become type indices when they are not
``[] -> [t?]``.
"""

from __future__ import annotations

import functools

from functools import lru_cache

from ..syntax.instructions import Catch, Instr, LegacyCatch, MemArg
from ..features import current
from ..syntax.opcodes import ALL_OPCODES, natural_alignment, ops_for
from ..syntax.types import FuncType
from .context import FuncContext, ModuleContext, format_id
from .lexer import FLOAT, ID, INT, KEYWORD, LPAR, NAT, RPAR
from .literals import LiteralError, parse_fN, parse_iN, parse_uN
from .reader import Reader
from .types import heaptype, reftype, resolve_typeuse, typeidx, typeuse, valtypes

# Frames of the explicit parse stack.
_TOP = 0       # the sequence being parsed; ends at anything it cannot take
_BLOCK = 1     # block/loop/try_table ... end
_IF = 2        # if ... (else | end)
_ELSE = 3      # else ... end
_FBLOCK = 4    # (block ...) (loop ...) (try_table ...)
_FTHEN = 5     # (then ...) of a folded if
_FELSE = 6     # (else ...) of a folded if
_FSEC = 7      # (do ...), (catch x ...), (catch_all ...) of a folded legacy try
_FPLAIN = 8    # (plaininstr folded*)
_FIF = 9       # (if label bt folded* ...) before (then ...)
_FTRY = 10     # (try label bt ...) between its sections (legacy exceptions)

_STRUCTURED = frozenset(("block", "loop", "if", "try_table", "try"))
_LEGACY_CLAUSES = frozenset(("catch", "catch_all", "delegate"))
_NOIMM = {name: Instr(name) for name, info in ALL_OPCODES.items() if not info.imms}
_NOIMM.pop("select")
_SPACES = {
    "funcidx": "funcs", "typeidx": "types", "globalidx": "globals", "tableidx": "tables",
    "memidx": "mems", "elemidx": "elems", "dataidx": "datas", "tagidx": "tags",
}
_CATCHES = {"catch": 2, "catch_ref": 2, "catch_all": 1, "catch_all_ref": 1}
_INT_BITS = {"i32": 32, "i64": 64}
# lane shape -> (lane width, lane count)
SHAPES = {"i8x16": (8, 16), "i16x8": (16, 8), "i32x4": (32, 4), "i64x2": (64, 2),
          "f32x4": (32, 4), "f64x2": (64, 2)}
_ALIGN_EXP = {1: 0, 2: 1, 4: 2, 8: 3, 16: 4}


def is_instr_keyword(word: str) -> bool:
    return word in enabled_ops()


def enabled_ops() -> dict:
    """The instruction table with the proposals enabled here (docs/proposals.md)."""
    return ops_for(current())


@functools.lru_cache(maxsize=None)
def _noimm_for(features: frozenset) -> dict:
    ops = ops_for(features)
    return {name: instr for name, instr in _NOIMM.items() if name in ops}


def const_expr(r: Reader, c: ModuleContext) -> tuple:
    """An expression outside any function (global, offset, element initialisers)."""
    return instrs(r, c, FuncContext())


def folded(r: Reader, c: ModuleContext, f: FuncContext) -> tuple:
    """Exactly one folded instruction ``( ... )``, as the sequence it stands for."""
    return instrs(r, c, f, True)


def instrs(r: Reader, c: ModuleContext, f: FuncContext, single: bool = False) -> tuple:
    """The longest instruction sequence at the reader's position
    (with ``single``: one folded instruction)."""
    kinds, vals = r.kinds, r.vals
    labels = f.labels
    out: list = []
    stack: list = [[_TOP, out]]
    features = current()
    noimm = _noimm_for(features)
    opcodes = ops_for(features)
    while True:
        frame = stack[-1]
        fk = frame[0]
        i = r.i
        k = kinds[i]
        if single and fk == _TOP:
            if out:
                return tuple(out)
            if k != LPAR or kinds[i + 1] != KEYWORD or vals[i + 1] not in opcodes:
                raise r.unexpected(i + 1 if k == LPAR else i)
        if fk <= _FSEC:
            # a sequence: plain, block and folded instructions
            if k == KEYWORD:
                word = vals[i]
                instr = noimm.get(word)
                if instr is not None:
                    frame[1].append(instr)
                    r.i = i + 1
                    continue
                if word in opcodes:
                    r.i = i + 1
                    if word in _STRUCTURED:
                        stack.append(_open_block(r, c, f, word, False, frame[1]))
                        if f.hints:
                            stack[-1].append(i)     # where a branch hint may stand
                    else:
                        frame[1].append(_plain(r, c, f, word))
                        if f.hints and i in f.hints:
                            f.hinted[id(frame[1][-1])] = i
                    continue
                if word == "end" and _BLOCK <= fk <= _ELSE:
                    r.i = i + 1
                    _end_label(r, frame[3])
                    stack.pop()
                    labels.pop()
                    stack[-1][1].append(_close(frame))
                    if f.hints:
                        _mark_hinted(f, frame, stack[-1][1][-1])
                    continue
                if word in _LEGACY_CLAUSES and fk == _BLOCK and frame[2] == "try":
                    r.i = i + 1
                    _legacy_clause(r, c, f, stack, word)
                    continue
                if word == "else" and fk == _IF:
                    r.i = i + 1
                    _end_label(r, frame[3])
                    frame[0] = _ELSE
                    frame[5] = frame[1]
                    frame[1] = []
                    continue
            elif k == LPAR:
                if kinds[i + 1] == KEYWORD and vals[i + 1] in opcodes:
                    r.i = i + 2
                    stack.append(_open_folded(r, c, f, vals[i + 1], frame[1]))
                    if f.hints:
                        _note_folded(f, stack[-1], i)
                    continue
            elif k == RPAR and fk >= _FBLOCK:
                r.i = i + 1
                stack.pop()
                labels.pop()
                if fk == _FBLOCK:
                    stack[-1][1].append(_close(frame))
                elif fk == _FSEC:
                    _legacy_section(stack[-1][5], frame[1])
                else:
                    _after_branch(r, stack, frame, labels, f)
                continue
            if fk == _TOP:
                return tuple(out)
            if k == LPAR:
                raise r.unexpected(i + 1)
            raise r.unexpected(i)
        # folded-only frames
        if fk == _FTRY:
            _folded_try(r, c, f, stack)
            continue
        if k == LPAR and kinds[i + 1] == KEYWORD:
            word = vals[i + 1]
            if word in opcodes:
                r.i = i + 2
                stack.append(_open_folded(r, c, f, word, frame[1]))
                if f.hints:
                    _note_folded(f, stack[-1], i)
                continue
            if word == "then" and fk == _FIF:
                r.i = i + 2
                labels.append(frame[3])
                stack.append([_FTHEN, [], None, frame[3]])
                continue
            raise r.unexpected(i + 1)
        if k == RPAR and fk == _FPLAIN:
            r.i = i + 1
            stack.pop()
            frame[1].append(frame[2])   # after its operands, in the parent's list
            continue
        raise r.unexpected(i)


def _after_branch(r: Reader, stack: list, frame: list, labels: list, f: FuncContext) -> None:
    """A folded if's ``(then ...)`` or ``(else ...)`` just closed."""
    fif = stack[-1]
    kinds, vals = r.kinds, r.vals
    if frame[0] == _FTHEN:
        fif[5] = frame[1]
        i = r.i
        if kinds[i] == LPAR and kinds[i + 1] == KEYWORD and vals[i + 1] == "else":
            r.i = i + 2
            labels.append(fif[3])
            stack.append([_FELSE, [], None, fif[3]])
            return
        else_ = []
    else:
        else_ = frame[1]
    r.rpar()
    stack.pop()
    fif[1].append(Instr("if", (fif[4], tuple(fif[5]), tuple(else_))))
    if f.hints:
        _mark_hinted(f, fif, fif[1][-1])


def _note_folded(f: FuncContext, frame: list, at: int) -> None:
    """A folded instruction opened at token ``at``: remember where, for branch hints."""
    if frame[0] == _FPLAIN:
        if at in f.hints:
            f.hinted[id(frame[2])] = at
    else:
        frame.append(at)


def _mark_hinted(f: FuncContext, frame: list, instr: Instr) -> None:
    """A block instruction was closed: note it if a branch hint stands before it."""
    if len(frame) > 6 and frame[6] in f.hints:
        f.hinted[id(instr)] = frame[6]


def _end_label(r: Reader, label: str | None) -> None:
    """``end $l`` / ``else $l``: the optional id must repeat the block's label."""
    if r.kinds[r.i] == ID:
        if r.vals[r.i] != label:
            raise r.error("mismatching label")
        r.i += 1


def _close(frame: list) -> Instr:
    op = frame[2]
    if op == "if":
        if frame[0] == _ELSE:
            return Instr("if", (frame[4], tuple(frame[5]), tuple(frame[1])))
        return Instr("if", (frame[4], tuple(frame[1]), ()))
    if op == "try_table":
        return Instr("try_table", (frame[4], frame[5], tuple(frame[1])))
    if op == "try":
        return _legacy_try(frame[4], frame[5], frame[1], None)
    return Instr(op, (frame[4], tuple(frame[1])))


# ------------------------------------------------------------------ legacy exceptions
# The legacy ``try`` (WebAssembly/exception-handling, legacy/Exceptions.md "Text
# format"): ``try l? bt instr* (catch x instr*)* (catch_all instr*)? end`` or
# ``try l? bt instr* delegate l``, folded ``(try l? bt (do instr*) (catch x instr*)*
# (catch_all instr*)?)`` or ``(try l? bt (do instr*) (delegate l))``.  A try's
# state: [body (None until it ends), tag of the catch being read, catch_all
# seen, catches so far].


def _legacy_section(state: list, instrs: list) -> None:
    """A section of a legacy try ends: its body, or the catch being read."""
    if state[0] is None:
        state[0] = tuple(instrs)
    else:
        state[3].append(LegacyCatch(state[1], tuple(instrs)))


def _legacy_try(bt, state: list, instrs: list, delegate) -> Instr:
    _legacy_section(state, instrs)
    return Instr("try", (bt, state[0], tuple(state[3]), delegate))


def _legacy_clause(r: Reader, c: ModuleContext, f: FuncContext, stack: list, word: str) -> None:
    """``catch x``, ``catch_all`` or ``delegate l`` inside a plain legacy try."""
    frame = stack[-1]
    state = frame[5]
    if state[2] or (word == "delegate" and state[0] is not None):
        raise r.unexpected(r.i - 1)
    if word == "delegate":
        f.labels.pop()          # the label is resolved outside the try
        label = index(r, f.labels)
        stack.pop()
        stack[-1][1].append(_legacy_try(frame[4], state, frame[1], label))
        return
    tag = index(r, c.tags) if word == "catch" else None
    _legacy_section(state, frame[1])
    frame[1] = []
    state[1] = tag
    state[2] = word == "catch_all"


def _folded_try(r: Reader, c: ModuleContext, f: FuncContext, stack: list) -> None:
    """Inside ``(try ...)``: the next section, a ``(delegate l)``, or the ``)``."""
    frame = stack[-1]
    state = frame[5]
    kinds, vals = r.kinds, r.vals
    i = r.i
    if kinds[i] == RPAR and state[0] is not None:
        r.i = i + 1
        stack.pop()
        stack[-1][1].append(Instr("try", (frame[4], state[0], tuple(state[3]), None)))
        return
    word = vals[i + 1] if kinds[i] == LPAR and kinds[i + 1] == KEYWORD else None
    if word == "do" and state[0] is None:
        pass
    elif word in ("catch", "catch_all") and state[0] is not None and not state[2]:
        pass
    elif word == "delegate" and state[0] is not None and not state[3]:
        r.i = i + 2
        label = index(r, f.labels)
        r.rpar()
        if kinds[r.i] != RPAR:
            raise r.unexpected()
        r.i += 1
        stack.pop()
        stack[-1][1].append(Instr("try", (frame[4], state[0], (), label)))
        return
    else:
        raise r.unexpected(i + 1 if kinds[i] == LPAR else i)
    r.i = i + 2
    if word != "do":
        state[1] = index(r, c.tags) if word == "catch" else None
        state[2] = word == "catch_all"
    f.labels.append(frame[3])
    stack.append([_FSEC, [], None, frame[3]])


def _open_block(r: Reader, c: ModuleContext, f: FuncContext, op: str, folded: bool,
                parent: list) -> list:
    """After ``block``/``loop``/``if``/``try_table``: label, block type, catches.

    Frame layout: [kind, instrs, op, label, blocktype, then-instrs or catches].
    A folded if's condition (like a folded plain instruction's operands) goes
    straight into the enclosing sequence, ``parent``, which is its ``instrs``.
    """
    label = r.opt_id()
    bt = blocktype(r, c)
    catches = None
    if op == "try_table":
        catches = _catches(r, c, f)
    if op == "try":     # legacy exceptions: its state (see _legacy_section)
        state = [None, None, False, []]
        if folded:
            return [_FTRY, parent, op, label, bt, state]
        f.labels.append(label)
        return [_BLOCK, [], op, label, bt, state]
    if op == "if":
        if folded:
            # the condition is outside the if's label; it is pushed at (then
            return [_FIF, parent, op, label, bt, None]
        f.labels.append(label)
        return [_IF, [], op, label, bt, None]
    f.labels.append(label)
    return [_FBLOCK if folded else _BLOCK, [], op, label, bt, catches]


def _open_folded(r: Reader, c: ModuleContext, f: FuncContext, op: str, parent: list) -> list:
    if op in _STRUCTURED:
        return _open_block(r, c, f, op, True, parent)
    return [_FPLAIN, parent, _plain(r, c, f, op)]


def blocktype(r: Reader, c: ModuleContext):
    """6.5.3 ``blocktype``: ``(result t)?`` or a type use (then a type index)."""
    x, params, results, at = typeuse(r, c, None)
    if x is not None:
        return resolve_typeuse(r, c, x, params, results, at)
    if not params and len(results) <= 1:
        return results[0] if results else None
    return c.implicit_typeuse(FuncType(tuple(params), tuple(results)))


def _catches(r: Reader, c: ModuleContext, f: FuncContext) -> tuple:
    """``(catch x l)`` ... clauses; their labels are outside the try_table's own."""
    out = []
    kinds, vals = r.kinds, r.vals
    while kinds[r.i] == LPAR and kinds[r.i + 1] == KEYWORD and vals[r.i + 1] in _CATCHES:
        kind = vals[r.i + 1]
        r.i += 2
        tag = index(r, c.tags) if _CATCHES[kind] == 2 else None
        out.append(Catch(kind, tag, index(r, f.labels)))
        r.rpar()
    return tuple(out)


# ------------------------------------------------------------------ immediates


def index(r: Reader, space) -> int:
    """A required index into ``space`` (a `Space`, or a function's locals or labels):
    a u32 or a bound identifier."""
    i = r.i
    k = r.kinds[i]
    if k == NAT:
        return r.nat(32)
    if k == ID:
        r.i = i + 1
        return space.lookup(r.vals[i], r, i)
    raise r.unexpected()


def _opt_index(r: Reader, space) -> int:
    k = r.kinds[r.i]
    if k == NAT or k == ID:
        return index(r, space)
    return 0


def _is_index(r: Reader, i: int) -> bool:
    k = r.kinds[i]
    return k == NAT or k == ID


def memarg(r: Reader, c: ModuleContext, op: str, memidx: int) -> MemArg:
    """``offset=n? align=m?`` (6.5.6); the alignment is stored as its exponent.

    The offset is a u64 (Wasm 2.0: a u32, "i32 constant out of range").
    """
    kinds, vals = r.kinds, r.vals
    offset = 0
    if kinds[r.i] == KEYWORD and vals[r.i].startswith("offset="):
        offset = _memarg_value(r, vals[r.i][7:], 64 if c.version >= 3 else 32)
    if kinds[r.i] == KEYWORD and vals[r.i].startswith("align="):
        at = r.i
        value = _memarg_value(r, vals[r.i][6:], 64)
        if value == 0 or value & (value - 1):
            raise r.error("alignment must be a power of two", at)
        align = value.bit_length() - 1
    else:
        align = _ALIGN_EXP[natural_alignment(op)]
    return MemArg(align, offset, memidx)


def _memarg_value(r: Reader, text: str, bits: int) -> int:
    if r.is_unknown(r.i):       # e.g. "align=-1" is no keyword at all
        raise r.unexpected()
    try:
        value = parse_uN(text, bits)
    except LiteralError:
        raise r.error(f"i{bits} constant out of range") from None
    r.i += 1
    return value


def _lane_message(c: ModuleContext) -> str:
    """The error for a lane index that is no u8 (Wasm 2.0's text said it otherwise)."""
    return "i8 constant out of range" if c.version >= 3 else "malformed lane index"


def laneidx(r: Reader, c: ModuleContext) -> int:
    return r.nat(8, _lane_message(c))


def num(r: Reader, t: str) -> int:
    """A constant of type i32/i64/f32/f64, as its bit pattern."""
    i = r.i
    k = r.kinds[i]
    if k != NAT and k != INT and k != FLOAT:
        raise r.unexpected()
    r.i = i + 1
    return literal(r, t, r.vals[i], k, i)


def literal(r: Reader, t: str, text: str, kind: int, at: int) -> int:
    """The bits of literal ``text`` (a token of ``kind``) as a constant of type ``t``."""
    try:
        return _literal_bits(t, text, kind == FLOAT)
    except LiteralError:
        raise r.error("constant out of range", at) from None


@lru_cache(maxsize=1 << 14)
def _literal_bits(t: str, text: str, is_float_token: bool) -> int:
    if t[0] == "i":
        if is_float_token:
            raise LiteralError(text)
        return parse_iN(text, _INT_BITS[t] if t in _INT_BITS else int(t[1:]))
    return parse_fN(text, 32 if t == "f32" else 64)


def v128_shape(r: Reader) -> str:
    """The lane shape of ``v128.const`` (``i8x16`` ... ``f64x2``, keys of `SHAPES`)."""
    i = r.i
    if r.kinds[i] != KEYWORD or r.vals[i] not in SHAPES:
        raise r.unexpected()
    r.i = i + 1
    return r.vals[i]


def v128_lanes(r: Reader):
    """``shape lit*`` of ``v128.const``: (shape, lane texts with kinds, at)."""
    i = r.i
    shape = v128_shape(r)
    lanes = []
    kinds = r.kinds
    while kinds[r.i] in (NAT, INT, FLOAT):
        lanes.append((r.vals[r.i], kinds[r.i], r.i))
        r.i += 1
    r.check_word()
    return shape, lanes, i


def v128_const(r: Reader) -> int:
    shape, lanes, at = v128_lanes(r)
    width, count = SHAPES[shape]
    if len(lanes) != count:
        raise r.error("wrong number of lane literals", at)
    lane_type = ("f" if shape[0] == "f" else "i") + str(width)
    bits = 0
    for j, (text, kind, pos) in enumerate(lanes):
        bits |= literal(r, lane_type, text, kind, pos) << (width * j)
    return bits


def _shuffle(r: Reader, c: ModuleContext) -> tuple:
    at = r.i
    lanes = []
    kinds = r.kinds
    while kinds[r.i] in (NAT, INT, FLOAT):
        lanes.append(r.i)
        r.i += 1
    r.check_word()
    if len(lanes) != 16:
        raise r.error("invalid lane length", at)
    out = []
    for pos in lanes:
        try:
            if kinds[pos] != NAT:
                raise LiteralError(r.vals[pos])
            out.append(parse_uN(r.vals[pos], 8))
        except LiteralError:
            raise r.error(_lane_message(c), pos) from None
    return tuple(out)


def _plain(r: Reader, c: ModuleContext, f: FuncContext, op: str) -> Instr:
    """The immediates of plain instruction ``op`` (its keyword is consumed)."""
    imms = ALL_OPCODES[op].imms
    kinds = r.kinds
    if op == "local.get" or op == "local.set" or op == "local.tee":
        return Instr(op, (index(r, f.locals),))
    first = imms[0] if imms else None
    if first in ("i32", "i64", "f32", "f64"):
        return Instr(op, (num(r, first),))
    if first == "memarg":
        if len(imms) == 2:
            # lane instructions: a leading number is the memory only when more follows
            i = r.i
            k = kinds[i]
            mem = 0
            if k == ID or (k == NAT and (kinds[i + 1] == NAT or (
                    kinds[i + 1] == KEYWORD and r.vals[i + 1].startswith(("offset=", "align="))))):
                mem = index(r, c.mems)
            ma = memarg(r, c, op, mem)
            return Instr(op, (ma, laneidx(r, c)))
        return Instr(op, (memarg(r, c, op, _opt_index(r, c.mems)),))
    if first == "labelidx":
        lab = index(r, f.labels)
        if len(imms) == 1:
            return Instr(op, (lab,))
        return Instr(op, (lab, reftype(r, c), reftype(r, c)))   # br_on_cast(_fail)
    if op == "select":
        results = []
        seen = False
        while r.peek_field() == "result":
            r.i += 2
            results.extend(valtypes(r, c))
            r.rpar()
            seen = True
        return Instr("select", (tuple(results),)) if seen else Instr("select")
    if op == "call_indirect" or op == "return_call_indirect":
        table = _opt_index(r, c.tables)
        x, params, results, at = typeuse(r, c, None)
        return Instr(op, (table, resolve_typeuse(r, c, x, params, results, at)))
    if first == "labelvec":
        targets = [index(r, f.labels)]
        while _is_index(r, r.i):
            targets.append(index(r, f.labels))
        return Instr(op, (tuple(targets[:-1]), targets[-1]))
    if first == "laneidx":
        return Instr(op, (laneidx(r, c),))
    if first == "v128":
        return Instr(op, (v128_const(r),))
    if first == "shuffle":
        return Instr(op, (_shuffle(r, c),))
    if first == "heaptype":
        return Instr(op, (heaptype(r, c),))
    if first == "reftype":
        return Instr(op, (reftype(r, c),))
    if op in ("table.get", "table.set", "table.size", "table.grow", "table.fill"):
        return Instr(op, (_opt_index(r, c.tables),))
    if op in ("memory.size", "memory.grow", "memory.fill"):
        return Instr(op, (_opt_index(r, c.mems),))
    if op == "table.copy" or op == "memory.copy":
        space = c.tables if op == "table.copy" else c.mems
        if _is_index(r, r.i):
            return Instr(op, (index(r, space), index(r, space)))
        return Instr(op, (0, 0))
    if op == "table.init" or op == "memory.init":
        space, segs = (c.tables, c.elems) if op == "table.init" else (c.mems, c.datas)
        if _is_index(r, r.i) and _is_index(r, r.i + 1):
            x = index(r, space)
            return Instr(op, (x, index(r, segs)))
        return Instr(op, (0, index(r, segs)))
    if imms == ("typeidx", "fieldidx"):
        x = typeidx(r, c)
        return Instr(op, (x, _field(r, c, x)))
    if imms == ("typeidx", "u32"):
        x = typeidx(r, c)
        return Instr(op, (x, r.nat(32)))
    # the rest: required indices only
    out = []
    for kind in imms:
        if kind == "typeidx":
            out.append(typeidx(r, c))
        else:
            out.append(index(r, getattr(c, _SPACES[kind])))
    return Instr(op, tuple(out))


def _field(r: Reader, c: ModuleContext, x: int) -> int:
    i = r.i
    if r.kinds[i] == ID:
        found = c.fields.get(x, {}).get(r.vals[i])
        if found is None:
            raise r.error(f"unknown field {format_id(r.vals[i])}", i)
        r.i = i + 1
        return found
    return r.nat(32)


__all__ = ["instrs", "folded", "const_expr", "blocktype", "num", "literal", "v128_lanes",
           "v128_const", "index", "is_instr_keyword"]
