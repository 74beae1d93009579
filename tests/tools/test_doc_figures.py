"""The figures README.md and docs/ state about test suites and pinned clients, re-derived.

Each check finds its sentence by a pattern and fails when the sentence is gone or
reworded, so a figure cannot go stale silently: update the figure, or the pattern with
it.  (docs/ic-rules.md and README's ported-scenario figure: tools/ic_rules_table.py
--check, in test_ic_rules_table.py.)  Whether the commands counted here also pass is
the spec tests' business (spec_tests/, one item per command).
"""

from __future__ import annotations

import collections
import json
import os
import re
from pathlib import Path

import pytest

from pyic.wasm.script.lines import commands

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ["PYIC_SHARED"])   # set by the root conftest.py unless given
SUITE = SHARED / "wasm-testsuite"


def figure(doc: str, pattern: str) -> tuple:
    """The groups of ``pattern`` in ``doc`` (white space in the pattern matches any run
    of white space, as prose wraps), numbers without their thousands separators."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    match = re.search(pattern.replace(" ", r"\s+"), text)
    assert match, f"{doc} no longer says /{pattern}/: update the figure's check"
    return tuple(int(g.replace(",", "")) if re.fullmatch(r"[\d,]+", g) else g
                 for g in match.groups())


def suite_counts(folder: str) -> tuple[int, collections.Counter]:
    files = sorted((SUITE / folder).glob("*.wast"))
    assert files, f"no test suite at {SUITE / folder}"
    kinds = collections.Counter(
        keyword for path in files
        for _, keyword in commands(path.read_bytes().decode("utf-8", "surrogateescape")))
    return len(files), kinds


def test_readme_wasm_2_0_totals():
    files, commands_ = figure("README.md", r"the (\d+) Wasm 2.0 files passes \(([\d,]+) commands")
    count, kinds = suite_counts("wasm-2.0")
    assert (files, commands_) == (count, sum(kinds.values()))


def test_semantics_wasm_2_0_commands_by_kind():
    stated = figure(
        "docs/semantics.md",
        r"assert_return ([\d,]+), assert_trap ([\d,]+), assert_exhaustion ([\d,]+), "
        r"assert_unlinkable ([\d,]+), modules ([\d,]+), actions ([\d,]+), registers ([\d,]+)\)")
    _, kinds = suite_counts("wasm-2.0")
    assert stated == (kinds["assert_return"], kinds["assert_trap"], kinds["assert_exhaustion"],
                      kinds["assert_unlinkable"], kinds["module"], kinds["invoke"] + kinds["get"],
                      kinds["register"])


def test_semantics_wasm_3_0_totals():
    files, commands_ = figure("docs/semantics.md", r"all (\d+) files, ([\d,]+) commands pass")
    count, kinds = suite_counts("wasm-3.0")
    assert (files, commands_) == (count, sum(kinds.values()))


def test_text_format_script_counts_and_sizes():
    stated = figure("docs/text-format.md",
                    r"the (\d+) Wasm 2.0 scripts \(([\d.]+) MB\)[\s\S]*?the (\d+) Wasm 3.0 scripts "
                    r"\(([\d.]+) MB\)")
    measured = []
    for folder in ("wasm-2.0", "wasm-3.0"):
        files = sorted((SUITE / folder).glob("*.wast"))
        measured += [len(files), f"{sum(f.stat().st_size for f in files) / 1e6:.1f}"]
    assert stated == tuple(measured)


def test_candid_suite_total():
    (readme,) = figure("README.md", r"`pyic candid test \.\./shared/candid-tests`: (\d+) of \1")
    (testing,) = figure("docs/testing.md", r"one item per assertion \((\d+)\)")
    (expected,) = figure("tests/candid/test_suite.py", r"EXPECTED_TOTAL = (\d+)")
    assert readme == testing == expected   # test_suite.py checks the suite has that many


@pytest.mark.parametrize("client, pattern", [
    ("@dfinity/agent", r"`@dfinity/agent` ([\d.]+)"),
    ("icp-py-core", r"`icp-py-core` ([\d.]+)"),
    ("pocket-ic", r"`pocket-ic`\s+([\d.]+)"),
])
def test_readme_client_versions_are_the_pinned_ones(client, pattern):
    (stated,) = figure("README.md", pattern)
    if client.startswith("@"):
        pinned = json.loads((ROOT / "tests/clients/js/package.json").read_text())
        assert pinned["dependencies"][client] == stated
    else:
        assert f"{client}=={stated}" in (ROOT / "setup.cfg").read_text()
