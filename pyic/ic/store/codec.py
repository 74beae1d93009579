"""The value codec of the state store: the IC's immutable records as JSON text.

Call contexts, messages, requests, history entries ... are trees of attrs
records, tuples, dicts and byte strings.  They are stored as JSON through a
*whitelist*: every record class the state may hold is registered here under a
fixed name, and decoding builds only registered classes from their declared
fields.  A name read from a file is looked up in `REGISTRY`, never imported;
anything not in the grammar below is refused with `CorruptStore` (decoding) or
`ICError` (encoding a value the format does not know).

The grammar (docs/state-format.md, "Values"), one JSON value per Python value:

    None, bool, int, str      as themselves (ints of any size)
    bytes                     {"bytes": "<base64>"}
    tuple                     [v, ...]
    list                      {"list": [v, ...]}
    dict                      {"dict": [[k, v], ...]}        (insertion order kept)
    frozenset                 {"set": [v, ...]}              (sorted by encoding)
    registered record         {"record": "<Name>", "fields": {"<field>": v, ...}}
"""

from __future__ import annotations

import base64
import binascii
import json

import attrs

from ...errors import ICError
from .. import canister, state
from ..system_api import images
from ..system_api.state import WasmCallback


class CorruptStore(ICError):
    """The file is a pyic state store whose contents cannot be decoded."""


def _registry(*classes: type) -> dict:
    return {cls.__name__: cls for cls in classes}


# The record classes a stored state may contain, by the name written to the file.
# Renaming a class is a schema change: the stored name is the format's, not Python's.
REGISTRY: dict[str, type] = _registry(
    # requests and their status (S.requests)
    state.Request, state.Received, state.Processing, state.Rejected, state.Replied, state.Done,
    # call contexts and messages (S.call_contexts, S.messages)
    state.Expired, state.FromUser, state.FromCanister, state.FromSystemTask, state.CallCtxt,
    state.Queue, state.PublicMethod, state.CallbackEntry, state.CallMessage, state.FuncMessage,
    state.ResponseMessage, canister.Reply, WasmCallback,
    # parts of canisters
    state.Stopping, state.Change, state.CanisterHistory, state.CanisterLog, state.Subnet,
    # execution states and images met outside a canister's own Wasm state
    canister.WasmState, images.HeapImage, images.PagedBlob,
)
# The response ``Reject (RejectCode, Text)`` keeps the name the format gave it before the
# class was named apart from the exception `pyic.errors.Reject`.
REGISTRY["Reject"] = canister.RejectResponse
_NAMES: dict[type, str] = {cls: name for name, cls in REGISTRY.items()}
_TAGS = ("bytes", "list", "dict", "set", "record")

# A crafted file may nest values deeply; the state never nests this far.
MAX_DEPTH = 200


# ------------------------------------------------------------------ encoding


def encode(value, depth: int = 0):
    """``value`` as JSON-compatible data; `ICError` for a type the format does not know."""
    if depth > MAX_DEPTH:
        raise ICError("cannot store the state: values nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    t = type(value)
    if t is int:
        return value
    if t is bytes or t is bytearray:
        return {"bytes": base64.b64encode(value).decode("ascii")}
    if t is tuple:
        return [encode(v, depth + 1) for v in value]
    if t is list:
        return {"list": [encode(v, depth + 1) for v in value]}
    if t is dict:
        return {"dict": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if t is frozenset:
        items = [encode(v, depth + 1) for v in value]
        return {"set": sorted(items, key=_canonical)}
    name = _NAMES.get(t)
    if name is None:
        raise ICError(f"cannot store the state: a value of type {t.__module__}.{t.__qualname__} "
                      "is not part of the state format")
    return {"record": name,
            "fields": {f.name: encode(getattr(value, f.name), depth + 1)
                       for f in attrs.fields(t)}}


def _canonical(data) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def dumps(value) -> str:
    """``value`` as JSON text (compact; equal values give equal text)."""
    return json.dumps(encode(value), separators=(",", ":"), ensure_ascii=False)


# ------------------------------------------------------------------ decoding


def decode(data, depth: int = 0):
    """The value ``data`` (from `encode`) stands for; `CorruptStore` if it is not one."""
    if depth > MAX_DEPTH:
        raise CorruptStore("values nested too deeply")
    if data is None or isinstance(data, (bool, str)):
        return data
    if type(data) is int:
        return data
    if type(data) is list:
        return tuple(decode(v, depth + 1) for v in data)
    if type(data) is not dict or len(data) not in (1, 2):
        raise CorruptStore(f"not a stored value: {_show(data)}")
    if len(data) == 1:
        (tag, body), = data.items()
        if tag == "bytes" and isinstance(body, str):
            try:
                return base64.b64decode(body.encode("ascii"), validate=True)
            except (binascii.Error, UnicodeEncodeError):
                raise CorruptStore("bad base64 in a stored byte string") from None
        if tag in ("list", "set", "dict") and type(body) is list:
            if tag == "list":
                return [decode(v, depth + 1) for v in body]
            if tag == "set":
                return frozenset(_hashable(decode(v, depth + 1)) for v in body)
            pairs = []
            for pair in body:
                if type(pair) is not list or len(pair) != 2:
                    raise CorruptStore(f"not a dict entry: {_show(pair)}")
                pairs.append((_hashable(decode(pair[0], depth + 1)), decode(pair[1], depth + 1)))
            return dict(pairs)
        raise CorruptStore(f"not a stored value: {_show(data)}")
    return _record(data, depth)


def _record(data: dict, depth: int):
    name, fields = data.get("record"), data.get("fields")
    if not isinstance(name, str) or type(fields) is not dict:
        raise CorruptStore(f"not a stored value: {_show(data)}")
    cls = REGISTRY.get(name)
    if cls is None:
        raise CorruptStore(f"unknown record type {name[:60]!r}")
    declared = {f.name: f for f in attrs.fields(cls)}
    unknown = set(fields) - set(declared)
    if unknown:
        raise CorruptStore(f"record {name} has no field {sorted(unknown)[0][:60]!r}")
    missing = [n for n, f in declared.items() if n not in fields and f.default is attrs.NOTHING]
    if missing:
        raise CorruptStore(f"record {name} lacks its field {missing[0]!r}")
    return cls(**{k: decode(v, depth + 1) for k, v in fields.items()})


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        raise CorruptStore("a stored set element or dict key is not hashable") from None
    return value


def _show(data) -> str:
    text = repr(data)
    return text if len(text) <= 60 else text[:57] + "..."


def loads(text) -> object:
    """The value stored as JSON ``text``; `CorruptStore` if it is not one."""
    if not isinstance(text, str):
        raise CorruptStore(f"a stored value is {type(text).__name__}, not JSON text")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise CorruptStore(f"a stored value is not JSON: {e}") from None
    try:
        return decode(data)
    except RecursionError:
        raise CorruptStore("values nested too deeply") from None
    except TypeError as e:      # a registered class refusing its arguments
        raise CorruptStore(f"a stored record cannot be built: {e}") from None


__all__ = ["REGISTRY", "CorruptStore", "encode", "decode", "dumps", "loads"]
