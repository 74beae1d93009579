"""The name section (spec appendix A.7.1, "Name Section").

A custom section named ``name`` holding subsections, each ``id:byte size:u32``
and its contents, in increasing id order, each at most once.  Decoded here:
the module name (0), function names (1) and local names (2); the others
(labels, types, fields, ... of later proposals) are kept as raw bytes.

The name section is debugging information only: one that does not decode is
not an error of the module (A.7: custom sections "may be ignored by an implementation"), so
`decode_names` returns ``None`` and the section stays a plain custom section.
"""

from __future__ import annotations

from ...errors import MalformedError
from ..syntax.modules import Names
from .reader import Reader, byte, get_bytes, len32, name, u32

MODULE_NAME, FUNC_NAMES, LOCAL_NAMES = 0, 1, 2


def _idx_map(r: Reader, value) -> tuple:
    """``vec(idx value)`` with the indices strictly increasing (A.7.1.2 "Name Maps")."""
    out = []
    last = -1
    for _ in range(len32(r)):
        x = u32(r)
        if x <= last:
            raise r.error("malformed name map")
        out.append((x, value(r)))
        last = x
    return tuple(out)


def namemap(r: Reader) -> tuple:
    """``namemap ::= vec(idx name)``, indices strictly increasing."""
    return _idx_map(r, name)


def indirectnamemap(r: Reader) -> tuple:
    """``indirectnamemap ::= vec(idx namemap)``, indices strictly increasing."""
    return _idx_map(r, namemap)


def _decode(r: Reader) -> Names:
    module = None
    funcs: tuple = ()
    locals_: tuple = ()
    other = []
    last_id = -1
    while not r.at_end():
        sid = byte(r)
        if sid <= last_id:
            raise r.error("malformed name section: subsection out of order")
        last_id = sid
        size = len32(r)
        start = r.pos
        if sid == MODULE_NAME:
            module = name(r)
        elif sid == FUNC_NAMES:
            funcs = namemap(r)
        elif sid == LOCAL_NAMES:
            locals_ = indirectnamemap(r)
        else:
            other.append((sid, get_bytes(r, size)))
        if r.pos != start + size:
            raise r.error("malformed name section: subsection size mismatch")
    return Names(module, funcs, locals_, tuple(other))


def decode_names(data: bytes) -> Names | None:
    """The `Names` of a name section's contents, or ``None`` if they are malformed."""
    try:
        return _decode(Reader(data))
    except MalformedError:
        return None
