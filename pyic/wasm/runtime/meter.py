"""What an invocation shares with its embedder and its host functions: the instruction
meter and the caller handle a host function receives (spec appendix A.1 "Embedding",
4.6.5.3 "Host Functions" for host code).

Both tiers (`pyic.wasm.tiers`) count into one `Meter` and call host functions through
`call_host`, so host functions, the IC's System API and the embedding see the same
interface whichever tier runs the Wasm code.
"""

from __future__ import annotations

from ...errors import InstructionLimitExceeded, Trap
from .values import is_value_of

NO_LIMIT = 1 << 62


class Meter:
    """The instruction count of one top-level invocation (nested ones share it)."""

    __slots__ = ("count", "limit")

    def __init__(self, limit: int | None = None) -> None:
        self.count = 0
        self.limit = NO_LIMIT if limit is None else limit

    def charge(self, n: int) -> None:
        """Charge ``n`` units (host functions); raises `InstructionLimitExceeded` past the limit."""
        if self.count + n > self.limit:
            raise InstructionLimitExceeded(f"instruction limit {self.limit} exceeded")
        self.count += n


class Caller:
    """What a host function sees of its caller: the store, the calling instance, the meter."""

    __slots__ = ("store", "instance", "meter")

    def __init__(self, store, instance, meter: Meter) -> None:
        self.store = store
        self.instance = instance
        self.meter = meter

    def memory(self, index: int = 0):
        """The calling instance's memory ``index`` (a `MemInst`: ``read``/``write``/``size``)."""
        if self.instance is None or index >= len(self.instance.mems):
            raise Trap("caller has no memory")
        return self.instance.mems[index]

    def charge(self, n: int) -> None:
        self.meter.charge(n)

    @property
    def count(self) -> int:
        """Instructions counted so far in this invocation, up to and including the call."""
        return self.meter.count


def _results(r, n: int) -> list:
    if n == 0:
        return []
    if n == 1 and not isinstance(r, (tuple, list)):
        return [r]
    return list(r)


def call_host(store, f, args: list, caller_inst, meter: Meter) -> list:
    """Call the host function instance ``f`` (4.6.5.3 "Host Functions"): its
    results, checked against its type (a mismatch traps)."""
    r = f.host(Caller(store, caller_inst, meter), *args)
    if not f.nresults:
        return []
    res = _results(r, f.nresults)
    if len(res) != f.nresults or not all(map(is_value_of, res, f.type.results)):
        raise Trap("host function returned values that do not match its type")
    return res


__all__ = ["Meter", "Caller", "call_host", "NO_LIMIT"]
