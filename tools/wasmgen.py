"""A seeded generator of random, valid, terminating WebAssembly modules (as WAT text).

Used by the differential tests (``tests/differential/``), which run every
generated program on pyic and on an independent engine and compare results,
traps, memory and globals.

    python tools/wasmgen.py --seed 7            # print one module
    python tools/wasmgen.py --seed 7 --size 40  # a smaller one
    python tools/wasmgen.py --seed 7 --wasm3    # with Wasm 3.0 features

Every program terminates, by construction:

* each loop has its own counter local, set to a small constant before the loop,
  decremented at the loop's head and tested by the only branch back to it (no
  other branch targets a loop label, and no other code writes a counter);
* every call - direct, indirect, recursive - first checks and decrements the
  global ``$fuel``, which the harness wrappers set before each invocation, so
  the number of calls per invocation is bounded.

What may trap is left to chance on purpose: division and remainder, ``trunc``,
loads and stores with random addresses and offsets, bulk memory and table
operations, ``call_indirect`` on null / mismatched / out-of-range entries,
``unreachable`` (rarely).

Values that would otherwise be dropped (and most locals' final values) are
mixed into the hash global ``$g0``, so that a wrong value is seen.

Exports: ``w<i>`` for function ``<i>``: a wrapper with the same signature with
every float replaced by the integer of its bits (so that NaN payloads cross the
embedding boundary intact); ``globals`` returns every global's bits;
``mem`` (and ``mem1``) the memories, ``tab`` (and ``tab1``) the tables.
`Program` lists them with their signatures.

``generate(seed, features=WASM3)`` also uses Wasm 3.0 features: tail calls,
a 64-bit memory, a second memory, extended constant expressions.
"""

from __future__ import annotations

import argparse
import random
import struct
from dataclasses import dataclass, field

NUM = ("i32", "i64", "f32", "f64")
INT_OF = {"i32": "i32", "i64": "i64", "f32": "i32", "f64": "i64"}
PAGE = 65536

# ------------------------------------------------------------------ constants

I32_SPECIAL = (0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF,
               0x10000, 0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFF80)
I64_SPECIAL = (0, 1, 2, 31, 32, 33, 63, 64, 65, 0xFFFFFFFF, 0x100000000, 0x7FFFFFFF, 0x80000000,
               0x7FFFFFFFFFFFFFFF, 0x8000000000000000, 0x8000000000000001, 0xFFFFFFFFFFFFFFFF,
               0xFFFFFFFF80000000, 0xFFFFFFFFFFFFFFFE)


def _f32(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


def _f64(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


_F_COMMON = (0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.5, 0.49999999, -0.9, 0.9,
             2.0 ** 31, -2.0 ** 31, 2.0 ** 32, 2.0 ** 63, -2.0 ** 63, 2.0 ** 64, 1e10, -1e10,
             float("inf"), float("-inf"), 3.0, 100.25, -7.75, 1e-40, 65536.0)
F32_SPECIAL = tuple(_f32(x) for x in _F_COMMON) + (
    0x7FC00000, 0xFFC00000, 0x7F800001, 0xFF800001, 0x7FA00000, 0x7FFFFFFF, 0x00000001, 0x80000001,
    0x007FFFFF, 0x00800000, 0x7F7FFFFF, 0xFF7FFFFF, 0x4EFFFFFF, 0x4F7FFFFF, 0xCF000001, 0x5EFFFFFF,
    0x5F7FFFFF, 0xDF000001, 0x3F000001, 0x4B000001)
F64_SPECIAL = tuple(_f64(x) for x in _F_COMMON) + (
    0x7FF8000000000000, 0xFFF8000000000000, 0x7FF0000000000001, 0xFFF0000000000001,
    0x7FF4000000000000, 0x7FFFFFFFFFFFFFFF, 0x0000000000000001, 0x000FFFFFFFFFFFFF,
    0x0010000000000000, 0x7FEFFFFFFFFFFFFF, _f64(2147483647.0), _f64(2147483647.9),
    _f64(-2147483648.9), _f64(-2147483649.0), _f64(4294967295.9), _f64(4294967296.0),
    _f64(9223372036854774784.0), _f64(-9223372036854775808.0), _f64(18446744073709549568.0),
    _f64(0.5000000000000001), _f64(4503599627370497.0), _f64(-4503599627370495.5))


def float_literal(bits: int, width: int) -> str:
    """The exact WAT literal of a float bit pattern (hex floats are exact)."""
    ebits, fbits = (8, 23) if width == 32 else (11, 52)
    sign = "-" if bits >> (width - 1) else ""
    exp = (bits >> fbits) & ((1 << ebits) - 1)
    frac = bits & ((1 << fbits) - 1)
    if exp == (1 << ebits) - 1:
        return sign + ("inf" if frac == 0 else f"nan:0x{frac:x}")
    value = struct.unpack("<f", struct.pack("<I", bits & 0x7FFFFFFF))[0] if width == 32 else \
        struct.unpack("<d", struct.pack("<Q", bits & 0x7FFFFFFFFFFFFFFF))[0]
    return sign + value.hex()


# ------------------------------------------------------------------ instruction tables

UNOPS = {
    "i32": ("i32.clz", "i32.ctz", "i32.popcnt", "i32.extend8_s", "i32.extend16_s"),
    "i64": ("i64.clz", "i64.ctz", "i64.popcnt", "i64.extend8_s", "i64.extend16_s",
            "i64.extend32_s"),
    "f32": ("f32.abs", "f32.neg", "f32.sqrt", "f32.ceil", "f32.floor", "f32.trunc", "f32.nearest"),
    "f64": ("f64.abs", "f64.neg", "f64.sqrt", "f64.ceil", "f64.floor", "f64.trunc", "f64.nearest"),
}
BINOPS = {
    t: tuple(f"{t}.{o}" for o in ("add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u",
                                  "and", "or", "xor", "shl", "shr_s", "shr_u", "rotl", "rotr"))
    for t in ("i32", "i64")
}
BINOPS.update({
    t: tuple(f"{t}.{o}" for o in ("add", "sub", "mul", "div", "min", "max", "copysign"))
    for t in ("f32", "f64")
})
RELOPS = {
    t: tuple(
        f"{t}.{o}"
        for o in ("eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u")
    )
    for t in ("i32", "i64")
}
RELOPS.update(
    {t: tuple(f"{t}.{o}" for o in ("eq", "ne", "lt", "gt", "le", "ge")) for t in ("f32", "f64")}
)
# conversions: result type -> ((op, operand type), ...)
CONVERSIONS = {
    "i32": (("i32.wrap_i64", "i64"), ("i32.trunc_f32_s", "f32"), ("i32.trunc_f32_u", "f32"),
            ("i32.trunc_f64_s", "f64"), ("i32.trunc_f64_u", "f64"),
            ("i32.trunc_sat_f32_s", "f32"), ("i32.trunc_sat_f32_u", "f32"),
            ("i32.trunc_sat_f64_s", "f64"), ("i32.trunc_sat_f64_u", "f64"),
            ("i32.reinterpret_f32", "f32"), ("i32.eqz", "i32"), ("i64.eqz", "i64")),
    "i64": (("i64.extend_i32_s", "i32"), ("i64.extend_i32_u", "i32"), ("i64.trunc_f32_s", "f32"),
            ("i64.trunc_f32_u", "f32"), ("i64.trunc_f64_s", "f64"), ("i64.trunc_f64_u", "f64"),
            ("i64.trunc_sat_f32_s", "f32"), ("i64.trunc_sat_f32_u", "f32"),
            ("i64.trunc_sat_f64_s", "f64"), ("i64.trunc_sat_f64_u", "f64"),
            ("i64.reinterpret_f64", "f64")),
    "f32": (("f32.convert_i32_s", "i32"), ("f32.convert_i32_u", "i32"),
            ("f32.convert_i64_s", "i64"), ("f32.convert_i64_u", "i64"),
            ("f32.demote_f64", "f64"), ("f32.reinterpret_i32", "i32")),
    "f64": (("f64.convert_i32_s", "i32"), ("f64.convert_i32_u", "i32"),
            ("f64.convert_i64_s", "i64"), ("f64.convert_i64_u", "i64"),
            ("f64.promote_f32", "f32"), ("f64.reinterpret_i64", "i64")),
}
# loads: result type -> ((op, natural alignment exponent), ...)
LOADS = {
    "i32": (("i32.load", 2), ("i32.load8_s", 0), ("i32.load8_u", 0), ("i32.load16_s", 1),
            ("i32.load16_u", 1)),
    "i64": (("i64.load", 3), ("i64.load8_s", 0), ("i64.load8_u", 0), ("i64.load16_s", 1),
            ("i64.load16_u", 1), ("i64.load32_s", 2), ("i64.load32_u", 2)),
    "f32": (("f32.load", 2),),
    "f64": (("f64.load", 3),),
}
STORES = (("i32.store", "i32", 2), ("i32.store8", "i32", 0), ("i32.store16", "i32", 1),
          ("i64.store", "i64", 3), ("i64.store8", "i64", 0), ("i64.store16", "i64", 1),
          ("i64.store32", "i64", 2), ("f32.store", "f32", 2), ("f64.store", "f64", 3))


# ------------------------------------------------------------------ program description

@dataclass
class Sig:
    params: tuple
    results: tuple

    def wat(self) -> str:
        p = f" (param {' '.join(self.params)})" if self.params else ""
        r = f" (result {' '.join(self.results)})" if self.results else ""
        return p + r


@dataclass
class Program:
    """A generated module and what the harness needs to drive it."""
    seed: int
    wat: str
    exports: list            # [(name, Sig with integer types, the wrapped function's Sig)]
    globals_sig: Sig         # of the export "globals"
    global_types: tuple      # the globals' own types
    has_memory: bool
    fuel: int                # calls allowed per invocation (set by each wrapper)
    has_start: bool = False
    more_memories: tuple = ()   # export names of memories beyond "mem"


@dataclass
class _Label:
    kind: str                # "block", "if", "loop", "func"
    types: tuple             # what a branch to it carries


@dataclass
class _Func:
    sig: Sig
    locals: list = field(default_factory=list)   # all local types, params first
    counters: set = field(default_factory=set)   # loop counters: never written by random code
    labels: list = field(default_factory=list)


class Generator:
    """``Generator(seed).program()`` makes one module.  ``size`` scales the function bodies."""

    def __init__(
        self, seed: int, size: int = 120, nan_bits: bool = True, features: tuple = ()
    ) -> None:
        self.seed = seed
        # Beyond Wasm 2.0 (3.0 features): "tail-call", "memory64", "multi-memory".
        self.features = features
        # nan_bits=False: no instruction that lets a NaN's sign or payload reach an integer or
        # memory (reinterpret f->i, float stores, copysign), for engines that do not canonicalise.
        self.nan_bits = nan_bits
        self.rng = random.Random(seed)
        self.size = size
        self.out: list = []
        self.indent = 0
        self.budget = 0
        self.f: _Func | None = None

    # ------------------------------------------------------------------ module

    def program(self) -> Program:
        r = self.rng
        self.has_memory = r.random() < 0.9
        # Memory 0 may be 64-bit; with multi-memory a second (32-bit) memory $mem1.
        self.mem64 = "memory64" in self.features and r.random() < 0.6
        self.nmems = (
            (1 + ("multi-memory" in self.features and r.random() < 0.7)) if self.has_memory else 0
        )
        self.mem_min = r.choice((0, 1, 1, 1, 1, 1, 1, 2, 2))
        self.mem_max = self.mem_min + r.choice((0, 1, 2, 3))
        self.tab_min = r.randint(1, 10) if r.random() < 0.95 else 0
        self.tab_max = self.tab_min + r.choice((0, 2, 5, 10))
        nfuncs = r.randint(1, 6)
        self.sigs = [self.random_sig() for _ in range(nfuncs)]
        # Some call_indirect types that no function has, for "indirect call type mismatch".
        self.extra_sigs = [self.random_sig() for _ in range(2)]
        self.globals = [
            (t, r.random() < 0.8) for t in (r.choice(NUM) for _ in range(r.randint(0, 6)))
        ]
        self.globals.sort(key=lambda g: not g[1])   # mutable ones first
        # $g0 is the hash: values that would be dropped are mixed into it, so that they are
        # observed.
        self.globals.insert(0, ("i64", True))
        n_passive_data = r.randint(0, 3)
        self.datas = []                              # (bytes, active offset or None)
        for _ in range(r.randint(0, 3) if self.has_memory and self.mem_min else 0):
            data = self.random_bytes()
            off = r.randint(0, self.mem_min * PAGE - len(data))
            if r.random() < 0.03:
                off = self.mem_min * PAGE - len(data) + 1   # out of bounds: instantiation traps
            self.datas.append((data, off))
        for _ in range(n_passive_data if self.has_memory else 0):
            self.datas.append((self.random_bytes(), None))
        # Tables: (min, max); sometimes a second one ($tab1).
        self.tabs = [(self.tab_min, self.tab_max)]
        if r.random() < 0.4:
            lo = r.randint(0, 5)
            self.tabs.append((lo, lo + r.choice((0, 3))))
        self.elems = []  # (list of func idx or None, active offset or None)
        self.elem_table = {}                         # active segment -> its table
        for ti, (lo, _) in enumerate(self.tabs):
            if lo and r.random() < 0.9:
                n = r.randint(1, lo)
                off = r.randint(0, lo - n)
                if r.random() < 0.03:
                    off = lo - n + 1             # out of bounds: instantiation traps
                self.elem_table[len(self.elems)] = ti
                self.elems.append(
                    ([r.randrange(nfuncs) if r.random() < 0.85 else None for _ in range(n)], off)
                )
        # The tables' initial contents: call_indirect mostly picks a slot holding a matching
        # function.
        self.slots = [{} for _ in self.tabs]
        for i, (funcs, off) in enumerate(self.elems):
            self.slots[self.elem_table[i]].update(
                (off + k, fi) for k, fi in enumerate(funcs) if fi is not None
            )
        for _ in range(r.randint(0, 2)):
            self.elems.append(([r.randrange(nfuncs) if r.random() < 0.8 else None
                                for _ in range(r.randint(0, 5))], None))
        self.fuel = r.randint(4, 40)

        lines = ["(module"]
        for i, s in enumerate(self.sigs + self.extra_sigs):
            lines.append(f"  (type $t{i} (func{s.wat()}))")
        lines.append("  (global $fuel (mut i32) (i32.const 0))")
        for i, (t, mut) in enumerate(self.globals):
            init = f"({t}.const {self.const_text(t, self.random_const(t))})"
            lines.append(f"  (global $g{i} {f'(mut {t})' if mut else t} {init})")
        if self.has_memory:
            at = " i64" if self.mem64 else ""
            lines.append(f"  (memory $mem (export \"mem\"){at} {self.mem_min} {self.mem_max})")
        if self.nmems > 1:
            lines.append("  (memory $mem1 (export \"mem1\") 1 2)")
            text = "".join(f"\\{b:02x}" for b in self.random_bytes())
            lines.append(f"  (data (memory 1) (i32.const 16) \"{text}\")")
        for ti, (lo, hi) in enumerate(self.tabs):
            lines.append(f"  (table {self.tab(ti)} (export \"tab{ti or ''}\") {lo} {hi} funcref)")
        for i, (data, off) in enumerate(self.datas):
            text = "".join(f"\\{b:02x}" for b in data)
            where = (
                f" ({self.offset_expr('i64' if self.mem64 else 'i32', off)})"
                if off is not None
                else ""
            )
            lines.append(f"  (data $d{i}{where} \"{text}\")")
        for i, (funcs, off) in enumerate(self.elems):
            items = " ".join("(ref.null func)" if f is None else f"(ref.func $f{f})" for f in funcs)
            where = f" (table {self.tab(self.elem_table[i])}) ({self.offset_expr('i32', off)})" \
                if off is not None else ""
            lines.append(f"  (elem $e{i}{where} funcref {items})")
        # ref.func needs its functions declared (3.4.10, C.refs).
        lines.append("  (elem declare func " + " ".join(f"$f{i}" for i in range(nfuncs)) + ")")
        for i, s in enumerate(self.sigs):
            lines.extend(self.function(i, s))
        exports = []
        for i, s in enumerate(self.sigs):
            lines.extend(self.wrapper(i, s))
            exports.append((f"w{i}", Sig(tuple(INT_OF[t] for t in s.params),
                                         tuple(INT_OF[t] for t in s.results)), s))
        gsig = Sig((), tuple(INT_OF[t] for t, _ in self.globals))
        body = []
        for i, (t, _) in enumerate(self.globals):
            body.append(f"global.get $g{i}")
            if t in ("f32", "f64"):
                body.append(f"{INT_OF[t]}.reinterpret_{t}")
        lines.append(f"  (func (export \"globals\"){gsig.wat()}")
        lines.extend("    " + b for b in body)
        lines.append("  )")
        has_start = r.random() < 0.15
        if has_start:
            lines.extend(self.start_function())
        lines.append(")")
        return Program(self.seed, "\n".join(lines) + "\n", exports, gsig,
                       tuple(t for t, _ in self.globals), self.has_memory, self.fuel, has_start,
                       ("mem1",) if self.nmems > 1 else ())

    def tab(self, ti: int) -> str:
        return f"$tab{ti or ''}"

    def offset_expr(self, t: str, off: int) -> str:
        """A constant expression for ``off`` (with extended-const, sometimes a sum or product)."""
        r = self.rng
        if "extended-const" in self.features and r.random() < 0.5:
            a = r.randint(0, off)
            if r.random() < 0.5:
                return f"{t}.add ({t}.const {a}) ({t}.const {off - a})"
            return f"{t}.sub ({t}.const {off + a}) ({t}.const {a})"
        return f"{t}.const {off}"

    def random_sig(self) -> Sig:
        r = self.rng
        return Sig(tuple(r.choice(NUM) for _ in range(r.choice((0, 1, 1, 2, 2, 3, 4)))),
                   tuple(r.choice(NUM) for _ in range(r.choice((0, 1, 1, 1, 1, 2, 3)))))

    def random_bytes(self) -> bytes:
        r = self.rng
        return bytes(r.randrange(256) for _ in range(r.choice((0, 1, 4, 8, 16, 33))))

    def wrapper(self, i: int, s: Sig) -> list:
        params = " ".join(INT_OF[t] for t in s.params)
        results = " ".join(INT_OF[t] for t in s.results)
        lines = [f"  (func (export \"w{i}\")" + (f" (param {params})" if params else "")
                 + (f" (result {results})" if results else "")
                 + "".join(f" (local {t})" for t in s.results),
                 f"    (global.set $fuel (i32.const {self.fuel}))"]
        for k, t in enumerate(s.params):
            lines.append(
                f"    local.get {k}" + (f" {t}.reinterpret_{INT_OF[t]}" if t[0] == "f" else "")
            )
        lines.append(f"    call $f{i}")
        # Pop the results into locals (top first), push them back as integers.
        base = len(s.params)
        for k in reversed(range(len(s.results))):
            lines.append(f"    local.set {base + k}")
        for k, t in enumerate(s.results):
            lines.append(
                f"    local.get {base + k}"
                + (f" {INT_OF[t]}.reinterpret_{t}" if t[0] == "f" else "")
            )
        lines.append("  )")
        return lines

    def start_function(self) -> list:
        self.f = _Func(Sig((), ()), [], set(), [_Label("func", ())])
        self.out, self.indent, self.budget = [], 2, self.size // 3
        self.emit(f"(global.set $fuel (i32.const {self.fuel}))")
        self.stmts(3, self.rng.randint(1, 4))
        lines = ["  (func $start" + "".join(f" (local {t})" for t in self.f.locals)]
        lines.extend(self.out)
        lines.extend(["  )", "  (start $start)"])
        return lines

    # ------------------------------------------------------------------ functions

    def function(self, i: int, s: Sig) -> list:
        r = self.rng
        f = _Func(s, list(s.params), set(), [_Label("func", s.results)])
        f.locals.extend(r.choice(NUM) for _ in range(r.randint(0, 4)))
        self.f = f
        self.out, self.indent = [], 2
        self.budget = r.randint(self.size // 4, self.size)
        # Fuel: every call pays one unit; without fuel, return constants.
        self.emit("global.get $fuel")
        self.emit("i32.eqz")
        self.emit("if")
        self.indent += 1
        for t in s.results:
            self.const(t)
        self.emit("return")
        self.indent -= 1
        self.emit("end")
        self.emit("(global.set $fuel (i32.sub (global.get $fuel) (i32.const 1)))")
        self.stmts(4, r.randint(0, 4))
        # Make the locals' final values observable (when the body falls through).
        for k, t in enumerate(f.locals):
            if k not in f.counters and r.random() < 0.7:
                self.emit(f"local.get {k}")
                self.hash(t)
        self.body(s.results, 4)
        nparams = len(s.params)
        head = f"  (func $f{i} (type $t{i}){s.wat()}" + "".join(
            f" (local {t})" for t in f.locals[nparams:]
        )
        return [head] + self.out + ["  )"]

    def emit(self, text: str) -> None:
        self.out.append("  " * self.indent + text)
        self.budget -= 1

    def new_local(self, t: str) -> int:
        self.f.locals.append(t)
        return len(self.f.locals) - 1

    def writable_locals(self, t: str) -> list:
        return [k for k, lt in enumerate(self.f.locals) if lt == t and k not in self.f.counters]

    # ------------------------------------------------------------------ statements and bodies

    def body(self, results: tuple, depth: int) -> None:
        """A block body: statements, then the results or a branch away."""
        r = self.rng
        self.stmts(depth, r.randint(0, 4))
        if r.random() < 0.12 and depth > 0:
            self.terminator(depth)
        else:
            self.values(results, depth)

    def stmts(self, depth: int, n: int) -> None:
        for _ in range(n):
            if self.budget <= 0:
                return
            self.stmt(depth)

    def terminator(self, depth: int) -> None:
        """An unconditional branch (the code after it is unreachable)."""
        r = self.rng
        targets = [k for k, lab in enumerate(reversed(self.f.labels)) if lab.kind != "loop"]
        choice = r.random()
        tail = [i for i, s in enumerate(self.sigs) if s.results == self.f.sig.results]
        if "tail-call" in self.features and tail and r.random() < 0.3:
            # 3.4.10 return_call: the callee's results are the caller's.
            i = r.choice(tail)
            self.values(self.sigs[i].params, depth - 1)
            fits = [(ti, k) for ti, sl in enumerate(self.slots) for k, fi in sl.items()
                    if self.sigs[fi] == self.sigs[i]]
            if r.random() < 0.6 or not fits:
                self.emit(f"return_call $f{i}")
            else:
                ti, k = r.choice(fits)
                self.emit(f"i32.const {k}")
                self.emit(f"return_call_indirect {self.tab(ti)} (type $t{i})")
            return
        if choice < 0.02:
            self.emit("unreachable")
        elif choice < 0.15:
            self.values(self.f.sig.results, depth - 1)
            self.emit("return")
        elif choice < 0.6:
            k = r.choice(targets)
            self.values(self.f.labels[-1 - k].types, depth - 1)
            self.emit(f"br {k}")
        else:
            default = r.choice(targets)
            types = self.f.labels[-1 - default].types
            same = [k for k in targets if self.f.labels[-1 - k].types == types]
            table = [r.choice(same) for _ in range(r.randint(0, 5))]
            self.values(types, depth - 1)
            self.index_value(len(table) + 1, depth - 1)
            self.emit("br_table " + " ".join(str(k) for k in table + [default]))

    def stmt(self, depth: int) -> None:
        r = self.rng
        d = depth - 1
        choice = r.random()
        if choice < 0.16:
            t = r.choice(NUM)
            targets = self.writable_locals(t)
            if not targets:
                targets = [self.new_local(t)]
            self.value(t, d)
            self.emit(f"local.set {r.choice(targets)}")
        elif choice < 0.24:
            mutable = [i for i, (t, mut) in enumerate(self.globals) if mut]
            if not mutable:
                return self.stmt(depth)
            i = r.choice(mutable)
            self.value(self.globals[i][0], d)
            self.emit(f"global.set $g{i}")
        elif choice < 0.38 and self.has_memory:
            op, t, align = r.choice(STORES if self.nan_bits else STORES[:7])
            m = self.pick_mem()
            self.address(d, m)
            self.value(t, d)
            self.emit(op + self.memarg(align, m))
        elif choice < 0.46:
            t = r.choice(NUM)
            self.value(t, d)
            if r.random() < 0.3:
                self.emit("drop")
            else:
                self.hash(t)
        elif choice < 0.52 and self.has_memory:
            self.bulk_memory(d)
        elif choice < 0.57:
            self.bulk_table(d)
        elif choice < 0.65 and depth > 0:
            self.value("i32", d)
            self.emit("if")
            self.nested("if", (), d, else_arm=r.random() < 0.5)
        elif choice < 0.72 and depth > 0:
            self.emit("block")
            self.nested("block", (), d)
        elif choice < 0.79 and depth > 0:
            self.loop((), d)
        elif choice < 0.88:
            targets = [k for k, lab in enumerate(reversed(self.f.labels)) if lab.kind != "loop"]
            k = r.choice(targets)
            types = self.f.labels[-1 - k].types
            self.values(types, d)
            self.cond(d)
            self.emit(f"br_if {k}")
            for _ in types:
                self.emit("drop")
        elif choice < 0.94:
            self.call(None, d)
        else:
            self.emit("nop")

    def nested(
        self, kind: str, types: tuple, depth: int, else_arm: bool = False, params=()
    ) -> None:
        """The body of a block / if just opened (params on the stack), then ``end``."""
        self.f.labels.append(_Label(kind, types))
        self.indent += 1
        self.take_params(params)
        self.body(types, depth)
        self.indent -= 1
        if else_arm:
            self.emit("else")
            self.indent += 1
            self.take_params(params)
            self.body(types, depth)
            self.indent -= 1
        self.f.labels.pop()
        self.emit("end")

    def hash(self, t: str) -> None:
        """Mix the value on top of the stack into the hash global $g0."""
        if t == "i32":
            self.emit("i64.extend_i32_u")
        elif t[0] == "f":
            # Without nan_bits a NaN's bits must not be seen: trunc_sat maps every NaN to 0.
            self.emit(
                "i64.reinterpret_f64" if t == "f64" else "i32.reinterpret_f32 i64.extend_i32_u"
            )
            if not self.nan_bits:
                self.out.pop()
                self.emit(f"i64.trunc_sat_{t}_s")
        self.emit("global.get $g0 i64.const 0x100000001b3 i64.mul i64.xor")
        self.emit("global.set $g0")

    def take_params(self, params: tuple) -> None:
        """Pop a block's parameters into fresh locals (usable by the body)."""
        for t in reversed(params):
            self.emit(f"local.set {self.new_local(t)}")

    def loop(self, types: tuple, depth: int, params: tuple = ()) -> None:
        """A bounded loop; ``params`` are already on the stack (and carried by the back edge)."""
        r = self.rng
        c = self.new_local("i32")
        self.f.counters.add(c)
        self.emit(f"(local.set {c} (i32.const {r.randint(1, 6)}))")
        self.emit("loop" + self.blocktype(params, types))
        self.f.labels.append(_Label("loop", params))
        self.indent += 1
        self.take_params(params)
        self.emit(f"(local.set {c} (i32.sub (local.get {c}) (i32.const 1)))")
        self.stmts(depth, r.randint(1, 4))
        self.values(params, depth)
        self.emit(f"(br_if 0 (i32.gt_s (local.get {c}) (i32.const 0)))")
        for _ in params:
            self.emit("drop")
        self.body(types, depth)
        self.indent -= 1
        self.f.labels.pop()
        self.emit("end")

    def blocktype(self, params: tuple, results: tuple) -> str:
        if not params and len(results) <= 1:
            return Sig((), results).wat()
        if self.rng.random() < 0.5:
            # The type by index, when one of the module's types fits.
            for i, s in enumerate(self.sigs + self.extra_sigs):
                if s.params == params and s.results == results:
                    return f" (type $t{i})"
        return Sig(params, results).wat()

    # ------------------------------------------------------------------ memory and tables

    def pick_mem(self) -> int:
        return self.rng.randrange(self.nmems)

    def addrtype(self, m: int) -> str:
        return "i64" if m == 0 and self.mem64 else "i32"

    def memarg(self, natural: int, m: int = 0) -> str:
        r = self.rng
        x = r.random()
        if x < 0.5:
            off = 0
        elif x < 0.9:
            off = r.randint(1, 64)
        elif x < 0.98:
            off = r.choice((PAGE - 1, PAGE, PAGE - 4, 2 * PAGE - 8, r.randint(0, 3 * PAGE)))
        else:
            off = r.choice((0xFFFFFFFF, 0x80000000, 0xFFFFFFF0))
            if self.addrtype(m) == "i64" and r.random() < 0.5:
                off = r.choice((1 << 32, 0xFFFFFFFFFFFFFFFF, 0x8000000000000000, (1 << 32) + 8))
        align = r.randint(0, natural)
        text = (f" {m}" if m else "") + (f" offset={off}" if off else "")
        if align != natural or r.random() < 0.2:
            text += f" align={1 << align}"
        return text

    def address(self, depth: int, m: int = 0) -> None:
        """An address for memory ``m``: mostly in bounds, sometimes near or past the end."""
        self.address32(depth, PAGE if m else self.mem_min * PAGE)
        if self.addrtype(m) == "i64":
            if self.rng.random() < 0.05:
                self.emit("i64.extend_i32_s")    # negative: far out of bounds
            else:
                self.emit("i64.extend_i32_u")

    def address32(self, depth: int, size: int) -> None:
        r = self.rng
        x = r.random()
        if x < 0.45:
            inside = size and r.random() < 0.7
            self.emit(
                f"i32.const {r.randint(0, max(0, size - 80)) if inside else r.randint(0, 256)}"
            )
        elif x < 0.55:
            self.emit(f"i32.const {max(0, size - r.randint(0, 10))}")
        elif x < 0.93:
            self.value("i32", depth)
            self.emit(
                f"i32.const {r.choice((0xFF, 0xFFF, 0x3FFF, 0x7FFF, 0xFFFF, 0xFFF8, 0x1FFFF))}"
            )
            self.emit("i32.and")
        else:
            self.value("i32", depth)

    def length(self, depth: int, limit: int, t: str = "i32") -> None:
        r = self.rng
        if r.random() < 0.9:
            self.emit(f"{t}.const {r.randint(0, limit)}")
        else:
            self.value(t, depth)

    def segment_range(self, n: int, depth: int) -> None:
        """Source offset and length in a segment of length ``n``, mostly in bounds."""
        r = self.rng
        if r.random() < 0.85:
            start = r.randint(0, n)
            self.emit(f"i32.const {start}")
            self.emit(f"i32.const {r.randint(0, n - start)}")
        else:
            self.length(depth, n + 2)
            self.length(depth, n + 2)

    def bulk_memory(self, depth: int) -> None:
        r = self.rng
        passive = [i for i, (_, off) in enumerate(self.datas) if off is None]
        x = r.random()
        m = self.pick_mem()
        mem = f" {m}" if m else ""
        if x < 0.35:
            self.address(depth, m)
            self.value("i32", depth)
            self.length(depth, 300, self.addrtype(m))
            self.emit("memory.fill" + mem)
        elif x < 0.7:
            m2 = self.pick_mem()
            self.address(depth, m)
            self.address(depth, m2)
            # 3.4.6: the length has the smaller of the two address types.
            self.length(
                depth, 300, "i64" if self.addrtype(m) == self.addrtype(m2) == "i64" else "i32"
            )
            self.emit(f"memory.copy {m} {m2}" if m or m2 else "memory.copy")
        elif x < 0.93 and self.datas:
            i = r.choice(passive) if passive and r.random() < 0.9 else r.randrange(len(self.datas))
            self.address(depth, m)
            self.segment_range(len(self.datas[i][0]), depth)
            self.emit(f"memory.init{mem} $d{i}")
        elif self.datas:
            self.emit(f"data.drop $d{r.randrange(len(self.datas))}")

    def funcref(self, depth: int) -> None:
        r = self.rng
        if r.random() < 0.3:
            self.emit("ref.null func")
        elif r.random() < 0.8:
            self.emit(f"ref.func $f{r.randrange(len(self.sigs))}")
        else:
            ti = self.pick_tab()
            self.table_span(depth, None, ti)
            self.emit(f"table.get {self.tab(ti)}")

    def pick_tab(self) -> int:
        return self.rng.randrange(len(self.tabs))

    def table_span(self, depth: int, n: int | None = None, ti: int = 0) -> None:
        """An index into table ``ti``, and with ``n``: a length up to ``n`` - mostly a range inside
        the table."""
        r = self.rng
        lo = self.tabs[ti][0]
        if r.random() < 0.85:
            length = r.randint(0, min(n, lo)) if n is not None else 0
            self.emit(f"i32.const {r.randint(0, max(0, lo - max(length, 1)))}")
        else:
            self.index_value(lo + 1, depth)
            length = r.randint(0, (n or 0) + 1)
        if n is not None:
            self.emit(f"i32.const {length}")

    def bulk_table(self, depth: int) -> None:
        r = self.rng
        x = r.random()
        passive = [i for i, (_, off) in enumerate(self.elems) if off is None]
        ti = self.pick_tab()
        tab, lo = self.tab(ti), self.tabs[ti][0]
        if x < 0.2:
            self.table_span(depth, None, ti)
            self.funcref(depth)
            self.emit(f"table.set {tab}")
        elif x < 0.4:
            # table.fill's operands: index, ref, length.
            n = r.randint(0, min(3, lo))
            self.emit(f"i32.const {r.randint(0, lo - n + (r.random() < 0.1))}")
            self.funcref(depth)
            self.emit(f"i32.const {n}")
            self.emit(f"table.fill {tab}")
        elif x < 0.6:
            n = r.randint(0, 3)
            t2 = self.pick_tab()
            self.table_span(depth, None, ti)
            self.table_span(depth, n, t2)
            self.emit(f"table.copy {tab} {self.tab(t2)}")
        elif x < 0.8 and self.elems:
            i = r.choice(passive) if passive and r.random() < 0.85 else r.randrange(len(self.elems))
            self.table_span(depth, None, ti)
            self.segment_range(len(self.elems[i][0]), depth)
            self.emit(f"table.init {tab} $e{i}")
        elif x < 0.85 and self.elems:
            self.emit(f"elem.drop $e{r.randrange(len(self.elems))}")
        else:
            self.funcref(depth)
            self.length(depth, 4)
            self.emit(f"table.grow {tab}")
            self.emit("drop")

    def index_value(self, n: int, depth: int) -> None:
        """An i32 that is usually in ``range(n)``."""
        r = self.rng
        if r.random() < 0.75 or depth <= 0:
            self.emit(f"i32.const {r.randrange(max(1, n))}")
        else:
            self.value("i32", depth)

    # ------------------------------------------------------------------ calls

    def call(self, want: tuple | None, depth: int) -> None:
        """A call (direct or indirect).  ``want`` is None: its results are dropped; else they
        must be exactly ``want``."""
        r = self.rng
        if want is None:
            i = r.randrange(len(self.sigs))
            sig = self.sigs[i]
        else:
            cands = [i for i, s in enumerate(self.sigs) if s.results == want]
            i = r.choice(cands)
            sig = self.sigs[i]
        self.values(sig.params, depth)
        fits = [
            (ti, k)
            for ti, sl in enumerate(self.slots)
            for k, fi in sl.items()
            if self.sigs[fi] == sig
        ]
        if r.random() < (0.6 if fits else 0.93):
            self.emit(f"call $f{i}")
        else:
            # Indirect: by this signature's type index, or rarely a lookalike type.
            tidx = i
            if r.random() < 0.1:
                for k, s in enumerate(self.extra_sigs):
                    if s.params == sig.params and s.results == sig.results:
                        tidx = len(self.sigs) + k
            if fits and r.random() < 0.9:
                ti, k = r.choice(fits)
                self.emit(f"i32.const {k}")
            else:
                ti = self.pick_tab()
                self.index_value(self.tabs[ti][0] + 1, depth)
            self.emit(f"call_indirect {self.tab(ti)} (type $t{tidx})")
        if want is None:
            for _ in sig.results:
                self.emit("drop")

    # ------------------------------------------------------------------ values

    def values(self, types: tuple, depth: int) -> None:
        """Push values of ``types`` (in order)."""
        r = self.rng
        if not types:
            return
        x = r.random()
        if depth > 0 and self.budget > 0:
            if x < 0.1 and any(s.results == types for s in self.sigs):
                return self.call(types, depth - 1)
            if x < 0.16 and len(types) > 1:
                params = tuple(r.choice(NUM) for _ in range(r.randint(0, 2)))
                self.values(params, depth - 1)
                self.emit("block" + self.blocktype(params, types))
                return self.nested("block", types, depth - 1, params=params)
            if x < 0.2 and len(types) > 1:
                params = tuple(r.choice(NUM) for _ in range(r.randint(0, 2)))
                self.values(params, depth - 1)
                self.cond(depth - 1)
                self.emit("if" + self.blocktype(params, types))
                return self.nested("if", types, depth - 1, else_arm=True, params=params)
            if x < 0.24 and (len(types) > 1 or x < 0.21):
                params = tuple(r.choice(NUM) for _ in range(r.randint(0, 2)))
                self.values(params, depth - 1)
                return self.loop(types, depth - 1, params)
        for t in types:
            self.value(t, depth)

    def cond(self, depth: int) -> None:
        """An i32 condition, often a comparison."""
        r = self.rng
        if r.random() < 0.5 and depth > 0:
            t = r.choice(NUM)
            self.value(t, depth - 1)
            self.value(t, depth - 1)
            self.emit(r.choice(RELOPS[t]))
        else:
            self.value("i32", depth)

    def random_const(self, t: str) -> int:
        r = self.rng
        x = r.random()
        if t == "i32":
            if x < 0.4:
                return r.choice(I32_SPECIAL)
            return r.randint(0, 100) if x < 0.7 else r.getrandbits(32)
        if t == "i64":
            if x < 0.4:
                return r.choice(I64_SPECIAL)
            return r.randint(0, 100) if x < 0.7 else r.getrandbits(64)
        special = F32_SPECIAL if t == "f32" else F64_SPECIAL
        if x < 0.5:
            return r.choice(special)
        if x < 0.8:
            v = r.randint(-1000, 1000) / r.choice((1, 2, 4, 3, 10))
            return _f32(v) if t == "f32" else _f64(v)
        return r.getrandbits(32 if t == "f32" else 64)

    def const_text(self, t: str, bits: int) -> str:
        if t[0] == "i":
            return str(bits)
        return float_literal(bits, 32 if t == "f32" else 64)

    def const(self, t: str) -> None:
        self.emit(f"{t}.const {self.const_text(t, self.random_const(t))}")

    def leaf(self, t: str) -> None:
        r = self.rng
        x = r.random()
        locs = [k for k, lt in enumerate(self.f.locals) if lt == t]
        globs = [i for i, (gt, _) in enumerate(self.globals) if gt == t]
        if x < 0.45 and locs:
            self.emit(f"local.get {r.choice(locs)}")
        elif x < 0.55 and globs:
            self.emit(f"global.get $g{r.choice(globs)}")
        else:
            self.const(t)

    def value(self, t: str, depth: int) -> None:
        """Push one value of type ``t``."""
        r = self.rng
        if depth <= 0 or self.budget <= 0:
            return self.leaf(t)
        d = depth - 1
        x = r.random()
        isint = t[0] == "i"
        if x < 0.15:
            self.leaf(t)
        elif x < 0.27:
            self.value(t, d)
            self.emit(r.choice(UNOPS[t]))
        elif x < 0.47:
            self.value(t, d)
            self.value(t, d)
            op = r.choice(BINOPS[t])
            self.emit(op if self.nan_bits or not op.endswith("copysign") else f"{t}.add")
        elif x < 0.53 and t == "i32":
            self.cond(depth)
        elif x < 0.62:
            op, src = r.choice(CONVERSIONS[t])
            if not self.nan_bits and op.startswith("i") and "reinterpret" in op:
                op, src = CONVERSIONS[t][0]
            if src[0] == "f" and t[0] == "i" and "reinterpret" not in op and r.random() < 0.5:
                # Operands that trunc can often convert: small, or just inside / outside the range.
                self.float_near_int(src, d)
            else:
                self.value(src, d)
            self.emit(op)
        elif x < 0.68 and self.has_memory:
            op, align = r.choice(LOADS[t])
            m = self.pick_mem()
            self.address(d, m)
            self.emit(op + self.memarg(align, m))
        elif x < 0.72:
            self.value(t, d)
            self.value(t, d)
            self.cond(d)
            self.emit("select" if r.random() < 0.6 else f"select (result {t})")
        elif x < 0.76:
            targets = self.writable_locals(t)
            if not targets:
                targets = [self.new_local(t)]
            self.value(t, d)
            self.emit(f"local.tee {r.choice(targets)}")
        elif x < 0.81:
            self.emit("block" + self.blocktype((), (t,)))
            self.nested("block", (t,), d)
        elif x < 0.85:
            self.cond(d)
            self.emit("if" + self.blocktype((), (t,)))
            self.nested("if", (t,), d, else_arm=True)
        elif x < 0.88:
            self.loop((t,), d)
        elif x < 0.93:
            self.call_value(t, d)
        elif x < 0.96 and isint and t == "i32":
            y = r.random()
            m = self.pick_mem() if self.has_memory else 0
            at = self.addrtype(m)
            mem = f" {m}" if m else ""
            if y < 0.3 and self.has_memory:
                self.emit("memory.size" + mem)
                if at == "i64":
                    self.emit("i32.wrap_i64")
            elif y < 0.6 and self.has_memory:
                delta = r.choice((0, 0, 1, 1, 2, 3, 0x10000, 0xFFFFFFFF))
                if at == "i64" and r.random() < 0.2:
                    delta = r.choice((1 << 32, 1 << 48, 0xFFFFFFFFFFFFFFFF))
                self.emit(f"{at}.const {delta}")
                self.emit("memory.grow" + mem)
                if at == "i64":
                    self.emit("i32.wrap_i64")
            elif y < 0.75:
                self.emit(f"table.size {self.tab(self.pick_tab())}")
            elif y < 0.9:
                self.funcref(d)
                self.emit("ref.is_null")
            else:
                self.funcref(d)
                self.emit(f"i32.const {r.choice((0, 1, 2, 5, 0xFFFFFFFF))}")
                self.emit(f"table.grow {self.tab(self.pick_tab())}")
        else:
            self.leaf(t)

    def float_near_int(self, t: str, depth: int) -> None:
        r = self.rng
        if r.random() < 0.5:
            src = r.choice(("i32", "i64"))
            self.value(src, depth)
            self.emit(f"{t}.convert_{src}_{r.choice('su')}")
        else:
            self.const(t)

    def call_value(self, t: str, depth: int) -> None:
        """One value of type ``t`` from a call returning several (the others dropped)."""
        r = self.rng
        cands = [
            (i, k) for i, s in enumerate(self.sigs) for k, rt in enumerate(s.results) if rt == t
        ]
        if not cands:
            return self.leaf(t)
        i, k = r.choice(cands)
        results = self.sigs[i].results
        if results == (t,):
            return self.call((t,), depth)
        self.call(results, depth)
        tmp = self.new_local(t)
        for j in reversed(range(len(results))):
            self.emit(f"local.set {tmp}" if j == k else "drop")
        self.emit(f"local.get {tmp}")


def generate(seed: int, size: int = 120, nan_bits: bool = True, features: tuple = ()) -> Program:
    """One program; ``features``: Wasm 3.0 features to use too ("tail-call", "memory64",
    "multi-memory"; `WASM3` is all of them)."""
    return Generator(seed, size, nan_bits, features).program()


WASM3 = ("tail-call", "memory64", "multi-memory", "extended-const")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--size", type=int, default=120, help="instruction budget per function")
    ap.add_argument(
        "--no-nan-bits", action="store_true", help="no instruction exposes a NaN's bits"
    )
    ap.add_argument("--wasm3", action="store_true", help="also tail calls, memory64, multi-memory, "
                    "extended-const")
    args = ap.parse_args()
    print(
        generate(args.seed, args.size, not args.no_nan_bits, WASM3 if args.wasm3 else ()).wat,
        end="",
    )


if __name__ == "__main__":
    main()
