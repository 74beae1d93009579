"""Table instances (spec 4.2.8), lazy in their size.

``elem`` holds the entries ``[0, len(elem))``; entries beyond it are in the
dict ``far`` when they have been set, else equal ``tail`` (the value the
table was created with).  So a table of 2**32 null entries is a short list
and a number, and setting its last entry adds one dict item.  The dense list
grows (doubling) when an access lands just past its end.
"""

from __future__ import annotations

from ...errors import Exhaustion, Trap

OOB = "out of bounds table access"
# Modelled implementation limit: more entries than this are never materialised
# at once (table.grow with a non-default value beyond it fails with -1).
MAX_MATERIALISED = 1 << 24
EAGER = 1 << 16


class TableInst:
    """4.2.8 ``tableinst ::= {type tabletype, elem vec(ref)}``."""

    __slots__ = ("addr", "type", "size", "max", "addrtype", "elem", "far", "tail")

    def __init__(self, tabletype, init) -> None:
        lim = tabletype.limits
        self.addr = -1
        self.type = tabletype
        self.addrtype = lim.addrtype
        self.max = lim.max
        self.size = lim.min
        self.tail = init
        self.far: dict = {}
        self.elem = [init] * min(lim.min, EAGER)

    def get(self, i: int):
        if i >= self.size or i < 0:
            raise Trap(OOB)
        elem = self.elem
        return elem[i] if i < len(elem) else self.far.get(i, self.tail)

    def set(self, i: int, v) -> None:
        if i >= self.size or i < 0:
            raise Trap(OOB)
        elem = self.elem
        if i < len(elem):
            elem[i] = v
        elif i - len(elem) < MAX_MATERIALISED:
            self._materialise(i + 1)
            elem[i] = v
        else:
            self.far[i] = v

    def _materialise(self, end: int) -> None:
        elem = self.elem
        want = min(max(end, 2 * len(elem)), self.size)
        far, tail = self.far, self.tail
        start = len(elem)
        if far:
            elem.extend(far.pop(k, tail) for k in range(start, want))
        else:
            elem.extend([tail] * (want - start))

    def grow(self, n: int, init) -> int:
        """4.7.1.9 growtable: the old size, or -1."""
        old = self.size
        new = old + n
        limit = self.max if self.max is not None else \
            (1 << 32) - 1 if self.addrtype == "i32" else (1 << 64) - 1
        if new > limit:
            return -1
        if n and init is not self.tail and init != self.tail:
            if new - len(self.elem) > MAX_MATERIALISED:
                return -1
            self._materialise(old)
            self.elem.extend([init] * n)
        self.size = new
        return old

    def fill(self, i: int, v, n: int) -> None:
        if i + n > self.size:
            raise Trap(OOB)
        end = i + n
        if end - len(self.elem) > MAX_MATERIALISED:
            if end == self.size and not self.far and i - len(self.elem) <= MAX_MATERIALISED:
                # the fill reaches the end: the dense part from i, and the whole lazy tail, take v
                if i > len(self.elem):
                    self._materialise(i)
                elem = self.elem
                if i < len(elem):
                    elem[i:] = [v] * (len(elem) - i)
                self.tail = v
                return
            raise Exhaustion("table fill too large for this implementation")
        if end > len(self.elem):
            self._materialise(end)
        self.elem[i:end] = [v] * n

    def snapshot(self) -> tuple:
        return (list(self.elem), dict(self.far), self.size, self.tail)

    def restore(self, saved: tuple) -> None:
        elem, far, self.size, self.tail = saved
        self.elem[:] = elem
        self.far = dict(far)
