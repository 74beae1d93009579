"""One pytest item per command of the official test suite: conftest.py makes a
``Command`` item, named ``file.wast:line``, per command, each calling `check_command`."""

from __future__ import annotations

import pytest

from pyic.wasm.script.report import SCRIPT

MISSING = "testsuite-missing"  # the item conftest.py makes when there is no suite


def check_command(command, spec_suite) -> None:
    if command == MISSING:
        pytest.fail(spec_suite.missing_message(), pytrace=False)
    wast, line, expected = command
    path = spec_suite.root / wast
    if not path.is_file():
        pytest.fail(f"{wast} is missing from the test suite at {spec_suite.root}", pytrace=False)
    report, groups = spec_suite.report_of(wast)
    outcomes = groups.get(line, [])
    if sum(1 for o in outcomes if o.line == line) != expected:
        # The whole script failed (it did not read or parse), or the run and the scan
        # of conftest.py disagree on where commands start: either way, not checked.
        script = [str(failure) for failure in report.failures if failure.command == SCRIPT]
        why = "; ".join(script) if script else "the runner reported a different number"
        pytest.fail(f"{expected} command(s) start here, "
                    f"{sum(1 for o in outcomes if o.line == line)} outcome(s) "
                    f"reported: {why}", pytrace=False)
    problems = [f"{o.command}: {o.message}" for o in outcomes if o.outcome == "failed"]
    problems += [f"{o.command}: not run (pyic does not check this command)"
                 for o in outcomes if o.outcome == "not_run"]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
