"""The official test suite's binary modules, decoded.

Every ``(module binary ...)`` of the Wasm 3.0 scripts, decoded with
``version=3``, and of the Wasm 2.0 scripts, decoded with ``version=2``: a
plain module or an ``assert_invalid`` one must decode; an ``assert_malformed``
one must raise `MalformedError` whose message starts with the expected text
(the reference interpreter's rule).  No expected failures.

`WASM3_DIFFERS` lists the Wasm 2.0 cases whose encoding Wasm 3.0 gave a
meaning (or a new message), each with its reason: they pass with
``version=2`` only (and all other Wasm 2.0 cases with either version), which
shows the switch at work.
"""

from __future__ import annotations

import pytest

from pyic.errors import MalformedError
from pyic.wasm.binary import decode_module

from tests.wasm.binary.wastbin import suite_cases   # the repository root is on pythonpath

_MULTI_MEMORY_MEMARG = "multi-memory: memarg flag bit 6 announces a memory index"
_MEMORY64_LIMITS = "memory64: limits are u64"
_MEMORY64_MEMARG = "memory64: memarg offsets are u64 (the script's TODO says so)"
_MEMIDX = "multi-memory: the reserved zero byte is now a memory index"
_LIMIT_FLAGS = "memory64: the limits flags are a byte, checked as 'malformed limits flags'"

WASM3_DIFFERS = {
    **{f"align.wast:{n}": _MULTI_MEMORY_MEMARG for n in (892, 911, 930, 949, 968)},
    **{f"binary-leb128.wast:{n}": _MEMORY64_LIMITS for n in (218, 226, 526, 534, 542, 551)},
    **{f"binary-leb128.wast:{n}": _MEMORY64_MEMARG for n in (731, 751, 846, 866)},
    "binary.wast:113": "exception handling: 0x0A is throw_ref",
    **{f"binary.wast:{n}": _MEMIDX for n in (126, 146, 166, 185, 204, 224, 243, 262, 280, 298)},
    **{f"binary.wast:{n}": "exception handling: import kind 4 is a tag" for n in (680, 690)},
    **{f"binary.wast:{n}": _LIMIT_FLAGS for n in (805, 814, 824, 852, 860, 869, 878)},
}

WASM3 = suite_cases("wasm-3.0")
WASM2 = suite_cases("wasm-2.0")


def outcome(case, version: int) -> str | None:
    """None when the case behaves as the script says, else what went wrong."""
    try:
        decode_module(case.data, version=version)
    except MalformedError as e:
        if case.assertion == "assert_malformed" and e.message.startswith(case.message):
            return None
        return f"raised {e}"
    if case.assertion == "assert_malformed":
        return f"decoded, expected {case.message!r}"
    return None


def _id(case) -> str:
    return f"{case.file}:{case.line}"


def test_collected():
    malformed3 = [c for c in WASM3 if c.assertion == "assert_malformed"]
    malformed2 = [c for c in WASM2 if c.assertion == "assert_malformed"]
    assert len(malformed3) >= 700 and len(malformed2) >= 700
    assert len(WASM3) >= 800 and len(WASM2) >= 780
    ids = {_id(c) for c in WASM2}
    assert len(WASM3_DIFFERS) == 35 and set(WASM3_DIFFERS) <= ids


@pytest.mark.parametrize("case", WASM3, ids=_id)
def test_wasm3(case):
    assert outcome(case, 3) is None


@pytest.mark.parametrize("case", WASM2, ids=_id)
def test_wasm2(case):
    assert outcome(case, 2) is None
    # strict both ways: exactly the listed cases behave otherwise with version 3
    assert (outcome(case, 3) is not None) == (_id(case) in WASM3_DIFFERS)


def test_positions_point_at_the_problem():
    cases = {c.data: c for c in WASM3}
    data = b"\x00asm\x01\x00\x00\x00\x0e\x01\x00"
    assert cases[data].message == "malformed section id"
    with pytest.raises(MalformedError) as info:
        decode_module(data)
    assert info.value.position.offset == 8  # the section id byte
