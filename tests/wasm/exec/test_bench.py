"""Every benchmark module gives its checksum and exactly the manifest's instruction count."""

import json
import os
from pathlib import Path

import pytest

from pyic.wasm import embed
from pyic.wasm.exec import CostModel

# The shared test material (suites, bench kit, canisters): $PYIC_SHARED, set by the
# repository's conftest.py to ../shared beside the checkout unless given.  A missing kit
# fails (one item), it never skips.
SHARED = os.environ.get("PYIC_SHARED") or str(Path(__file__).resolve().parents[4] / "shared")
BENCH = Path(SHARED) / "bench"
try:
    ENTRIES = json.loads((BENCH / "manifest.json").read_text())["modules"]
except OSError:
    ENTRIES = [None]


def _entry_id(entry) -> str:
    return "bench-kit-missing" if entry is None else entry["name"]


def _store(config=None):
    """A store of the reference interpreter (these tests are the reference's)."""
    return embed.Store(config or embed.Config(tier="reference"))


def _small(entry) -> dict:
    assert entry is not None, f"the bench kit is missing: {BENCH} (set PYIC_SHARED)"
    return entry["small"]


@pytest.mark.parametrize("entry", ENTRIES, ids=_entry_id)
def test_small_checksum_and_exact_count(entry):
    small = _small(entry)
    module = embed.load_module((BENCH / entry["wasm"]).read_bytes())
    store = _store()
    inst = embed.module_instantiate(store, module)
    results, count = embed.invoke_export(store, inst, "run", [small["arg"]])
    assert results == [small["checksum"]]
    assert count == small["instrs"]


def test_manifest_present():
    assert ENTRIES[0] is not None and len(ENTRIES) >= 8, "no bench modules collected"


# wasmtime 50's fuel rules (bench README): operators cost 1 except nop, drop, block, loop,
# return, unreachable (free); +1 per function invocation; memory.fill/copy +1 per byte.
FUEL = CostModel(instr={"nop": 0, "drop": 0, "block": 0, "loop": 0, "return": 0, "unreachable": 0,
                        "call": 2, "call_indirect": 2},
                 per_byte={"memory.fill": 1, "memory.copy": 1})


@pytest.mark.parametrize("entry", ENTRIES, ids=_entry_id)
def test_cost_model_reproduces_wasmtime_fuel(entry):
    small = _small(entry)
    module = embed.load_module((BENCH / entry["wasm"]).read_bytes())
    store = _store(embed.Config(cost=FUEL, tier="reference"))
    inst = embed.module_instantiate(store, module)
    results, count = embed.invoke_export(store, inst, "run", [small["arg"]])
    assert results == [small["checksum"]]
    assert count + 1 == small["fuel"]     # + 1: the invocation of run itself
