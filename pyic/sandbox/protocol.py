"""The wire format between the replica side and a sandbox process.

The replica's sandbox IPC (``rs/canister_sandbox``) sends typed request and
reply records over a socket, with memory pages shared separately.  pyic sends
the same kind of records over a pipe, in a strict binary encoding of its own:
no pickle, since a sandbox is exactly the party whose bytes must not be
trusted.  Decoding builds only the record classes registered in `REGISTRY`,
from their declared fields, and refuses anything else with `ProtocolError`.

The grammar, one tagged value per Python value (``n`` is an unsigned LEB128):

    N | T | F                   None, True, False
    I n <n bytes>               int, two's complement, big endian (any size)
    S n <n bytes>               str, UTF-8
    B n <n bytes>               bytes
    U n v*                      tuple of n values
    L n v*                      list
    D n (k v)*                  dict, insertion order kept
    Z n v*                      frozenset, elements sorted by their encoding
    R <name: S> n v*            registered record, its n fields in declared order

A frame is an 8-byte big-endian length and one encoded value.
"""

from __future__ import annotations

import attrs
import leb128

from ..errors import ICError
from ..ic import canister
from ..ic.costs import SubnetConfig
from ..ic.system_api.state import WasmCallback

MAX_DEPTH = 64
MAX_FRAME = 1 << 36          # a full 4 GiB heap and more fits; a length beyond is garbage
HEADER = 8


class ProtocolError(ICError):
    """A frame that is not a value of this format (a sandbox sent garbage, or died)."""


# ------------------------------------------------------------------ the messages


@attrs.frozen
class Load:
    """Replica -> sandbox, first frame: the module to host and the subnet's configuration
    (the replica's ``OpenWasm``, with ``configure`` folded in)."""

    module: bytes
    cfg: SubnetConfig


@attrs.frozen
class ImageDelta:
    """A ``HeapImage`` against a base image the receiver holds: the size, the page count,
    the pages that differ from the base's (``(index, bytes | None)``), and the tables
    (``None``: the base's) and dropped segments."""

    size: int
    npages: int
    changed: tuple
    tables: tuple | None
    dropped_datas: frozenset
    dropped_elems: frozenset


@attrs.frozen
class BlobDelta:
    """A ``PagedBlob`` (stable memory) against the base's."""

    size: int
    npages: int
    changed: tuple


@attrs.frozen
class StateDelta:
    """A ``WasmState`` against the held state ``base`` (``None``: against nothing, so
    every non-zero page travels).  ``heap`` is an `ImageDelta`, or the value itself when
    the state has no image yet (``b""``)."""

    base: int | None
    heap: object
    stable: BlobDelta
    globals: tuple
    self_id: bytes


@attrs.frozen
class Held:
    """The state the receiver holds under this number, unchanged."""

    id: int


@attrs.frozen
class Execute:
    """Replica -> sandbox: run one function of the canister module (the replica's
    ``StartExecution``).  ``function``: ``update``/``query``/``composite_query`` (then
    ``method`` names the method) or one of the module's other functions; ``state``: a
    `Held` or `StateDelta` (``None`` for ``init``), to be held as ``state_id`` from now
    on; ``args``/``kwargs``: the function's other arguments.  A state in the result is
    held as ``result_id``; the sandbox then forgets every other state."""

    function: str
    method: str | None
    state: object
    state_id: int
    result_id: int
    args: tuple
    kwargs: dict


@attrs.frozen
class Executed:
    """Sandbox -> replica: the function's result record, its ``new_state`` (if any) as a
    `StateDelta` against the state it ran on, or `Held` when it returned that state
    itself; ``instructions``: what the instance executed (traps included), for reports."""

    result: object
    instructions: int


@attrs.frozen
class Failed:
    """Sandbox -> replica: pyic itself failed in the sandbox (not the canister)."""

    message: str


def _registry(*classes: type) -> dict:
    return {cls.__name__: cls for cls in classes}


REGISTRY: dict[str, type] = _registry(
    Load, ImageDelta, BlobDelta, StateDelta, Held, Execute, Executed, Failed,
    SubnetConfig, canister.Env, canister.CallerInfo, canister.Reply, canister.RejectResponse,
    canister.MethodCall, canister.Trapped, canister.UpdateReturn, canister.QueryReturn,
    canister.CompositeQueryReturn, canister.SystemTaskReturn, canister.InitReturn,
    canister.PreUpgradeReturn, canister.InspectReturn, WasmCallback,
)
_NAMES: dict[type, str] = {cls: name for name, cls in REGISTRY.items()}
_FIELDS: dict[type, tuple] = {cls: tuple(f.name for f in attrs.fields(cls))
                              for cls in REGISTRY.values()}


# ------------------------------------------------------------------ encoding


def _encode(value, out: bytearray, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ProtocolError("sandbox protocol: values nested too deeply")
    t = type(value)
    if value is None:
        out += b"N"
    elif value is True:
        out += b"T"
    elif value is False:
        out += b"F"
    elif t is int:
        raw = value.to_bytes((value.bit_length() + 8) // 8, "big", signed=True)
        out += b"I"
        out += leb128.u.encode(len(raw))
        out += raw
    elif t is str:
        raw = value.encode("utf-8", "surrogatepass")
        out += b"S"
        out += leb128.u.encode(len(raw))
        out += raw
    elif t is bytes or t is bytearray:
        out += b"B"
        out += leb128.u.encode(len(value))
        out += value
    elif t is tuple or t is list:
        out += b"U" if t is tuple else b"L"
        out += leb128.u.encode(len(value))
        for v in value:
            _encode(v, out, depth + 1)
    elif t is dict:
        out += b"D"
        out += leb128.u.encode(len(value))
        for k, v in value.items():
            _encode(k, out, depth + 1)
            _encode(v, out, depth + 1)
    elif t is frozenset:
        items = sorted(bytes(encode(v)) for v in value)
        out += b"Z"
        out += leb128.u.encode(len(items))
        for item in items:
            out += item
    else:
        name = _NAMES.get(t)
        if name is None:
            raise ProtocolError(f"sandbox protocol: a value of type {t.__module__}."
                                f"{t.__qualname__} cannot be sent")
        out += b"R"
        _encode(name, out, depth + 1)
        fields = _FIELDS[t]
        out += leb128.u.encode(len(fields))
        for f in fields:
            _encode(getattr(value, f), out, depth + 1)


def encode(value) -> bytearray:
    """``value`` encoded (a bytearray, not copied once more into bytes)."""
    out = bytearray()
    _encode(value, out, 0)
    return out


# ------------------------------------------------------------------ decoding


class _Reader:
    __slots__ = ("data", "pos")

    def __init__(self, data) -> None:
        self.data = memoryview(data)
        self.pos = 0

    def uleb(self) -> int:
        n = shift = 0
        while True:
            if self.pos >= len(self.data) or shift > 63:
                raise ProtocolError("sandbox protocol: bad length")
            byte = self.data[self.pos]
            self.pos += 1
            n |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return n

    def take(self, n: int) -> memoryview:
        end = self.pos + n
        if end > len(self.data):
            raise ProtocolError("sandbox protocol: value runs past the frame")
        chunk = self.data[self.pos:end]
        self.pos = end
        return chunk

    def value(self, depth: int):
        if depth > MAX_DEPTH:
            raise ProtocolError("sandbox protocol: values nested too deeply")
        tag = bytes(self.take(1))
        if tag == b"N":
            return None
        if tag == b"T":
            return True
        if tag == b"F":
            return False
        if tag == b"I":
            return int.from_bytes(self.take(self.uleb()), "big", signed=True)
        if tag == b"S":
            try:
                return str(self.take(self.uleb()), "utf-8", "surrogatepass")
            except UnicodeDecodeError:
                raise ProtocolError("sandbox protocol: bad UTF-8") from None
        if tag == b"B":
            return bytes(self.take(self.uleb()))
        if tag in (b"U", b"L", b"Z"):
            items = [self.value(depth + 1) for _ in range(self.uleb())]
            if tag == b"U":
                return tuple(items)
            if tag == b"L":
                return items
            return frozenset(_hashable(v) for v in items)
        if tag == b"D":
            n = self.uleb()
            pairs = []
            for _ in range(n):
                k = _hashable(self.value(depth + 1))
                pairs.append((k, self.value(depth + 1)))
            return dict(pairs)
        if tag == b"R":
            name = self.value(depth + 1)
            cls = REGISTRY.get(name) if type(name) is str else None
            if cls is None:
                raise ProtocolError(f"sandbox protocol: unknown record {str(name)[:60]!r}")
            fields = _FIELDS[cls]
            if self.uleb() != len(fields):
                raise ProtocolError(f"sandbox protocol: record {name} with the wrong fields")
            values = [self.value(depth + 1) for _ in fields]
            try:
                return cls(*values)
            except (TypeError, ValueError) as e:
                raise ProtocolError(f"sandbox protocol: record {name}: {e}") from None
        raise ProtocolError(f"sandbox protocol: unknown tag {tag!r}")


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        raise ProtocolError("sandbox protocol: a set element or dict key is not hashable") \
            from None
    return value


def decode(data) -> object:
    """The value ``data`` encodes; `ProtocolError` if it is not exactly one value."""
    reader = _Reader(data)
    value = reader.value(0)
    if reader.pos != len(reader.data):
        raise ProtocolError("sandbox protocol: bytes after the value")
    return value


# ------------------------------------------------------------------ frames


def write_frame(stream, value) -> None:
    """Send ``value`` as one frame (``BrokenPipeError`` if the other side is gone)."""
    payload = encode(value)
    stream.write(len(payload).to_bytes(HEADER, "big"))
    stream.write(payload)
    stream.flush()


def read_frame(stream):
    """The next frame's value; ``EOFError`` if the stream ended (the other side is gone)."""
    header = _read_exactly(stream, HEADER)
    n = int.from_bytes(header, "big")
    if n > MAX_FRAME:
        raise ProtocolError(f"sandbox protocol: a frame of {n} bytes")
    return decode(_read_exactly(stream, n))


def _read_exactly(stream, n: int) -> bytes:
    data = stream.read(n)
    if data is None or len(data) < n:
        raise EOFError("sandbox stream ended")
    return data


__all__ = [
    "REGISTRY",
    "BlobDelta",
    "Execute",
    "Executed",
    "Failed",
    "Held",
    "ImageDelta",
    "Load",
    "ProtocolError",
    "StateDelta",
    "decode",
    "encode",
    "read_frame",
    "write_frame",
]
