"""The Candid binary format, encoding side (spec: "Binary Format", "Parameters and Results").

``encode(values, types)`` writes ``B(kv* : <datatype>*)``: the magic ``DIDL``,
the type definition table ``T*``, the argument types ``I*`` and the values ``M``.
Composite types get table entries in the order they are first met (a type
before its constituents), and structurally equal types share one entry.
"""

from __future__ import annotations

import struct
from typing import Any, Mapping

import leb128 as _leb128

from pyic.candid._stack import DEFAULT_MAX_DEPTH, GeneratorType, run
from pyic.candid.lexer import describe_int, show
from pyic.candid.principal import Principal
from pyic.candid.types import (
    BLOB, BOOL, EMPTY, FIXED_INT_BITS, FIXED_NAT_BITS, FLOAT64, FUNC_MODES, INT, NULL,
    OP_FUNC, OP_OPT, OP_RECORD, OP_SERVICE, OP_VARIANT, OP_VEC, PRIM_OPCODES, PRINCIPAL, TEXT,
    Field, FuncType, OptType, PrimType, RecordType, ServiceType, VariantType, VecType,
    intern_types, is_nullable, resolve, type_to_text,
)
from pyic.candid.values import FuncRef, Opt, Record, ServiceRef, Variant
from pyic.errors import CandidError

MAGIC = b"DIDL"


def leb128(n: int) -> bytes:
    """Unsigned LEB128 (the ``leb128`` package's encoder; `_groups` for long numbers)."""
    if n < 0:
        raise CandidError(f"cannot encode negative {describe_int(n)} as unsigned LEB128")
    if n < _LONG:
        return bytes(_leb128.u.encode(n))
    return _groups(n, -(-n.bit_length() // 7))


def sleb128(n: int) -> bytes:
    """Signed LEB128 (the ``leb128`` package's encoder; `_groups` for long numbers)."""
    if -_LONG < n < _LONG:
        return bytes(_leb128.i.encode(n))
    g = (n.bit_length() + 1 + 6) // 7      # 7g bits hold n with its sign bit (n < 0: ~n's)
    if n < 0:
        g = ((~n).bit_length() + 1 + 6) // 7
    return _groups(n & ((1 << (7 * g)) - 1), g)


_LONG = 1 << 256


def _groups(m: int, g: int) -> bytes:
    """``m`` (non-negative, below 2^(7g)) as ``g`` LEB128 groups, in linear time (the
    package shifts the whole number per group: quadratic for a 1 MB number).  The bytes of
    ``m`` are taken 7 at a time, each 56 bits making 8 groups."""
    raw = m.to_bytes(-(-7 * g // 56) * 7, "little")
    out = bytearray()
    for i in range(0, len(raw), 7):
        x = int.from_bytes(raw[i:i + 7], "little")
        out += bytes(((x >> s) & 0x7F) | 0x80 for s in range(0, 56, 7))
    del out[g:]
    out[-1] &= 0x7F
    return bytes(out)


class TypeTable:
    """Builds the type definition table ``T*(<comptype>*)`` for the types encoded."""

    def __init__(self, env: Mapping) -> None:
        self.env = env
        self.entries: list[bytes | None] = []
        self.index: dict[Any, int] = {}

    def ref(self, t: Any):
        """``I(t)``: a primitive's opcode or the index of t's table entry (as an int)."""
        t = resolve(t, self.env)
        if type(t) is PrimType:
            return PRIM_OPCODES[t.name]
        if t in self.index:
            return self.index[t]
        i = len(self.entries)
        self.index[t] = i
        self.entries.append(None)   # reserved first, so recursive uses find it
        self.entries[i] = yield self.entry(t)
        return i

    def entry(self, t: Any):
        kind = type(t)
        out = bytearray()
        if kind is OptType or kind is VecType:
            out += sleb128(OP_OPT if kind is OptType else OP_VEC)
            out += sleb128((yield self.ref(t.type)))
        elif kind is RecordType or kind is VariantType:
            out += sleb128(OP_RECORD if kind is RecordType else OP_VARIANT)
            out += leb128(len(t.fields))
            for f in t.fields:
                out += leb128(f.id)
                out += sleb128((yield self.ref(f.type)))
        elif kind is FuncType:
            out += sleb128(OP_FUNC)
            for group in (t.args, t.results):
                out += leb128(len(group))
                for a in group:
                    out += sleb128((yield self.ref(a)))
            out += leb128(len(t.modes))
            out += bytes(FUNC_MODES[m] for m in t.modes)
        elif kind is ServiceType:
            out += sleb128(OP_SERVICE)
            out += leb128(len(t.methods))
            for name, m in t.methods:
                raw = name.encode("utf-8")
                out += leb128(len(raw)) + raw
                if type(resolve(m, self.env)) is not FuncType:
                    raise CandidError(f"method {name!r} is not of a function type")
                out += sleb128((yield self.ref(m)))
        else:
            raise CandidError(f"cannot encode type {type_to_text(t)}")
        return bytes(out)

    def to_bytes(self) -> bytes:
        return leb128(len(self.entries)) + b"".join(self.entries)  # type: ignore[arg-type]


# -- values (spec: "Memory") ------------------------------------------------------------

def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _principal_bytes(p: Any) -> bytes:
    if isinstance(p, ServiceRef):
        p = p.principal
    if not isinstance(p, Principal):
        raise CandidError(f"expected a principal, got {p!r}")
    return b"\x01" + leb128(len(p.bytes)) + p.bytes


class _ValueWriter:
    def __init__(self, env: Mapping) -> None:
        self.env = env
        self.out = bytearray()

    def mismatch(self, v: Any, t: Any) -> CandidError:
        shown = show(v)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return CandidError(f"value {shown} is not of type {type_to_text(t)}")

    def write(self, v: Any, t: Any):
        t = resolve(t, self.env)
        kind = type(t)
        out = self.out
        if kind is PrimType:
            name = t.name
            if name == "nat":
                if not _is_int(v) or v < 0:
                    raise self.mismatch(v, t)
                out += leb128(v)
            elif name == "int":
                if not _is_int(v):
                    raise self.mismatch(v, t)
                out += sleb128(v)
            elif name in FIXED_NAT_BITS or name in FIXED_INT_BITS:
                signed = name in FIXED_INT_BITS
                bits = FIXED_INT_BITS[name] if signed else FIXED_NAT_BITS[name]
                if not _is_int(v):
                    raise self.mismatch(v, t)
                try:
                    out += v.to_bytes(bits // 8, "little", signed=signed)
                except OverflowError:
                    raise CandidError(f"{describe_int(v)} is out of range for {name}") from None
            elif name in ("float32", "float64"):
                if not isinstance(v, (int, float)) or isinstance(v, bool):
                    raise self.mismatch(v, t)
                try:
                    out += struct.pack("<f" if name == "float32" else "<d", v)
                except (OverflowError, struct.error):
                    raise CandidError(f"{describe_int(v)} is out of range for {name}") from None
            elif name == "bool":
                if not isinstance(v, bool):
                    raise self.mismatch(v, t)
                out.append(1 if v else 0)
            elif name == "text":
                if not isinstance(v, str):
                    raise self.mismatch(v, t)
                try:
                    raw = v.encode("utf-8")
                except UnicodeEncodeError:
                    raise CandidError("text contains a lone surrogate") from None
                out += leb128(len(raw)) + raw
            elif name == "null":
                if v is not None:
                    raise self.mismatch(v, t)
            elif name == "reserved":
                pass
            elif name == "empty":
                raise CandidError("there are no values of type empty")
            elif name == "principal":
                out += _principal_bytes(v)
            return None
        if kind is OptType:
            if v is None:
                out.append(0)
            elif isinstance(v, Opt):
                out.append(1)
                yield self.write(v.value, t.type)
            else:
                raise self.mismatch(v, t)
            return None
        if kind is VecType:
            if isinstance(v, (bytes, bytearray)):
                elem = resolve(t.type, self.env)
                if type(elem) is PrimType and elem.name == "nat8":
                    out += leb128(len(v)) + bytes(v)
                    return None
            if not isinstance(v, (tuple, list, bytes, bytearray)):
                raise self.mismatch(v, t)
            out += leb128(len(v))
            for item in v:
                sub = self.write(item, t.type)
                if type(sub) is GeneratorType:
                    yield sub
            return None
        if kind is RecordType:
            if isinstance(v, Mapping):
                v = Record.of(v)
            if not isinstance(v, Record):
                raise self.mismatch(v, t)
            given = dict(v.fields)
            for f in t.fields:
                if f.id in given:
                    fv = given[f.id]
                elif is_nullable(f.type, self.env):
                    fv = None
                else:
                    raise CandidError(f"record value has no field {f.name or f.id} "
                                      f"of type {type_to_text(t)}")
                sub = self.write(fv, f.type)
                if type(sub) is GeneratorType:
                    yield sub
            return None
        if kind is VariantType:
            if not isinstance(v, Variant):
                raise self.mismatch(v, t)
            for i, f in enumerate(t.fields):
                if f.id == v.id:
                    out += leb128(i)
                    yield self.write(v.value, f.type)
                    return None
            raise CandidError(f"variant tag {v.name or v.id} is not in type {type_to_text(t)}")
        if kind is FuncType:
            if not isinstance(v, FuncRef):
                raise self.mismatch(v, t)
            raw = v.method.encode("utf-8", "strict")
            out += b"\x01" + _principal_bytes(v.principal) + leb128(len(raw)) + raw
            return None
        if kind is ServiceType:
            if not isinstance(v, ServiceRef):
                raise self.mismatch(v, t)
            out += _principal_bytes(v.principal)
            return None
        raise CandidError(f"cannot encode a value of type {type_to_text(t)}")


def value_type(v: Any) -> Any:
    """The type a host value has on its own (used where no type is given)."""
    return run(_value_type(v))


def _value_type(v: Any):
    if v is None:
        return NULL
    if isinstance(v, bool):
        return BOOL
    if isinstance(v, int):
        return INT
    if isinstance(v, float):
        return FLOAT64
    if isinstance(v, str):
        return TEXT
    if isinstance(v, (bytes, bytearray)):
        return BLOB
    if isinstance(v, Principal):
        return PRINCIPAL
    if isinstance(v, ServiceRef):
        return ServiceType(())
    if isinstance(v, FuncRef):
        return FuncType((), ())
    if isinstance(v, Opt):
        return OptType((yield _value_type(v.value)))
    if isinstance(v, (tuple, list)):
        return VecType((yield _value_type(v[0])) if v else EMPTY)
    if isinstance(v, Mapping):
        v = Record.of(v)
    if isinstance(v, Record):
        fields = []
        for fid, fv in v.fields:
            fields.append(Field(fid, (yield _value_type(fv)), v.name_of(fid)))
        return RecordType(tuple(fields))
    if isinstance(v, Variant):
        return VariantType((Field(v.id, (yield _value_type(v.value)), v.name),))
    raise CandidError(f"not a Candid value: {show(v)}")


def encode(values: Any, types: Any = None, env: Mapping | None = None) -> bytes:
    """Serialise an argument (or result) list ``values`` at ``types``.

    Without types, each value's own type is used (``value_type``); values
    beyond the given types also use their own type.  Missing trailing values
    are written as ``null`` where the type allows it.
    """
    env = env or {}
    values = tuple(values)
    types = tuple(types) if types is not None else ()
    all_types = list(types[:len(values)])
    for v in values[len(types):]:
        all_types.append(value_type(v))
    for t in types[len(values):]:
        if not is_nullable(t, env):
            raise CandidError(f"missing value of type {type_to_text(t)}")
        values += (None,)
        all_types.append(t)
    # the table's types, hash-consed first: hashing a type nested 5,000 deep never recurses
    canon: dict = {}
    names = list(env)
    table = TypeTable(dict(zip(names, intern_types([env[n] for n in names], canon))))
    # two or three generator levels per Candid level: as deep as the decoder accepts
    depth = 3 * DEFAULT_MAX_DEPTH
    refs = [run(table.ref(t), depth) for t in intern_types(all_types, canon)]
    writer = _ValueWriter(env)
    for v, t in zip(values, all_types):
        run(writer.write(v, t), depth)
    return (MAGIC + table.to_bytes() + leb128(len(refs)) + b"".join(sleb128(r) for r in refs)
            + bytes(writer.out))


__all__ = ["encode", "value_type", "leb128", "sleb128", "TypeTable", "MAGIC"]
