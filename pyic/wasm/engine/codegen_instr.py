"""The fast tier's code generator, straight-line instructions: each lowered instruction of a
block as Python expressions on the generator's symbolic operand stack (`codegen.Gen`, which
lays out blocks, branches and calls, mixes this in).

Numeric operators are inlined from `ops` templates where one exists (floats on Python floats
for the f64 locals `Gen.float_locals` keeps as floats), otherwise called through their
numerics function; loads and stores test the memory's bounds and write window inline and
take the handler's slow path outside them.
"""

from __future__ import annotations


from . import basic_ops as B
from . import control as C
from . import memory_ops as M
from .cfg import LOAD_OPS, STORE_OPS, effect
from .ops import (FLOAT_OPS, INLINE, LOADS, M32, M64, OP_OF_FN, PACK, ROTATES, TRAPPING,
                  UNPACK)


class Instructions:
    """Straight-line translation; the state (stack, lines, names) is `codegen.Gen`'s."""

    def instr(self, ins, ind: int, refund: int) -> None:
        hd = ins[0]
        if hd is C.nop:
            return
        if hd is B.local_get:
            nm = f"l{ins[2]}"
            self.push(nm, frozenset((nm,)), 0, 3 if ins[2] in self.flocals else 0)
            return
        if hd is B.local_set or hd is B.local_tee:
            k = ins[2]
            v = self.pop()
            self.spill_local(k, ind)
            self.fmemo.pop(f"l{k}", None)
            if k in self.flocals:
                self.line(f"l{k} = {self.fl(v, ind)}", ind)
            elif v[3] == 3:
                # keep the float too: later f64 arithmetic on this local skips the conversion
                t = self.temp()
                self.line(f"{t} = {v[0]}", ind)
                self.line(f"l{k} = UQ(PD({t}))[0] if {t} == {t} else 0x7ff8000000000000", ind)
                self.fmemo[f"l{k}"] = t
            else:
                self.line(f"l{k} = {self.val(v)}", ind)
            if hd is B.local_tee:
                nm = f"l{k}"
                self.push(nm, frozenset((nm,)), 0, 3 if k in self.flocals else 0)
            return
        if hd is B.const:
            v = ins[2]
            if type(v) is int:
                self.push(str(v) if v < 1 << 16 else hex(v))
            else:
                self.push(self.name(v))
            return
        if hd is B.drop:
            self.pop()
            return
        if hd is B.select:
            c, b, a = self.pop(), self.pop(), self.pop()
            self.result(f"({self.val(a)} if {c[0]} else {self.val(b)})", [a, b, c], 1, ind)
            return
        if hd is B.global_get:
            t = self.temp()
            self.line(f"{t} = {self.name(ins[2], 'G')}.value", ind)
            self.push(t, frozenset((t,)))
            return
        if hd is B.global_set:
            v = self.pop()
            self.line(f"{self.name(ins[2], 'G')}.value = {self.val(v)}", ind)
            return
        if hd in (B.unop, B.binop, B.ternop):
            self.numeric(ins, ind, refund)
            return
        if hd is B.unop_imm or hd is B.binop_imm:
            n = 1 if hd is B.unop_imm else 2
            args = self.popn(n)
            imm = ins[3]
            lit = str(imm) if type(imm) is int else self.name(imm)
            fn = self.name(ins[2], "N")
            self.result(f"{fn}({', '.join(self.val(a) for a in args)}, {lit})", args, 1, ind)
            return
        if hd is B.ref_is_null:
            a = self.pop()
            self.result(f"isinstance({a[0]}, NullRef)", [a], 2, ind)
            return
        if hd is B.ref_as_non_null:
            a = self.atom(self.pop(), ind)
            self.line(f'if isinstance({a[0]}, NullRef): raise PR(Trap("null reference"), {refund})',
                      ind)
            self.st.append(a)
            return
        if hd is B.ref_eq:
            b_, a = self.atom(self.pop(), ind), self.atom(self.pop(), ind)
            self.result(f"({a[0]} is {b_[0]} or {a[0]} == {b_[0]})", [a, b_], 2, ind)
            return
        if hd in LOAD_OPS:
            self.load(LOAD_OPS[hd], ins, ind, refund)
            return
        if hd in STORE_OPS:
            self.store(STORE_OPS[hd], ins, ind, refund)
            return
        if hd is M.memory_size:
            t = self.temp()
            self.line(f"{t} = M{self.mem(ins[2])}.size >> 16", ind)
            self.push(t, frozenset((t,)))
            return
        self.generic(ins, ind, refund)

    def generic(self, ins, ind: int, refund: int) -> None:
        """Any other straight-line handler, called on a small list as its operand stack."""
        if ins[0] is M.memory_fill or (ins[0] is M.memory_copy and ins[2] is ins[3]):
            # the handler's own call of `MemInst.fill` / `copy_within`, without the list; a
            # memory only grows its dense bytes and widens its write window in these, so the
            # length and window kept in locals stay safe (smaller) without a reload
            k = self.mem(ins[2])
            if self.cache_mem:
                # the method's own fast case written out on the locals (a smaller window
                # or length only sends more cases to the method, which checks them again;
                # after it, the locals are reloaded as after a store's slow path)
                d, x, n = (self.atom(e, ind)[0] for e in self.popn(3))
                D, lo, hi = f"D{k}", f"WL{k}", f"WH{k}"
                if ins[0] is M.memory_fill:
                    self.line(f"if {n} and {lo} <= {d} and {d} + {n} <= {hi}: "
                              f"{D}[{d}:{d} + {n}] = bytes(({x} & 0xFF,)) * {n}", ind)
                    self.trapping(f"M{k}.fill({d}, {x} & 0xFF, {n}); {self.mem_vars(k)}",
                                  ind + 1, refund)
                else:
                    self.line(f"if {n} and {lo} <= {d} and {d} + {n} <= {hi} "
                              f"and {x} + {n} <= E{k}: {D}[{d}:{d} + {n}] = {D}[{x}:{x} + {n}]",
                              ind)
                    self.trapping(f"M{k}.copy_within({d}, {x}, {n}); {self.mem_vars(k)}",
                                  ind + 1, refund)
                self.lines.insert(len(self.lines) - 1, "    " * ind + "else:")
                return
            d, x, n = (self.val(e) for e in self.popn(3))
            if ins[0] is M.memory_fill:
                self.trapping(f"M{k}.fill({d}, ({x}) & 0xFF, {n})", ind, refund)
            else:
                self.trapping(f"M{k}.copy_within({d}, {x}, {n})", ind, refund)
            return
        pops, pushes = effect(ins)
        args = self.popn(pops)
        h = self.name(ins[0], "H")
        i = self.name(ins, "I")
        text = f"_S = [{', '.join(self.val(a) for a in args)}]; {h}({i}, _S, None, 0)"
        if pushes:
            t = self.temp()
            text += f"; {t} = _S[-1]"
        self.trapping(text, ind, refund)
        if pushes:
            self.push(t, frozenset((t,)))
        for x in ins[2:]:
            if hasattr(x, "data") and hasattr(x, "wlimit"):
                self.mem(x)
                self.reload(ind)
                break

    def numeric(self, ins, ind: int, refund: int) -> None:
        fn = ins[2]
        hd = ins[0]
        n = 1 if hd is B.unop else 2 if hd is B.binop else 3
        args = self.popn(n)
        op = OP_OF_FN.get(id(fn))
        if op in FLOAT_OPS:
            self.float_op(op, args, ind)
            return
        tpl = INLINE.get(op)
        if tpl is not None:
            self.inline(op, tpl, args, ind)
            return
        if op in ROTATES and args[1][3] == 0 and args[1][0][0].isdigit():
            # rotation by a constant: two shifts of one operand (held in a temporary)
            bits = 32 if op[1] == "3" else 64
            k = int(args[1][0], 0) & (bits - 1)
            if op.endswith("rotr"):
                k = (bits - k) & (bits - 1)
            x = self.atom(args[0], ind)
            if k == 0:
                self.st.append(x)
                return
            m = M32 if bits == 32 else M64
            self.result(f"((({x[0]} << {k}) & {m}) | ({x[0]} >> {bits - k}))", [x], 1, ind)
            return
        if op in ("i32.div_u", "i64.div_u", "i32.rem_u", "i64.rem_u") and args[1][0].isdigit() \
                and int(args[1][0], 0) != 0:
            sym = "//" if "div" in op else "%"
            self.result(f"({args[0][0]} {sym} {args[1][0]})", args, 1, ind)
            return
        fname = self.name(fn, "N")
        call = f"{fname}({', '.join(self.val(a) for a in args)})"
        if op is None or op in TRAPPING:
            t = self.temp()
            self.trapping(f"{t} = {call}", ind, refund)
            self.push(t, frozenset((t,)))
        else:
            self.result(call, args, 1, ind)

    def float_op(self, op: str, args: list, ind: int) -> None:
        """f64 arithmetic and comparisons on Python floats (exact: IEEE double operations;
        a NaN result becomes the canonical NaN when converted back, as in the numerics)."""
        sym, kind = FLOAT_OPS[op]
        if kind == 4:   # conversions from i32
            x = self.val(args[0])
            if op.endswith("_s"):
                x = f"(({x} ^ 0x80000000) - 0x80000000)"
            self.result(f"float({x})", args, 3, ind)
            return
        a, b = self.fl(args[0], ind), self.fl(args[1], ind)
        self.result(f"({a} {sym} {b})", args, kind, ind)

    def inline(self, op: str, tpl: tuple, args: list, ind: int) -> None:
        text, kind = tpl
        name = op.split(".")[1]
        if name == "eqz" and args[0][3] == 2:
            self.result(f"(not {args[0][0]})", args, 2, ind)
            return
        vals = [self.val(a) for a in args]
        if name in ("shl", "shr_u", "shr_s") and args[1][3] == 0 and args[1][0][0].isdigit():
            # a constant count: its mask (& 31 or & 63) computed now
            bits = 32 if op[1] == "3" else 64
            text = text.replace(f"({{1}} & {bits - 1})", str(int(args[1][0], 0) & (bits - 1)))
        self.result(text.format(*vals), args, kind, ind)

    # ------------------------------------------------------------------ memory

    def address(self, a, off: int, ind: int) -> str:
        if off == 0 and a[3] == 0:
            return a[0]
        t = self.temp()
        self.line(f"{t} = {self.val(a)} + {off}" if off else f"{t} = {self.val(a)}", ind)
        return t

    def load(self, op: str, ins, ind: int, refund: int) -> None:
        n, sx, bits = LOADS[op]
        k = self.mem(ins[2])
        ea = self.address(self.pop(), ins[3], ind)
        t = self.temp()
        d = f"D{k}"
        e = f"E{k}" if self.cache_mem else f"len({d})"
        if n == 1:
            fast = f"{d}[{ea}] if {ea} < {e}"
        elif n == 16:
            fast = f"int.from_bytes({d}[{ea}:{ea} + 16], 'little') if {ea} <= {e} - 16"
        else:
            fast = f"{UNPACK[n]}({d}, {ea})[0] if {ea} <= {e} - {n}"
        self.line(f"{t} = {fast} else RD(M{k}, {ea}, {n}, {refund})", ind)
        if sx:
            h = hex(1 << (sx - 1))
            m = M32 if bits == 32 else M64
            self.push(f"((({t} ^ {h}) - {h}) & {m})", frozenset((t,)), 1, 1)
        else:
            self.push(t, frozenset((t,)))

    def store(self, op: str, ins, ind: int, refund: int) -> None:
        n = M.STORES[op]
        k = self.mem(ins[2])
        v = self.atom(self.pop(), ind)
        ea = self.address(self.pop(), ins[3], ind)
        d = f"D{k}"
        x = v[0]
        if self.cache_mem:
            lo, hi = f"WL{k}", f"WH{k}"
            # the slow path may widen the window or the dense bytes: reload them
            slow = f"WR(M{k}, {ea}, {x}, {n}, {refund}); {self.mem_vars(k)}"
        else:
            lo, hi = f"M{k}.wlo", f"M{k}.wlimit"
            slow = f"WR(M{k}, {ea}, {x}, {n}, {refund})"
        if n == 1:
            self.line(f"if {lo} <= {ea} < {hi}: {d}[{ea}] = {x} & 0xFF", ind)
            self.line(f"else: {slow}", ind)
            return
        if n == 16:
            self.line(slow, ind)
            return
        width = 32 if op.startswith(("i32", "f32")) else 64
        xv = x if 8 * n == width else f"{x} & {hex((1 << (8 * n)) - 1)}"
        self.line(f"if {lo} <= {ea} <= {hi} - {n}: {PACK[n]}({d}, {ea}, {xv})", ind)
        self.line(f"else: {slow}", ind)
