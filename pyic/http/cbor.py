"""CBOR as the HTTPS interface uses it (index.md "CBOR"; https-interface.md
"CBOR encoding of requests and responses"): a body is one data item, the
self-describe tag 55799 around a map; nats are unsigned integers (bignums
when large), blobs byte strings, text text strings.  "Duplicate keys are
prohibited in CBOR maps"; the tag is accepted on the top-level item only (some
agents, icp-py-core among them, leave it out, and the replica accepts that).
"""

from __future__ import annotations

import io

import cbor2

SELF_DESCRIBE = 55799
MAX_DEPTH = 64          # nesting a request never needs; deeper is refused, not recursed


class CBORError(ValueError):
    """A body that is not CBOR, or not the CBOR a request must be."""


def encode(value) -> bytes:
    """``value`` as CBOR behind the self-describe tag."""
    return cbor2.dumps(cbor2.CBORTag(SELF_DESCRIBE, value))


def encode_plain(value) -> bytes:
    """``value`` as CBOR without the tag (hash trees inside a certificate map)."""
    return cbor2.dumps(value)


def decode(data: bytes):
    """The value of the one data item that is all of ``data`` (the
    self-describe tag, if it is the outermost, dropped).

    Bytes after the item, duplicate map keys, floats and undefined values are
    `CBORError`: the interface has none.  Maps come back as plain dicts (cbor2
    gives immutable ones for nested maps)."""
    data = bytes(data)
    end = _item_end(data, 0, 0)
    if end != len(data):
        raise CBORError(f"{len(data) - end} bytes after the CBOR data item (a body is "
                        "one data item)")
    fp = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(fp).decode()
    except (cbor2.CBORDecodeError, ValueError, TypeError, EOFError, RecursionError) as e:
        raise CBORError(f"invalid CBOR: {e}") from None
    if isinstance(value, cbor2.CBORTag) and value.tag == SELF_DESCRIBE:
        value = value.value
    return _plain(value)


def _head(data: bytes, pos: int) -> tuple[int, int, int | None, int]:
    """The major type, additional information, argument (None: indefinite
    length) and the position after the head of the item at ``pos``."""
    if pos >= len(data):
        raise CBORError("invalid CBOR: the data ends inside a data item")
    ib = data[pos]
    major, info = ib >> 5, ib & 0x1F
    pos += 1
    if info < 24:
        return major, info, info, pos
    if info <= 27:
        n = 1 << (info - 24)
        if pos + n > len(data):
            raise CBORError("invalid CBOR: the data ends inside a data item's head")
        return major, info, int.from_bytes(data[pos:pos + n], "big"), pos + n
    if info == 31 and major in (2, 3, 4, 5, 7):
        return major, info, None, pos
    raise CBORError(f"invalid CBOR: reserved additional information {info} "
                    f"(initial byte 0x{ib:02x})")


def _item_end(data: bytes, pos: int, depth: int) -> int:
    """Where the data item at ``pos`` ends; checks that every map's keys are
    distinct (compared as values, so two encodings of one key are one key)."""
    if depth > MAX_DEPTH:
        raise CBORError(f"CBOR nested deeper than {MAX_DEPTH} levels")
    major, _, arg, pos = _head(data, pos)
    if major in (0, 1, 7):
        if major == 7 and arg is None:
            raise CBORError("invalid CBOR: a 'break' outside an indefinite-length item")
        return pos
    if major in (2, 3):
        if arg is not None:
            if pos + arg > len(data):
                raise CBORError("invalid CBOR: the data ends inside a string")
            return pos + arg
        while True:                                  # chunks of the same major type
            if pos < len(data) and data[pos] == 0xFF:
                return pos + 1
            m, _, n, pos = _head(data, pos)
            if m != major or n is None or pos + n > len(data):
                raise CBORError("invalid CBOR: a bad chunk in an indefinite-length string")
            pos += n
    if major == 6:
        if arg == SELF_DESCRIBE and depth > 0:
            raise CBORError("the self-describe tag 55799 may only open the body")
        return _item_end(data, pos, depth + 1)
    count = arg if arg is not None else -1           # 4: array, 5: map
    keys: set = set()
    i = 0
    while i != count:
        if arg is None and pos < len(data) and data[pos] == 0xFF:
            return pos + 1
        if major == 5:
            start, pos = pos, _item_end(data, pos, depth + 1)
            key = _key(data[start:pos])
            if key in keys:
                raise CBORError(f"duplicate key {key[1]!r} in a CBOR map (prohibited)")
            keys.add(key)
        pos = _item_end(data, pos, depth + 1)
        i += 1
    return pos


def _key(encoded: bytes):
    """A hashable identity of a map key's value (keys are text in requests)."""
    try:
        value = cbor2.loads(encoded)
    except (cbor2.CBORDecodeError, ValueError, TypeError, EOFError, RecursionError) as e:
        raise CBORError(f"invalid CBOR map key: {e}") from None
    if isinstance(value, (str, bytes, int)) and not isinstance(value, bool):
        return type(value).__name__, value
    return "encoded", encoded


def _plain(value):
    if isinstance(value, cbor2.CBORTag):
        raise CBORError(f"unexpected CBOR tag {value.tag}")
    if isinstance(value, dict) or type(value).__name__ == "frozendict":
        out = {}
        for k, v in value.items():
            out[k] = _plain(v)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        raise CBORError("floating-point numbers are not used by the HTTPS interface")
    if value is cbor2.undefined:
        raise CBORError("the CBOR 'undefined' value is not used by the HTTPS interface")
    return value
