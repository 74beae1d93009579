"""Modules with one export per instruction, and random operands for them (the differential
harness's ``--ops`` mode): every scalar numeric instruction, or every deterministic vector
instruction (vector loads and stores included), applied to its parameters.

Floats cross the embedding boundary as their bits and a v128 as two i64 (low, high), so that
no engine's host API can alter a NaN payload on the way.

    PYTHONPATH=. python tests/differential/op_programs.py [--vector] [--seed N]   # print the module
"""

from __future__ import annotations

import argparse
import random

# tools/ is a package importable from the repository root (see diff_harness.py)
from tools.wasmgen import (
    CONVERSIONS, F32_SPECIAL, F64_SPECIAL, I32_SPECIAL, I64_SPECIAL, BINOPS, INT_OF, NUM, PAGE,
    RELOPS, UNOPS, Program, Sig, _f32, _f64,
)


def numeric_ops() -> list:
    """``[(op, operand types, result type)]``: every scalar numeric instruction of Wasm 2.0."""
    ops = []
    for t in NUM:
        ops += [(op, (t,), t) for op in UNOPS[t]]
        ops += [(op, (t, t), t) for op in BINOPS[t]]
        ops += [(op, (t, t), "i32") for op in RELOPS[t]]
        ops += [(op, (src,), t) for op, src in CONVERSIONS[t] if not op.endswith("eqz")]
    ops += [("i32.eqz", ("i32",), "i32"), ("i64.eqz", ("i64",), "i32")]
    return ops


def vector_ops(rng: random.Random) -> list:
    """``[(instruction text, operand types, result type)]``: the deterministic vector instructions
    (Wasm 2.0 SIMD; not the relaxed ones), lane instructions with random lane indices."""
    from pyic.wasm.valid.instructions import LANES, SIMPLE   # types only: wasmtime checks them too
    ops = []
    for op, (_, pops, pushes) in sorted(SIMPLE.items()):
        if ("v128" in pops or pushes == ("v128",)) and "relaxed" not in op and op != "v128.const":
            ops.append((op, tuple(pops), pushes[0]))
    for shape, (lanet, n) in LANES.items():
        for suffix in (("_s", "_u") if shape in ("i8x16", "i16x8") else ("",)):
            k = rng.randrange(n)
            ops.append((f"{shape}.extract_lane{suffix} {k}", ("v128",), lanet))
        ops.append((f"{shape}.replace_lane {rng.randrange(n)}", ("v128", lanet), "v128"))
    for _ in range(4):
        lanes = " ".join(str(rng.randrange(32)) for _ in range(16))
        ops.append((f"i8x16.shuffle {lanes}", ("v128", "v128"), "v128"))

    # Memory (an "addr" is an i32 address, mostly near the 1-page memory's contents).
    def memarg(natural: int) -> str:
        off = rng.choice((0, 0, 1, 3, 8, 100, 65530, rng.randrange(70000)))
        align = rng.randint(0, natural)
        return (f" offset={off}" if off else "") + (
            f" align={1 << align}" if align != natural else ""
        )
    for op, nat in (("v128.load", 4), ("v128.load8x8_s", 3), ("v128.load8x8_u", 3),
                    ("v128.load16x4_s", 3), ("v128.load16x4_u", 3),
                    ("v128.load32x2_s", 3), ("v128.load32x2_u", 3),
                    ("v128.load8_splat", 0), ("v128.load16_splat", 1), ("v128.load32_splat", 2),
                    ("v128.load64_splat", 3), ("v128.load32_zero", 2), ("v128.load64_zero", 3)):
        ops.append((op + memarg(nat), ("addr",), "v128"))
    ops.append(("v128.store" + memarg(4), ("addr", "v128"), None))
    for n, nat in ((8, 0), (16, 1), (32, 2), (64, 3)):
        lane = rng.randrange(128 // n)
        ops.append((f"v128.load{n}_lane{memarg(nat)} {lane}", ("addr", "v128"), "v128"))
        ops.append((f"v128.store{n}_lane{memarg(nat)} {lane}", ("addr", "v128"), None))
    return ops


def ops_program(vector: bool = False, seed: int = 0) -> Program:
    """One export per numeric instruction (``vector``: per vector instruction), named after it,
    that applies it to its parameters: floats pass as their bits, a v128 as two i64 (low, high)."""
    rng = random.Random(seed)
    ops = vector_ops(rng) if vector else numeric_ops()
    lines = ["(module"]
    if vector:
        lines.append('  (memory (export "mem") 1 1)')
        data = "".join(f"\\{rng.randrange(256):02x}" for _ in range(4096))
        lines.append(f'  (data (i32.const 0) "{data}")')
        lines.append(f'  (data (i32.const {PAGE - 4096}) "{data}")')
    exports = []
    for op, params, result in ops:
        iparams = tuple(
            x for t in params for x in (("i64", "i64") if t == "v128" else (INT_OF.get(t, "i32"),))
        )
        iresults = ("i64", "i64") if result == "v128" else (INT_OF[result],) if result else ()
        body, k = [], 0
        for t in params:
            if t == "v128":
                body.append(f"v128.const i64x2 0 0 local.get {k} i64x2.replace_lane 0 "
                            f"local.get {k + 1} i64x2.replace_lane 1")
                k += 2
            else:
                body.append(
                    f"local.get {k}" + (f" {t}.reinterpret_{INT_OF[t]}" if t[0] == "f" else "")
                )
                k += 1
        body.append(op)
        if result is None:
            pass
        elif result[0] == "f":
            body.append(f"{INT_OF[result]}.reinterpret_{result}")
        elif result == "v128":
            body.append(f"local.set {k} local.get {k} i64x2.extract_lane 0 "
                        f"local.get {k} i64x2.extract_lane 1")
        local = " (local v128)" if result == "v128" else ""
        isig = Sig(iparams, iresults)
        lines.append(f"  (func (export \"{op}\"){isig.wat()}{local} {' '.join(body)})")
        exports.append((op, isig, Sig(params, (result,) if result else ())))
    lines.append("  (func (export \"globals\"))")
    lines.append(")")
    return Program(seed, "\n".join(lines) + "\n", exports, Sig((), ()), (), vector, 0)


def vector_operand(rng: random.Random) -> int:
    """A random v128, built lane by lane from the scalar operands of a random shape."""
    shape = rng.choice(("i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2", "f32x4", "f64x2"))
    n = {"i8x16": 16, "i16x8": 8, "i32x4": 4, "i64x2": 2, "f32x4": 4, "f64x2": 2}[shape]
    width = 128 // n
    v = 0
    for k in range(n):
        if shape in ("i8x16", "i16x8"):
            lane = rng.choice((0, 1, (1 << width) - 1, 1 << (width - 1), (1 << (width - 1)) - 1,
                               rng.getrandbits(width), rng.getrandbits(width)))
        else:
            lane = operand(rng, shape[0] + str(width))
        v |= lane << (k * width)
    return v


def operand(rng: random.Random, t: str) -> int:
    """A random operand bit pattern of type ``t``, biased to where numerics are delicate:
    special values, values near powers of two and integer limits, random bit widths."""
    if t == "v128":
        return vector_operand(rng)
    if t == "addr":
        return rng.choice((rng.randrange(4200), PAGE - rng.randrange(4200), rng.randrange(PAGE),
                           PAGE - rng.randrange(20), rng.getrandbits(32)))
    x = rng.random()
    if t in ("i32", "i64"):
        bits = 32 if t == "i32" else 64
        if x < 0.2:
            return rng.choice(I32_SPECIAL if t == "i32" else I64_SPECIAL)
        if x < 0.6:
            # A random width, so that small, medium and large magnitudes all appear, and
            # a random sign.
            v = rng.getrandbits(rng.randint(1, bits))
            return (-v) % (1 << bits) if rng.random() < 0.3 else v
        if x < 0.75:
            # 2^k +- a little: rounding boundaries of int -> float conversions.
            k = rng.randint(0, bits - 1)
            return (
                (1 << k)
                + rng.randint(-3, 3)
                + (rng.getrandbits(max(0, k - 25)) << 1 if rng.random() < 0.5 else 0)
            ) % (1 << bits)
        return rng.getrandbits(bits)
    width = 32 if t == "f32" else 64
    special = F32_SPECIAL if t == "f32" else F64_SPECIAL
    to_bits = _f32 if t == "f32" else _f64
    mask = (1 << width) - 1
    if x < 0.25:
        return rng.choice(special)
    if x < 0.5:
        # Near an integer limit or small integer, a few ulps either side.
        base = rng.choice((0.0, 0.5, 1.0, 2.0 ** 31, 2.0 ** 32, 2.0 ** 63, 2.0 ** 64,
                           2.0 ** 24, 2.0 ** 53, float(rng.randint(-100, 100)) + 0.5,
                           float(rng.getrandbits(rng.randint(1, 64)))))
        b = to_bits(base if rng.random() < 0.6 else -base) + rng.randint(-3, 3)
        return b & mask
    if x < 0.7:
        return to_bits(rng.randint(-10000, 10000) / rng.choice((1, 2, 4, 8, 3, 7, 1024)))
    if x < 0.8:
        # Tiny and huge exponents (subnormals, overflow).
        e = rng.choice((0, 1, 2, (1 << (8 if width == 32 else 11)) - 2))
        frac = rng.getrandbits(23 if width == 32 else 52)
        return (rng.getrandbits(1) << (width - 1)) | (e << (23 if width == 32 else 52)) | frac
    return rng.getrandbits(width)


def main() -> None:
    ap = argparse.ArgumentParser(description="print a one-export-per-instruction module")
    ap.add_argument("--vector", action="store_true")
    ap.add_argument("--seed", type=int, default=0, help="lane immediates and memory contents")
    args = ap.parse_args()
    print(ops_program(args.vector, args.seed).wat, end="")


if __name__ == "__main__":
    main()
