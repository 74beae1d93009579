"""Round trips between the three forms of a module, on the spec test suite.

For every module of the Wasm 2.0 scripts and of the Wasm 3.0 scripts (memory64,
multi-memory, extended-const and tail-call at least) that decodes and
validates (modules that do not are other tests' business):

* syntax -> binary -> syntax gives an equal module;
* syntax -> text (printed) -> syntax gives an equal module;
* ... -> binary -> syntax once more gives an equal module.

Modules given as text start from the parsed syntax; modules given as binary
from the decoded syntax.  Every mismatch of a file is collected and reported
together (the first few, as ``file:line``).
"""

from __future__ import annotations

import os

from pathlib import Path

import pytest

from pyic.errors import MalformedError, PyicError

# The shared test material (suites, bench kit, canisters): $PYIC_SHARED, set by the
# repository's conftest.py to ../shared beside the checkout unless given.
SHARED = os.environ.get("PYIC_SHARED") or str(Path(__file__).resolve().parents[3] / "shared")

SUITE = Path(SHARED + "/wasm-testsuite")

# From the suite's README: the files the Wasm 3.0 proposals below introduced
# or (extended-const) changed.
MEMORY64 = """address64 align64 binary_leb128_64 bulk64 call_indirect64 endianness64 float_memory64
    load64 memory64 memory64-imports memory_copy64 memory_fill64 memory_grow64 memory_init64
    memory_redundancy64 memory_trap64 table64 table_copy64 table_copy_mixed table_fill64
    table_get64 table_grow64 table_init64 table_set64 table_size64"""
MULTI_MEMORY = """address0 address1 align0 binary0 data0 data1 data_drop0 exports0 float_exprs0
    float_exprs1 float_memory0 imports0 imports1 imports2 imports3 imports4 linking0 linking1
    linking2 linking3 load0 load1 load2 memory-multi memory_copy0 memory_copy1 memory_fill0
    memory_init0 memory_size0 memory_size1 memory_size2 memory_size3 memory_size_import
    memory_trap0 memory_trap1 simd_memory-multi start0 store0 store1 store2 traps0"""
EXTENDED_CONST = "data elem global"
TAIL_CALL = "return_call return_call_indirect"


REQUIRED_3_0 = " ".join((MEMORY64, MULTI_MEMORY, EXTENDED_CONST, TAIL_CALL)).split()


def suite_files() -> list:
    """All of wasm-2.0, and all of wasm-3.0 (which holds the files above; the
    rest, GC, exceptions, typed references, relaxed SIMD, costs a few seconds)."""
    return sorted((SUITE / "wasm-2.0").glob("*.wast")) + sorted((SUITE / "wasm-3.0").glob("*.wast"))


FILES = suite_files()


def file_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_suite_is_there():
    assert len(FILES) >= 148 + 257
    present = {file_id(f) for f in FILES}
    missing = [name for name in REQUIRED_3_0 if f"wasm-3.0/{name}.wast" not in present]
    assert missing == []


def _tools():
    # Imported here, not skipped around: a missing piece fails every test that needs it.
    from pyic.wasm import binary, text
    from pyic.wasm.text.printer import print_module
    from pyic.wasm.valid import validate_module

    return text, binary, print_module, validate_module


def script_modules(commands) -> list:
    """(line, source) of every module a command defines and that should be valid."""
    from pyic.wasm.script import commands as c

    out = []
    for cmd in commands:
        if isinstance(cmd, c.ModuleCmd):
            out.append((cmd.line, cmd.source))
        elif isinstance(cmd, c.AssertTrap) and isinstance(cmd.action, c.ModuleCmd):
            out.append((cmd.line, cmd.action.source))
        elif isinstance(cmd, c.AssertUnlinkable):
            out.append((cmd.line, cmd.source))
    return out


def first_difference(a, b, path: str = "module") -> str:
    """Where two syntax trees first differ, briefly (iterative)."""
    import attrs

    stack = [(a, b, path)]
    while stack:
        x, y, where = stack.pop()
        if x == y:
            continue
        if type(x) is not type(y):
            return f"{where}: {x!r:.120} != {y!r:.120}"
        if isinstance(x, tuple):
            if len(x) != len(y):
                return f"{where}: length {len(x)} != {len(y)}"
            for i in reversed(range(len(x))):
                stack.append((x[i], y[i], f"{where}[{i}]"))
            continue
        if attrs.has(type(x)):
            fields = [f for f in attrs.fields(type(x)) if f.eq]
            for f in reversed(fields):
                stack.append((getattr(x, f.name), getattr(y, f.name), f"{where}.{f.name}"))
            continue
        return f"{where}: {x!r:.120} != {y!r:.120}"
    return f"{path}: unequal, but no field differs"


def check_module(m0, tools) -> str | None:
    """The first round trip of ``m0`` that fails, described; ``None`` if all hold."""
    text, binary, print_module, _ = tools
    step = "encode"
    try:
        b0 = binary.encode_module(m0)
        step = "decode(encode)"
        m = binary.decode_module(b0)
        if m != m0:
            return f"binary round trip: {first_difference(m0, m)}"
        step = "print"
        wat = print_module(m0)
        step = "parse(print)"
        m1 = text.parse_module(wat)
        if m1 != m0:
            return f"text round trip: {first_difference(m0, m1)}"
        step = "encode(parse(print))"
        b1 = binary.encode_module(m1)
        step = "decode(encode(parse(print)))"
        m2 = binary.decode_module(b1)
        if m2 != m0:
            return f"text then binary round trip: {first_difference(m0, m2)}"
    except PyicError as e:
        return f"{step} failed: {type(e).__name__}: {e}"
    except Exception as e:  # noqa: BLE001 - a crash is a mismatch too, reported like one
        return f"{step} crashed: {type(e).__name__}: {e}"
    return None


@pytest.mark.parametrize("path", FILES, ids=file_id)
def test_roundtrip(path: Path):
    tools = _tools()
    text, binary, _, validate_module = tools
    from pyic.wasm.script.commands import BinaryModule, TextModule

    commands = text.parse_script(path.read_text(encoding="utf-8"), source=path.name)
    mismatches = []
    checked = sources = 0
    for line, source in script_modules(commands):
        where = f"{file_id(path)}:{line}"
        if isinstance(source, (TextModule, BinaryModule)):
            sources += 1
        if isinstance(source, TextModule):
            m0 = source.module
        elif isinstance(source, BinaryModule):
            try:
                m0 = binary.decode_module(source.data)
            except MalformedError:
                continue
        else:
            continue  # quoted modules are parsed when run: the spec tests cover them
        if validate_module is not None:
            try:
                validate_module(m0)
            except PyicError:  # not valid (or not yet supported): not this test's business
                continue
        checked += 1
        problem = check_module(m0, tools)
        if problem is not None:
            mismatches.append(f"{where}: {problem}")
    assert checked or not sources, "no module of this file was checked"
    shown = "\n".join(mismatches[:8])
    assert not mismatches, f"{len(mismatches)} of {checked} modules do not round-trip:\n{shown}"
