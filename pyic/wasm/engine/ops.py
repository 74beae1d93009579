"""What the fast tier inlines: Python templates of Wasm operations (bit patterns as ints).

Templates format their operands with ``str.format`` (operands are names, literals or
parenthesised expressions); the kind says what the expression yields: 1 an int value,
2 a Python bool (a comparison, used directly as a condition), 3 a Python float (f64
arithmetic), 4 a conversion from i32 to a float.  Every template computes exactly what the
`pyic.wasm.numerics` function of the op returns (tested op by op against it).
"""

from __future__ import annotations

from ..numerics import NUMERIC

M32 = "0xFFFFFFFF"
M64 = "0xFFFFFFFFFFFFFFFF"
OP_OF_FN = {id(fn): op for op, (fn, _) in NUMERIC.items()}


def _i(bits: int) -> dict:
    """Inline templates of integer ops of width ``bits``: op -> (template, kind)."""
    m = M32 if bits == 32 else M64
    sign = hex(1 << (bits - 1))
    sh = bits - 1
    p = f"i{bits}."
    t = {
        "add": (f"(({{0}} + {{1}}) & {m})", 1), "sub": (f"(({{0}} - {{1}}) & {m})", 1),
        "mul": (f"(({{0}} * {{1}}) & {m})", 1), "and": ("({0} & {1})", 1),
        "or": ("({0} | {1})", 1), "xor": ("({0} ^ {1})", 1),
        "shl": (f"(({{0}} << ({{1}} & {sh})) & {m})", 1),
        "shr_u": (f"({{0}} >> ({{1}} & {sh}))", 1),
        "shr_s": (f"(((({{0}} ^ {sign}) - {sign}) >> ({{1}} & {sh})) & {m})", 1),
        "eq": ("({0} == {1})", 2), "ne": ("({0} != {1})", 2),
        "lt_u": ("({0} < {1})", 2), "gt_u": ("({0} > {1})", 2),
        "le_u": ("({0} <= {1})", 2), "ge_u": ("({0} >= {1})", 2),
        "lt_s": (f"(({{0}} ^ {sign}) < ({{1}} ^ {sign}))", 2),
        "gt_s": (f"(({{0}} ^ {sign}) > ({{1}} ^ {sign}))", 2),
        "le_s": (f"(({{0}} ^ {sign}) <= ({{1}} ^ {sign}))", 2),
        "ge_s": (f"(({{0}} ^ {sign}) >= ({{1}} ^ {sign}))", 2),
        "eqz": ("({0} == 0)", 2), "clz": (f"({bits} - ({{0}}).bit_length())", 1),
        "popcnt": ("({0}).bit_count()", 1),
        # the lowest set bit of x | 2**bits (so 0 gives bits); _c names the operand once
        "ctz": (f"(((_c := {{0}} | {hex(1 << bits)}) & -_c).bit_length() - 1)", 1),
        "extend8_s": (f"((({{0}} & 0xFF ^ 0x80) - 0x80) & {m})", 1),
        "extend16_s": (f"((({{0}} & 0xFFFF ^ 0x8000) - 0x8000) & {m})", 1),
    }
    out = {p + k: v for k, v in t.items()}
    if bits == 64:
        out["i64.extend32_s"] = (f"((({{0}} & 0xFFFFFFFF ^ 0x80000000) - 0x80000000) & {m})", 1)
    return out


INLINE = {**_i(32), **_i(64),
          "i32.wrap_i64": (f"({{0}} & {M32})", 1),
          "i64.extend_i32_u": ("{0}", 1),
          "i64.extend_i32_s": (f"((({{0}} ^ 0x80000000) - 0x80000000) & {M64})", 1),
          "f32.reinterpret_i32": ("{0}", 1), "i32.reinterpret_f32": ("{0}", 1),
          "f64.reinterpret_i64": ("{0}", 1), "i64.reinterpret_f64": ("{0}", 1),
          "f64.neg": ("({0} ^ 0x8000000000000000)", 1),
          "f64.abs": ("({0} & 0x7FFFFFFFFFFFFFFF)", 1),
          "f32.neg": ("({0} ^ 0x80000000)", 1), "f32.abs": ("({0} & 0x7FFFFFFF)", 1)}
# f64 ops computed on Python floats: op -> (operator, kind of the result: 3 float, 2 bool,
# 4 conversion from i32).  Not div (Python raises on zero), min/max (signed zeros), sqrt.
FLOAT_OPS = {"f64.add": ("+", 3), "f64.sub": ("-", 3), "f64.mul": ("*", 3),
             "f64.eq": ("==", 2), "f64.ne": ("!=", 2), "f64.lt": ("<", 2), "f64.gt": (">", 2),
             "f64.le": ("<=", 2), "f64.ge": (">=", 2),
             "f64.convert_i32_s": ("", 4), "f64.convert_i32_u": ("", 4)}
ROTATES = ("i32.rotl", "i32.rotr", "i64.rotl", "i64.rotr")
# Ops that may trap (one per source line).
TRAPPING = frozenset(op for op in NUMERIC if op.split(".")[1].startswith(("div_", "rem_"))
                     or ("trunc_f" in op and "sat" not in op and op[0] == "i"))
LOADS = {
    "i32.load": (4, 0, 32), "i64.load": (8, 0, 64), "f32.load": (4, 0, 32), "f64.load": (8, 0, 64),
    "i32.load8_s": (1, 8, 32), "i32.load8_u": (1, 0, 32), "i32.load16_s": (2, 16, 32),
    "i32.load16_u": (2, 0, 32), "i64.load8_s": (1, 8, 64), "i64.load8_u": (1, 0, 64),
    "i64.load16_s": (2, 16, 64), "i64.load16_u": (2, 0, 64), "i64.load32_s": (4, 32, 64),
    "i64.load32_u": (4, 0, 64), "v128.load": (16, 0, 128),
}
UNPACK = {2: "U16", 4: "U32", 8: "U64"}
PACK = {2: "P16", 4: "P32", 8: "P64"}
