"""Sandbox mode against in-process mode: the public canister corpus
(../shared/canisters, both builds) gives the same reply or reject, the same
instruction count at every step, and the same state bytes at the end.

A selection of tests/ic/wasm runs again with ``PYIC_SANDBOX=process`` (the main
suite runs it in process); docs/sandbox.md has the figures for the whole folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from pyic.ic.system_api.images import HeapImage

from tests.ic.wasm import corpus   # the repository root is on pytest's pythonpath

HEAVY_INSTRUCTIONS = 5_000_000


def _state_bytes(pic) -> dict:
    """Every canister's Wasm state, as plain values."""
    out = {}
    for cid, c in sorted(pic.ic.state.canisters.items()):
        ws = c.can_state.wasm_state if c.can_state is not None else None
        if ws is None:
            out[cid] = None
            continue
        heap = ws.wasm_memory
        if isinstance(heap, HeapImage):
            heap = (heap.size, heap.pages, heap.tables, heap.dropped_datas, heap.dropped_elems)
        out[cid] = (heap, bytes(ws.stable_memory), ws.globals, ws.self_id, c.balance)
    return out


def _run(name: str, build: str, mode: str, monkeypatch) -> tuple:
    monkeypatch.setenv("PYIC_SANDBOX", mode)
    made = []

    def pocket_ic(*args, **kwargs):
        made.append(corpus_pocket_ic(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(corpus, "PocketIC", pocket_ic)
    run = corpus.run_script(name, build, skip=lambda step, expected: step.get("heavy") or (
        expected or 0) > HEAVY_INSTRUCTIONS)
    steps = [(r.index, r.op, r.method, r.passed, r.detail, r.instructions) for r in run.results]
    return steps, _state_bytes(made[0]), type(made[0].ic.cfg).__name__


corpus_pocket_ic = corpus.PocketIC


@pytest.mark.parametrize("build", corpus.BUILDS)
@pytest.mark.parametrize("name", corpus.canister_names())
def test_the_corpus_is_the_same_in_a_sandbox(name, build, monkeypatch):
    in_process = _run(name, build, "none", monkeypatch)
    sandboxed = _run(name, build, "process", monkeypatch)
    assert (in_process[2], sandboxed[2]) == ("SubnetConfig", "SandboxedConfig")
    assert in_process[0], "no step ran"
    assert all(step[3] for step in sandboxed[0]), sandboxed[0]
    assert sandboxed[0] == in_process[0]
    assert sandboxed[1] == in_process[1]


def test_the_corpus_is_present():
    assert corpus.canister_names()


# Files of tests/ic/wasm whose every test applies to sandbox mode (test_hardening.py reaches
# into the in-process engine with monkeypatches; docs/sandbox.md).
SELECTION = ("test_system_api.py", "test_images.py", "test_spec_divergences.py")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_a_selection_of_tests_ic_wasm_passes_in_sandbox_mode():
    paths = [os.path.join("tests", "ic", "wasm", name) for name in SELECTION]
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *paths],
                       env={**os.environ, "PYIC_SANDBOX": "process"}, cwd=ROOT,
                       capture_output=True, text=True, timeout=300, check=False)
    summary = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr
    assert r.returncode == 0, r.stdout[-4000:]
    assert re.fullmatch(r"\d+ passed in [\d.]+s( \([\d:]+\))?", summary), summary
