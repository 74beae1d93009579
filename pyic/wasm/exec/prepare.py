"""Preparing a function's code for the reference interpreter, once, on its first invocation.

The structure stays the spec's: blocks still push and pop labels, calls push frames
(`pyic.wasm.exec.eval`).  Preparing only settles what the spec leaves to look-ups:

* each instruction is bound to its reduction rule, as a tuple ``(rule, cost, immediates...)``
  (the ``rules_*`` modules), with ``cost`` its price in the cost model (docs/semantics.md);
* every index is resolved to what F.module designates (the `MemInst`, `GlobalInst`, callee
  `FuncInst`, ...), every type index to its canonical defined type;
* the nested instruction sequences are laid out in one list, so a label's continuation is
  a position in it: after the construct's ``end`` for ``block``/``if``/``try_table``/``try``,
  the body's start for ``loop``.  The ``end`` and ``else`` delimiters become free
  instructions that exit the label (``else`` then skips the else-branch); the function
  body ends in a free ``return`` (falling off the end returns, 4.6.5);
* a branch ``br l`` gets the position of label ``l`` on the frame's control stack (the
  labels and handlers between the frame and the branch are known statically: each
  construct pushes a fixed number of entries, see `pyic.wasm.exec.rules_control`).

Bulk operations get a free metering step just before them that pays their instruction cost
plus the per-element charge in one step (`rules_control.charge`).  The walk over nested
bodies uses an explicit stack: nesting depth never reaches the host stack.
"""

from __future__ import annotations

import functools

from ...errors import Trap
from ..runtime.aggregates import field_mask
from ..runtime.atomics import RMW
from ..runtime.gc import PACK_SIZE, field_default
from ..runtime.types import close_valtype
from ..runtime.values import FuncRef, default_value, null
from ..syntax.opcodes import ATOMIC_OPS, MEMORY_OPS, natural_alignment
from . import rules_basic as B
from . import rules_control as C
from . import rules_gc as G
from . import rules_memory as M
from .cost import DEFAULT, METERED_OPS


class Prepared:
    """A function's prepared ``code``, the default values of its declared locals, and the
    continuation of its body's label."""

    __slots__ = ("code", "zeros", "end")

    def __init__(self, code: list, zeros: list, end: int) -> None:
        self.code = code
        self.zeros = zeros
        self.end = end              # the continuation of the function's label: its ``return``


class _Construct:
    """A structured instruction being prepared: ``outer`` is the control-stack depth before it
    (what a branch out of it truncates to), ``pos`` the position of its label, ``loop``
    whether a branch to it continues with its body, ``end`` the fix-ups of its continuation."""

    __slots__ = ("kind", "outer", "pos", "loop", "ends", "rest", "ref")

    def __init__(self, kind: str, outer: int, pos: int, loop: bool = False) -> None:
        self.kind = kind
        self.outer = outer
        self.pos = pos
        self.loop = loop
        self.ends: list = []       # instructions whose continuation is this construct's end
        self.rest = None           # if: the else-branch; try: the catches still to prepare
        self.ref = None            # if: the if instruction; try: its handler


def block_arity(bt, types) -> tuple:
    """(parameters, results) of the block type ``bt``: none, one value type, or the index of a
    function type in ``types``."""
    if bt is None:
        return 0, 0
    if isinstance(bt, int):
        ft = types[bt]
        return len(ft.params), len(ft.results)
    return 0, 1


def _target(c: _Construct) -> tuple:
    """(label position, control-stack length after the branch) of a branch to ``c``."""
    return c.pos, (c.pos + 1 if c.loop else c.outer)


def prepared(f, store) -> Prepared:
    """The prepared form of the Wasm function instance ``f``, made on first use."""
    p = f.prepared
    if p is None:
        if f.code is None:
            raise Trap("no code")
        p = f.prepared = prepare(f, store)
    return p


def prepare(f, store) -> Prepared:
    mi = f.module
    types = mi.types
    costs = store.config.cost or DEFAULT
    canon = store.config.canonical_nan
    code: list = []
    emit = code.append

    # the function's own label: position 0 of the frame's control stack (pushed by invocation)
    func = _Construct("func", 0, 0)
    ctrls = [func]
    depth = 1
    func_end = -1
    bodies = [iter(f.code.body)]
    while bodies:
        instr = next(bodies[-1], None)
        if instr is None:
            bodies.pop()
            c = ctrls[-1]
            if c.kind == "if" and c.rest is not None:
                # the then-branch ends: ``else`` exits the label and skips the else-branch
                ins = [C.else_, 0, None]
                emit(ins)
                c.ends.append((ins, 2))
                c.ref[2] = len(code)           # where the if goes on 0
                bodies.append(iter(c.rest))
                c.rest = None
                continue
            if c.kind in ("try", "catch") and c.rest is not None and c.rest[0]:
                # legacy try: a section ends, a catch follows
                ins = [C.end_try if c.kind == "try" else C.end_catch, 0, None]
                emit(ins)
                c.ends.append((ins, 2))
                catch = c.rest[0].pop(0)
                c.ref.catches.append((c.rest[1].pop(0), len(code)))
                c.kind = "catch"
                bodies.append(iter(catch.body))
                continue
            ctrls.pop()
            depth = c.outer
            if c.kind == "func":
                emit([C.return_, 0])
                end = len(code) - 1
            elif c.kind == "loop" or c.kind == "block" or c.kind == "if":
                emit([C.end, 0])
                end = len(code)
                if c.kind == "if" and c.ref[2] is None:
                    c.ref[2] = end - 1         # no else-branch: on 0, exit at once
            elif c.kind == "try_table":
                emit([C.end_try_table, 0])
                end = len(code)
            else:                               # a legacy try's last section
                emit([C.end_try if c.kind == "try" else C.end_catch, 0, None])
                c.ends.append((code[-1], 2))
                end = len(code)
            for ins, k in c.ends:
                ins[k] = end
            if c.kind == "func":
                func_end = end
            continue

        op = instr.op
        imm = instr.imm
        cost = costs.cost(op)
        # ------------------------------------------------ 4.6.2 structured control
        if op == "block" or op == "loop":
            np_, nr = block_arity(imm[0], types)
            c = _Construct(op, depth, depth, op == "loop")
            if op == "loop":
                emit([C.loop, cost, np_])
            else:
                ins = [C.block, cost, None, nr, np_]
                emit(ins)
                c.ends.append((ins, 2))
            ctrls.append(c)
            depth += 1
            bodies.append(iter(imm[1]))
            continue
        if op == "if":
            np_, nr = block_arity(imm[0], types)
            c = _Construct("if", depth, depth)
            ins = [C.if_, cost, None, None, nr, np_]
            emit(ins)
            c.ends.append((ins, 3))
            c.ref = ins
            c.rest = imm[2] if imm[2] else None
            ctrls.append(c)
            depth += 1
            bodies.append(iter(imm[1]))
            continue
        if op == "try_table":
            np_, nr = block_arity(imm[0], types)
            clauses = []
            for cl in imm[1]:
                pos, keep = _target(ctrls[-1 - cl.labelidx])
                tag = mi.tags[cl.tagidx] if cl.tagidx is not None else None
                clauses.append((tag, cl.kind.endswith("_ref"), pos, keep))
            # the handler at ``depth``, the label above it
            c = _Construct("try_table", depth, depth + 1)
            ins = [C.try_table, cost, C.Handler(tuple(clauses)), None, nr, np_]
            emit(ins)
            c.ends.append((ins, 3))
            ctrls.append(c)
            depth += 2
            bodies.append(iter(imm[2]))
            continue
        if op == "try":
            # legacy exceptions: the label at ``depth``, the handler above it
            bt, body, catches, delegate = imm
            np_, nr = block_arity(bt, types)
            if delegate is not None:
                # ``delegate l`` rethrows outside the try and l more constructs
                target = ctrls[max(0, len(ctrls) - delegate)] if delegate else None
                handler = C.Delegate(target.outer if target is not None else depth)
            else:
                handler = C.Catches()
            c = _Construct("try", depth, depth)
            ins = [C.try_, cost, None, nr, np_, handler]
            emit(ins)
            c.ends.append((ins, 2))
            c.ref = handler
            tags = [mi.tags[k.tagidx] if k.tagidx is not None else None for k in catches]
            c.rest = (list(catches), tags)
            ctrls.append(c)
            depth += 2
            bodies.append(iter(body))
            continue
        if op == "rethrow":
            # the exception the catch of label l is handling sits just above that label
            emit([C.rethrow, cost, ctrls[-1 - imm[0]].pos + 1])
            continue

        # ------------------------------------------------ branches
        if op in ("br", "br_if", "br_on_null", "br_on_non_null"):
            pos, keep = _target(ctrls[-1 - imm[0]])
            rule = {"br": C.br, "br_if": C.br_if, "br_on_null": C.br_on_null,
                    "br_on_non_null": C.br_on_non_null}[op]
            emit([rule, cost, pos, keep])
            continue
        if op == "br_table":
            targets = tuple(_target(ctrls[-1 - lab]) for lab in imm[0])
            emit([C.br_table, cost, targets, _target(ctrls[-1 - imm[1]])])
            continue
        if op in ("br_on_cast", "br_on_cast_fail"):
            pos, keep = _target(ctrls[-1 - imm[0]])
            rule = C.br_on_cast if op == "br_on_cast" else C.br_on_cast_fail
            emit([rule, cost, pos, keep, close_valtype(imm[2], mi.deftypes), store.funcs])
            continue
        if op in ("br_on_cast_desc_eq", "br_on_cast_desc_eq_fail"):
            pos, keep = _target(ctrls[-1 - imm[0]])
            rule = C.br_on_cast_desc_eq if op == "br_on_cast_desc_eq" else \
                C.br_on_cast_desc_eq_fail
            emit([rule, cost, pos, keep, imm[2].nullable])
            continue
        if op == "return":
            emit([C.return_, cost])
            continue
        if op == "unreachable":
            emit([C.unreachable, cost])
            continue
        if op == "nop":
            emit([C.nop, cost])
            continue
        if op == "throw":
            tag = mi.tags[imm[0]]
            emit([C.throw, cost, tag, len(tag.type.params)])
            continue
        if op == "throw_ref":
            emit([C.throw_ref, cost])
            continue

        # ------------------------------------------------ calls
        if op in ("call", "return_call"):
            emit([C.call if op == "call" else C.return_call, cost, mi.funcs[imm[0]]])
            continue
        if op in ("call_indirect", "return_call_indirect"):
            rule = C.call_indirect if op == "call_indirect" else C.return_call_indirect
            emit([rule, cost, mi.tables[imm[0]], mi.deftypes[imm[1]], store.funcs])
            continue
        if op in ("call_ref", "return_call_ref"):
            emit([C.call_ref if op == "call_ref" else C.return_call_ref, cost, store.funcs])
            continue

        ins = straight(op, imm, cost, mi, store, canon)
        if op in METERED_OPS:
            unit, shift = costs.unit_cost(op)
            if unit:
                # the whole charge in one step before the operation (docs/semantics.md)
                emit([C.charge, 0, unit, shift, ins[1]])
                ins[1] = 0
        emit(ins)

    for k, ins in enumerate(code):
        code[k] = tuple(ins)
    zeros = [default_value(t) for t in f.code.locals]
    return Prepared(code, zeros, func_end)


def _all_ones(addrtype: str) -> int:
    return 0xFFFF_FFFF if addrtype == "i32" else 0xFFFF_FFFF_FFFF_FFFF


_VAR = {"local.get": B.local_get, "local.set": B.local_set, "local.tee": B.local_tee}
_SIMPLE = {"drop": B.drop, "select": B.select, "ref.is_null": B.ref_is_null,
           "ref.as_non_null": B.ref_as_non_null, "ref.eq": B.ref_eq,
           "ref.i31": G.ref_i31, "i31.get_s": G.i31_get_s, "i31.get_u": G.i31_get_u,
           "any.convert_extern": G.any_convert_extern,
           "extern.convert_any": G.extern_convert_any, "array.len": G.array_len,
           "array.copy": G.array_copy, "ref.get_desc": G.ref_get_desc,
           "atomic.fence": M.atomic_fence}
_LOADS = {op: M.make_load(n, ext) for op, (n, ext) in M.LOADS.items()}
_STORES = {op: M.make_store(n) for op, n in M.STORES.items()}


@functools.cache
def _made(maker, key):
    """The rule ``maker(key)``, made once."""
    return maker(key)


def straight(op: str, imm: tuple, cost: int, mi, store, canon: bool) -> list:
    """The prepared form of an instruction that does not transfer control (also the constant
    instructions of `pyic.wasm.exec.eval.eval_const`)."""
    if op in _VAR:
        return [_VAR[op], cost, imm[0]]
    if op in _SIMPLE:
        return [_SIMPLE[op], cost]
    if op == "global.get":
        return [B.global_get, cost, mi.globals[imm[0]]]
    if op == "global.set":
        return [B.global_set, cost, mi.globals[imm[0]]]
    if op in ("i32.const", "i64.const", "f32.const", "f64.const", "v128.const"):
        return [B.const, cost, imm[0]]
    if op == "ref.null":
        return [B.const, cost, null(imm[0])]
    if op == "ref.func":
        return [B.const, cost, FuncRef(mi.funcs[imm[0]].addr)]
    if op in ATOMIC_OPS:
        return _atomic(op, imm, cost, mi)
    if op in MEMORY_OPS:
        return _memory(op, imm, cost, mi)
    if op.startswith(("memory.", "data.", "table.", "elem.")):
        return _bulk(op, imm, cost, mi)
    if op.startswith(("struct.", "array.", "ref.")):
        return _aggregate(op, imm, cost, mi, store)
    rule, *rest = B.numeric(op, imm, canon)
    return [rule, cost, *rest]


def _memory(op: str, imm: tuple, cost: int, mi) -> list:
    memarg = imm[0]
    m = mi.mems[memarg.memidx]
    off = memarg.offset
    if op in _LOADS:
        return [_LOADS[op], cost, m, off]
    if op in _STORES:
        return [_STORES[op], cost, m, off]
    name = op.split(".", 1)[1]
    if name.endswith("_lane"):
        if name.startswith("load"):
            return [_made(M.make_load_lane, int(name[4:-5])), cost, m, off, imm[1]]
        return [_made(M.make_store_lane, int(name[5:-5])), cost, m, off, imm[1]]
    return [_made(M.make_vload, op), cost, m, off]


def _atomic(op: str, imm: tuple, cost: int, mi) -> list:
    memarg = imm[0]
    head = [mi.mems[memarg.memidx], memarg.offset, natural_alignment(op)]
    if op == "memory.atomic.notify":
        return [M.atomic_notify, cost, *head]
    if op.startswith("memory.atomic.wait"):
        return [M.atomic_wait, cost, *head]
    name = op.partition(".atomic.")[2]
    if name.startswith("load"):
        return [M.atomic_load, cost, *head]
    if name.startswith("store"):
        return [M.atomic_store, cost, *head]
    kind = name.split(".", 1)[1].removesuffix("_u")
    if kind == "cmpxchg":
        return [M.atomic_cmpxchg, cost, *head]
    return [M.atomic_rmw, cost, *head, RMW[kind]]


# The table (4.6.7) and memory (4.6.8) instructions but loads and stores, and their rules;
# their immediates: `bulk_immediates`.
BULK = {"memory.size": M.memory_size, "memory.grow": M.memory_grow,
        "memory.fill": M.memory_fill, "memory.copy": M.memory_copy,
        "memory.init": M.memory_init, "data.drop": M.data_drop, "elem.drop": M.elem_drop,
        "table.get": M.table_get, "table.set": M.table_set, "table.size": M.table_size,
        "table.grow": M.table_grow, "table.fill": M.table_fill, "table.copy": M.table_copy,
        "table.init": M.table_init}


def bulk_immediates(op: str, imm: tuple, mi) -> tuple:
    """The immediates of a table or memory instruction of `BULK` in the module instance
    ``mi``, as its rule reads them after ``(rule, cost)`` (the fast tier's baseline handlers
    read the same): the instances its indices designate, and for ``grow`` -1 in its address
    type.  A memory instruction and the table instruction of the same name take the same."""
    if op == "data.drop":
        return (mi.datas[imm[0]],)
    if op == "elem.drop":
        return (mi.elems[imm[0]],)
    space, name = op.split(".", 1)
    insts, segments = (mi.mems, mi.datas) if space == "memory" else (mi.tables, mi.elems)
    x = insts[imm[0]]
    if name == "grow":
        return x, _all_ones(x.addrtype)
    if name == "copy":
        return x, insts[imm[1]]
    if name == "init":
        return x, segments[imm[1]]
    return (x,)


def _bulk(op: str, imm: tuple, cost: int, mi) -> list:
    rule = BULK.get(op)
    if rule is None:
        raise Trap(f"unsupported instruction {op}")
    return [rule, cost, *bulk_immediates(op, imm, mi)]


# The aggregate instructions (4.6.9) and their rules; their immediates: `aggregate_immediates`.
AGGREGATE = {"struct.new": G.struct_new, "struct.new_default": G.struct_new_default,
             "struct.get": G.struct_get, "struct.get_u": G.struct_get,
             "struct.get_s": G.struct_get_s, "struct.set": G.struct_set,
             "array.new": G.array_new, "array.new_default": G.array_new_default,
             "array.new_fixed": G.array_new_fixed, "array.new_data": G.array_new_data,
             "array.new_elem": G.array_new_elem, "array.get": G.array_get,
             "array.get_u": G.array_get, "array.get_s": G.array_get_s, "array.set": G.array_set,
             "array.fill": G.array_fill, "array.init_data": G.array_init_data,
             "array.init_elem": G.array_init_elem, "ref.test": G.ref_test, "ref.cast": G.ref_cast}
# aggregate instructions whose rules take no immediates
_BARE = frozenset(("ref.i31", "i31.get_s", "i31.get_u", "any.convert_extern",
                   "extern.convert_any", "array.len", "array.copy"))


def aggregate_immediates(op: str, imm: tuple, mi, store) -> tuple:
    """The immediates of the aggregate instruction ``op`` (4.6.9) in the module instance ``mi``,
    as its rule reads them after ``(rule, cost)`` (the fast tier's baseline handlers,
    `pyic.wasm.engine.gc_ops`, read the same): type indices become canonical defined types
    and the facts the rule needs (field count, packing masks, defaults, element size)."""
    if op in _BARE:
        return ()
    if op in ("ref.test", "ref.cast"):
        return close_valtype(imm[0], mi.deftypes), store.funcs
    dt = mi.deftypes[imm[0]]
    ct = dt.comptype
    if op.startswith("struct."):
        fields = ct.fields
        if op == "struct.new":
            packs = tuple((i, field_mask(fl.storagetype)) for i, fl in enumerate(fields)
                          if field_mask(fl.storagetype) is not None)
            return dt, len(fields), packs
        if op == "struct.new_default":
            return dt, tuple(field_default(fl.storagetype) for fl in fields)
        i = imm[1]
        st = fields[i].storagetype
        if op == "struct.set":
            return i, field_mask(st)
        if op == "struct.get_s":
            return i, st
        return (i,)
    st = ct.field.storagetype
    if op in ("array.new", "array.new_default"):
        return dt, field_mask(st) if op == "array.new" else field_default(st)
    if op == "array.new_fixed":
        return dt, imm[1], field_mask(st)
    if op == "array.new_data":
        # only numeric, vector and packed element types can come from data (validation)
        return dt, mi.datas[imm[1]], PACK_SIZE[st]
    if op == "array.new_elem":
        return dt, mi.elems[imm[1]]
    if op == "array.get_s":
        return (st,)
    if op in ("array.get", "array.get_u"):
        return ()
    if op in ("array.set", "array.fill"):
        return (field_mask(st),)
    if op == "array.init_data":
        return mi.datas[imm[1]], PACK_SIZE[st]
    if op == "array.init_elem":
        return (mi.elems[imm[1]],)
    raise Trap(f"unsupported instruction {op}")


def _aggregate(op: str, imm: tuple, cost: int, mi, store) -> list:
    """GC (4.6.9) and custom-descriptors instructions with a type immediate."""
    if op == "ref.cast_desc_eq":
        return [G.ref_cast_desc_eq, cost, imm[0].nullable]
    if op in ("struct.new_desc", "struct.new_default_desc"):
        inner = _aggregate(op[:-5], imm, 0, mi, store)
        return [G.struct_new_desc, cost, tuple(inner)]
    rule = AGGREGATE.get(op)
    if rule is None:
        raise Trap(f"unsupported instruction {op}")
    return [rule, cost, *aggregate_immediates(op, imm, mi, store)]
