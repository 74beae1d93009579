"""The one place an execution tier is chosen (docs/fast-tier.md).

pyic runs Wasm code on one of two tiers with identical observable behaviour
(results, traps and their messages, instruction counts, the point where a limit
stops execution, exhaustion; docs/semantics.md):

* ``"reference"``: the interpreter written as the spec's reduction rules
  (4.6 "Instructions", 4.7.3 "Invocation");
* ``"fast"``: `pyic.wasm.engine`, Wasm functions compiled to Python source, with its
  own baseline interpreter for code that is not hot yet.

A store's tier is part of its configuration (``Config(tier=...)``); `run` reads it and
calls that tier's entry point.  The tiers never call each other through this module: a
run stays on its store's tier from the invoked function to the last callee (host
functions re-entering Wasm come back here, to the same tier).
"""

from __future__ import annotations

from importlib import import_module

# tier -> (module, function): the entry point ``f(store, funcinst, args, meter) -> results``,
# imported on first use (a process that runs one tier never imports the other).
ENTRY = {
    "fast": ("pyic.wasm.engine", "run"),
    "reference": ("pyic.wasm.exec", "invoke"),
}
TIERS = tuple(ENTRY)
DEFAULT = "fast"

_loaded: dict = {}


def entry(tier: str):
    """The entry point of ``tier`` (a `ValueError` for a tier pyic does not have)."""
    fn = _loaded.get(tier)
    if fn is None:
        where = ENTRY.get(tier)
        if where is None:
            raise ValueError(f"unknown execution tier {tier!r} (one of {', '.join(TIERS)})")
        fn = _loaded[tier] = getattr(import_module(where[0]), where[1])
    return fn


def run(store, f, args: list, meter) -> list:
    """Invoke the function instance ``f`` with ``args`` (already type-checked) on the tier
    of ``store.config``; its results.  ``meter`` (`pyic.wasm.runtime.meter.Meter`) holds the
    count, also after a trap or a limit stop."""
    fn = _loaded.get(store.config.tier)
    if fn is None:
        fn = entry(store.config.tier)
    return fn(store, f, args, meter)


__all__ = ["run", "entry", "ENTRY", "TIERS", "DEFAULT"]
