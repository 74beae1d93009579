"""Every benchmark module gives its checksum and exactly the manifest's instruction count."""

from pathlib import Path
import os
import json
import pathlib

import pytest

from pyic.wasm import embed
from pyic.wasm.exec import CostModel

# The shared test material (suites, bench kit, canisters): $PYIC_SHARED, set by the
# repository's conftest.py to ../shared beside the checkout unless given.
SHARED = os.environ.get("PYIC_SHARED") or str(Path(__file__).resolve().parents[4] / "shared")

BENCH = pathlib.Path(SHARED + "/bench")
MANIFEST = json.loads((BENCH / "manifest.json").read_text()) if BENCH.exists() else {"modules": []}


@pytest.mark.skipif(not BENCH.exists(), reason="bench kit not present")
@pytest.mark.parametrize("entry", MANIFEST["modules"], ids=lambda e: e["name"])
def test_small_checksum_and_exact_count(entry):
    module = embed.load_module((BENCH / entry["wasm"]).read_bytes())
    store = embed.Store()
    inst = embed.module_instantiate(store, module)
    small = entry["small"]
    results, count = embed.invoke_export(store, inst, "run", [small["arg"]])
    assert results == [small["checksum"]]
    assert count == small["instrs"]


def test_manifest_present():
    assert MANIFEST["modules"], "no bench modules collected"


# wasmtime 50's fuel rules (bench README): operators cost 1 except nop, drop, block, loop,
# return, unreachable (free); +1 per function invocation; memory.fill/copy +1 per byte.
FUEL = CostModel(instr={"nop": 0, "drop": 0, "block": 0, "loop": 0, "return": 0, "unreachable": 0,
                        "call": 2, "call_indirect": 2},
                 per_byte={"memory.fill": 1, "memory.copy": 1})


@pytest.mark.skipif(not BENCH.exists(), reason="bench kit not present")
@pytest.mark.parametrize("entry", MANIFEST["modules"], ids=lambda e: e["name"])
def test_cost_model_reproduces_wasmtime_fuel(entry):
    module = embed.load_module((BENCH / entry["wasm"]).read_bytes())
    store = embed.Store(embed.Config(cost=FUEL))
    inst = embed.module_instantiate(store, module)
    small = entry["small"]
    results, count = embed.invoke_export(store, inst, "run", [small["arg"]])
    assert results == [small["checksum"]]
    assert count + 1 == small["fuel"]     # + 1: the invocation of run itself
