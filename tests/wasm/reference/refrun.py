"""Running one export on the reference interpreter (`pyic.wasm.exec.invoke`) and on the fast
tier, and comparing everything observable: outcome and message, count, memories and globals."""

from __future__ import annotations

from pyic.errors import PyicError
from pyic.wasm import embed
from pyic.wasm.exec.eval import invoke
from pyic.wasm.runtime.meter import Meter
from tests.wasm.engine.tiers import state_of


def outcome_of(fn):
    """``(outcome, count)`` of ``fn() -> (results, count)``: ``("ok", results)`` or the error's
    kind and message."""
    try:
        results, count = fn()
        return ("ok", tuple(results)), count
    except PyicError as e:
        return (type(e).__name__, getattr(e, "message", str(e))), e.count


def invoke_reference(store, inst, name, args, limit=None):
    """`embed.invoke_export` on the reference interpreter: ``(results, count)``; an error
    carries ``count`` as embed's do."""
    f = store.funcs[embed.instance_export(inst, name).addr]
    meter = Meter(limit)
    try:
        return invoke(store, f, list(args), meter), meter.count
    except PyicError as e:
        e.count = meter.count
        raise


def run_calls(module, calls, engine: str, limit=None, config=None):
    """Instantiate ``module`` on a fresh store and run ``calls`` ``[(export, args)]`` on
    ``engine`` ("reference" or "fast"): ``[(outcome, count, state)]``."""
    store = embed.Store(embed.Config(tier="fast", **(config or {})))
    try:
        inst = embed.module_instantiate(store, module, {})
    except PyicError as e:
        return [(("instantiation", type(e).__name__, str(e)), 0, "")]
    out = []
    for name, args in calls:
        if engine == "reference":
            o = outcome_of(lambda: invoke_reference(store, inst, name, args, limit))
        else:
            o = outcome_of(lambda: embed.invoke_export(store, inst, name, args, limit=limit))
        out.append((*o, state_of(store)))
    return out
