"""Generated code carries at most `fast.CAP` units of budget and refills from the run's
reserve; with a tiny CAP every refill path runs constantly and nothing observable changes."""

from pathlib import Path
import os
import json
import pathlib

import pytest

from pyic.wasm import embed
from pyic.wasm.engine import fast

from .test_bench_fast import FUEL
from .test_calls import HOSTY, REC, _host_imports
from .tiers import same_on_both

# The shared test material (suites, bench kit, canisters): $PYIC_SHARED, set by the
# repository's conftest.py to ../shared beside the checkout unless given.
SHARED = os.environ.get("PYIC_SHARED") or str(Path(__file__).resolve().parents[4] / "shared")

BENCH = pathlib.Path(SHARED + "/bench")
MANIFEST = json.loads((BENCH / "manifest.json").read_text()) if BENCH.exists() else {"modules": []}


@pytest.fixture
def tiny_cap(monkeypatch):
    monkeypatch.setattr(fast, "CAP", 7)


@pytest.mark.skipif(not BENCH.exists(), reason="bench kit not present")
@pytest.mark.parametrize("entry", MANIFEST["modules"][:8], ids=lambda e: e["name"])
def test_bench_with_tiny_cap(tiny_cap, entry):
    module = embed.load_module((BENCH / entry["wasm"]).read_bytes())
    small = entry["small"]
    arg = min(small["arg"], 40) if entry["name"] != "fib" else 10
    out = same_on_both(module, "run", [arg])
    assert out[0][0] == "ok"
    for limit in (out[1] - 1, out[1] // 2, 5):
        same_on_both(module, "run", [arg], limit=limit)
    same_on_both(module, "run", [arg], limit=out[1] + 3000, config={"cost": FUEL})


def test_calls_and_hosts_with_tiny_cap(tiny_cap):
    same_on_both(REC, "rec", [600])
    same_on_both(REC, "rec", [600], limit=1000)
    same_on_both(REC, "forever", [0], config={"max_call_depth": 900})
    out = same_on_both(HOSTY, "outer", [30], imports=_host_imports("reenter"))
    assert out[0][0] == "ok"
    same_on_both(HOSTY, "outer", [30], imports=_host_imports("reenter"), limit=out[1] - 2)
    same_on_both(HOSTY, "outer", [30], imports=_host_imports("trap"))
