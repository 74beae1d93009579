"""``--tier`` on ``pyic run`` and ``pyic spec``: same output on both tiers, and the run
really is on the tier asked for."""

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from pyic.cli.main import cli
from pyic.wasm import tiers

# The shared test material (suites, bench kit, canisters): $PYIC_SHARED, set by the
# repository's conftest.py to ../shared beside the checkout unless given.
SHARED = os.environ.get("PYIC_SHARED") or str(Path(__file__).resolve().parents[4] / "shared")

FIB = SHARED + "/bench/wasm/fib.wasm"
FAC = SHARED + "/wasm-testsuite/wasm-2.0/fac.wast"


@pytest.fixture
def used(monkeypatch):
    """The tiers that ran Wasm code (every tier's entry point wrapped to record its name)."""
    seen = set()

    def spy(name):
        real = tiers.entry(name)

        def run(store, f, args, meter):
            seen.add(name)
            return real(store, f, args, meter)
        return run
    monkeypatch.setattr(tiers, "_loaded", {t: spy(t) for t in tiers.TIERS})
    return seen


@pytest.mark.parametrize("tier", ["fast", "reference"])
def test_run_tier_same_output_and_count(tier, used):
    assert os.path.exists(FIB), f"the bench kit is missing: {FIB} (set PYIC_SHARED)"
    r = CliRunner().invoke(cli, ["run", FIB, "--invoke", "run", "--count", "--tier", tier, "15"])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == "610 : i32" and "instructions: 17755" in r.stderr
    assert used == {tier}
    r = CliRunner().invoke(cli, ["run", FIB, "--invoke", "run", "--limit", "100", "--count",
                                 "--tier", tier, "15"])
    assert r.exit_code == 1 and "instructions: 100" in r.stderr


@pytest.mark.parametrize("tier", ["fast", "reference"])
def test_spec_tier(tier, used):
    assert os.path.exists(FAC), f"the test suite is missing: {FAC} (set PYIC_SHARED)"
    r = CliRunner().invoke(cli, ["spec", "--tier", tier, FAC])
    assert r.exit_code == 0, r.output
    assert "assert_exhaustion" in r.stdout
    assert used == {tier}
