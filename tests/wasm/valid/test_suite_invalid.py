"""The spec test suite's validation assertions, run through the validator alone.

Every ``assert_invalid`` must fail validation with a message starting with the
expected text; every module of a ``module`` command (and the modules of
``assert_unlinkable`` and module ``assert_trap``, which are valid too) must
validate.  Files: all of wasm-2.0 (validated with the Wasm 2.0 rules) and all of
wasm-3.0 (3.0 rules); ``python tests/wasm/valid/test_suite_invalid.py [FILE|DIR ...]`` prints
the counts for any files, e.g. all of wasm-3.0.
"""

from __future__ import annotations

from pathlib import Path

import glob
import os
import sys

import pytest

from pyic.errors import InvalidError, MalformedError, PyicError

# The shared test material (suites, bench kit, canisters): $PYIC_SHARED, set by the
# repository's conftest.py to ../shared beside the checkout unless given.
SHARED = os.environ.get("PYIC_SHARED") or str(Path(__file__).resolve().parents[4] / "shared")

SUITE = SHARED + "/wasm-testsuite"

MEMORY64 = """address64 align64 binary_leb128_64 bulk64 call_indirect64 endianness64
    float_memory64 load64 memory64 memory64-imports memory_copy64 memory_fill64 memory_grow64
    memory_init64 memory_redundancy64 memory_trap64 table64 table_copy64 table_copy_mixed
    table_fill64 table_get64 table_grow64 table_init64 table_set64 table_size64""".split()
MULTI_MEMORY = """address0 address1 align0 binary0 data0 data1 data_drop0 exports0
    float_exprs0 float_exprs1 float_memory0 imports0 imports1 imports2 imports3 imports4
    linking0 linking1 linking2 linking3 load0 load1 load2 memory-multi memory_copy0
    memory_copy1 memory_fill0 memory_init0 memory_size0 memory_size1 memory_size2
    memory_size3 memory_size_import memory_trap0 memory_trap1 simd_memory-multi start0
    store0 store1 store2 traps0""".split()
EXTENDED_CONST = ["data", "elem", "global"]
TAIL_CALL = ["return_call", "return_call_indirect"]

# Known failures: "file.wast:line" -> reason.  Keep empty.
EXPECTED_FAILURES: dict = {}


def suite_files() -> list:
    """(path, version) of every file this test covers: the targets first (wasm-2.0 and
    the memory64, multi-memory, extended-const and tail-call files of wasm-3.0), then the
    rest of wasm-3.0 (function references, GC, exceptions, relaxed SIMD...)."""
    files = [(p, 2) for p in sorted(glob.glob(f"{SUITE}/wasm-2.0/*.wast"))]
    targets = MEMORY64 + MULTI_MEMORY + EXTENDED_CONST + TAIL_CALL
    files += [(f"{SUITE}/wasm-3.0/{name}.wast", 3) for name in targets]
    files += [(p, 3) for p in sorted(glob.glob(f"{SUITE}/wasm-3.0/*.wast"))
              if os.path.basename(p)[:-5] not in targets]
    return files


def _load(source):
    """The Module of a script's module source (TextModule, BinaryModule, QuoteModule)."""
    from pyic.wasm.script.commands import BinaryModule, QuoteModule, TextModule
    if isinstance(source, TextModule):
        return source.module
    if isinstance(source, BinaryModule):
        from pyic.wasm.binary import decode_module
        return decode_module(source.data)
    if isinstance(source, QuoteModule):
        from pyic.wasm.text import parse_module
        return parse_module(source.text)
    raise TypeError(f"unknown module source {source!r}")


def check_file(path: str, version: int):
    """Run the validation assertions of one script.

    Returns ``(counts, failures)``: counts of passed/failed per kind
    (``assert_invalid``, ``module``), failures as (``file:line``, description).
    """
    from pyic.wasm.script.commands import (
        AssertInvalid, AssertTrap, AssertUnlinkable, ModuleCmd,
    )
    from pyic.wasm.text import parse_script
    from pyic.wasm.valid import validate_module

    with open(path, encoding="utf-8") as f:
        commands = parse_script(f.read(), source=path)
    name = os.path.basename(path)
    counts = {"assert_invalid": [0, 0], "module": [0, 0]}
    failures = []

    def fail(kind, line, what):
        counts[kind][1] += 1
        failures.append((f"{name}:{line}", what))

    for cmd in commands:
        if isinstance(cmd, AssertInvalid):
            try:
                module = _load(cmd.source)
            except PyicError as e:
                fail("assert_invalid", cmd.line, f"does not load: {e.kind}: {e.message}")
                continue
            try:
                validate_module(module, version=version)
            except InvalidError as e:
                if e.message.startswith(cmd.message):
                    counts["assert_invalid"][0] += 1
                else:
                    fail("assert_invalid", cmd.line,
                         f"expected {cmd.message!r}, got {e.message!r}")
                continue
            fail("assert_invalid", cmd.line, f"validated; expected {cmd.message!r}")
            continue
        if isinstance(cmd, ModuleCmd):
            source = cmd.source
        elif isinstance(cmd, (AssertUnlinkable,)):
            source = cmd.source
        elif isinstance(cmd, AssertTrap) and isinstance(cmd.action, ModuleCmd):
            source = cmd.action.source
        else:
            continue
        try:
            module = _load(source)
        except MalformedError:
            continue  # not a validation matter; the decoder's and parser's tests cover it
        except PyicError:
            continue
        try:
            validate_module(module, version=version)
            counts["module"][0] += 1
        except InvalidError as e:
            fail("module", cmd.line, f"valid module rejected: {e.message}")
    return counts, failures


FILES = suite_files()


@pytest.mark.parametrize("path,version", FILES, ids=[os.path.basename(os.path.dirname(p)) + "/"
                                                     + os.path.basename(p) for p, _ in FILES])
def test_validation_assertions(path, version):
    try:
        _, failures = check_file(path, version)
    except PyicError as e:
        pytest.fail(f"script does not parse: {e}", pytrace=False)
    unexpected = [f"{where}: {what}" for where, what in failures
                  if where not in EXPECTED_FAILURES]
    assert not unexpected, "\n".join(unexpected)


def test_file_list_is_complete():
    assert len(FILES) == 148 + 257
    assert len({p for p, _ in FILES}) == len(FILES)
    missing = [p for p, _ in FILES if not os.path.exists(p)]
    assert not missing


def main(argv: list) -> int:
    """Print counts for the files or folders given (default: this test's files)."""
    targets = []
    for arg in argv:
        version = 2 if "wasm-2.0" in arg else 3
        if os.path.isdir(arg):
            targets += [(p, version) for p in sorted(glob.glob(f"{arg}/*.wast"))]
        else:
            targets.append((arg, version))
    targets = targets or FILES
    total = {"assert_invalid": [0, 0], "module": [0, 0]}
    for path, version in targets:
        try:
            counts, failures = check_file(path, version)
        except PyicError as e:
            print(f"{path}: script does not parse: {e}")
            continue
        except Exception as e:  # report a crash and go on with the other files
            print(f"{path}: CRASH {type(e).__name__}: {e}")
            continue
        for kind, (ok, bad) in counts.items():
            total[kind][0] += ok
            total[kind][1] += bad
        for where, what in failures:
            print(f"{where}: {what}")
    for kind, (ok, bad) in total.items():
        print(f"{kind}: {ok} passed, {bad} failed")
    return 0 if not any(bad for _, bad in total.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
