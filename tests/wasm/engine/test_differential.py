"""Random programs behave identically on both tiers: results, traps and messages, counts,
memory and globals -- and under a limit, the same stop point and the same effects."""

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyic.wasm import embed

from .progs import Gen
from .tiers import same_on_both


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, 2**32), st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
def test_random_programs(seed, a, b):
    module = embed.load_module(Gen(seed).module())
    outcome, count, _ = same_on_both(module, "run", [a, b])
    rnd = random.Random(seed)
    for limit in {0, max(0, count - 1), rnd.randrange(count + 1)}:
        same_on_both(module, "run", [a, b], limit=limit)


def test_generator_makes_valid_varied_programs():
    kinds = set()
    for seed in range(40):
        module = embed.load_module(Gen(seed).module())
        outcome, count, _ = same_on_both(module, "run", [3, 4])
        kinds.add(outcome[0])
        assert count > 0
    assert {"ok", "Trap"} <= kinds
