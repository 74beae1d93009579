"""Translating one lowered function into Python source (the fast tier's compiler).

Shape of the generated function (see docs/fast-tier.md)::

    def f_18(b, r, l0, l1):         # 18 locals; b: instruction budget, r: room (FRAME)
        if r < 0: return DEEP(b, r, l0, l1)
        l2 = 0                       # declared locals
        r1 = r - 1048594             # FRAME + 18: the callees' r
        q = 0                        # only if some operation sets it (below)
        try:
            B = 0
            while True:              # dispatch over blocks with several predecessors
                if B < 7:
                    b -= 5           # the block's static cost, charged once
                    if b < 0: b = LIM(b + 5, 0, 0, locals()) - 5   # refill or stop
                    ...              # straight-line code, stack slots as locals
                    B = 7; continue
                ...
        except PyicError as e:
            FIX(e, b, q); raise

* Operand-stack slots are Python locals: ``s<i>`` holds slot ``i`` at block
  boundaries; inside a block, pure operations are folded into expressions
  and other values live in temporaries ``t<n>`` (assigned once per block run).
* A trap in the middle of a block gives back the charge of the block's
  instructions after the trapping one (its *refund*), explicitly: a memory
  access passes it to its slow path (``RD``/``WR``, which alone can trap and
  record it on the exception), ``unreachable`` and null checks raise with it
  (``PR``), and the few other trapping operations (integer division,
  float-to-int truncation, handlers called generically) assign it to the local
  ``q`` first, which the ``except`` clause reads (``FIX``).
* A block with a single predecessor is emitted inside it; the rest are
  leaves of a binary dispatch on ``B``; a leaf that branches back to itself
  runs in its own ``while`` loop.

Everything is emitted with explicit work stacks: nesting depth of the input
never reaches the host stack.
"""

from __future__ import annotations

import math
import struct

from . import basic_ops as B
from . import control as C
from . import memory_ops as M
from ..syntax.types import F64
from .cfg import (BRANCHES, COND_BRANCHES, Unsupported, analyse, effect,
                  functype, leaders)
from .codegen_instr import Instructions
from .ops import FLOAT_OPS, OP_OF_FN, TRAPPING

# ``r``, a frame's room on the host stack, also carries the locals of the generated frames
# below it: r = (T - k) * FRAME + FRAME - 1 - (their locals) for the frame at relative depth
# k of a run that may stack T frames (`fast.Run`); each call subtracts FRAME + the caller's
# locals.  FRAME exceeds any sum of locals a run can stack (fast.HOST_CAP * fast.NLBIG).
FRAME = 1 << 20
MAX_DEPTH = 12          # expression nesting before a temporary
MAX_LEN = 300           # expression length before a temporary
MAX_NEST = 24           # indentation levels of inlined blocks before a dispatch leaf
INLINE_TAIL = 3         # a terminal block this small is duplicated rather than dispatched
# Straight-line handlers without effect (besides numerics that cannot trap): see absorbable.
PURE = frozenset((C.nop, B.local_get, B.const, B.global_get, B.select, B.drop, M.memory_size))


class Source:
    """The result: source text, the objects its names stand for, block costs by start pc."""

    __slots__ = ("text", "bindings", "nlocals", "memories", "costs", "flocals")

    def __init__(self, text, bindings, nlocals, memories, costs=None, flocals=frozenset()):
        self.costs = costs or {}
        self.flocals = flocals      # locals held as Python floats (`Gen.float_locals`)
        self.text = text
        self.bindings = bindings
        self.nlocals = nlocals
        self.memories = memories


class Gen(Instructions):
    """Generates the source of one function from its lowered ``code``."""

    def __init__(self, f, code: list, nlocals: int, resolve_callee) -> None:
        self.f = f
        self.code = code
        self.nparams = f.nparams
        self.nres = f.nresults
        self.nlocals = nlocals
        self.resolve_callee = resolve_callee
        self.lines: list = []
        self.uses_q = False      # some line assigns the refund local ``q``
        self.bind: dict = {}
        self.names: dict = {}
        self.ntemp = 0
        self.mems: dict = {}     # id(meminst) -> index k (names Mk / Dk)
        self.st: list = []       # symbolic stack above ``base``: (expr, names, depth, kind)
        self.base = 0            # slots below hold their canonical names s0..s<base-1>
        self.has_calls = False
        self.flocals: frozenset = frozenset()
        self.cache_mem = False   # memory bounds and write windows kept in locals (see mem_vars)

    # ------------------------------------------------------------------ names and lines

    def name(self, obj, prefix: str = "K") -> str:
        k = id(obj)
        n = self.names.get(k)
        if n is None:
            n = self.names[k] = f"{prefix}{len(self.names)}"
            self.bind[n] = obj
        return n

    def mem(self, m) -> int:
        k = self.mems.get(id(m))
        if k is None:
            k = self.mems[id(m)] = len(self.mems)
            self.bind[f"M{k}"] = m
        return k

    def line(self, text: str, ind: int) -> None:
        self.lines.append("    " * ind + text)

    def trapping(self, text: str, ind: int, refund: int) -> None:
        """A line that may trap with no refund of its own: it sets ``q`` first."""
        self.uses_q = True
        self.lines.append("    " * ind + f"q = {refund}; {text}")

    def temp(self) -> str:
        self.ntemp += 1
        return f"t{self.ntemp}"

    # ------------------------------------------------------------------ symbolic stack

    def push(self, expr: str, names=frozenset(), depth: int = 0, kind: int = 0) -> None:
        self.st.append((expr, names, depth, kind))

    def pop(self):
        if self.st:
            return self.st.pop()
        self.base -= 1
        nm = f"s{self.base}"
        return (nm, frozenset((nm,)), 0, 0)

    def popn(self, n: int) -> list:
        """The top ``n`` entries, deepest first, popped."""
        out = [self.pop() for _ in range(n)]
        out.reverse()
        return out

    def height(self) -> int:
        return self.base + len(self.st)

    def reset(self, h: int) -> None:
        self.base = h
        self.st = []

    @staticmethod
    def val(e) -> str:
        """``e`` as a value (an int; a float expression becomes its canonical bit pattern)."""
        k = e[3]
        if k == 2:
            return f"(1 if {e[0]} else 0)"
        if k == 3:
            return f"F2B({e[0]})"
        return e[0]

    def fl(self, e, ind: int) -> str:
        """``e`` (an f64) as a Python float expression."""
        if e[3] == 3:
            return e[0]
        x = e[0]
        if e[3] == 0 and x[0].isdigit():
            v = struct.unpack("<d", struct.pack("<Q", int(x, 0)))[0]
            if math.isfinite(v):
                return f"({v!r})"
        if e[3] == 0 and x[0] == "l":
            t = self.fmemo.get(x)
            if t is None:
                t = self.fmemo[x] = self.temp()
                self.line(f"{t} = UD(PQ({x}))[0]", ind)
            return t
        return f"UD(PQ({self.val(e)}))[0]"

    def atom(self, e, ind: int) -> tuple:
        """``e`` as a name or literal (emitting a temporary if it is an expression)."""
        if e[3] == 0:
            return e
        t = self.temp()
        self.line(f"{t} = {self.val(e)}", ind)
        return (t, frozenset((t,)), 0, 0)

    def result(self, expr: str, args: list, kind: int, ind: int) -> None:
        names = frozenset().union(*(a[1] for a in args)) if args else frozenset()
        depth = 1 + max((a[2] for a in args), default=0)
        e = (expr, names, depth, kind)
        if depth > MAX_DEPTH or len(expr) > MAX_LEN:
            e = self.atom(e, ind)
        self.st.append(e)

    def spill_local(self, k: int, ind: int) -> None:
        """Before ``l<k>`` is assigned: pending expressions reading it get their value now."""
        nm = f"l{k}"
        for i, e in enumerate(self.st):
            if nm in e[1]:
                if e[3] == 0 or e[3] == 3:
                    # a name, or a float expression kept a float
                    t = self.temp()
                    self.line(f"{t} = {e[0]}", ind)
                    self.st[i] = (t, frozenset((t,)), 0, e[3])
                else:
                    self.st[i] = self.atom(e, ind)

    def flush(self, ind: int, extras: list = ()) -> list:
        """Materialise the symbolic stack into ``s0..s<h-1>``; returns the extras' atoms."""
        lhs, rhs = [], []
        base = self.base
        for i, e in enumerate(self.st):
            nm = f"s{base + i}"
            if e[0] != nm:
                lhs.append(nm)
                rhs.append(self.val(e))
        out = []
        for e in extras:
            if lhs and not (e[3] == 0 and not e[0].startswith("s")):
                t = self.temp()
                lhs.append(t)
                rhs.append(e[0] if e[3] == 2 else self.val(e))
                out.append((t, frozenset((t,)), 0, 2 if e[3] == 2 else 0))
            else:
                out.append(e)
        if lhs:
            self.line(f"{', '.join(lhs)} = {', '.join(rhs)}", ind)
        self.reset(self.height())
        return out

    # ------------------------------------------------------------------ the function

    def generate(self) -> Source:
        code = self.code
        blocks = analyse(code, self.nres, self.f)
        self.blocks = blocks
        self.flocals = self.float_locals()
        # In a function that calls nothing, only its own stores (slow path), bulk handlers
        # and memory.grow change a memory's size or write window: it keeps them in locals.
        self.cache_mem = not self.has_calls
        for blk in blocks.values():
            hd = code[blk.end][0]
            if hd is C.call or hd is C.call_indirect:
                self.has_calls = True
        self.plan(blocks)
        self.absorb = {pc for pc, blk in blocks.items() if self.absorbable(blk)}
        self.pend_out = None
        params = ", ".join(f"l{i}" for i in range(self.nparams))
        # the name carries the frame's number of locals (for reading; `fast` keeps the count)
        head = f"def f_{self.nlocals}(b, r{', ' if params else ''}{params}):"
        ind = 1
        self.line(f"if r < 0: return DEEP(b, r{', ' if params else ''}{params})", ind)
        for i in range(self.nparams, self.nlocals):
            z = self.f_zero(i)
            self.line(f"l{i} = {z}", ind)
        if self.has_calls:
            # a callee's r: one frame deeper, this frame's locals below it (fast.FRAME)
            self.line(f"r1 = r - {FRAME + self.nlocals}", ind)
        mem_line = len(self.lines)
        self.line("try:", ind)
        leaves = self.leaves
        if len(leaves) == 1:
            self.emit_leaf(0, ind + 1, dispatch=False)
        else:
            self.line("B = 0", ind + 1)
            self.line("while True:", ind + 1)
            self.dispatch(sorted(leaves), ind + 2)
        self.line("except PyicError as e:", ind)
        self.line(f"FIX(e, b, {'q' if self.uses_q else '0'}); raise", ind + 1)
        # data bytearrays as locals (refreshed after calls, see reload)
        loads = [self.mem_vars(k) for k in range(len(self.mems))]
        if self.uses_q:
            loads.append("q = 0")
        for i, text in enumerate(loads):
            self.lines.insert(mem_line + i, "    " + text)
        text = head + "\n" + "\n".join(self.lines) + "\n"
        costs = {pc: blk.cost for pc, blk in self.blocks.items()}
        return Source(text, self.bind, self.nlocals, self.mems, costs, self.flocals)

    def f_zero(self, i: int) -> str:
        if i in self.flocals:
            return "0.0"
        v = self.zeros[i - self.nparams]
        return "0" if type(v) is int and v == 0 else self.name(v)

    def float_locals(self) -> frozenset:
        """The declared f64 locals held as Python floats: those that every ``local.set`` and
        ``local.tee`` gives a value computed on floats (f64 arithmetic, a conversion from
        i32, a finite constant or another such local) in the same block.  Their bit patterns
        are exactly ``F2B`` of the float (a NaN result is the canonical NaN either way), so
        reading one as bits converts, and f64 arithmetic on them converts nothing."""
        code = self.code
        types = self.f.code.locals
        cand = {self.nparams + i for i, t in enumerate(types) if t == F64}
        if not cand:
            return frozenset()
        lead = leaders(code, self.f)
        sets = [(pc, ins[2]) for pc, ins in enumerate(code)
                if (ins[0] is B.local_set or ins[0] is B.local_tee) and ins[2] in cand]
        changed = True
        while changed:
            changed = False
            for pc, k in sets:
                if k in cand and not self.float_source(pc, cand, lead):
                    cand.discard(k)
                    changed = True
        return frozenset(cand)

    def float_source(self, pc: int, cand: set, lead: set) -> bool:
        """Whether the value ``code[pc]`` consumes is computed on floats by ``code[pc - 1]``."""
        if pc in lead or pc == 0:
            return False
        prev = self.code[pc - 1]
        h = prev[0]
        if h is B.binop or h is B.unop:
            fo = FLOAT_OPS.get(OP_OF_FN.get(id(prev[2])))
            return fo is not None and fo[1] in (3, 4)
        if h is B.const:
            v = prev[2]
            return type(v) is int and (v >> 52) & 0x7FF != 0x7FF
        if h is B.local_get or h is B.local_tee:
            return prev[2] in cand
        return False

    # ------------------------------------------------------------------ layout

    def plan(self, blocks: dict) -> None:
        """Which blocks are dispatch leaves, which are inlined where, and the loop leaves."""
        code = self.code
        leaves = {pc for pc, blk in blocks.items() if blk.preds != 1 or pc == 0}
        for pc in list(leaves):
            if pc != 0 and self.small_tail(blocks[pc]):
                leaves.discard(pc)
        owner: dict = {}
        roots = sorted(leaves)
        work = [(pc, pc, 0) for pc in roots]
        seen = set()
        while work:
            pc, root, nest = work.pop()
            if pc in seen:
                continue
            seen.add(pc)
            owner[pc] = root
            blk = blocks[pc]
            hd = code[blk.end][0]
            for i, (t, _) in enumerate(blk.succs):
                if t in leaves or self.small_tail(blocks[t]):
                    continue
                extra = 0
                if hd in COND_BRANCHES and i == 0:
                    extra = 1
                elif hd is C.if_ and i == 1:
                    extra = 1
                elif hd is C.br_table:
                    extra = 1 + len(blk.succs).bit_length()
                if nest + extra > MAX_NEST:
                    leaves.add(t)
                    work.append((t, t, 0))
                else:
                    work.append((t, root, nest + extra))
        self.leaves = leaves
        self.owner = owner
        loops = set()
        for pc, blk in blocks.items():
            if pc not in owner:
                continue
            for t, _ in blk.succs:
                if t in leaves and owner.get(pc) == t:
                    loops.add(t)
        self.loops = loops

    def absorbable(self, blk) -> bool:
        """Whether ``blk`` leaves its charge to its successors: it ends with ``if`` or a
        ``br_if`` that drops nothing, both successors are emitted inside it, and it has no
        effect but its branch (pure numerics, local and global reads, never popping below its
        entry height), so stepping from its start reproduces it exactly (`fast.step_to_limit`)."""
        code = self.code
        if not blk.cost or blk.falls:
            return False
        end = code[blk.end]
        if not (end[0] is C.if_ or (end[0] in COND_BRANCHES and not end[4])):
            return False
        root = self.owner.get(blk.start)
        for t, _ in blk.succs:
            if t in self.leaves or not (self.owner.get(t) == root
                                        or self.small_tail(self.blocks[t])):
                return False
        h = blk.height
        for pc in range(blk.start, blk.end):
            ins = code[pc]
            op = ins[0]
            if op in (B.unop, B.binop, B.ternop):
                name = OP_OF_FN.get(id(ins[2]))
                if name is None or name in TRAPPING:
                    return False
            elif op not in PURE:
                return False
            pops, pushes = effect(ins)
            h -= pops
            if h < blk.height:
                return False
            h += pushes
        return h - 1 >= blk.height     # the condition was pushed here

    def small_tail(self, blk) -> bool:
        """A terminal block (return/unreachable, no successors) short enough to duplicate."""
        return not blk.succs and not blk.falls and blk.end - blk.start < INLINE_TAIL

    def dispatch(self, leaves: list, ind: int) -> None:
        """A binary search over the leaves' start pcs (explicit stack)."""
        work = [("range", leaves, ind)]
        while work:
            item = work.pop()
            if item[0] == "line":
                self.line(item[1], item[2])
                continue
            _, ls, i = item
            if len(ls) == 1:
                self.emit_leaf(ls[0], i, dispatch=True)
                continue
            mid = len(ls) // 2
            self.line(f"if B < {ls[mid]}:", i)
            work.append(("range", ls[mid:], i + 1))
            work.append(("line", "else:", i))
            work.append(("range", ls[:mid], i + 1))

    def emit_leaf(self, pc: int, ind: int, dispatch: bool) -> None:
        loop = pc in self.loops
        if loop:
            self.line("while True:", ind)
            ind += 1
        self.cur_leaf = pc
        self.in_loop = loop
        self.dispatching = dispatch
        self.emit_tree(pc, ind)

    # ------------------------------------------------------------------ blocks

    def emit_tree(self, pc: int, ind: int) -> None:
        work = [("block", pc, ind, None)]
        while work:
            item = work.pop()
            kind = item[0]
            if kind == "line":
                self.line(item[1], item[2])
            elif kind == "block":
                self.emit_block(self.blocks[item[1]], item[2], work, item[3])
            else:   # ("goto", target, ind, pending charge)
                self.goto(item[1], item[2], work, item[3] if len(item) > 3 else None)

    def goto(self, target: int, ind: int, work: list, pend=None) -> None:
        """Continue at ``target`` (its entry slots already assigned); ``pend``: the charge of
        an absorbed predecessor (`absorbable`) that ``target`` makes with its own."""
        blk = self.blocks[target]
        if target not in self.leaves and (self.owner.get(target) == self.cur_leaf
                                          or self.small_tail(blk)):
            work.append(("block", target, ind, pend))
        elif pend is not None:
            raise Unsupported("absorbed charge without an inlined successor")
        elif self.in_loop and target == self.cur_leaf:
            self.line("continue", ind)
        elif self.in_loop:
            self.line(f"B = {target}; break", ind)
        elif self.dispatching:
            self.line(f"B = {target}; continue", ind)
        else:
            raise Unsupported("goto without dispatch")

    def emit_block(self, blk, ind: int, work: list, pend=None) -> None:
        code = self.code
        h = blk.height
        self.reset(h)
        self.fmemo = {}
        self.pend_out = None
        if pend is None and blk.start in self.absorb:
            # a pure block that branches into inlined blocks: each of them charges this
            # block's cost with its own (one budget test less per path)
            self.pend_out = (blk.cost, blk.start, h)
        elif pend is not None:
            # the limit falls in the absorbed block or in this one: LIM steps from the
            # absorbed block's start (its locals and entry slots are as they were there)
            k = blk.cost + pend[0]
            self.line(f"b -= {k}", ind)
            self.line(f"if b < 0: b = LIM(b + {k}, {pend[1]}, {pend[2]}, locals(), {k}) - {k}",
                      ind)
        elif blk.cost:
            k = blk.cost
            self.line(f"b -= {k}", ind)
            self.line(f"if b < 0: b = LIM(b + {k}, {blk.start}, {h}, locals()) - {k}", ind)
        # cost of the instructions after each one (trap refunds)
        after = 0
        rest = {}
        for pc in range(blk.end, blk.start - 1, -1):
            rest[pc] = after
            after += code[pc][1]
        for pc in range(blk.start, blk.end + 1):
            ins = code[pc]
            if pc == blk.end and not blk.falls:
                self.terminator(ins, pc, blk, ind, work)
                return
            self.instr(ins, ind, rest[pc])
        # falls into the next leader
        self.flush(ind)
        self.goto(blk.end + 1, ind, work)

    def mem_vars(self, k: int) -> str:
        """(Re)load memory ``k``'s locals: ``D`` its dense bytes and, with `cache_mem`, ``E``
        their length and ``WL``/``WH`` its write window."""
        if self.cache_mem:
            return f"D{k} = M{k}.data; E{k} = len(D{k}); WL{k} = M{k}.wlo; WH{k} = M{k}.wlimit"
        return f"D{k} = M{k}.data"

    def reload(self, ind: int) -> None:
        for k in range(len(self.mems)):
            self.line(self.mem_vars(k), ind)

    # ------------------------------------------------------------------ terminators

    def terminator(self, ins, pc: int, blk, ind: int, work: list) -> None:
        hd = ins[0]
        if hd is C.return_:
            n = self.nres
            vals = [self.val(e) for e in self.popn(n)]
            self.line("return " + ", ".join(["b"] + vals), ind)
            return
        if hd is C.unreachable:
            self.line('raise PR(Trap("unreachable"), 0)', ind)
            return
        if hd is C.return_call:
            # to the function itself (cfg.self_tail_call): the frame is replaced by one with
            # the new arguments and fresh declared locals, at the entry, so: assign, jump
            args = [self.val(e) for e in self.popn(self.nparams)]
            if args:
                self.line(f"{', '.join(f'l{i}' for i in range(self.nparams))} = {', '.join(args)}",
                          ind)
            for i in range(self.nparams, self.nlocals):
                self.line(f"l{i} = {self.f_zero(i)}", ind)
            self.reset(0)
            self.goto(0, ind, work)
            return
        if hd is C.jump:
            self.flush(ind)
            self.goto(ins[2], ind, work)
            return
        if hd in BRANCHES:
            self.flush(ind)
            self.shuffle(ins[3], ins[4], ind)
            self.goto(ins[2], ind, work)
            return
        if hd in COND_BRANCHES or hd is C.if_:
            c = self.pop()
            (c,) = self.flush(ind, [c])
            cond = c[0]
            pend = self.pend_out
            if hd is C.if_:
                # then: fall through; else: the target
                self.line(f"if not {cond}:", ind)
                work.append(("goto", pc + 1, ind, pend))
                work.append(("goto", ins[2], ind + 1, pend))
                return
            self.line(f"if {cond}:", ind)
            work.append(("goto", pc + 1, ind, pend))
            work.append(("goto", ins[2], ind + 1, pend))
            if ins[4]:
                work.append(("line", self.shuffle_text(ins[3], ins[4]), ind + 1))
            return
        if hd is C.br_table:
            i = self.pop()
            (i,) = self.flush(ind, [i])
            if i[3] != 0:
                i = self.atom(i, ind)
            self.br_table(i[0], ins, ind, work)
            return
        if hd is C.call or hd is C.call_indirect:
            self.call(ins, ind)
            work.append(("goto", pc + 1, ind))
            return
        if hd is C.charge:
            # (charge, 0, unit, position from the top, cost, shift): the bulk op's whole cost, now
            self.flush(ind)
            h = self.height()
            t = self.temp()
            n = f"(s{h - ins[3]} >> {ins[5]})" if ins[5] else f"s{h - ins[3]}"
            self.line(f"{t} = {n} * {ins[2]} + {ins[4]}", ind)
            self.line(f"b -= {t}", ind)
            self.line(f"if b < 0: b = LIMDYN(b + {t}, {t}) - {t}", ind)
            work.append(("goto", pc + 1, ind))
            return
        raise Unsupported(getattr(hd, "__name__", "terminator"))

    def shuffle_text(self, keep: int, drop: int) -> str:
        h = self.height()
        lhs = [f"s{h - keep - drop + j}" for j in range(keep)]
        rhs = [f"s{h - keep + j}" for j in range(keep)]
        return f"{', '.join(lhs)} = {', '.join(rhs)}" if keep else "pass"

    def shuffle(self, keep: int, drop: int, ind: int) -> None:
        if drop and keep:
            self.line(self.shuffle_text(keep, drop), ind)

    def br_table(self, i: str, ins, ind: int, work: list) -> None:
        targets = list(ins[2])
        default = ins[3]
        ranges = []   # (lo, target tuple)
        for k, t in enumerate(targets):
            if ranges and ranges[-1][1] == t:
                continue
            ranges.append((k, t))
        if not ranges or ranges[-1][1] != default:
            ranges.append((len(targets), default))
        # explicit stack: ("ranges", list, ind) items expand into if/else
        pending = [("ranges", ranges, ind)]
        out = []
        while pending:
            item = pending.pop()
            if item[0] == "line":
                out.append(item)
                continue
            if item[0] == "goto":
                out.append(item)
                continue
            _, rs, d = item
            if len(rs) == 1:
                t = rs[0][1]
                if t[2] and t[1]:
                    out.append(("line", self.shuffle_text(t[1], t[2]), d))
                out.append(("goto", t[0], d))
                continue
            mid = len(rs) // 2
            pending.append(("ranges", rs[mid:], d + 1))
            pending.append(("line", "else:", d))
            pending.append(("ranges", rs[:mid], d + 1))
            pending.append(("line", f"if {i} < {rs[mid][0]}:", d))
        for item in reversed(out):
            work.append(item)

    def call(self, ins, ind: int) -> None:
        hd = ins[0]
        # the arguments are passed as expressions (pure: anything that can trap is a
        # statement already); only the operands below them go to their slots
        if hd is C.call:
            g = ins[2]
            n, m = g.nparams, g.nresults
            fn = self.name(self.resolve_callee(g), "F")
            args = [self.val(e) for e in self.popn(n)]
            self.flush(ind)
            callee = fn
        else:
            ft = functype(ins[3])
            n, m = len(ft.params), len(ft.results)
            i = self.val(self.pop())
            args = [self.val(e) for e in self.popn(n)]
            self.flush(ind)
            callee = f"CI({self.name(ins, 'I')}, {i}, MI)"
            self.bind["MI"] = self.f.module
        base = self.height()
        res = [f"s{base + j}" for j in range(m)]
        lhs = ", ".join(["b"] + res)
        # (a callee's failure carries its count already; CI records its own traps)
        self.line(f"{lhs} = {callee}({', '.join(['b', 'r1'] + args)})", ind)
        self.reset(base + m)
        self.reload(ind)


def generate(f, code: list, zeros: list, resolve_callee) -> Source:
    """The Python source of the function instance ``f`` with lowered ``code``."""
    g = Gen(f, code, f.nparams + len(zeros), resolve_callee)
    g.zeros = zeros
    return g.generate()


__all__ = ["generate", "Source", "Unsupported", "FRAME"]
