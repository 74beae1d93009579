"""How one Python value is kept in one SQLite column, and read back strictly.

SQLite's INTEGER is a signed 64-bit number; cycle amounts and other ``nat``
quantities of the interface spec are unbounded, so they are stored as decimal
TEXT.  Every read checks the stored SQLite type: a crafted file gets
`CorruptStore`, never a wrongly typed state.
"""

from __future__ import annotations

import re

from ...errors import ICError
from .codec import CorruptStore, dumps, loads

INT = "int"            # INTEGER, a signed 64-bit int
NAT = "nat"            # TEXT, an int of any size in decimal
BOOL = "bool"          # INTEGER 0 or 1
BLOB = "blob"          # BLOB
TEXT = "text"          # TEXT
VALUE = "value"        # TEXT, JSON of the value codec (codec.py)
OPTIONAL = "?"         # suffix: NULL stands for None

_DECIMAL = re.compile(r"-?(0|[1-9][0-9]{0,99})")     # bounded: int() of huge text is slow
_I64 = 1 << 63


def to_sql(kind: str, value, what: str):
    """``value`` as the SQL value of a column of ``kind``; `ICError` if it does not fit."""
    if kind.endswith(OPTIONAL):
        return None if value is None else to_sql(kind[:-1], value, what)
    if kind == VALUE:
        return dumps(value)
    if kind == BLOB and isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if kind == TEXT and isinstance(value, str):
        return value
    if kind == BOOL and isinstance(value, bool):
        return int(value)
    if type(value) is int:
        if kind == NAT:
            return str(value)
        if kind == INT and -_I64 <= value < _I64:
            return value
    raise ICError(f"cannot store the state: {what} = {value!r:.60} is not a {kind}")


def from_sql(kind: str, value, what: str):
    """The Python value a column of ``kind`` holds; `CorruptStore` if it holds another type."""
    if kind.endswith(OPTIONAL):
        return None if value is None else from_sql(kind[:-1], value, what)
    if kind == VALUE and isinstance(value, str):
        try:
            return loads(value)
        except CorruptStore as e:
            raise CorruptStore(f"{what}: {e.message}") from None
    if kind == BLOB and isinstance(value, bytes):
        return value
    if kind == TEXT and isinstance(value, str):
        return value
    if kind == BOOL and value in (0, 1) and type(value) is int:
        return bool(value)
    if kind == INT and type(value) is int:
        return value
    if kind == NAT and isinstance(value, str) and _DECIMAL.fullmatch(value):
        return int(value)
    raise CorruptStore(f"{what} holds {type(value).__name__} {value!r:.40}, not a {kind}")


def expect(value, types, what: str):
    """``value`` if it is one of ``types`` (a decoded value of the shape the state holds)."""
    if not isinstance(value, types):
        raise CorruptStore(f"{what} is a {type(value).__name__}, not what the state holds there")
    return value


__all__ = ["expect", "INT", "NAT", "BOOL", "BLOB", "TEXT", "VALUE", "OPTIONAL", "to_sql",
           "from_sql"]
