"""Random well-typed Wasm programs (WAT) for differential tests between the tiers.

Straight-line i32/i64/f64 arithmetic (incl. trapping division and conversions),
locals, globals, memory loads/stores (sometimes out of bounds), bounded loops,
if/else, block + br_if/br_table, calls (direct and indirect), select,
unreachable.  Every program terminates; it may trap.
"""

import random

BIN32 = ["add", "sub", "mul", "and", "or", "xor", "shl", "shr_u", "shr_s", "rotl", "rotr",
         "div_s", "div_u", "rem_s", "rem_u", "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u",
         "le_s", "le_u", "ge_s", "ge_u"]
UN32 = ["eqz", "clz", "ctz", "popcnt", "extend8_s", "extend16_s"]
CONSTS = [0, 1, 2, 3, 7, 31, 32, 255, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFF, 65535, 65536]


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.loops = 0

    def const(self) -> str:
        r = self.r
        v = r.choice(CONSTS) if r.random() < 0.6 else r.randrange(1 << 32)
        return f"(i32.const {v - (1 << 32) if v >= 1 << 31 else v})"

    def e32(self, d: int) -> str:
        """An i32 expression of nesting depth at most d."""
        r = self.r
        if d <= 0:
            return r.choice([self.const(), "(local.get $x)", "(local.get $y)", "(local.get $a)",
                             "(local.get $b)", "(global.get $g)"])
        k = r.randrange(16)
        if k < 5:
            return f"(i32.{r.choice(BIN32)} {self.e32(d - 1)} {self.e32(d - 1)})"
        if k == 5:
            return f"(i32.{r.choice(UN32)} {self.e32(d - 1)})"
        if k == 6:
            return f"(select {self.e32(d - 1)} {self.e32(d - 1)} {self.e32(d - 1)})"
        if k == 7:
            op = r.choice(
                ["i32.load", "i32.load8_s", "i32.load8_u", "i32.load16_s", "i32.load16_u"]
            )
            return f"({op} offset={r.choice([0, 0, 1, 4, 8, 64, 65535])} {self.addr(d - 1)})"
        if k == 8:
            return f"(call $h {self.e32(d - 1)} {self.e32(d - 1)})"
        if k == 9:
            return (f"(if (result i32) {self.e32(d - 1)} (then {self.e32(d - 1)}) "
                    f"(else {self.e32(d - 1)}))")
        if k == 10:
            return (f"(block (result i32) (drop (br_if 0 {self.e32(d - 1)} {self.e32(d - 1)})) "
                    f"{self.e32(d - 1)})")
        if k == 11:
            return f"(i32.wrap_i64 {self.e64(d - 1)})"
        if k == 12:
            i = r.choice([0, 0, 0, 1, 1, 1, 2])
            return f"(call_indirect (type $t) {self.e32(d - 1)} {self.e32(d - 1)} (i32.const {i}))"
        if k == 13:
            return f"(local.tee $y {self.e32(d - 1)})"
        if k == 14:
            return f"(i32.trunc_f64_s {self.ef(d - 1)})" if r.random() < 0.3 else \
                f"(i32.trunc_sat_f64_u {self.ef(d - 1)})"
        return self.e32(0)

    def e64(self, d: int) -> str:
        r = self.r
        if d <= 0 or r.random() < 0.3:
            return r.choice([f"(i64.extend_i32_s {self.e32(0)})",
                             f"(i64.extend_i32_u {self.e32(0)})",
                             f"(i64.const {r.randrange(-(1 << 63), 1 << 63)})"])
        op = r.choice(["add", "sub", "mul", "xor", "shl", "shr_s", "rotl", "div_u", "rem_s"])
        if r.random() < 0.2:
            return f"(i64.load offset=8 {self.addr(d - 1)})"
        return f"(i64.{op} {self.e64(d - 1)} {self.e64(d - 1)})"

    def ef(self, d: int) -> str:
        r = self.r
        if d <= 0 or r.random() < 0.3:
            return r.choice([f"(f64.convert_i32_s {self.e32(0)})", "(f64.const 1.5)",
                             "(f64.const -0x1p40)", "(f64.const nan)"])
        op = r.choice(["add", "sub", "mul", "div", "min", "max"])
        return f"(f64.{op} {self.ef(d - 1)} {self.ef(d - 1)})"

    def addr(self, d: int) -> str:
        if self.r.random() < 0.95:
            return f"(i32.and {self.e32(d)} (i32.const 0x7FFF))"
        return self.e32(d)

    def stmt(self, d: int) -> str:
        r = self.r
        k = r.randrange(10)
        if k < 3:
            return f"(local.set ${r.choice('xy')} {self.e32(d)})"
        if k == 3:
            op = r.choice(["i32.store", "i32.store8", "i32.store16"])
            return f"({op} offset={r.choice([0, 2, 16, 65534])} {self.addr(d)} {self.e32(d)})"
        if k == 4:
            return f"(global.set $g {self.e32(d)})"
        if k == 5 and d > 0:
            return f"(if {self.e32(d - 1)} (then {self.stmts(d - 1)}) (else {self.stmts(d - 1)}))"
        if k == 6 and d > 0 and self.loops < 2:
            self.loops += 1
            n = r.randrange(1, 12)
            q = self.loops
            i = f"$i{q}"
            inner = self.stmts(d - 1)
            return (f"(local.set {i} (i32.const 0)) (block $B{q} (loop $L{q} "
                    f"(br_if $B{q} (i32.ge_u (local.get {i}) (i32.const {n}))) {inner} "
                    f"(local.set {i} (i32.add (local.get {i}) (i32.const 1))) (br $L{q})))")
        if k == 7 and d > 0:
            return (f"(block (block (block (br_table 0 1 2 0 {self.e32(d - 1)}) ) "
                    f"{self.stmts(d - 1)}) {self.stmts(d - 1)})")
        if k == 8:
            return f"(if (i32.eq {self.e32(d)} (i32.const 7)) (then unreachable))"
        return f"(drop {self.e32(d)})"

    def stmts(self, d: int) -> str:
        return " ".join(self.stmt(d) for _ in range(self.r.randrange(1, 5)))

    def module(self) -> str:
        d = self.r.randrange(1, 5)
        body = f"{self.stmts(d)} {self.e32(d)}"
        self.loops = 2   # no loops in $h
        hbody = self.e32(2).replace("(call $h", "(i32.add").replace("$x", "$a").replace("$y", "$b")
        hbody = hbody.replace("(global.get $g)", "(local.get $a)")
        if "call_indirect" in hbody or "local.tee" in hbody:
            hbody = "(i32.add (local.get $a) (local.get $b))"
        return f"""(module
  (type $t (func (param i32 i32) (result i32)))
  (memory 1)
  (global $g (mut i32) (i32.const 5))
  (table 3 funcref)
  (elem (i32.const 0) $h $k)
  (data (i32.const 0) "\\01\\02\\03\\04\\05\\06\\07\\08\\ff\\fe")
  (func $h (param $a i32) (param $b i32) (result i32) {hbody})
  (func $k (param $a i32) (param $b i32) (result i32) (i32.sub (local.get $a) (local.get $b)))
  (func (export "run") (param $a i32) (param $b i32) (result i32)
    (local $x i32) (local $y i32) (local $i1 i32) (local $i2 i32)
    {body}))"""
