"""The numerics of WebAssembly (spec 4.3), as pure functions over bit patterns.

Values at this interface are ints:

* i32 / i64: unsigned, ``0 <= v < 2**N``;
* f32 / f64: the IEEE 754 bit pattern, unsigned (never a Python float);
* v128: unsigned 128-bit, lane 0 in the low bits.

There is one function per instruction, named after it with ``.`` replaced by
``_`` (``i32.add`` -> ``i32_add``), defined in

* `ints`           i32/i64 unops, binops, testops, relops, sign extensions (4.3.2),
                   instances of the width-generic `ixx`
* `floats`         f32/f64 unops, binops, relops (4.3.3), instances of `fxx`
* `conversions`    cvtops incl. trapping and saturating truncation (4.3.4), and
                   `conversions.ieee`, correct rounding of a rational to a float
* `vectors`        integer-lane and whole-vector SIMD ops, lane access, shuffles (4.3.5)
* `vector_floats`  float-lane SIMD ops, vector conversions, relaxed SIMD

``NUMERIC[op] = (fn, arity)`` covers every instruction of
`pyic.wasm.syntax.opcodes` that is a pure function of its operands: ``arity``
is the number of operands popped from the stack, in stack order (the first
argument is the deepest operand).  Ops in ``IMMEDIATE`` take their instruction
immediate as one extra, last argument: the lane index of ``extract_lane`` /
``replace_lane``, the 16-tuple of lane indices of ``i8x16.shuffle``.

Failures: integer division, remainder and ``trunc`` raise `pyic.errors.Trap`
with the test suite's messages ("integer divide by zero", "integer overflow",
"invalid conversion to integer").  Nothing else raises on well-typed operands.

NaNs: every NaN an arithmetic operation produces is the positive canonical NaN
(4.3.3.2 "NaN Propagation" in the deterministic profile, appendix A.2.2.2, which also
satisfies the non-deterministic rules and matches the IC's canonicalising engines); relaxed
SIMD follows the deterministic profile (choice 0).  See docs/numerics.md.
"""

from __future__ import annotations

from pyic.wasm.syntax.opcodes import MEMORY_OPS, OPCODES

from . import conversions, floats, ints, vector_floats, vectors

_NUMERIC_TYPES = frozenset("i32 i64 f32 f64 v128 i8x16 i16x8 i32x4 i64x2 f32x4 f64x2".split())


def _is_numeric(op: str) -> bool:
    kind, _, name = op.partition(".")
    return kind in _NUMERIC_TYPES and op not in MEMORY_OPS and name != "const"


def _build() -> tuple[dict, frozenset]:
    namespace: dict = {}
    for module in (ints, floats, conversions, vectors, vector_floats):
        namespace.update((k, v) for k, v in vars(module).items() if not k.startswith("_"))
    table = {}
    immediate = set()
    for op, info in OPCODES.items():
        if not _is_numeric(op):
            continue
        fn = namespace[op.replace(".", "_")]
        takes_imm = "laneidx" in info.imms or "shuffle" in info.imms
        if takes_imm:
            immediate.add(op)
        table[op] = (fn, fn.__code__.co_argcount - takes_imm)
    return table, frozenset(immediate)


NUMERIC, IMMEDIATE = _build()

__all__ = ["NUMERIC", "IMMEDIATE", "conversions", "floats", "ints", "vector_floats", "vectors"]
