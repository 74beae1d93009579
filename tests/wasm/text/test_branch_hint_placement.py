"""Where a branch hint may stand in the text format (WebAssembly/branch-hinting,
Overview "Annotations": a hint is for the ``if`` or ``br_if`` it is written before).

As in the reference interpreter (interpreter/custom/handler_branch_hint.ml), a hint with
no instruction after it in its function is malformed ("invalid placement"); one before
an instruction that is no branch is invalid ("invalid target").  Found by wasm-tools'
tests/cli/branch-hinting/folded-inside.wast, which rejects the first kind too.
"""

from __future__ import annotations

import pytest

from pyic.errors import InvalidError, MalformedError
from pyic.wasm.features import using
from pyic.wasm.text import parse_module
from pyic.wasm.valid import validate_module

HINT = '(@metadata.code.branch_hint "\\00")'


def check(text: str) -> None:
    with using({"annotations"}):
        validate_module(parse_module(text))


@pytest.mark.parametrize("text", [
    f"(func {HINT})",                                              # nothing follows
    f"(func (param i32) (block (br_if 0 (local.get 0) {HINT})))",  # inside, after the operand
])
def test_hint_before_no_instruction_is_malformed(text):
    with pytest.raises(MalformedError, match="invalid placement"):
        check(text)


def test_hint_before_a_non_branch_is_invalid():
    # after the condition of a folded if, the next instruction is (then ...)'s i32.const
    text = (f"(func (param i32) (result i32) (if (result i32) (local.get 0) {HINT}"
            " (then (i32.const 1)) (else (i32.const 0))))")
    with pytest.raises(InvalidError, match="invalid target"):
        check(text)


def test_hint_before_br_if_is_kept():
    text = f"(func (param i32) (block (local.get 0) {HINT} (br_if 0)))"
    with using({"annotations"}):
        module = parse_module(text)
        validate_module(module)
    assert [(h.target, h.value) for h in module.hints] == [("br_if", 0)]
