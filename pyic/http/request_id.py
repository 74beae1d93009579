"""Representation-independent hashing of structured data (https-interface.md
"Representation-independent hashing of structured data", "Request ids").

A map hashes as ``H(concat(sort([H(key) · hash_of(value) | key ∈ map])))``;
blobs hash as they are, text as UTF-8, nats as unsigned LEB128, negative ints as
signed LEB128, arrays as the concatenation of their elements' hashes, maps
recursively.  A request id is the hash of a request's ``content`` map.
"""

from __future__ import annotations

import hashlib

import leb128


def H(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def hash_of_value(value) -> bytes:
    if isinstance(value, bool):
        raise TypeError("booleans have no representation-independent hash")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return H(bytes(value))
    if isinstance(value, str):
        return H(value.encode("utf-8"))
    if isinstance(value, int):
        return H(bytes(leb128.u.encode(value)) if value >= 0 else bytes(leb128.i.encode(value)))
    if isinstance(value, (list, tuple)):
        return H(b"".join(hash_of_value(v) for v in value))
    if isinstance(value, dict):
        return hash_of_map(value)
    raise TypeError(f"no representation-independent hash for {type(value).__name__}")


def hash_of_map(fields: dict) -> bytes:
    """The representation-independent hash of a map with text keys."""
    pairs = sorted(H(key.encode("utf-8")) + hash_of_value(value)
                   for key, value in fields.items())
    return H(b"".join(pairs))


def request_id(content: dict) -> bytes:
    """"Request ids": the hash of the request's ``content`` map (32 bytes)."""
    return hash_of_map(content)
