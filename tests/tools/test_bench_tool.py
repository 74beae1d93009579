"""tools/bench.py on the small sizes, pyic only: the report's shape and the checksum/count check."""

import json
import pathlib
import shutil
import subprocess
import sys

import pytest

from tests.tools.kit import BENCH

REPO = pathlib.Path(__file__).resolve().parents[2]
TOOL = REPO / "tools" / "bench.py"
pytestmark = pytest.mark.usefixtures("bench_kit")


def run_tool(*args, bench=BENCH):
    p = subprocess.run([sys.executable, str(TOOL), "--bench", str(bench), "--engines", "pyic",
                        "--small", "--quiet", "--json", "-", *args],
                       capture_output=True, text=True, timeout=120)
    return p, (json.loads(p.stdout) if p.stdout.strip() else None)


def test_small_run_reports_checksums_counts_and_json_shape():
    p, report = run_tool("--modules", "fib,collatz", "--repeat", "2", "--no-startup")
    assert p.returncode == 0, p.stderr
    assert report["ok"] is True and report["failures"] == []
    assert report["sizes"] == "small" and report["repeat"] == 2
    assert [e["name"] for e in report["engines"]] == ["pyic"]
    manifest = json.loads((BENCH / "manifest.json").read_text())
    small = {m["name"]: m["small"] for m in manifest["modules"]}
    assert [r["module"] for r in report["modules"]] == ["fib", "collatz"]
    for row in report["modules"]:
        ent = row["engines"]["pyic"]
        assert row["instrs"] == small[row["module"]]["instrs"]
        assert ent["result"] == small[row["module"]]["checksum"] and ent["checksum_ok"]
        assert ent["count"] == row["instrs"] and ent["count_ok"]
        assert len(ent["cpu_runs"]) == 2 and ent["cpu_s"] > 0
        assert ent["minstr_per_s"] == pytest.approx(row["instrs"] / ent["cpu_s"] / 1e6)
        assert "ratio_to_pywasm" not in ent          # pywasm was not asked for
    g = report["geomean"]["pyic"]
    assert g["modules"] == 2 and g["minstr_per_s"] > 0 and g["ratio_to_pywasm"] is None
    assert "pyic" in p.stderr and "count ok" in p.stderr   # the table goes to stderr with --json -


def _kit_with(tmp_path, **changes):
    """A copy of the kit whose fib small entry has ``changes``; the wasm files are shared."""
    manifest = json.loads((BENCH / "manifest.json").read_text())
    for m in manifest["modules"]:
        if m["name"] == "fib":
            m["small"].update(changes)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "wasm").symlink_to(BENCH / "wasm")
    return tmp_path


@pytest.mark.parametrize("field, value, message", [
    ("checksum", 611, "result 610 != checksum 611"),
    ("instrs", 17756, "counted 17755 instructions, manifest says 17756"),
])
def test_wrong_checksum_or_count_fails_loudly(tmp_path, field, value, message):
    p, report = run_tool(
        "--modules", "fib", "--no-startup", bench=_kit_with(tmp_path, **{field: value})
    )
    assert p.returncode == 1
    assert report["ok"] is False
    assert any(message in f for f in report["failures"])
    assert "FAILED" in p.stderr and message in p.stderr


def test_unknown_engine_is_a_usage_error():
    p = subprocess.run([sys.executable, str(TOOL), "--bench", str(BENCH),
                        "--engines", "pyic,nosuch", "--small", "--modules", "fib"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "unknown engine 'nosuch'" in p.stderr


def test_unknown_module_and_missing_kit_are_usage_errors(tmp_path):
    p, _ = run_tool("--modules", "nosuch")
    assert p.returncode == 2 and "unknown module(s) nosuch" in p.stderr
    p, _ = run_tool(bench=tmp_path)
    assert p.returncode == 2 and "no benchmark kit" in p.stderr


def test_startup_only_times_big_wasm_phases():
    p, report = run_tool("--startup-only")
    assert p.returncode == 0, p.stderr
    assert report["modules"] == []
    st = report["startup"]["pyic"]
    assert st["cpu_s"] >= st["decode_cpu_s"] > 0 and st["validate_cpu_s"] > 0
    assert report["startup_bytes"] == (BENCH / "wasm" / "big.wasm").stat().st_size


def test_pywasm_missing_is_a_note(tmp_path, monkeypatch):
    # run the tool's engine discovery in-process with pywasm hidden
    import importlib.util
    spec = importlib.util.spec_from_file_location("bench_tool", TOOL)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.setattr(bench, "_version", lambda dist: None)
    notes = []
    engines = bench.find_engines(["pyic", "pywasm"], [None], notes)
    assert [e.name for e in engines] == ["pyic"]
    assert any("pywasm is missing" in n for n in notes)
    if shutil.which("wasm-interp") is None:
        assert bench.find_engines(["wasm-interp"], [None], notes) == []
