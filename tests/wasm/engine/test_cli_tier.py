"""``--tier`` on ``pyic run`` and ``pyic spec``: same output on both tiers."""

from pathlib import Path
import os
import pathlib

import pytest
from click.testing import CliRunner

from pyic.cli.main import cli
from pyic.wasm.runtime import store as store_module

# The shared test material (suites, bench kit, canisters): $PYIC_SHARED, set by the
# repository's conftest.py to ../shared beside the checkout unless given.
SHARED = os.environ.get("PYIC_SHARED") or str(Path(__file__).resolve().parents[4] / "shared")

FIB = SHARED + "/bench/wasm/fib.wasm"
FAC = SHARED + "/wasm-testsuite/wasm-2.0/fac.wast"


@pytest.mark.skipif(not os.path.exists(FIB), reason="bench kit not present")
def test_run_tier_same_output_and_count():
    outs = []
    for tier in ("fast", "reference"):
        r = CliRunner().invoke(
            cli, ["run", FIB, "--invoke", "run", "--count", "--tier", tier, "15"]
        )
        assert r.exit_code == 0, r.output
        outs.append((r.stdout, r.stderr))
    assert outs[0] == outs[1]
    assert outs[0][0].strip() == "610 : i32" and "instructions: 17755" in outs[0][1]
    r = CliRunner().invoke(cli, ["run", FIB, "--invoke", "run", "--limit", "100", "--count",
                                 "--tier", "fast", "15"])
    assert r.exit_code == 1 and "instructions: 100" in r.stderr


@pytest.mark.skipif(not os.path.exists(FAC), reason="test suite not present")
@pytest.mark.parametrize("tier", ["fast", "reference"])
def test_spec_tier(tier):
    before = store_module.DEFAULT_TIER, os.environ.get("PYIC_TIER")
    r = CliRunner().invoke(cli, ["spec", "--tier", tier, FAC])
    assert r.exit_code == 0, r.output
    assert "assert_exhaustion" in r.stdout
    assert (store_module.DEFAULT_TIER, os.environ.get("PYIC_TIER")) == before   # restored
    assert pathlib.Path(FAC).exists()
