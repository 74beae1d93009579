"""The bench modules on the fast tier: checksums, exact manifest counts, the wasmtime-fuel
cost model, and instruction limits stopping at exactly the reference's point."""

import random

import pytest

from pyic.wasm import embed
from pyic.wasm.exec import CostModel

from .tiers import BENCH, bench_entries, entry_id, need, run_on, same_on_both

ENTRIES = bench_entries()
FUEL = CostModel(instr={"nop": 0, "drop": 0, "block": 0, "loop": 0, "return": 0, "unreachable": 0,
                        "call": 2, "call_indirect": 2},
                 per_byte={"memory.fill": 1, "memory.copy": 1})
_MODULES: dict = {}


def _module(entry):
    m = _MODULES.get(need(entry)["name"])
    if m is None:
        m = _MODULES[entry["name"]] = embed.load_module((BENCH / entry["wasm"]).read_bytes())
    return m


@pytest.mark.parametrize("entry", ENTRIES, ids=entry_id)
def test_checksum_and_exact_count(entry):
    small = need(entry)["small"]
    outcome, count, _ = run_on("fast", _module(entry), "run", [small["arg"]])
    assert outcome == ("ok", (small["checksum"],))
    assert count == small["instrs"]


@pytest.mark.parametrize("entry", ENTRIES, ids=entry_id)
def test_fuel_cost_model(entry):
    small = need(entry)["small"]
    outcome, count, _ = run_on("fast", _module(entry), "run", [small["arg"]], config={"cost": FUEL})
    assert outcome == ("ok", (small["checksum"],))
    assert count + 1 == small["fuel"]


@pytest.mark.parametrize("entry", ENTRIES, ids=entry_id)
def test_limits_stop_at_the_same_point(entry):
    small = need(entry)["small"]
    total = small["instrs"]
    rnd = random.Random(entry["name"])
    limits = [0, 1, 2, 3, total - 1, total] + [rnd.randrange(total) for _ in range(6)]
    for limit in limits:
        outcome, count, state = same_on_both(_module(entry), "run", [small["arg"]], limit=limit)
        if limit < total:
            assert outcome[0] == "InstructionLimitExceeded" and count <= limit
        else:
            assert outcome[0] == "ok" and count == total


@pytest.mark.parametrize("entry", ENTRIES, ids=entry_id)
def test_limits_with_fuel_costs(entry):
    small = need(entry)["small"]
    total = small["fuel"] - 1
    rnd = random.Random(entry["name"] + "fuel")
    for limit in [total - 1, total] + [rnd.randrange(total) for _ in range(3)]:
        same_on_both(_module(entry), "run", [small["arg"]], limit=limit, config={"cost": FUEL})


def test_manifest_present():
    assert need(ENTRIES[0]) and len(ENTRIES) >= 8
