"""Test helpers for the numerics: a slow rounding reference and a tiny WAST runner.

Independent of the library under test: rounding here is a binary search over
bit patterns compared as exact fractions, not the library's integer algorithm.

The WAST part reads s-expressions, keeps the functions of each module whose
body is straight-line numeric code over ``local.get`` and constants, and checks
``assert_return`` / ``assert_trap`` on invocations of them against `NUMERIC`.
Everything else (memory, control flow, calls, ...) is skipped and counted.
"""

from __future__ import annotations

import re
import struct
from fractions import Fraction
from functools import lru_cache

from pyic.errors import Trap
from pyic.wasm.numerics import IMMEDIATE, NUMERIC
from pyic.wasm.syntax.opcodes import OPCODES

# ---------------------------------------------------------------- float reference

FMT = {32: (23, 8), 64: (52, 11)}


def bits_to_fraction(bits: int, n: int) -> Fraction | None:
    """The exact value of a finite float bit pattern (None for inf/NaN), by the 4.3.1 definition."""
    m_bits, e_bits = FMT[n]
    sign = -1 if bits >> (n - 1) else 1
    e = (bits >> m_bits) & ((1 << e_bits) - 1)
    m = bits & ((1 << m_bits) - 1)
    bias = (1 << (e_bits - 1)) - 1
    if e == (1 << e_bits) - 1:
        return None
    if e == 0:
        return sign * Fraction(m) * Fraction(2) ** (1 - bias - m_bits)
    return sign * Fraction(m + (1 << m_bits)) * Fraction(2) ** (e - bias - m_bits)


@lru_cache(maxsize=None)
def ref_round(q: Fraction, n: int) -> int:
    """ieee_N(q) by binary search over the positive patterns (slow, obviously right)."""
    if q == 0:
        return 0
    sign = 1 << (n - 1) if q < 0 else 0
    mag = abs(q)
    m_bits, e_bits = FMT[n]
    max_finite = (((1 << e_bits) - 1) << m_bits) - 1
    lo, hi = 0, max_finite          # largest p with value(p) <= mag
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if bits_to_fraction(mid, n) <= mag:
            lo = mid
        else:
            hi = mid - 1
    z1 = bits_to_fraction(lo, n)
    if z1 == mag:
        return sign | lo
    if lo == max_finite:            # between the largest float and the limit 2**(2**(E-1))
        limit = Fraction(2) ** (1 << (e_bits - 1))
        return sign | (max_finite + 1 if mag - z1 >= limit - mag else lo)
    z2 = bits_to_fraction(lo + 1, n)
    if mag - z1 < z2 - mag or (mag - z1 == z2 - mag and lo % 2 == 0):
        return sign | lo
    return sign | (lo + 1)


def float_bits(x: float, n: int) -> int:
    if n == 32:
        return struct.unpack("<I", struct.pack("<f", x))[0]
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def is_nan(bits: int, n: int) -> bool:
    m_bits, _ = FMT[n]
    mag = bits & ((1 << (n - 1)) - 1)
    return mag > (((1 << (n - 1 - m_bits)) - 1) << m_bits)


def canonical_nan_mag(n: int) -> int:
    m_bits, e_bits = FMT[n]
    return (((1 << e_bits) - 1) << m_bits) | (1 << (m_bits - 1))


# ---------------------------------------------------------------- literals (text format 6.3)

def parse_int(tok: str, n: int) -> int:
    s = tok.replace("_", "")
    neg = s.startswith("-")
    s = s.lstrip("+-")
    v = int(s, 16) if s.lower().startswith("0x") else int(s)
    return (-v if neg else v) % (1 << n)


def parse_float(tok: str, n: int) -> int:
    s = tok.replace("_", "")
    sign = 1 << (n - 1) if s.startswith("-") else 0
    s = s.lstrip("+-")
    m_bits, e_bits = FMT[n]
    exp_all = ((1 << e_bits) - 1) << m_bits
    if s == "inf":
        return sign | exp_all
    if s == "nan":
        return sign | exp_all | (1 << (m_bits - 1))
    if s.startswith("nan:0x"):
        return sign | exp_all | int(s[6:], 16)
    if s.lower().startswith("0x"):
        body = s[2:]
        exp = 0
        if "p" in body.lower():
            body, e = re.split("[pP]", body)
            exp = int(e)
        whole, _, frac = body.partition(".")
        digits = (whole or "0") + frac
        q = Fraction(int(digits, 16), 16 ** len(frac)) * Fraction(2) ** exp
    else:
        q = Fraction(s)
    return sign | ref_round(q, n)


# ---------------------------------------------------------------- s-expressions

_TOKEN = re.compile(r'\(;|;;[^\n]*|\(|\)|"(?:[^"\\]|\\.)*"|[^\s()";]+|\s+', re.S)


def read_sexprs(text: str) -> list:
    """Top-level forms as nested lists of token strings, each list tagged with its line."""
    stack: list = [[]]
    pos = 0
    line = 1
    while pos < len(text):
        if text.startswith("(;", pos):
            depth, i = 1, pos + 2
            while depth:
                if text.startswith("(;", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith(";)", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
            line += text.count("\n", pos, i)
            pos = i
            continue
        m = _TOKEN.match(text, pos)
        tok = m.group()
        pos = m.end()
        if tok == "(":
            node = Node(line)
            stack[-1].append(node)
            stack.append(node)
        elif tok == ")":
            stack.pop()
        elif tok[0].isspace() or tok.startswith(";;"):
            pass
        else:
            stack[-1].append(tok)
        line += tok.count("\n")
    return stack[0]


class Node(list):
    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line


# ---------------------------------------------------------------- values

SHAPES = {"i8x16": (8, "i"), "i16x8": (16, "i"), "i32x4": (32, "i"), "i64x2": (64, "i"),
          "f32x4": (32, "f"), "f64x2": (64, "f")}


def v128_from_lanes(shape: str, toks: list) -> int:
    w, kind = SHAPES[shape]
    v = 0
    for k, t in enumerate(toks):
        lane = parse_int(t, w) if kind == "i" else parse_float(t, w)
        v |= lane << (w * k)
    return v


def const_value(node: list) -> int:
    op = node[0]
    if op == "v128.const":
        return v128_from_lanes(node[1], node[2:])
    t = op.split(".")[0]
    return parse_int(node[1], int(t[1:])) if t[0] == "i" else parse_float(node[1], int(t[1:]))


def match_result(expected: list, got: int) -> bool:
    """Does `got` match a result pattern (const, nan:canonical/arithmetic, v128 lanes, either)?"""
    op = expected[0]
    if op == "either":
        return any(match_result(alt, got) for alt in expected[1:])
    if op == "v128.const":
        shape = expected[1]
        w, kind = SHAPES[shape]
        for k, t in enumerate(expected[2:]):
            lane = (got >> (w * k)) & ((1 << w) - 1)
            if not _match_scalar(kind, w, t, lane):
                return False
        return True
    t = op.split(".")[0]
    return _match_scalar(t[0], int(t[1:]), expected[1], got)


def _match_scalar(kind: str, w: int, tok: str, got: int) -> bool:
    if kind == "i":
        return parse_int(tok, w) == got
    if tok.lstrip("+-") == "nan:canonical":
        return got & ((1 << (w - 1)) - 1) == canonical_nan_mag(w)
    if tok.lstrip("+-") == "nan:arithmetic":
        quiet = 1 << (FMT[w][0] - 1)
        return is_nan(got, w) and bool(got & quiet)
    return parse_float(tok, w) == got


# ---------------------------------------------------------------- straight-line functions

class Unsupported(Exception):
    pass


_IMM_TOKENS = {"laneidx": 1, "shuffle": 16}


def _flatten(body: list, names: dict) -> list:
    """Instructions (op, imm) of a body in plain or folded form; Unsupported if not
    straight-line numeric."""
    out: list = []
    items = list(body)
    i = 0
    while i < len(items):
        it = items[i]
        if isinstance(it, list):
            sub = list(it)
            op = sub[0]
            n_imm = _imm_count(op, sub[1:])
            out.extend(_flatten(sub[1 + n_imm:], names))
            out.append(_instr(op, sub[1:1 + n_imm], names))
            i += 1
            continue
        op = it
        n_imm = _imm_count(op, items[i + 1:])
        out.append(_instr(op, items[i + 1:i + 1 + n_imm], names))
        i += 1 + n_imm
    return out


def _imm_count(op: str, rest: list) -> int:
    if op == "local.get":
        return 1
    if op == "v128.const":
        return 1 + 128 // SHAPES[rest[0]][0]
    if op.endswith(".const"):
        return 1
    if op in NUMERIC:
        return sum(_IMM_TOKENS.get(k, 0) for k in OPCODES[op].imms)
    raise Unsupported(op)


def _instr(op: str, imm: list, names: dict) -> tuple:
    if op == "local.get":
        x = imm[0]
        return ("local.get", names[x] if x.startswith("$") else int(x))
    if op.endswith(".const"):
        return ("const", const_value([op, *imm]))
    if op == "i8x16.shuffle":
        return (op, tuple(int(t) for t in imm))
    if imm:
        return (op, int(imm[0]))
    return (op, None)


def compile_func(node: list) -> tuple[list, list]:
    """(export names, flat code) of a `(func ...)` form; Unsupported if not straight-line
    numeric."""
    exports: list = []
    names: dict = {}
    n_params = 0
    body_start = 1
    items = list(node)
    if len(items) > 1 and isinstance(items[1], str) and items[1].startswith("$"):
        names["$func"] = items[1]
        body_start = 2
    rest = items[body_start:]
    body: list = []
    for it in rest:
        if isinstance(it, list) and it and it[0] == "export":
            exports.append(it[1].strip('"'))
        elif isinstance(it, list) and it and it[0] == "param":
            if len(it) > 1 and it[1].startswith("$"):
                names[it[1]] = n_params
                n_params += 1
            else:
                n_params += len(it) - 1
        elif isinstance(it, list) and it and it[0] == "result":
            pass
        elif isinstance(it, list) and it and it[0] in ("local", "type", "import"):
            raise Unsupported(it[0])
        else:
            body.append(it)
    return exports, _flatten(body, names)


def run(code: list, args: list) -> list:
    stack: list = []
    for op, imm in code:
        if op == "local.get":
            stack.append(args[imm])
        elif op == "const":
            stack.append(imm)
        else:
            fn, arity = NUMERIC[op]
            operands = stack[len(stack) - arity:]
            del stack[len(stack) - arity:]
            stack.append(fn(*operands, imm) if op in IMMEDIATE else fn(*operands))
    return stack


def check_file(path: str) -> dict:
    """Run the supported assertions of one .wast file: counts and the first failures."""
    forms = read_sexprs(open(path, encoding="utf-8").read())
    funcs: dict = {}
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    failures: list = []
    for form in forms:
        if not isinstance(form, list) or not form:
            continue
        head = form[0]
        if head == "module":
            funcs = {}
            if len(form) > 1 and form[1] in ("binary", "quote") or (
                    len(form) > 2 and form[2] in ("binary", "quote")):
                continue
            by_name: dict = {}
            fidx = 0
            for it in form[1:]:
                if isinstance(it, list) and it and it[0] == "func":
                    try:
                        exports, code = compile_func(it)
                    except (Unsupported, KeyError, IndexError, ValueError):
                        exports, code = [], None
                        exports = [e[1].strip('"') for e in it if isinstance(e, list) and e
                                   and e[0] == "export"]
                    for e in exports:
                        funcs[e] = code
                    if len(it) > 1 and isinstance(it[1], str) and it[1].startswith("$"):
                        by_name[it[1]] = code
                    by_name[str(fidx)] = code
                    fidx += 1
            for it in form[1:]:
                if isinstance(it, list) and it and it[0] == "export" and isinstance(it[2], list) \
                        and it[2][0] == "func":
                    funcs[it[1].strip('"')] = by_name.get(it[2][1])
        elif head in ("assert_return", "assert_trap"):
            action = form[1]
            if not (isinstance(action, list) and action[0] == "invoke"):
                counts["skipped"] += 1
                continue
            parts = list(action[1:])
            if parts[0].startswith("$"):
                parts = parts[1:]
            name = parts[0].strip('"')
            code = funcs.get(name)
            try:
                args = [const_value(a) for a in parts[1:]]
            except (KeyError, ValueError, IndexError):
                code = None
            if code is None:
                counts["skipped"] += 1
                continue
            if head == "assert_return":
                expected = list(form[2:])
                try:
                    got = run(code, args)
                    ok = len(got) == len(expected) and all(
                        match_result(list(e), g) for e, g in zip(expected, got))
                except Trap as t:
                    got, ok = f"trap {t.message}", False
            else:
                msg = form[2].strip('"')
                try:
                    got, ok = run(code, args), False
                except Trap as t:
                    got, ok = t.message, t.message.startswith(msg)
            if ok:
                counts["passed"] += 1
            else:
                counts["failed"] += 1
                if len(failures) < 10:
                    failures.append(f"{path}:{form.line}: {name} -> {got!r}")
    counts["failures"] = failures
    return counts
