"""Generated programs (tools/wasmgen.py) behave on the reference interpreter exactly as on the
fast tier: results, traps and messages, instruction counts, memories and globals -- and under
an instruction limit, the same stop point with the same effects."""

from __future__ import annotations

import random

import pytest

from pyic.wasm import embed
from refrun import run_calls
from tools import wasmgen


def _arg(rng: random.Random, t: str) -> int:
    if t == "i32":
        return rng.choice(wasmgen.I32_SPECIAL) if rng.random() < 0.5 else rng.getrandbits(32)
    return rng.choice(wasmgen.I64_SPECIAL) if rng.random() < 0.5 else rng.getrandbits(64)


def _calls(prog, rng: random.Random) -> list:
    calls = []
    for _ in range(2):
        order = list(prog.exports)
        rng.shuffle(order)
        calls += [(name, tuple(_arg(rng, t) for t in sig.params)) for name, sig, _ in order]
    return calls


@pytest.mark.parametrize("seed", range(48))
def test_generated_programs_as_on_the_fast_tier(seed):
    prog = wasmgen.generate(seed, features=wasmgen.WASM3 if seed % 2 else ())
    module = embed.load_module(prog.wat)
    rng = random.Random(seed)
    calls = _calls(prog, rng)
    ref = run_calls(module, calls, "reference")
    assert ref == run_calls(module, calls, "fast")
    most = max(count for _, count, _ in ref)
    for limit in (0, max(0, most - 1), rng.randrange(most + 1)):
        assert run_calls(module, calls, "reference", limit) == \
            run_calls(module, calls, "fast", limit)


def test_the_programs_are_varied():
    kinds = set()
    for seed in range(8):
        prog = wasmgen.generate(seed)
        module = embed.load_module(prog.wat)
        for outcome, count, _ in run_calls(module, _calls(prog, random.Random(seed)),
                                           "reference"):
            kinds.add(outcome[0])
            assert count > 0 or outcome[0] == "instantiation"
    assert {"ok", "Trap"} <= kinds
