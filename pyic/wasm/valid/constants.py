"""Constant expressions (spec 3.4.13.1, "Constant Expressions").

An expression is constant when every instruction in it is: a ``t.const``,
``ref.null``, ``ref.func``, ``global.get`` of an immutable global, the
extended-const ``i32``/``i64`` ``add``/``sub``/``mul``, or a GC allocation
(``ref.i31``, ``struct.new``, ``array.new``..., the extern conversions).
Which globals it may read depends on where it stands: the caller passes how
many globals are visible (imported only in Wasm 2.0 and for table
initializers; in Wasm 3.0 also those defined before a global).
"""

from __future__ import annotations

from ...errors import InvalidError
from .algorithm import ExprValidator

CONST_OPS = frozenset((
    "i32.const", "i64.const", "f32.const", "f64.const", "v128.const",
    "i32.add", "i32.sub", "i32.mul", "i64.add", "i64.sub", "i64.mul",
    "ref.null", "ref.func", "ref.i31", "any.convert_extern", "extern.convert_any",
    "struct.new", "struct.new_default", "array.new", "array.new_default", "array.new_fixed",
    "struct.new_desc", "struct.new_default_desc",   # custom-descriptors
))


def check_const(c, expr, t, visible_globals: int) -> None:
    """Check ``expr`` is a constant expression of type [] -> [t] in context ``c``."""
    if not isinstance(expr, (tuple, list)):
        raise InvalidError("malformed constant expression")
    for instr in expr:
        op = getattr(instr, "op", None)
        if op == "global.get":
            x = instr.imm[0]
            if type(x) is not int or not 0 <= x < visible_globals:
                raise InvalidError(f"unknown global {x}")
            if c.globals[x].mut:
                raise InvalidError("constant expression required")
        elif op not in CONST_OPS:
            raise InvalidError("constant expression required")
    ExprValidator(c).check_body(expr, (t,))
