"""Lowering a function instance's code into the interpreter's flat form.

Done once per function instance, on its first call (validated code only).
The result is a list of tuples ``(handler, cost, immediates...)`` with

* every index resolved to the instance it designates (a `MemInst`, a
  `GlobalInst`, the callee `FuncInst`, ...), and every type index to its
  canonical defined type (`pyic.wasm.runtime.types`), so handlers never look
  up the module instance;
* structured control flattened: ``block``/``loop``/``try_table`` become
  counted no-ops (a ``try_table`` also adds an entry to the function's
  handler table, see `pyic.wasm.engine.exceptions`),
  ``if`` a conditional jump, the ``else`` delimiter a jump that costs 0, the
  ``end`` delimiters nothing, and the function's final ``end`` a return that
  costs 0;
* every branch resolved to its target index plus the numbers of values to
  keep (the label's arity) and to drop below them.  Validated code has a
  fixed operand-stack height at every reachable point (spec 3.4 "Instructions", appendix
  "Validation Algorithm"), which this pass tracks, so branches never consult
  a label stack at run time.

The walk over nested bodies uses an explicit stack: nesting depth never
reaches the host stack.
"""

from __future__ import annotations

from ...errors import Trap
from ..numerics.canonical import canonicalising
from ..runtime.types import close_valtype
from ..runtime.values import FuncRef, default_value, null
from ..numerics import NUMERIC
from ..syntax.facts import stack_effect
from ..syntax.opcodes import MEMORY_OPS
from . import basic_ops as B
from . import control as C
from . import exceptions as X
from . import gc_ops as G
from . import descriptors as DX
from . import legacy as LX
from . import memory_ops as M
from . import numeric as N
from . import table_ops as T
from ..exec.cost import DEFAULT, METERED_OPS
from ..exec.prepare import block_arity, bulk_immediates
from .proposals import LOWER as PROPOSAL_OPS


class Label:
    """A branch target whose index becomes known when its block is closed (at once for loops)."""

    __slots__ = ("pc",)

    def __init__(self, pc: int = -1) -> None:
        self.pc = pc


class Compiled:
    """A lowered function: ``code``, the default values of its declared locals, and its
    exception handlers ``(start, end, clauses)``, innermost first
    (`pyic.wasm.engine.exceptions`)."""

    __slots__ = ("code", "zeros", "handlers")

    def __init__(self, code: list, zeros: list, handlers: tuple = ()) -> None:
        self.code = code
        self.zeros = zeros
        self.handlers = handlers


class _Targets(list):
    """``br_table``'s targets while labels are unresolved."""


class _Ctrl:
    """A control frame of the lowering walk (cf. the validation algorithm's ctrl frames)."""

    __slots__ = ("kind", "label", "end", "base", "nparams", "nresults", "unreachable",
                 "else_body", "else_label", "outer_unreachable", "catches", "start", "legacy")

    def __init__(self, kind, label, end, base, nparams, nresults, outer_unreachable):
        self.kind = kind
        self.label = label          # where a branch to this frame goes
        self.end = end              # the label of the frame's end
        self.base = base            # stack height below the frame's parameters
        self.nparams = nparams
        self.nresults = nresults
        self.unreachable = False
        self.else_body = None
        self.else_label = None
        self.outer_unreachable = outer_unreachable
        self.catches = None         # try_table: (body start, catch clauses)
        self.start = -1             # the pc of its opening instruction (legacy delegate)
        self.legacy = None          # a legacy try: its `legacy.TryState`

    def arity(self) -> int:
        # 3.4.2 ``block``, ``loop``: a loop's label takes its parameters,
        # any other label its results
        return self.nparams if self.kind == "loop" else self.nresults


def lower(f, store) -> Compiled:
    """Lower the code of the Wasm function instance ``f`` (a `FuncInst`)."""
    mi = f.module
    types = mi.types
    cfg = store.config
    costs = cfg.cost or DEFAULT
    # `CostModel.cost` without a method call per instruction (lowering is run-once work)
    cost_of, default_cost = costs.instr.get, costs.default
    canon = cfg.canonical_nan
    funcs = store.funcs

    code: list = []
    emit = code.append
    handlers: list = []

    def branch(handler_plain, handler_drop, cost, ctrl: _Ctrl, h: int, extra_pop: int = 0):
        keep = ctrl.arity()
        drop = max(0, h - ctrl.base - keep)
        if drop:
            emit([handler_drop, cost, ctrl.label, keep, drop])
        else:
            emit([handler_plain, cost, ctrl.label, keep, 0])

    nres = f.nresults
    top = _Ctrl("func", Label(), None, 0, 0, nres, False)
    top.end = top.label
    ctrls = [top]
    stack = [iter(f.code.body)]
    h = 0  # static operand-stack height relative to the frame
    hidden_base = f.nparams + len(f.code.locals)   # legacy catches' hidden locals
    hidden = [0]

    while stack:
        instr = next(stack[-1], None)
        if instr is None:
            # end of a body
            stack.pop()
            ctrl = ctrls[-1]
            if ctrl.kind == "if" and ctrl.else_body is not None:
                # the then-branch ends: jump over the else-branch (``else`` costs nothing)
                if not ctrl.unreachable:
                    emit([C.jump, 0, ctrl.end])
                ctrl.else_label.pc = len(code)
                stack.append(iter(ctrl.else_body))
                ctrl.else_body = None
                ctrl.kind = "else"
                ctrl.unreachable = False
                h = ctrl.base + ctrl.nparams
                continue
            if ctrl.legacy is not None:
                # legacy exceptions: the next catch of a try (exec/legacy.py)
                section = LX.end_section(ctrl, ctrls, code, handlers, hidden_base, hidden, C.jump)
                if section is not None:
                    stack.append(iter(section[0]))
                    h = section[1]
                    continue
            ctrls.pop()
            ctrl.end.pc = len(code)
            if ctrl.catches is not None:
                # the try_table's body ends: its handler covers [start, here)
                handlers.append((ctrl.catches[0], len(code), ctrl.catches[1]))
            if ctrl.else_label is not None and ctrl.else_label.pc < 0:
                ctrl.else_label.pc = len(code)
            h = ctrl.base + ctrl.nresults
            if ctrl.kind == "func":
                emit([C.return_, 0])
            continue

        op = instr.op
        imm = instr.imm
        cost = cost_of(op, default_cost)
        if op in _PLAIN:
            # the most frequent instructions first: straight-line, fixed effect, no proposal
            # lowering and no per-element charge (their full path below gives the same)
            pops, pushes = stack_effect(op)
            h += pushes - pops
            emit(_numeric(op, imm, cost, canon) if op in _PLAIN_NUMERIC
                 else _simple(op, imm, cost, mi, store, canon))
            continue
        cur = ctrls[-1]

        # ---------------------------------------------------------- structured control
        if op == "block" or op == "loop":
            np_, nr = block_arity(imm[0], types)
            emit([C.nop, cost])
            base = h - np_
            if op == "loop":
                lbl = Label(len(code))
                ctrl = _Ctrl("loop", lbl, Label(), base, np_, nr, cur.unreachable)
            else:
                end = Label()
                ctrl = _Ctrl("block", end, end, base, np_, nr, cur.unreachable)
            ctrl.start = len(code) - 1
            ctrls.append(ctrl)
            stack.append(iter(imm[1]))
            continue
        if op == "try":
            # legacy exceptions (exec/legacy.py): a block whose body has handlers
            np_, nr = block_arity(imm[0], types)
            emit([LX.try_, cost])
            end = Label()
            ctrl = _Ctrl("try", end, end, h - np_, np_, nr, cur.unreachable)
            ctrl.start = len(code) - 1
            LX.open_try(ctrl, imm, ctrls, mi, len(code), Label)
            ctrls.append(ctrl)
            stack.append(iter(imm[1]))
            continue
        if op == "rethrow":
            emit([LX.rethrow, cost, ctrls[-1 - imm[0]].legacy.slot])
            _dead(cur)
            h = cur.base
            continue
        if op == "try_table":
            # 4.6.2 ``try_table``: a block with handlers (clauses target the enclosing labels)
            np_, nr = block_arity(imm[0], types)
            emit([C.nop, cost])
            clauses = []
            for c in imm[1]:
                target = ctrls[-1 - c.labelidx]
                tag = mi.tags[c.tagidx] if c.tagidx is not None else None
                clauses.append((tag, c.kind.endswith("_ref"), target.label, target.base))
            end = Label()
            ctrl = _Ctrl("block", end, end, h - np_, np_, nr, cur.unreachable)
            ctrl.catches = (len(code), tuple(clauses))
            ctrl.start = len(code) - 1
            ctrls.append(ctrl)
            stack.append(iter(imm[2]))
            continue
        if op == "if":
            np_, nr = block_arity(imm[0], types)
            h -= 1
            end = Label()
            else_label = Label()
            emit([C.if_, cost, else_label])
            ctrl = _Ctrl("if", end, end, h - np_, np_, nr, cur.unreachable)
            ctrl.else_label = else_label
            ctrl.else_body = imm[2] if imm[2] else None
            ctrl.start = len(code) - 1
            ctrls.append(ctrl)
            stack.append(iter(imm[1]))
            continue

        # ---------------------------------------------------------- branches
        if op == "br":
            branch(C.br, C.br_drop, cost, ctrls[-1 - imm[0]], h)
            _dead(cur)
            h = cur.base
            continue
        if op == "br_if":
            h -= 1
            branch(C.br_if, C.br_if_drop, cost, ctrls[-1 - imm[0]], h)
            continue
        if op == "br_table":
            h -= 1
            targets = _Targets()
            for lab in imm[0]:
                c = ctrls[-1 - lab]
                keep = c.arity()
                targets.append((c.label, keep, max(0, h - c.base - keep)))
            c = ctrls[-1 - imm[1]]
            keep = c.arity()
            emit([C.br_table, cost, targets, (c.label, keep, max(0, h - c.base - keep))])
            _dead(cur)
            h = cur.base
            continue
        if op == "br_on_null" or op == "br_on_non_null":
            c = ctrls[-1 - imm[0]]
            keep = c.arity()
            # br_on_null branches without the ref; br_on_non_null with it
            hb = h - 1 if op == "br_on_null" else h
            handler = C.br_on_null if op == "br_on_null" else C.br_on_non_null
            emit([handler, cost, c.label, keep, max(0, hb - c.base - keep)])
            if op == "br_on_non_null":
                h -= 1
            continue
        if op == "br_on_cast" or op == "br_on_cast_fail":
            # the reference stays on the stack on both paths
            c = ctrls[-1 - imm[0]]
            keep = c.arity()
            handler = G.br_on_cast if op == "br_on_cast" else G.br_on_cast_fail
            emit([handler, cost, c.label, keep, max(0, h - c.base - keep),
                  close_valtype(imm[2], mi.deftypes), funcs])
            continue
        if op == "br_on_cast_desc_eq" or op == "br_on_cast_desc_eq_fail":
            # custom-descriptors (exec/descriptors.py): the descriptor is popped first
            h -= 1
            c = ctrls[-1 - imm[0]]
            keep = c.arity()
            handler = DX.br_on_cast_desc_eq if op == "br_on_cast_desc_eq" else \
                DX.br_on_cast_desc_eq_fail
            emit([handler, cost, c.label, keep, max(0, h - c.base - keep), imm[2].nullable])
            continue
        if op in _ENDING:
            # what follows, to the end of the block, is unreachable
            if op == "throw":
                tag = mi.tags[imm[0]]
                emit([X.throw, cost, tag, len(tag.type.params)])
            else:
                emit([_ENDING[op], cost])
            _dead(cur)
            h = cur.base
            continue

        # ---------------------------------------------------------- calls
        if op in ("call", "return_call"):
            callee = mi.funcs[imm[0]]
            emit([C.call if op == "call" else C.return_call, cost, callee])
            h += callee.nresults - callee.nparams
            if op == "return_call":
                _dead(cur)
                h = cur.base
            continue
        if op in ("call_indirect", "return_call_indirect"):
            ft = types[imm[1]]
            tab = mi.tables[imm[0]]
            emit([C.call_indirect if op == "call_indirect" else C.return_call_indirect,
                  cost, tab, mi.deftypes[imm[1]], funcs])
            h += len(ft.results) - len(ft.params) - 1
            if op == "return_call_indirect":
                _dead(cur)
                h = cur.base
            continue
        if op in ("call_ref", "return_call_ref"):
            ft = types[imm[0]]
            emit([C.call_ref if op == "call_ref" else C.return_call_ref, cost, funcs])
            h += len(ft.results) - len(ft.params) - 1
            if op == "return_call_ref":
                _dead(cur)
                h = cur.base
            continue

        # ---------------------------------------------------------- everything else: fixed effects
        if op in PROPOSAL_OPS and (lowered := PROPOSAL_OPS[op](imm, cost, mi, store)):
            # beyond Wasm 3.0 (docs/proposals.md; None: the op as 3.0 has it)
            pops, pushes, ins = lowered
            h += pushes - pops
            _emit_metered(emit, op, ins, costs)
            continue
        if op in G.GC_OPS:
            pops, pushes = G.effect(op, imm, mi)
            h += pushes - pops
            ins = G.lower_gc(op, imm, cost, mi, store)
            _emit_metered(emit, op, ins, costs)
            continue
        # every op left here has a fixed effect (`pyic.wasm.syntax.facts`)
        pops, pushes = stack_effect(op)
        h += pushes - pops
        ins = _simple(op, imm, cost, mi, store, canon)
        _emit_metered(emit, op, ins, costs)

    # resolve labels; the hot loop sees tuples of plain ints
    for k, ins in enumerate(code):
        for j in range(2, len(ins)):
            x = ins[j]
            if isinstance(x, Label):
                ins[j] = x.pc
            elif type(x) is _Targets:       # br_table targets
                ins[j] = tuple((t[0].pc, t[1], t[2]) for t in x)
            elif isinstance(x, tuple) and x and isinstance(x[0], Label):
                ins[j] = (x[0].pc, x[1], x[2])
        code[k] = tuple(ins)
    zeros = [default_value(t) for t in f.code.locals] + [None] * hidden[0]
    handlers_ = tuple(
        (start, end, tuple((tag, ref, lbl.pc, height) for tag, ref, lbl, height in cl))
        for start, end, cl in handlers)
    return Compiled(code, zeros, handlers_)


# Instructions after which the rest of a block is unreachable (but branches and tail calls).
_ENDING = {"throw": X.throw, "throw_ref": X.throw_ref, "return": C.return_,
           "unreachable": C.unreachable}


def _emit_metered(emit, op: str, ins: list, costs) -> None:
    """Emit ``ins``; a bulk operation is preceded by its whole charge (docs/semantics.md:
    instruction cost plus the per-element cost, paid before the bounds check, so a limit
    stops it before anything is allocated).  Its element count is the top operand."""
    if op in METERED_OPS:
        unit, shift = costs.unit_cost(op)
        if unit:
            emit([C.charge, 0, unit, 1, ins[1], shift])
            ins[1] = 0
    emit(ins)


def _dead(ctrl: _Ctrl) -> None:
    ctrl.unreachable = True


# The table and memory instructions but loads and stores; their immediates are the reference's
# (`pyic.wasm.exec.prepare.bulk_immediates`).
_BULK_HANDLERS = {
    "memory.size": M.memory_size, "memory.grow": M.memory_grow, "memory.fill": M.memory_fill,
    "memory.copy": M.memory_copy, "memory.init": M.memory_init, "data.drop": M.data_drop,
    "table.get": T.table_get, "table.set": T.table_set, "table.size": T.table_size,
    "table.grow": T.table_grow, "table.fill": T.table_fill, "table.copy": T.table_copy,
    "table.init": T.table_init, "elem.drop": T.elem_drop}


# The instructions `lower` takes the short way (`_simple`, `_numeric`): neither control nor
# GC, no proposal's own lowering, no per-element charge.
_PLAIN_NUMERIC = frozenset(NUMERIC) - frozenset(PROPOSAL_OPS) - METERED_OPS - G.GC_OPS
_PLAIN = _PLAIN_NUMERIC | (frozenset(("local.get", "local.set", "local.tee", "global.get",
                                      "global.set", "drop")) - frozenset(PROPOSAL_OPS))


def _simple(op: str, imm: tuple, cost: int, mi, store, canon: bool) -> list:
    """The lowered form of a straight-line instruction."""
    if op == "local.get":
        return [B.local_get, cost, imm[0]]
    if op == "local.set":
        return [B.local_set, cost, imm[0]]
    if op == "local.tee":
        return [B.local_tee, cost, imm[0]]
    if op == "global.get":
        return [B.global_get, cost, mi.globals[imm[0]]]
    if op == "global.set":
        return [B.global_set, cost, mi.globals[imm[0]]]
    if op == "drop":
        return [B.drop, cost]
    if op == "select":
        return [B.select, cost]
    if op == "nop":
        return [C.nop, cost]
    if op in ("i32.const", "i64.const", "f32.const", "f64.const", "v128.const"):
        return [B.const, cost, imm[0]]
    if op == "ref.null":
        return [B.const, cost, null(imm[0])]
    if op == "ref.func":
        return [B.const, cost, FuncRef(mi.funcs[imm[0]].addr)]
    if op == "ref.is_null":
        return [B.ref_is_null, cost]
    if op == "ref.as_non_null":
        return [B.ref_as_non_null, cost]
    if op == "ref.eq":
        return [B.ref_eq, cost]
    if op in MEMORY_OPS:
        return _memory(op, imm, cost, mi)
    if op in _BULK_HANDLERS:
        return [_BULK_HANDLERS[op], cost, *bulk_immediates(op, imm, mi)]
    return _numeric(op, imm, cost, canon)


def _numeric(op: str, imm: tuple, cost: int, canon: bool) -> list:
    """The lowered form of a numeric or vector instruction."""
    fn = N.lookup(op)
    if canon:
        fn = canonicalising(op, fn)
    n = stack_effect(op)[0]
    if imm:
        lane = imm[0]
        return [B.unop_imm if n == 1 else B.binop_imm, cost, fn, lane]
    return [(B.unop, B.binop, B.ternop)[n - 1] if n else B.const, cost, fn]


def _memory(op: str, imm: tuple, cost: int, mi) -> list:
    memarg = imm[0]
    m = mi.mems[memarg.memidx]
    off = memarg.offset
    name = op.split(".", 1)[1]
    if op in M.LOADS:
        return [_LOAD_HANDLERS[op], cost, m, off]
    if op in M.STORES:
        return [_STORE_HANDLERS[op], cost, m, off]
    if name.endswith("_lane"):
        nbits = int(name[4:-5]) if name.startswith("load") else int(name[5:-5])
        maker = M.make_load_lane if name.startswith("load") else M.make_store_lane
        return [_cached(maker, nbits), cost, m, off, imm[1]]
    return [_cached(M.make_vload, op), cost, m, off]


_LOAD_HANDLERS = {op: M.make_load(n, post) for op, (n, post) in M.LOADS.items()}
_STORE_HANDLERS = {op: M.make_store(n) for op, n in M.STORES.items()}
_CACHE: dict = {}


def _cached(maker, key):
    h = _CACHE.get((maker, key))
    if h is None:
        h = _CACHE[(maker, key)] = maker(key)
    return h


def lowered(f, store) -> Compiled:
    """The compiled form of ``f``, lowering it on first use."""
    c = f.compiled
    if c is None:
        if f.code is None:
            raise Trap("no code")  # host functions are never lowered
        c = f.compiled = lower(f, store)
    return c


__all__ = ["lower", "lowered", "Compiled"]
