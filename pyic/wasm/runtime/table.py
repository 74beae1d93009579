"""Table instances (spec 4.2.7), lazy in their size.

``elem`` holds the entries ``[0, len(elem))``; the entries from there up to
``size`` all equal ``tail`` (the value the table was created or last grown
with), so a table of 2**32 null entries is a short list and a number.  Any
access beyond the list materialises it up to that index, except for reads.
"""

from __future__ import annotations

from ...errors import Trap

OOB = "out of bounds table access"
# A modelled implementation limit: table.grow that would need more than this
# many materialised entries fails (returns -1) rather than exhausting the host.
MAX_MATERIALISED = 1 << 24
EAGER = 1 << 16


class TableInst:
    """4.2.7 ``tableinst ::= {type tabletype, elem vec(ref)}``."""

    __slots__ = ("addr", "type", "size", "max", "addrtype", "elem", "tail")

    def __init__(self, tabletype, init) -> None:
        lim = tabletype.limits
        self.addr = -1
        self.type = tabletype
        self.addrtype = lim.addrtype
        self.max = lim.max
        self.size = lim.min
        self.tail = init
        self.elem = [init] * min(lim.min, EAGER)

    def get(self, i: int):
        if i >= self.size:
            raise Trap(OOB)
        elem = self.elem
        return elem[i] if i < len(elem) else self.tail

    def set(self, i: int, v) -> None:
        if i >= self.size:
            raise Trap(OOB)
        elem = self.elem
        if i >= len(elem):
            self._materialise(i + 1)
        elem[i] = v

    def _materialise(self, end: int) -> None:
        elem = self.elem
        want = min(max(end, 2 * len(elem)), self.size)
        if want - len(elem) > MAX_MATERIALISED:
            want = end
        elem.extend([self.tail] * (want - len(elem)))

    def grow(self, n: int, init) -> int:
        """4.5.3.9 growtable: the old size, or -1."""
        old = self.size
        new = old + n
        limit = self.max if self.max is not None else (1 << 32) - 1 if self.addrtype == "i32" else (1 << 64) - 1
        if new > limit:
            return -1
        if init is not self.tail and init != self.tail:
            if new - len(self.elem) > MAX_MATERIALISED:
                return -1
            self.elem.extend([self.tail] * (old - len(self.elem)))
            self.elem.extend([init] * n)
            self.tail = init
        self.size = new
        return old

    def fill(self, i: int, v, n: int) -> None:
        if i + n > self.size:
            raise Trap(OOB)
        if n > MAX_MATERIALISED:
            raise Trap(OOB)  # unreachable in practice: see MAX_MATERIALISED
        if i + n > len(self.elem):
            self._materialise(i + n)
        self.elem[i:i + n] = [v] * n

    def snapshot(self) -> tuple:
        return (list(self.elem), self.size, self.tail)

    def restore(self, saved: tuple) -> None:
        elem, self.size, self.tail = saved
        self.elem[:] = elem
