"""Basic blocks of a lowered function (the reference interpreter's flat code).

The fast tier translates the *lowered* form of `pyic.wasm.engine.lower`, not
the structured syntax: branch targets are resolved, costs are the cost
model's, instance objects are bound, and every instruction keeps the index
(``pc``) it has in the baseline interpreter (`pyic.wasm.engine.interp`), so
the fast tier can hand a block over to the interpreter's handlers at any
instruction (see `pyic.wasm.engine.fast.step_to_limit`).

A basic block starts at a branch target or after a terminator, and ends with
the first terminator: a branch, ``if``, ``return``, ``unreachable``, a call
(the callee's instructions are counted in between) or a bulk operation's
per-unit ``charge`` (a cost known only at run time).  Its static cost is the
sum of its instructions' costs; the fast tier charges it once, on entry.

Validated code has a fixed operand-stack height at every reachable point;
`analyse` finds the reachable blocks and their entry heights with a worklist
(never recursion), skipping the dead code the lowering keeps after
unconditional branches.
"""

from __future__ import annotations

from . import atomics, descriptors, exceptions, gc_ops, legacy, pagesize, wide
from . import basic_ops as B
from . import control as C
from . import lower as LW
from . import memory_ops as M
from . import table_ops as T
from ..syntax.facts import stack_effect


class Unsupported(Exception):
    """The code generator met something it does not translate (a translation failure:
    what it leaves to the baseline interpreter by design is `interpreted`)."""


# Straight-line handlers with a fixed stack effect (pops, pushes): an instruction's effect is
# its fact (`pyic.wasm.syntax.facts`); the generic numeric handlers are shapes, not ops.
FIXED = {h: stack_effect(op) for op, h in (
    ("nop", C.nop), ("drop", B.drop), ("select", B.select),
    ("local.get", B.local_get), ("local.set", B.local_set), ("local.tee", B.local_tee),
    ("global.get", B.global_get), ("global.set", B.global_set),
    ("ref.is_null", B.ref_is_null), ("ref.as_non_null", B.ref_as_non_null),
    ("ref.eq", B.ref_eq),
    ("memory.size", M.memory_size), ("memory.grow", M.memory_grow),
    ("memory.fill", M.memory_fill), ("memory.copy", M.memory_copy),
    ("memory.init", M.memory_init), ("data.drop", M.data_drop),
    ("table.get", T.table_get), ("table.set", T.table_set), ("table.size", T.table_size),
    ("table.grow", T.table_grow), ("table.fill", T.table_fill), ("table.copy", T.table_copy),
    ("table.init", T.table_init), ("elem.drop", T.elem_drop))}
FIXED.update({B.const: (0, 1), B.unop: (1, 1), B.binop: (2, 1), B.ternop: (3, 1),
              B.unop_imm: (1, 1), B.binop_imm: (2, 1)})
# Memory access handlers: op name by handler (scalar loads/stores are inlined).
LOAD_OPS = {h: op for op, h in LW._LOAD_HANDLERS.items()}
STORE_OPS = {h: op for op, h in LW._STORE_HANDLERS.items()}


def _memory_effect(h):
    op = LOAD_OPS.get(h) or STORE_OPS.get(h)
    if op is not None:
        return stack_effect(op)
    for (maker, key), handler in LW._CACHE.items():
        if handler is h:
            if maker is M.make_vload:
                return (1, 1)
            if maker is M.make_load_lane:
                return (2, 1)
            if maker is M.make_store_lane:
                return (2, 0)
    return None


def effect(ins) -> tuple:
    """(pops, pushes) of a straight-line lowered instruction; `Unsupported` if unknown."""
    h = ins[0]
    e = FIXED.get(h)
    if e is None:
        e = _memory_effect(h)
        if e is None:
            raise Unsupported(getattr(h, "__name__", repr(h)))
    return e


BRANCHES = (C.br, C.br_drop)
COND_BRANCHES = (C.br_if, C.br_if_drop)
# Terminators that end a block (besides the branches above).
ENDS = frozenset((C.jump, C.if_, C.br, C.br_drop, C.br_if, C.br_if_drop, C.br_table, C.return_,
                  C.unreachable, C.call, C.call_indirect, C.charge))
UNSUPPORTED = frozenset((C.br_on_null, C.br_on_non_null, C.call_ref, C.return_call_ref,
                         C.return_call, C.return_call_indirect))
# Handlers of these modules (GC, exception handling, the threads proposal's atomics, wide
# arithmetic, custom page sizes, custom descriptors) are left to the baseline interpreter.
INTERPRETED_MODULES = frozenset(m.__name__ for m in (gc_ops, exceptions, legacy, atomics, wide,
                                                     pagesize, descriptors))


def interpreted(code: list, handlers, f=None) -> str | None:
    """Why the function ``f`` with lowered ``code`` and exception ``handlers`` runs on the
    baseline interpreter by design, or ``None`` if the code generator translates it:
    ``try_table`` (the interpreter unwinds its own frames), and the instructions of
    `UNSUPPORTED` (but a tail call of ``f`` itself) and `INTERPRETED_MODULES`."""
    if handlers:
        return "try_table"
    for ins in code:
        h = ins[0]
        if h in UNSUPPORTED and not self_tail_call(ins, f):
            return h.__name__
        if getattr(h, "__module__", None) in INTERPRETED_MODULES:
            return f"{h.__module__.rsplit('.', 1)[1]}.{h.__name__}"
    return None


class Block:
    """A basic block: reference pcs ``start`` .. ``end`` (inclusive, ``end`` the terminator
    or the last instruction before the next leader), entry height, static cost."""

    __slots__ = ("start", "end", "height", "cost", "succs", "preds", "falls")

    def __init__(self, start: int, height: int) -> None:
        self.start = start
        self.end = start
        self.height = height
        self.cost = 0
        self.succs: list = []    # (target pc, target height)
        self.preds = 0
        self.falls = False       # ends without a terminator (falls into the next leader)


def self_tail_call(ins, f) -> bool:
    """A ``return_call`` of the function ``f`` itself: a jump to its entry with new
    parameters (the frame is replaced by an equal one), compiled as a loop."""
    return ins[0] is C.return_call and f is not None and ins[2] is f


def leaders(code: list, f=None) -> set:
    """Every pc that may start a block (a superset: dead branches add a few)."""
    out = {0}
    for pc, ins in enumerate(code):
        h = ins[0]
        if h in UNSUPPORTED and not self_tail_call(ins, f):
            raise Unsupported(h.__name__)
        if h in ENDS or h is C.return_call:
            out.add(pc + 1)
        if h is C.jump or h is C.if_ or h in BRANCHES or h in COND_BRANCHES:
            out.add(ins[2])
        elif h is C.br_table:
            out.update(t[0] for t in ins[2])
            out.add(ins[3][0])
    return out


def analyse(code: list, nresults: int, f=None) -> dict:
    """The reachable blocks by start pc, with entry heights, costs and successors (``f``:
    the function, whose tail calls to itself jump to its entry, block 0 at height 0)."""
    lead = leaders(code, f)
    blocks: dict = {}
    work = [(0, 0)]
    n = len(code)
    while work:
        start, height = work.pop()
        if start in blocks:
            continue
        blk = blocks[start] = Block(start, height)
        pc, h, cost = start, height, 0
        while True:
            if pc >= n:
                raise Unsupported("fell off the code")
            ins = code[pc]
            hd = ins[0]
            cost += ins[1]
            if hd in ENDS:
                succ = _successors(ins, pc, h, code)
                blk.succs = succ
                break
            if hd is C.return_call:           # to itself (leaders refused the others)
                blk.succs = [(0, 0)]
                break
            pops, pushes = effect(ins)
            h += pushes - pops
            if pc + 1 in lead:
                blk.falls = True
                blk.succs = [(pc + 1, h)]
                break
            pc += 1
        blk.end = pc
        blk.cost = cost
        for t, th in blk.succs:
            if t not in blocks:
                work.append((t, th))
    for blk in blocks.values():
        for t, _ in blk.succs:
            blocks[t].preds += 1   # edges, not distinct blocks: a block is inlined at most once
    blocks[0].preds += 1   # the function's entry
    return blocks


def functype(t):
    """The function type of a ``call_indirect`` immediate (a defined type or a `FuncType`)."""
    return getattr(t, "comptype", t)


def height_after(ins, h: int) -> int:
    """Stack height after a call-like terminator."""
    hd = ins[0]
    if hd is C.call:
        f = ins[2]
        return h - f.nparams + f.nresults
    if hd is C.call_indirect:
        ft = functype(ins[3])
        return h - 1 - len(ft.params) + len(ft.results)
    return h


def _successors(ins, pc: int, h: int, code: list) -> list:
    hd = ins[0]
    if hd is C.jump:
        return [(ins[2], h)]
    if hd is C.if_:
        return [(pc + 1, h - 1), (ins[2], h - 1)]
    if hd in BRANCHES:
        return [(ins[2], h - ins[4])]
    if hd in COND_BRANCHES:
        return [(ins[2], h - 1 - ins[4]), (pc + 1, h - 1)]
    if hd is C.br_table:
        out = [(t[0], h - 1 - t[2]) for t in ins[2]]
        out.append((ins[3][0], h - 1 - ins[3][2]))
        return out
    if hd is C.return_ or hd is C.unreachable:
        return []
    if hd is C.call or hd is C.call_indirect:
        return [(pc + 1, height_after(ins, h))]
    if hd is C.charge:
        return [(pc + 1, h)]
    raise Unsupported(hd.__name__)
