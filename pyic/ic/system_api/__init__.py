"""The ``ic0`` System API as ONE table (interface spec, "Overview of imports"
and "Abstract Canisters to System API" > "System imports").

Every import is an `Ic0` entry: its name, its Wasm type written with the
pointer width ``I``, the contexts in which the spec allows it, what it is
charged (limits-and-costs.md §6.3) and its implementation, a function of the
`ExecutionState` and the arguments.  The group modules (`message`, `cycles`,
`calls`, `stable`, `environment`, `costs`, `debug`) declare their entries
with `ic0`; `host_function` wraps an entry so that one check enforces the
context table for all of them before anything else runs.
"""

from __future__ import annotations

from typing import Callable

from attrs import frozen

from ...errors import Trap
from ...wasm.syntax.types import FuncType

# ------------------------------------------------------------------ contexts

# The spec's context letters ("Overview of imports").  ``Q`` is a query whose
# mode the rules did not say (the abstract ``query_methods`` has one context):
# an import is allowed in ``Q`` when it is allowed in ``RQ`` or in ``NRQ``.
CONTEXTS = ("I", "G", "U", "RQ", "NRQ", "TQ", "CQ", "Ry", "Rt", "CRy", "CRt", "C", "CC", "F",
            "T", "s")
STAR = frozenset(CONTEXTS) - {"s"}

# How the replica names each context in its contract-violation message.
MODE_NAMES = {
    "I": "init", "G": "pre upgrade", "U": "update", "RQ": "replicated query",
    "NRQ": "non replicated query", "Q": "query", "TQ": "transform", "CQ": "composite query",
    "Ry": "reply callback", "Rt": "reject callback", "CRy": "composite reply callback",
    "CRt": "composite reject callback", "C": "cleanup", "CC": "composite cleanup",
    "F": "inspect message", "T": "system task", "s": "start",
}

REPLICATED = frozenset({"I", "G", "U", "RQ", "Ry", "Rt", "C", "T", "s"})


def contexts(spec: str) -> frozenset:
    """The set of contexts written as in the spec table, e.g. ``"* s"`` or ``"U RQ Rt Ry"``."""
    out: set = set()
    for letter in spec.split():
        if letter == "*":
            out |= STAR
        elif letter == "Q":          # ``msg_deadline`` is listed with ``Q``: both query modes
            out |= {"RQ", "NRQ"}
        elif letter in CONTEXTS:
            out.add(letter)
        else:
            raise ValueError(f"unknown context letter {letter!r}")
    if "RQ" in out or "NRQ" in out:
        out.add("Q")
    return frozenset(out)


# ------------------------------------------------------------------ the table


@frozen
class Ic0:
    """One ``ic0`` import.

    ``params``/``results``: value types, ``"I"`` for the pointer width.
    ``overhead``: fixed instructions charged before the call runs;
    ``bytes_charged``: index of the size argument charged per byte (or a
    function of the arguments), times ``byte_factor``.
    ``i32_only``: only importable when ``I = i32``.
    """

    name: str
    params: tuple
    results: tuple
    allowed: frozenset
    impl: Callable
    overhead: int = 500
    bytes_charged: object = None
    byte_factor: int = 1
    i32_only: bool = False

    def functype(self, width: str) -> FuncType:
        def w(t: str) -> str:
            return width if t == "I" else t
        return FuncType(tuple(w(t) for t in self.params), tuple(w(t) for t in self.results))

    def charge(self, args: tuple) -> int:
        b = self.bytes_charged
        if b is None:
            return self.overhead
        n = b(args) if callable(b) else args[b]
        return self.overhead + self.byte_factor * n


SYSTEM_API: dict[str, Ic0] = {}


def _sig(text: str) -> tuple[tuple, tuple]:
    """``"(I, I) -> i32"`` -> ``(("I", "I"), ("i32",))``."""
    params, _, results = text.partition("->")
    def parse(part: str) -> tuple:
        part = part.strip().strip("()")
        return tuple(t.strip() for t in part.split(",") if t.strip())
    return parse(params), parse(results)


def ic0(name: str, signature: str, allowed: str, *, overhead: int = 500, bytes_charged=None,
        byte_factor: int = 1, i32_only: bool = False):
    """Declare the implementation of ``ic0.<name>`` (a decorator)."""
    params, results = _sig(signature)

    def register(fn: Callable) -> Callable:
        if name in SYSTEM_API:
            raise ValueError(f"ic0.{name} declared twice")
        SYSTEM_API[name] = Ic0(name, params, results, contexts(allowed), fn, overhead,
                               bytes_charged, byte_factor, i32_only)
        return fn
    return register


# ------------------------------------------------------------------ the one check


def contract_violation(message: str) -> Trap:  # noqa: F811 (not the submodule `message`)
    """A trap worded as the replica's ``CanisterContractViolation`` (IC0504)."""
    return Trap(f"Canister violated contract: {message}")


def host_function(entry: Ic0, binding) -> Callable:
    """The host function bound for ``entry``: charge, check the context, run.

    ``binding.es`` is the `ExecutionState` of the invocation in progress; the
    instruction fee is charged first, as the replica does (a call that then
    traps has paid for itself).
    """
    impl = entry.impl
    allowed = entry.allowed
    name = entry.name
    charge = entry.charge
    fixed = entry.overhead if entry.bytes_charged is None else None
    if type(entry.bytes_charged) is int:
        # The common "size argument times the factor": `Ic0.charge`, worked out here once.
        size_at, factor, overhead = entry.bytes_charged, entry.byte_factor, entry.overhead
        charge = lambda args: overhead + factor * args[size_at]  # noqa: E731

    def host(caller, *args):
        es = binding.es
        caller.meter.charge(fixed if fixed is not None else charge(args))
        if es.context not in allowed:
            raise contract_violation(f"\"ic0.{name}\" cannot be executed in "
                                     f"{MODE_NAMES.get(es.context, es.context)} mode")
        return impl(es, *args)

    host.__name__ = f"ic0.{name}"
    return host


# The group modules register their entries on import.
from . import calls, costs, cycles, debug, environment, message, stable  # noqa: E402,F401

__all__ = ["SYSTEM_API", "Ic0", "ic0", "contexts", "host_function", "contract_violation",
           "CONTEXTS", "STAR", "MODE_NAMES", "REPLICATED"]
