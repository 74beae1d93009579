"""The official test scripts: every file parses, and every text-format
malformation in them (``assert_malformed`` of a ``module quote``) is rejected
with the expected message, the Wasm 2.0 scripts with ``version=2``."""

from __future__ import annotations

from pathlib import Path

import glob
import os

import pytest

from pyic.errors import MalformedError
from pyic.wasm.script.commands import AssertInvalid, AssertMalformed, ModuleCmd, QuoteModule
from pyic.wasm.text import parse_module, parse_script

# The shared test material (suites, bench kit, canisters): $PYIC_SHARED, set by the
# repository's conftest.py to ../shared beside the checkout unless given.
SHARED = os.environ.get("PYIC_SHARED") or str(Path(__file__).resolve().parents[4] / "shared")

SUITE = SHARED + "/wasm-testsuite"
FILES = sorted(glob.glob(f"{SUITE}/wasm-2.0/*.wast")) + sorted(
    glob.glob(f"{SUITE}/wasm-3.0/*.wast")
)


def test_files_found():
    assert len(FILES) >= 148 + 257


@pytest.mark.parametrize("path", FILES, ids=lambda p: os.path.relpath(p, SUITE))
def test_script(path):
    """Each folder's scripts with its own version's text format, nothing skipped."""
    version = 2 if os.path.basename(os.path.dirname(path)) == "wasm-2.0" else 3
    with open(path, "rb") as f:
        data = f.read()
    cmds = parse_script(data, source=path, version=version)
    assert cmds
    if version == 2:
        # what Wasm 2.0 accepts, Wasm 3.0 reads the same way
        assert parse_script(data, source=path) == cmds
    for cmd in cmds:
        source = getattr(cmd, "source", None)
        if not isinstance(source, QuoteModule):
            continue
        if isinstance(cmd, AssertMalformed):
            with pytest.raises(MalformedError) as info:
                parse_module(source.text, version=version)
            assert info.value.message.startswith(cmd.message), (cmd.line, info.value)
        elif isinstance(cmd, (AssertInvalid, ModuleCmd)):
            m = parse_module(source.text, version=version)   # well-formed, even when invalid
            if version == 2:
                assert parse_module(source.text) == m


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
