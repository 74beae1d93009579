"""The bench modules on the fast tier: checksums, exact manifest counts, the wasmtime-fuel
cost model, and instruction limits stopping at exactly the reference's point."""

from pathlib import Path
import os
import json
import pathlib
import random

import pytest

from pyic.wasm import embed
from pyic.wasm.exec import CostModel

from .tiers import run_on, same_on_both

# The shared test material (suites, bench kit, canisters): $PYIC_SHARED, set by the
# repository's conftest.py to ../shared beside the checkout unless given.
SHARED = os.environ.get("PYIC_SHARED") or str(Path(__file__).resolve().parents[4] / "shared")

BENCH = pathlib.Path(SHARED + "/bench")
MANIFEST = json.loads((BENCH / "manifest.json").read_text()) if BENCH.exists() else {"modules": []}
FUEL = CostModel(instr={"nop": 0, "drop": 0, "block": 0, "loop": 0, "return": 0, "unreachable": 0,
                        "call": 2, "call_indirect": 2},
                 per_byte={"memory.fill": 1, "memory.copy": 1})
_MODULES: dict = {}


def _module(entry):
    m = _MODULES.get(entry["name"])
    if m is None:
        m = _MODULES[entry["name"]] = embed.load_module((BENCH / entry["wasm"]).read_bytes())
    return m


skip = pytest.mark.skipif(not BENCH.exists(), reason="bench kit not present")
ids = [e["name"] for e in MANIFEST["modules"]]


@skip
@pytest.mark.parametrize("entry", MANIFEST["modules"], ids=ids)
def test_checksum_and_exact_count(entry):
    small = entry["small"]
    outcome, count, _ = run_on("fast", _module(entry), "run", [small["arg"]])
    assert outcome == ("ok", (small["checksum"],))
    assert count == small["instrs"]


@skip
@pytest.mark.parametrize("entry", MANIFEST["modules"], ids=ids)
def test_fuel_cost_model(entry):
    small = entry["small"]
    outcome, count, _ = run_on("fast", _module(entry), "run", [small["arg"]], config={"cost": FUEL})
    assert outcome == ("ok", (small["checksum"],))
    assert count + 1 == small["fuel"]


@skip
@pytest.mark.parametrize("entry", MANIFEST["modules"], ids=ids)
def test_limits_stop_at_the_same_point(entry):
    small = entry["small"]
    total = small["instrs"]
    rnd = random.Random(entry["name"])
    limits = [0, 1, 2, 3, total - 1, total] + [rnd.randrange(total) for _ in range(6)]
    for limit in limits:
        outcome, count, state = same_on_both(_module(entry), "run", [small["arg"]], limit=limit)
        if limit < total:
            assert outcome[0] == "InstructionLimitExceeded" and count <= limit
        else:
            assert outcome[0] == "ok" and count == total


@skip
@pytest.mark.parametrize("entry", MANIFEST["modules"], ids=ids)
def test_limits_with_fuel_costs(entry):
    small = entry["small"]
    total = small["fuel"] - 1
    rnd = random.Random(entry["name"] + "fuel")
    for limit in [total - 1, total] + [rnd.randrange(total) for _ in range(3)]:
        same_on_both(_module(entry), "run", [small["arg"]], limit=limit, config={"cost": FUEL})


def test_manifest_present():
    assert MANIFEST["modules"]
