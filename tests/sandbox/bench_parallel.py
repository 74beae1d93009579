"""Wall time of one round in which 8 canisters each run a 20 M-instruction update:
in process, and in sandboxes with 1 and 2 executions at once (issue 16's figure).

    python tests/sandbox/bench_parallel.py [canisters] [instructions]

Prints one line per mode: seconds for the round, instructions per canister, and the
look-ahead's speculation counts; checks that every mode gives the same replies,
counts and cycle balances.  Timing is reported, never asserted."""

from __future__ import annotations

import os
import sys
import time

from pyic.ic.machine import IC
from pyic.ic.state import Replied
from pyic.sandbox import configure, parallel, stop_all
from pyic.testing import PocketIC, to_principal_bytes
from pyic.wasm.binary import encode_module
from pyic.wasm.text import parse_module

INSTRUCTIONS_PER_ITERATION = 10      # spin.wat's loop, as counted
SENDER = b"\x04" * 29
HERE = os.path.dirname(os.path.abspath(__file__))


def spin_wasm() -> bytes:
    with open(os.path.join(HERE, "spin.wat")) as f:
        return encode_module(parse_module(f.read(), source="spin.wat"))


def one_round(mode: str, parallelism: int, canisters: int, instructions: int,
              live: int) -> tuple:
    """(seconds, replies, instructions, balances, look-ahead counts) of the round; ``live``:
    sandbox processes kept at most."""
    cfg = IC().cfg
    if mode == "process":
        cfg = configure(cfg, "process", parallelism=parallelism, max_sandboxes=live)
    pic = PocketIC(ic=IC(cfg=cfg))
    wasm = spin_wasm()
    ids = []
    for _ in range(canisters):
        cid = pic.create_canister()
        pic.add_cycles(cid, 10**15)
        pic.install_code(cid, wasm, b"")
        pic.update_call(cid, "spin", (10).to_bytes(4, "little"))   # sandbox started, warm
        ids.append(to_principal_bytes(cid))
    ic = pic.ic
    n = (instructions // INSTRUCTIONS_PER_ITERATION).to_bytes(4, "little")
    before = [ic.state.canisters[c].can_state.module.instructions_executed for c in ids]
    requests = [ic.submit(SENDER, c, "spin", n) for c in ids]
    stats0 = dict(parallel.STATS)
    t0 = time.perf_counter()
    ic.tick()
    seconds = time.perf_counter() - t0
    statuses = [ic.request_status(r) for r in requests]
    assert all(isinstance(s, Replied) for s in statuses), statuses
    counts = [ic.state.canisters[c].can_state.module.instructions_executed - b
              for c, b in zip(ids, before)]
    balances = [ic.state.canisters[c].balance for c in ids]
    stats = {k: parallel.STATS[k] - stats0[k] for k in stats0}
    stop_all()
    return seconds, [s.data for s in statuses], counts, balances, stats


def main(argv: list) -> None:
    canisters = int(argv[0]) if argv else 8
    instructions = int(argv[1]) if len(argv) > 1 else 20_000_000
    print(f"{canisters} canisters x {instructions:,} instructions, one round, "
          f"{os.cpu_count()} CPUs")
    results = {}
    for label, mode, par, live in (
            ("in process", "none", 1, 0),
            ("1 sandbox at a time", "process", 1, canisters),
            ("2 sandboxes in parallel", "process", 2, canisters),
            ("2 at a time, 2 live (LRU)", "process", 2, 2)):
        seconds, replies, counts, balances, stats = one_round(mode, par, canisters,
                                                              instructions, live)
        results[label] = (replies, counts, balances)
        print(f"{label:26} {seconds:7.2f} s   instructions/canister {counts[0]:,}   "
              f"look-ahead {stats}")
    first = next(iter(results.values()))
    assert all(r == first for r in results.values()), "modes differ"
    print("replies, instruction counts and balances identical in every mode")


if __name__ == "__main__":
    main(sys.argv[1:])
