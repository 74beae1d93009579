"""Running nested computations on an explicit stack instead of the host stack.

Candid values, types and texts nest arbitrarily deep, and every nesting level
would cost Python stack frames if walked recursively.  Instead, each walker is
written as a generator: where it would recurse it *yields* the sub-computation
(another generator) and receives the result back from the yield.  ``run``
drives such generators with an explicit list as its stack, so nesting depth
costs heap memory only and is bounded by ``max_depth``.

A helper that needs no nesting may return its result directly instead of a
generator; callers use ``sub = f(...); if type(sub) is GeneratorType: sub = yield sub``.
A ``CandidError`` raised by a sub-computation is thrown into its parent at the
yield, so ordinary ``try``/``except`` works across levels.
"""

from __future__ import annotations

from types import GeneratorType
from typing import Any

from pyic.errors import CandidError

__all__ = ["GeneratorType", "run", "DepthLimitError", "DEFAULT_MAX_DEPTH"]

# Nesting deeper than this is refused.  A Motoko list of N elements nests 2N
# levels deep on the wire, so this allows lists of a few thousand elements.
DEFAULT_MAX_DEPTH = 10_000


class DepthLimitError(CandidError):
    """Nesting deeper than the configured limit (a resource limit, not a type error)."""


def run(computation: Any, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Drive ``computation`` (a generator, or an already computed result) to its result."""
    if type(computation) is not GeneratorType:
        return computation
    stack = [computation]
    send: Any = None
    error: CandidError | None = None
    while True:
        top = stack[-1]
        try:
            if error is not None:
                thrown, error = error, None
                child = top.throw(thrown)
            else:
                child = top.send(send)
        except StopIteration as stop:
            stack.pop()
            if not stack:
                return stop.value
            send = stop.value
            continue
        except CandidError as exc:
            stack.pop()
            if not stack:
                raise
            error = exc
            continue
        if type(child) is not GeneratorType:
            # A sub-computation that finished immediately: hand its result back.
            send = child
            continue
        if len(stack) >= max_depth:
            child.close()
            error = DepthLimitError(f"nesting deeper than {max_depth} levels")
            continue
        stack.append(child)
        send = None
