"""A stored canister's module, parsed only when a command needs it.

Parsing (decoding and validating) a module is most of what loading a state
costs, and a command usually runs one canister.  What the scheduler asks every
canister each round needs no parse: whether it exports a heartbeat, a global
timer, a low-memory hook or ``inspect_message`` (the *facts* stored with the
module), and its memory usage (a function of the Wasm state alone).  Anything
else — running a method, reading ``update_methods`` — parses the module first
(`parse_for_subnet`, as loading did before) and asks the parsed module.
"""

from __future__ import annotations

from ..wasm_canister import WasmCanister
from .codec import CorruptStore

FACTS = ("has_heartbeat", "has_global_timer", "has_on_low_wasm_memory", "has_inspect_message")


def facts_of(module) -> dict:
    """The facts a module answers without parsing, from a parsed (or lazy) module."""
    return {name: bool(getattr(module, name)()) for name in FACTS}


def check_facts(facts) -> dict:
    if type(facts) is not dict or set(facts) != set(FACTS) \
            or not all(type(v) is bool for v in facts.values()):
        raise CorruptStore("a module's facts are malformed")
    return facts


class LazyModule:
    """A ``CanisterModule`` that parses ``raw`` on first real use (see the module docstring)."""

    def __init__(self, raw: bytes, cfg, facts: dict | None) -> None:
        self._raw = raw
        self._cfg = cfg
        self._facts = facts          # None: unknown, parse to answer
        self._parsed = None

    @property
    def parsed(self) -> bool:
        return self._parsed is not None

    def _module(self):
        if self._parsed is None:
            from ..management.code import parse_for_subnet
            self._parsed = parse_for_subnet(self._raw, self._cfg).module
        return self._parsed

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._module(), name)

    def _fact(self, name: str) -> bool:
        if self._parsed is None and self._facts is not None:
            return self._facts[name]
        return getattr(self._module(), name)()

    def has_heartbeat(self) -> bool:
        return self._fact("has_heartbeat")

    def has_global_timer(self) -> bool:
        return self._fact("has_global_timer")

    def has_on_low_wasm_memory(self) -> bool:
        return self._fact("has_on_low_wasm_memory")

    def has_inspect_message(self) -> bool:
        return self._fact("has_inspect_message")

    # Sizes depend on the Wasm state only: WasmCanister's own definitions, unparsed.
    wasm_memory_size = WasmCanister.wasm_memory_size
    memory_usage = WasmCanister.memory_usage
    stable_memory = WasmCanister.stable_memory

    def __repr__(self) -> str:
        return f"LazyModule({'parsed' if self.parsed else 'not parsed'})"


__all__ = ["LazyModule", "facts_of", "check_facts", "FACTS"]
