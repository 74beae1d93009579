"""An atomic access's alignment must be its natural one, neither smaller nor larger
(WebAssembly/threads, Overview "Atomic memory accesses"), with the reference
interpreter's message "atomic alignment must be natural" (interpreter/valid/valid.ml,
test/core/threads/atomic.wast, "non-natural alignment").
"""

from __future__ import annotations

import pytest

from pyic.errors import InvalidError
from pyic.wasm.features import using
from pyic.wasm.text import parse_module
from pyic.wasm.valid import validate_module


def check(access: str) -> None:
    text = f"(memory 1 1 shared) (func (drop ({access} (i32.const 0))))"
    with using({"threads"}):
        validate_module(parse_module(text))


@pytest.mark.parametrize("access", [
    "i32.atomic.load align=1",       # smaller than natural (4)
    "i64.atomic.load32_u align=2",
    "i32.atomic.load16_u align=4",   # larger than natural (2)
    "i64.atomic.load align=16",
])
def test_non_natural_alignment_is_invalid(access):
    with pytest.raises(InvalidError, match="^atomic alignment must be natural"):
        check(access)


@pytest.mark.parametrize("access", ["i32.atomic.load align=4", "i64.atomic.load8_u align=1",
                                    "i64.atomic.load"])
def test_natural_alignment_is_valid(access):
    check(access)
