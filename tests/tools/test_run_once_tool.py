"""tools/run_once.py measures what docs/performance.md states for run-once code: its module
must run to the right result on every tier (the timing itself is the tool's, not a test's)."""

from __future__ import annotations

from pyic.wasm.text import parse_module
from pyic.wasm.tiers import TIERS
from tools import run_once


def test_run_once_module_runs_on_every_tier():
    module = parse_module(run_once.WAT)
    for tier in TIERS:
        assert run_once.once(module, tier) > 0     # raises unless run(0) == [100000]
