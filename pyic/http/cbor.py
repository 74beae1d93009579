"""CBOR as the HTTPS interface uses it (index.md "CBOR"; https-interface.md
"CBOR encoding of requests and responses"): every request and response body is
the self-describe tag 55799 around a map; nats are unsigned integers (bignums
when large), blobs byte strings, text text strings.
"""

from __future__ import annotations

import cbor2

SELF_DESCRIBE = 55799


class CBORError(ValueError):
    """A body that is not CBOR, or not the CBOR a request must be."""


def encode(value) -> bytes:
    """``value`` as CBOR behind the self-describe tag."""
    return cbor2.dumps(cbor2.CBORTag(SELF_DESCRIBE, value))


def encode_plain(value) -> bytes:
    """``value`` as CBOR without the tag (hash trees inside a certificate map)."""
    return cbor2.dumps(value)


def decode(data: bytes):
    """The value in ``data`` (the self-describe tag, if present, dropped).

    Maps come back as plain dicts (cbor2 gives immutable ones for nested maps),
    and floats or undefined values are refused: the interface has none."""
    try:
        value = cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, TypeError, EOFError, RecursionError) as e:
        raise CBORError(f"invalid CBOR: {e}") from None
    return _plain(value)


def _plain(value):
    if isinstance(value, cbor2.CBORTag):
        if value.tag == SELF_DESCRIBE:
            return _plain(value.value)
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
