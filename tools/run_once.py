"""Run-once code on each tier (issue 13): a straight-line function of 400,000 instructions
(100,000 x ``local.get 0; i32.const 1; i32.add; local.set 0``), called once in a fresh
store; CPU seconds of the call, lowering/preparation included.

    python -m tools.run_once [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from pyic.wasm import embed
from pyic.wasm.text import parse_module
from pyic.wasm.tiers import TIERS

BODY = "local.get 0 i32.const 1 i32.add local.set 0\n" * 100_000
WAT = f'(module (func (export "run") (param i32) (result i32) {BODY} local.get 0))'


def once(module, tier: str) -> float:
    """CPU seconds of the first (and only) call of ``run`` on ``tier``; checks its result."""
    store = embed.Store(embed.Config(tier=tier))
    inst = embed.module_instantiate(store, module, [])
    f = embed.instance_export(inst, "run")
    c0 = time.process_time()
    result = embed.func_invoke(store, f, [0])
    cpu = time.process_time() - c0
    if result != [100_000]:
        raise SystemExit(f"{tier}: run(0) gave {result}, not [100000]")
    return cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    module = parse_module(WAT)
    runs = {tier: [] for tier in TIERS}
    for _ in range(args.repeat):          # tiers alternate, so load drifts hit both
        for tier in TIERS:
            runs[tier].append(once(module, tier))
    med = {tier: statistics.median(v) for tier, v in runs.items()}
    for tier in TIERS:
        print(f"{tier:10s} {med[tier]:.3f} s CPU (median of {args.repeat})")
    print(f"fast / reference: {med['fast'] / med['reference']:.2f}")


if __name__ == "__main__":
    main()
