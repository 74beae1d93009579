"""One pytest item per .wast file of the official test suite (see conftest.py)."""

from __future__ import annotations

import pytest

from pyic.wasm.script.runner import run_file

MISSING = "testsuite-missing"  # the item conftest.py makes when there is no suite


def test_wast(wast: str, spec_suite) -> None:
    root = spec_suite.root
    if wast == MISSING:
        pytest.fail(spec_suite.missing_message(), pytrace=False)
    path = root / wast
    if not path.is_file():
        pytest.fail(f"{wast} is missing from the test suite at {root}", pytrace=False)
    report = run_file(str(path))
    # Name files as the items are named, relative to the suite.
    report.path = wast
    for failure in report.failures:
        failure.path = wast
    spec_suite.reports.files.append(report)
    if report.failed:
        lines = [f"{report.failed} failed, {report.passed} passed, {report.not_run} not run:"]
        lines.extend(str(failure) for failure in report.failures)
        pytest.fail("\n".join(lines), pytrace=False)
