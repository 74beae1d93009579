"""Generated code carries at most `fast.CAP` units of budget and refills from the run's
reserve; with a tiny CAP every refill path runs constantly and nothing observable changes."""

import pytest

from pyic.wasm import embed
from pyic.wasm.engine import fast

from .test_bench_fast import FUEL
from .test_calls import HOSTY, REC, _host_imports
from .tiers import BENCH, bench_entries, entry_id, need, same_on_both

@pytest.fixture
def tiny_cap(monkeypatch):
    monkeypatch.setattr(fast, "CAP", 7)


@pytest.mark.parametrize("entry", bench_entries()[:8], ids=entry_id)
def test_bench_with_tiny_cap(tiny_cap, entry):
    need(entry)
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
