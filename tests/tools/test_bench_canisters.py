"""pyic's stress canisters (tools/canisters) and ``tools/bench.py --canisters`` at small sizes.

Each canister runs on both tiers in this process: the replies and the instruction counts
(the IC's accounting) must be equal, the count the one pinned in tools/canisters/stress.py,
and the reply the checksum its Python model computes from ``n`` (plain Python over
bytearrays and dicts, following the algorithm in the ``.wat`` file's header: nothing is
taken from a canister's output)."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

from tools.canisters import stress

REPO = pathlib.Path(__file__).resolve().parents[2]
TOOL = REPO / "tools" / "bench.py"
BENCH = pathlib.Path(os.environ["PYIC_SHARED"], "bench").resolve()   # root conftest.py
M64 = (1 << 64) - 1


def run_on(tier: str, s, n: int) -> dict:
    """``run(n)`` on a fresh PocketIC whose canisters run on ``tier``."""
    return stress.run(s, n, tier=tier)


@pytest.mark.parametrize("name", list(stress.BY_NAME))
def test_stress_canister_same_reply_and_count_on_both_tiers(name):
    s = stress.BY_NAME[name]
    fast = run_on("fast", s, s.small)
    reference = run_on("reference", s, s.small)
    assert (fast["tier"], reference["tier"]) == ("fast", "reference")
    assert fast["reply"] == reference["reply"] and len(fast["reply"]) == 8
    assert fast["checksum"] == stress.MODELS[name](s.small)
    assert fast["count"] == reference["count"] == stress.COUNTS[name]["small"]
    assert fast["rounds"] >= 1


def test_calls_checksum_in_closed_form():
    """calls.wat's reply is a sum over the calls; here it is written out by hand for n = 3:
    add(i) = 3 i^2 + 7, xor i: 7 ^ 0, 10 ^ 1, 19 ^ 2."""
    r = run_on("fast", stress.BY_NAME["calls"], 3)
    assert r["checksum"] == 7 + 11 + 17 == stress.model_calls(3)


@pytest.mark.parametrize("name", ["alloc", "bulk", "stable"])
def test_models_track_n(name):
    """A model that ignored its argument would pass the tier test for any canister."""
    model = stress.MODELS[name]
    values = {model(n) for n in (0, 1, 2, 50)}
    assert len(values) == 4 and all(0 <= v <= M64 for v in values)


def test_alloc_model_at_n_1_by_hand():
    """One allocation: x = the LCG's first step, the block at 65536 (user pointer 65544),
    words = 1 + (x >> 45) % 63 so class k = the smallest with 16 << k >= 8 words + 8."""
    x = (stress.LCG_SEED * stress.LCG_MUL + stress.LCG_ADD) & M64
    words = 1 + ((x >> 33) >> 12) % 63
    k = next(k for k in range(6) if 16 << k >= 8 * words + 8)
    cs = ((stress.FNV_OFFSET ^ ((x + x + words - 1 + 65544) & M64)) * stress.FNV_PRIME) & M64
    assert stress.model_alloc(1) == cs ^ (65536 + (16 << k))


def test_bench_reports_stress_canisters_beside_fib(tmp_path):
    p = subprocess.run([sys.executable, str(TOOL), "--bench", str(BENCH), "--canisters",
                        "--small", "--tier", "fast", "--stress", "alloc,calls", "--quiet",
                        "--json", "-"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["ok"] is True and report["failures"] == []
    rows = report["canisters"]
    assert [(r["build"], r["step"], r["tier"]) for r in rows] == [
        ("stress", "alloc", "fast"), ("stress", "calls", "fast")]
    for r in rows:
        s = stress.BY_NAME[r["step"]]
        assert r["call"] == f"run({s.small})" and r["reply_ok"] and r["count_ok"]
        assert r["pyic_count"] == stress.COUNTS[s.name]["small"]
        assert r["minstr_per_s"] == pytest.approx(r["pyic_count"] / r["cpu_s"] / 1e6)
        assert r["ratio_to_fib"] == pytest.approx(r["minstr_per_s"] / r["fib_minstr_per_s"])
    assert "x fib" in p.stderr and "alloc" in p.stderr      # the table goes to stderr
    saved = tmp_path / "report.json"
    saved.write_text(p.stdout)
    again = subprocess.run([sys.executable, str(TOOL), "--report", str(saved), "--markdown"],
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert f"| fast | stress | calls | run(100) | {stress.COUNTS['calls']['small']:,} |" \
        in again.stdout


def test_unknown_stress_canister_is_a_usage_error():
    p = subprocess.run([sys.executable, str(TOOL), "--canisters", "--stress", "alloc,heap"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "unknown stress canister(s) heap" in p.stderr


def test_performance_doc_rows_carry_the_pinned_counts():
    """docs/performance.md's canister table shows each stress canister's full-size count;
    it must be the one pinned (a change of the accounting updates both)."""
    import re
    text = (REPO / "docs" / "performance.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| fast \| stress \| (\w+) \| run\((\d+)\) \| ([\d,]+) \|", text, re.M)
    assert sorted(name for name, _, _ in rows) == sorted(stress.BY_NAME)
    for name, n, count in rows:
        assert int(n) == stress.BY_NAME[name].full
        assert int(count.replace(",", "")) == stress.COUNTS[name]["full"]
