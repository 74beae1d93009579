"""The official WebAssembly test suite as pytest items: one item per ``.wast`` file.

Where the suite is, first found wins:

1. ``--testsuite PATH`` (registered in the repository's root ``conftest.py``, so it
   works wherever it stands on the command line);
2. the environment variable ``PYIC_TESTSUITE``;
3. ``../shared/wasm-testsuite`` beside the repository.

Without one, the run fails (it does not skip): ``tools/fetch_testsuite.sh`` gets it.

Commands pyic cannot check yet are ``not_run``: never passed, and counted in the
terminal summary so they stay visible.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pyic.wasm.script.report import SuiteReport

REPO = Path(__file__).resolve().parent.parent
DEFAULT_TESTSUITE = REPO.parent / "shared" / "wasm-testsuite"

# The Wasm 3.0 features pyic targets beyond 2.0, and their files in wasm-3.0/
# (from the testsuite's README.txt; extended-const only changed these three files).
WASM_3_0_FILES = {
    "memory64": (
        "address64 align64 binary_leb128_64 bulk64 call_indirect64 endianness64 float_memory64 "
        "load64 memory64 memory64-imports memory_copy64 memory_fill64 memory_grow64 "
        "memory_init64 memory_redundancy64 memory_trap64 table64 table_copy64 table_copy_mixed "
        "table_fill64 table_get64 table_grow64 table_init64 table_set64 table_size64"),
    "multi-memory": (
        "address0 address1 align0 binary0 data0 data1 data_drop0 exports0 float_exprs0 "
        "float_exprs1 float_memory0 imports0 imports1 imports2 imports3 imports4 linking0 "
        "linking1 linking2 linking3 load0 load1 load2 memory-multi memory_copy0 memory_copy1 "
        "memory_fill0 memory_init0 memory_size0 memory_size1 memory_size2 memory_size3 "
        "memory_size_import memory_trap0 memory_trap1 simd_memory-multi start0 store0 store1 "
        "store2 traps0"),
    "extended-const": "data elem global",
    "tail-call": "return_call return_call_indirect",
}

HOW_TO_GET = (
    "the WebAssembly test suite was not found: pass --testsuite=PATH, set PYIC_TESTSUITE, "
    "or put it "
    f"at {DEFAULT_TESTSUITE}; tools/fetch_testsuite.sh DEST fetches it (needs git and network)"
)


def testsuite_path(config: pytest.Config) -> Path | None:
    for candidate in (config.getoption("--testsuite", None), os.environ.get("PYIC_TESTSUITE")):
        if candidate:
            return Path(candidate)
    return DEFAULT_TESTSUITE if DEFAULT_TESTSUITE.is_dir() else None


def selected_files(root: Path) -> list[str]:
    """The suite's files pyic runs, relative to ``root``: all of wasm-2.0/, then all of
    wasm-3.0/ (the files of `WASM_3_0_FILES`, the 3.0 features issue 2 and 3 name, first;
    then the rest: GC, function references, exceptions, relaxed SIMD, annotations)."""
    names = sorted(f"wasm-2.0/{path.name}" for path in (root / "wasm-2.0").glob("*.wast"))
    for files in WASM_3_0_FILES.values():
        names.extend(f"wasm-3.0/{name}.wast" for name in files.split())
    chosen = set(names)
    names.extend(f"wasm-3.0/{path.name}" for path in sorted((root / "wasm-3.0").glob("*.wast"))
                 if f"wasm-3.0/{path.name}" not in chosen)
    return names


class SpecSuite:
    """What the test items share: where the suite is, and the reports so far."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.reports = SuiteReport()

    def missing_message(self) -> str:
        if self.root is None:
            return HOW_TO_GET
        return f"{HOW_TO_GET} (looked in {self.root}, which has no wasm-2.0/*.wast)"


SUITE = pytest.StashKey[SpecSuite]()
MISSING = "testsuite-missing"


def pytest_configure(config: pytest.Config) -> None:
    config.stash[SUITE] = SpecSuite(testsuite_path(config))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "wast" not in metafunc.fixturenames:
        return
    root = metafunc.config.stash[SUITE].root
    if root is None or not any((root / "wasm-2.0").glob("*.wast")):
        metafunc.parametrize("wast", [MISSING])  # one item that fails, saying how to get it
        return
    metafunc.parametrize("wast", selected_files(root))


@pytest.fixture
def spec_suite(request: pytest.FixtureRequest) -> SpecSuite:
    return request.config.stash[SUITE]


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    suite = config.stash.get(SUITE, None)
    report = suite.reports if suite is not None else None
    if report is None or not report.files:
        return
    total = report.total
    write = terminalreporter.write_line
    terminalreporter.section("wasm spec test commands")
    write(f"{len(report.files)} files: {total.passed} passed, {total.failed} failed, "
          f"{total.not_run} not run (not run = not checked yet, never counted as passed)")
    for kind, tally in report.by_command.items():
        if tally.total:
            write(f"  {kind:<24} {tally.passed:>7} passed {tally.failed:>7} failed "
                  f"{tally.not_run:>7} not run")
