"""tools/startup.py on the kit's small fib: the report's shape, not its timings."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

from tests.tools.kit import BENCH
from tools import startup

REPO = pathlib.Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("bench_kit")


def run_tool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tools.startup", "--bench", str(BENCH),
                           "--quiet", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=300)


def test_small_fib_report():
    p = run_tool("--small", "--modules", "fib", "--split-modules", "fib", "--canister", "",
                 "--no-pywasm", "--repeat", "1", "--json", "-")
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    manifest = {m["name"]: m for m in json.loads((BENCH / "manifest.json").read_text())["modules"]}
    assert report["trees"] == ["pyic"] and report["pywasm"] is False
    [row] = report["kit"]
    assert row["module"] == "fib" and row["arg"] == manifest["fib"]["small"]["arg"]
    assert 0 < row["pyic_first_instr"] and 0 < row["pyic"]
    [split] = report["split"]
    assert split["module"] == "wasm/fib.wasm" and split["tree"] == "pyic"
    phases = [split[p] for p in startup.RUN_PHASES]
    assert all(x >= 0 for x in phases)
    assert sum(phases) == pytest.approx(split["total"], abs=1e-6)
    assert split["interpreter"] > 0 and split["imports"] > 0
    assert "canister" not in report
    # the markdown tables: one header, one rule, one row each, all of the same width
    text = startup.markdown(report)
    tables = [t.splitlines() for t in text.split("\n\n") if t.startswith("|")]
    assert len(tables) == 2
    for t in tables:
        widths = {line.count("|") for line in t}
        assert len(t) == 3 and len(widths) == 1, t


def test_a_tree_without_pyic_is_a_usage_error(tmp_path):
    p = run_tool("--tree", f"x={tmp_path}", "--no-kit", "--no-split")
    assert p.returncode == 2 and "PATH holding the pyic package" in p.stderr


def test_reply_int():
    assert startup.reply_int("196418 : i32\n") == 196418
    assert startup.reply_int("-5 : i32") == -5
    assert startup.reply_int("[610]\n") == 610
    assert startup.reply_int("") is None and startup.reply_int("trap\n") is None


def test_child_cpu_reports_the_childs_output_and_status(tmp_path):
    cpu, rc, out, err = startup.child_cpu(
        [sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr); "
         "sum(range(10**6)); sys.exit(3)"], dict(os.environ), str(tmp_path))
    assert (rc, out, err) == (3, "out\n", "err\n")
    assert cpu > 0


def test_heaviest_imports():
    p = run_tool("--no-kit", "--no-split", "--canister", "", "--imports", "5", "--repeat", "1",
                 "--json", "-")
    assert p.returncode == 0, p.stderr
    [row] = json.loads(p.stdout)["imports"]
    assert row["tree"] == "pyic" and row["total"] >= row["pyic"] > 0
    assert len(row["top"]) == 5
    assert all(isinstance(name, str) and seconds >= 0 for name, seconds in row["top"])
    assert [s for _, s in row["top"]] == sorted((s for _, s in row["top"]), reverse=True)
