"""The bench kit on the reference interpreter: every module's checksum and exactly the
manifest's instruction count, the stop point one instruction short of it, and the same
outcome, count and effects as the fast tier under a limit."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pyic.wasm import embed
from refrun import invoke_reference, outcome_of, run_calls

# $PYIC_SHARED is set by the repository's conftest.py (../shared beside the checkout).
BENCH = Path(os.environ.get("PYIC_SHARED") or Path(__file__).resolve().parents[4] / "shared") \
    / "bench"


def _entries() -> list:
    try:
        return json.loads((BENCH / "manifest.json").read_text())["modules"]
    except OSError:
        return [None]


@pytest.mark.parametrize("entry", _entries(), ids=lambda e: e["name"] if e else "missing")
def test_checksum_exact_count_and_stop_point(entry):
    assert entry is not None, f"the bench kit is missing under {BENCH}"
    module = embed.load_module((BENCH / entry["wasm"]).read_bytes())
    small = entry["small"]
    arg, count = small["arg"], small["instrs"]
    store = embed.Store(embed.Config(tier="fast"))
    inst = embed.module_instantiate(store, module)
    assert invoke_reference(store, inst, "run", [arg]) == ([small["checksum"]], count)
    # with the limit at the count it completes; one less stops before the last instruction
    store = embed.Store(embed.Config(tier="fast"))
    inst = embed.module_instantiate(store, module)
    assert outcome_of(lambda: invoke_reference(store, inst, "run", [arg], count))[1] == count
    store = embed.Store(embed.Config(tier="fast"))
    inst = embed.module_instantiate(store, module)
    outcome, stopped = outcome_of(lambda: invoke_reference(store, inst, "run", [arg], count - 1))
    assert outcome[0] == "InstructionLimitExceeded"
    assert stopped == count - 1
    calls = [("run", (arg,))]
    for limit in (count // 3, count // 2):
        assert run_calls(module, calls, "reference", limit) == \
            run_calls(module, calls, "fast", limit)
