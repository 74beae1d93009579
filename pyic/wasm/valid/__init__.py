"""Validation (spec chapter 3): `validate_module` checks a `Module` or raises `InvalidError`.

types.py         validity of types, type equivalence and subtyping (3.2, 3.3)
context.py       the context C (3.1.6)
algorithm.py     the appendix's one-pass algorithm over instruction sequences
instructions.py  the typing rule of every instruction (3.4)
constants.py     constant expressions
modules.py       module-level rules (3.5)
"""

from .modules import check_module, validate_module  # noqa: F401

__all__ = ["validate_module", "check_module"]
