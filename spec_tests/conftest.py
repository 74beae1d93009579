"""The official WebAssembly test suite as pytest items: one item per script command,
named ``file.wast:line`` (the line of the command's opening parenthesis).

Where the suite is, first found wins:

1. ``--testsuite PATH`` (registered in the repository's root ``conftest.py``, so it
   works wherever it stands on the command line);
2. the environment variable ``PYIC_TESTSUITE``;
3. ``../shared/wasm-testsuite`` beside the repository.

Without one, the run fails (it does not skip): ``tools/fetch_testsuite.sh`` gets it.

Collection only finds where each command starts (`command_lines`, a scan of the
parentheses, no parse), so it stays fast; the first item of a file runs the whole
file once (`SpecSuite.report_of`) and every item of the file then reads its own
command's outcome.  A command pyic does not check (``not_run``) fails its item, as
does a command the run did not report at all.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from collections import Counter
from pathlib import Path

import pytest

from pyic.wasm.script.lines import command_lines
from pyic.wasm.script.report import FileReport, SuiteReport
from pyic.wasm.script.runner import run_file

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

MISSING = "testsuite-missing"   # the one item made when there is no suite


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


# ------------------------------------------------------------------ the scripts


def read_script(path: Path) -> str:
    """A script's text as the runner reads it (bytes that are not UTF-8 kept)."""
    try:
        with open(path, "rb") as stream:
            return stream.read().decode("utf-8", "surrogateescape")
    except OSError:
        return ""


# ------------------------------------------------------------------ the shared state


class SpecSuite:
    """What the test items share: where the suite is, the file run last, and the
    reports so far (for the terminal summary)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.reports = SuiteReport()
        self._current: tuple[str, FileReport, dict] | None = None
        self.starts: dict[str, list[int]] = {}   # file -> its command lines, from collection

    def missing_message(self) -> str:
        if self.root is None:
            return HOW_TO_GET
        return f"{HOW_TO_GET} (looked in {self.root}, which has no wasm-2.0/*.wast)"

    def report_of(self, wast: str) -> tuple[FileReport, dict]:
        """The report of ``wast`` and its outcomes grouped by the top-level command they
        belong to (its start line; the commands of a ``thread`` go with it), running the
        file on first use.  Items come file by file, so only the current file is kept."""
        if self._current is None or self._current[0] != wast:
            path = self.root / wast
            report = run_file(str(path))
            report.path = wast   # name files as the items are named, relative to the suite
            for failure in report.failures:
                failure.path = wast
            self.reports.files.append(report)
            starts = sorted(set(self.starts.pop(wast, None)
                                or command_lines(read_script(path))))
            groups: dict = {}
            for outcome in report.outcomes:
                at = bisect_right(starts, outcome.line) - 1
                groups.setdefault(starts[max(at, 0)] if starts else 0, []).append(outcome)
            self._current = (wast, report, groups)
        return self._current[1], self._current[2]


SUITE = pytest.StashKey[SpecSuite]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[SUITE] = SpecSuite(testsuite_path(config))


class Command(pytest.Item):
    """One command of a script (or, with ``command == MISSING``, the missing suite).

    A plain item rather than a parametrized test function: with 100,000+ of them,
    pytest's per-item fixture and parameter handling would cost more than running the
    suite; `runtest` calls the module's ``check_command`` directly."""

    def __init__(self, *, command: object, check, **kwargs) -> None:
        super().__init__(**kwargs)
        self.command = command
        self.check = check

    def runtest(self) -> None:
        self.check(self.command, self.config.stash[SUITE])

    def reportinfo(self) -> tuple:
        return self.path, None, self.name


def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object):
    """``check_command`` of test_wasm_testsuite.py becomes one `Command` per command of
    the selected files, named ``file.wast:line``."""
    if name != "check_command" or not isinstance(collector, pytest.Module):
        return None
    suite = collector.config.stash[SUITE]
    root = suite.root
    if root is None or not any((root / "wasm-2.0").glob("*.wast")):
        # one item that fails, saying how to get the suite
        return [Command.from_parent(collector, name=MISSING, command=MISSING, check=obj)]
    items = []
    for wast in selected_files(root):
        starts = suite.starts[wast] = command_lines(read_script(root / wast))
        # Commands sharing a line (rare) share an item, which expects them all; an empty
        # or unreadable script gets one item, at line 0, which fails.
        for line, count in (Counter(starts) or {0: 0}).items():
            items.append(Command.from_parent(collector, name=f"{wast}:{line}",
                                             command=(wast, line, count), check=obj))
    return items


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
