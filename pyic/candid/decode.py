"""The Candid binary format, decoding side (spec: "Deserialisation", "Coercion").

Decoding reads the type table and the argument types from the message, then
reads each value at its wire type while coercing it to the expected type
(``V : T ~> V' : T'``), in one pass.  Coercion failures that the ``opt`` rules
turn into ``null`` are recovered by rewinding to the start of the value and
skipping it instead; skipped values are still checked (a bool byte of 2 or bad
UTF-8 in a skipped text are errors).

Resource limits (see docs/candid.md):

* **Value budget.**  Every value decoded or skipped costs one unit; a value of
  a zero-sized type (``null``, ``reserved``, records made only of those) costs
  the number of values it consists of, charged before it is walked.  A vector
  is charged for all its elements before any is read.  The default budget is
  ``DEFAULT_BASE_QUOTA + len(message)`` units.  Exceeding it raises
  ``DecodeLimitError``.
* **Length checks.**  Every declared count (type table, fields, arguments,
  text and principal lengths, vector lengths times the least size of an
  element) is compared with the bytes left before anything is allocated.
* **Depth.**  Nesting is walked on an explicit stack limited to
  ``max_depth`` levels (``DepthLimitError``).
"""

from __future__ import annotations

import itertools
import struct
from typing import Any, Mapping

from pyic.candid._stack import DEFAULT_MAX_DEPTH, DepthLimitError, GeneratorType, run
from pyic.candid.lexer import describe_int
from pyic.candid.principal import MAX_LENGTH as PRINCIPAL_MAX, Principal
from pyic.candid.types import (
    MODE_NAMES, OP_FUNC, OP_FUTURE_BELOW, OP_OPT, OP_RECORD, OP_SERVICE, OP_VARIANT,
    OP_VEC, OPCODE_PRIMS, PRIMS, Field, FuncType, FutureType, OptType, PrimType, RecordType,
    ServiceType, TableIndex, VariantType, VarType, VecType, is_nullable, resolve, subtype,
    type_to_text,
)
from pyic.candid.values import FuncRef, Opt, Record, ServiceRef, Variant
from pyic.errors import CandidError, Position

# Each decoded message names its type table entries apart from every other one.
_message_serial = itertools.count()

DEFAULT_BASE_QUOTA = 1_000_000

__all__ = ["decode", "decode_message", "DecodeLimitError", "CoercionError", "DepthLimitError",
           "DEFAULT_BASE_QUOTA"]


class DecodeLimitError(CandidError):
    """The value budget of a message was used up (a resource limit, not a type error)."""


class CoercionError(CandidError):
    """A well-formed value that does not coerce to the expected type."""


# Least number of bytes a value of each primitive type takes.
_PRIM_MIN_BYTES = {
    "null": 0, "reserved": 0, "empty": 0, "bool": 1, "nat": 1, "int": 1,
    "nat8": 1, "nat16": 2, "nat32": 4, "nat64": 8, "int8": 1, "int16": 2, "int32": 4, "int64": 8,
    "float32": 4, "float64": 8, "text": 1, "principal": 1,
}
_FIXED = {"nat8": (1, False), "nat16": (2, False), "nat32": (4, False), "nat64": (8, False),
          "int8": (1, True), "int16": (2, True), "int32": (4, True), "int64": (8, True)}

# ``paid`` states of a value being read: nothing charged yet, this node charged,
# or the node and everything below it charged (zero-sized subtrees).
_UNPAID, _NODE_PAID, _TREE_PAID = 0, 1, 2
_MISSING = object()


class Decoder:
    def __init__(self, data: bytes, env: Mapping | None, quota: int | None, max_depth: int) -> None:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise CandidError(f"Candid message must be bytes, got {type(data).__name__}")
        self.data = bytes(data)
        self.pos = 0
        self.budget = DEFAULT_BASE_QUOTA + len(self.data) if quota is None else quota
        self.max_depth = max_depth
        self.env: dict = dict(env or {})
        self.table: list = []
        self.assumed: set = set()
        self.serial = next(_message_serial)
        self.zero_values: dict = {}

    # -- errors and reading ---------------------------------------------------------------

    def error(self, message: str, at: int | None = None, cls: type = CandidError) -> CandidError:
        return cls(message, Position(offset=self.pos if at is None else at))

    def mismatch(self, wt: Any, et: Any, what: str = "") -> CoercionError:
        detail = f" ({what})" if what else ""
        return self.error(f"type mismatch: {self.describe(wt)} does not coerce to "
                          f"{type_to_text(et)}{detail}", cls=CoercionError)

    def describe(self, wt: Any) -> str:
        t = self.table[wt.name.index] if type(wt) is VarType else wt
        return type_to_text(t)

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise self.error("unexpected end of message")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def take(self, n: int) -> bytes:
        if n > len(self.data) - self.pos:
            raise self.error(
                f"unexpected end of message (needed {n} bytes, {self.remaining()} left)")
        start = self.pos
        self.pos += n
        return self.data[start:self.pos]

    def _leb_bytes(self) -> bytes:
        data, start = self.data, self.pos
        end = start
        n = len(data)
        while True:
            if end >= n:
                raise self.error("unexpected end of message in a LEB128 number", start)
            if data[end] < 0x80:
                break
            end += 1
        self.pos = end + 1
        return data[start:end + 1]

    def leb(self) -> int:
        """Unsigned LEB128 (overlong encodings are allowed)."""
        data, pos = self.data, self.pos
        if pos < len(data) and data[pos] < 0x80:
            self.pos = pos + 1
            return data[pos]
        raw = self._leb_bytes()
        if len(raw) <= 16:
            result = 0
            for i, b in enumerate(raw):
                result |= (b & 0x7F) << (7 * i)
            return result
        # Long numbers: one conversion instead of a shift per byte (quadratic).
        return int("".join(format(b & 0x7F, "07b") for b in reversed(raw)), 2)

    def sleb(self) -> int:
        """Signed LEB128."""
        start = self.pos
        value = self.leb()
        width = 7 * (self.pos - start)
        if self.data[self.pos - 1] & 0x40:
            value -= 1 << width
        return value

    def charge(self, units: int) -> None:
        self.budget -= units
        if self.budget < 0:
            raise self.error("decoding budget exceeded (message describes too many values)",
                             cls=DecodeLimitError)

    def count(self, what: str, least_size: int = 1) -> int:
        """A declared count, checked against the bytes left before it is used."""
        start = self.pos
        n = self.leb()
        if n * least_size > self.remaining():
            raise self.error(
                f"{what} {describe_int(n)} is larger than the rest of the message", start)
        return n

    # -- header: magic, type table, argument types (spec: "Parameters and Results") -------

    def header(self) -> tuple:
        if self.data[:4] != b"DIDL":
            raise self.error("not a Candid message: wrong magic number (expected 'DIDL')", 0)
        self.pos = 4
        n = self.count("type table length")
        self.table = [None] * n
        for i in range(n):
            self.table[i] = self.entry(n)
        for i, t in enumerate(self.table):
            self.env[TableIndex(self.serial, i)] = t
            if type(t) is ServiceType:
                for name, m in t.methods:
                    if type(m) is not VarType or type(self.table[m.name.index]) is not FuncType:
                        raise self.error(
                            f"method {name!r} of service type {i} is not a function type")
        self._size_info()
        argc = self.count("argument count")
        return tuple(self.ref(n) for _ in range(argc))

    def ref(self, n: int) -> Any:
        """``I(t)``: a primitive opcode or an index into the type table."""
        start = self.pos
        code = self.sleb()
        if code >= 0:
            if code >= n:
                raise self.error(f"type index {code} out of range (table has {n} entries)", start)
            return VarType(TableIndex(self.serial, code))
        if code in OPCODE_PRIMS:
            return PRIMS[OPCODE_PRIMS[code]]
        raise self.error(f"opcode {code} is not a primitive type or type index", start)

    def entry(self, n: int) -> Any:
        start = self.pos
        op = self.sleb()
        if op == OP_OPT:
            return OptType(self.ref(n))
        if op == OP_VEC:
            return VecType(self.ref(n))
        if op in (OP_RECORD, OP_VARIANT):
            what = "record" if op == OP_RECORD else "variant"
            fields = []
            previous = -1
            for _ in range(self.count(f"{what} field count", 2)):
                at = self.pos
                fid = self.leb()
                if fid > 0xFFFFFFFF:
                    raise self.error(
                        f"{what} field id {describe_int(fid)} is larger than 2^32-1", at)
                if fid <= previous:
                    raise self.error(f"{what} fields are not sorted by id or not unique "
                                     f"({fid} after {previous})", at)
                previous = fid
                fields.append(Field(fid, self.ref(n)))
            return RecordType(tuple(fields)) if op == OP_RECORD else VariantType(tuple(fields))
        if op == OP_FUNC:
            args = tuple(self.ref(n) for _ in range(self.count("function argument count")))
            results = tuple(self.ref(n) for _ in range(self.count("function result count")))
            modes = []
            for _ in range(self.count("function annotation count")):
                at = self.pos
                code = self.byte()
                if code not in MODE_NAMES:
                    raise self.error(f"unknown function annotation {code}", at)
                modes.append(MODE_NAMES[code])
            if len(modes) > 1:
                raise self.error("a function type may have at most one annotation", start)
            return FuncType(args, results, tuple(modes))
        if op == OP_SERVICE:
            methods = []
            previous = None
            for _ in range(self.count("service method count", 2)):
                at = self.pos
                raw = self.take(self.count("method name length"))
                try:
                    name = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise self.error("method name is not valid UTF-8", at) from None
                if previous is not None and raw <= previous:
                    raise self.error(
                        f"service methods are not sorted by name or not unique ({name!r})", at)
                previous = raw
                methods.append((name, self.ref(n)))
            return ServiceType(tuple(methods))
        if op < OP_FUTURE_BELOW:
            return FutureType(op, self.take(self.count("future type length")))
        raise self.error(
            f"type table entry has opcode {op}, which is not a type constructor", start)

    def _size_info(self) -> None:
        """For each table entry: the least size of its values in bytes, and, for
        zero-sized types, how many values one of its values consists of.

        A record that contains itself only through records has no (finite)
        values at all; neither has ``empty``.  These are ``uninhabited``.
        Records are computed depth-first over their record fields (an explicit
        stack, linear in the table size); other entries take at least one byte.
        """
        n = len(self.table)
        self.min_bytes: list[int | None] = [None] * n
        self.zero_count: list[int | None] = [None] * n   # count for zero-sized entries
        self.uninhabited = [False] * n
        for i, t in enumerate(self.table):
            if type(t) is FutureType:
                self.min_bytes[i] = 2
            elif type(t) is not RecordType:
                self.min_bytes[i] = 1
        in_progress = [False] * n
        for root in range(n):
            if self.min_bytes[root] is not None:
                continue
            stack = [root]
            in_progress[root] = True
            while stack:
                i = stack[-1]
                pending = None
                total, count, empty = 0, 1, False
                for f in self.table[i].fields:
                    ft = f.type
                    if type(ft) is PrimType:
                        total += _PRIM_MIN_BYTES[ft.name]
                        count += 1
                        empty = empty or ft.name == "empty"
                        continue
                    j = ft.name.index
                    if self.min_bytes[j] is None:
                        if in_progress[j]:
                            empty = True      # a cycle through records: no finite values
                            continue
                        pending = j
                        break
                    total += self.min_bytes[j]
                    empty = empty or self.uninhabited[j]
                    if self.zero_count[j] is not None:
                        count += self.zero_count[j]
                if pending is not None:
                    in_progress[pending] = True
                    stack.append(pending)
                    continue
                stack.pop()
                in_progress[i] = False
                self.min_bytes[i] = total
                self.uninhabited[i] = empty
                if total == 0 and not empty:
                    self.zero_count[i] = count

    def size_of(self, wt: Any) -> tuple[int, int | None, bool]:
        """(least bytes, zero-sized value count or None, uninhabited) of a wire type."""
        if type(wt) is VarType:
            i = wt.name.index
            return self.min_bytes[i], self.zero_count[i], self.uninhabited[i]
        if type(wt) is PrimType:
            name = wt.name
            if name in ("null", "reserved"):
                return 0, 1, False
            return _PRIM_MIN_BYTES[name], None, name == "empty"
        return 1, None, False  # pragma: no cover - wire types are primitives or indices

    def pay(self, wt: Any) -> int:
        """Charge for a value about to be read; returns the new ``paid`` state."""
        _, zero, uninhabited = self.size_of(wt)
        if uninhabited:
            raise self.error(
                f"message contains a value of type {self.describe(wt)}, which has no values")
        if zero is None:
            self.charge(1)
            return _NODE_PAID
        self.charge(zero)
        return _TREE_PAID

    # -- values (spec: "Memory", "Coercion") ------------------------------------------------

    def principal(self) -> Principal:
        at = self.pos
        tag = self.byte()
        if tag != 1:
            raise self.error(
                f"reference tag {tag} is not 1 (only transparent references are supported)", at)
        length = self.count("principal length")
        if length > PRINCIPAL_MAX:
            raise self.error(
                f"principal is {length} bytes long, at most {PRINCIPAL_MAX} allowed", at)
        return Principal(self.take(length))

    def text(self) -> str:
        at = self.pos
        raw = self.take(self.count("text length"))
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.error("text is not valid UTF-8", at) from None

    def prim(self, name: str) -> Any:
        """A primitive value of wire type ``name``."""
        if name == "nat":
            return self.leb()
        if name == "int":
            return self.sleb()
        if name in _FIXED:
            size, signed = _FIXED[name]
            return int.from_bytes(self.take(size), "little", signed=signed)
        if name == "bool":
            at = self.pos
            b = self.byte()
            if b > 1:
                raise self.error(f"invalid boolean byte {b}", at)
            return b == 1
        if name == "text":
            return self.text()
        if name in ("null", "reserved"):
            return None
        if name == "float32":
            return struct.unpack("<f", self.take(4))[0]
        if name == "float64":
            return struct.unpack("<d", self.take(8))[0]
        if name == "principal":
            return self.principal()
        raise self.error(f"cannot decode a value of type {name}")

    def value(self, wt: Any, et: Any, paid: int = _UNPAID, chain: tuple = ()):
        """Read a value of wire type ``wt`` coerced to expected type ``et``.

        Returns the value, or a generator computing it (for nested values).
        """
        if paid == _UNPAID:
            paid = self.pay(wt)
        if paid == _TREE_PAID and not chain:
            # A zero-sized value reads no bytes, so it depends only on the two
            # types: exponentially large trees of them are built from shared parts.
            key = (wt, et)
            known = self.zero_values.get(key, _MISSING)
            if known is not _MISSING:
                return known
            v = self._value(wt, et, paid, chain)
            if type(v) is GeneratorType:
                return self._remember(key, v)
            self.zero_values[key] = v
            return v
        return self._value(wt, et, paid, chain)

    def _remember(self, key: tuple, computation):
        v = yield computation
        self.zero_values[key] = v
        return v

    def _value(self, wt: Any, et: Any, paid: int, chain: tuple):
        child_paid = _TREE_PAID if paid == _TREE_PAID else _UNPAID
        w = self.table[wt.name.index] if type(wt) is VarType else wt
        e = resolve(et, self.env)
        wk, ek = type(w), type(e)
        if wk is PrimType and w.name == "empty":
            raise self.error("cannot decode a value of type empty")
        if ek is PrimType:
            en = e.name
            if en == "reserved":
                return self.skip(wt, _TREE_PAID if paid == _TREE_PAID else _NODE_PAID)
            if wk is PrimType:
                wn = w.name
                if wn == en or (wn == "nat" and en == "int"):
                    return self.prim(wn)
            elif wk is ServiceType and en == "principal":
                return self.principal()   # service <: principal
            raise self.mismatch(wt, et)
        if ek is OptType:
            return self.opt(wt, w, e, paid, child_paid, chain)
        if ek is VecType and wk is VecType:
            return self.vec(w, e, paid)
        if ek is RecordType and wk is RecordType:
            return self.record(wt, w, e, child_paid)
        if ek is VariantType and wk is VariantType:
            return self.variant(wt, w, e, child_paid)
        if ek is FuncType and wk is FuncType:
            return self.func_ref(wt, et)
        if ek is ServiceType and wk is ServiceType:
            return self.service_ref(wt, et)
        raise self.mismatch(wt, et)

    def opt(self, wt: Any, w: Any, e: OptType, paid: int, child_paid: int, chain: tuple):
        wk = type(w)
        if wk is PrimType and w.name in ("null", "reserved"):
            return None     # null <: opt t and reserved <: opt t both give null
        if wk is OptType:
            at = self.pos
            tag = self.byte()
            if tag == 0:
                return None
            if tag != 1:
                raise self.error(f"invalid option tag {tag}", at)
            return self.attempt(w.type, e.type, child_paid, ())
        # The constituent rule: a non-optional value read at ``opt t``.  If ``t``
        # is itself optional this recurses without reading anything; at a type
        # like ``type Opt = opt Opt`` it would never end, so that is an error.
        if e in chain:
            raise self.error(f"cannot coerce {self.describe(wt)} into the recursive option type "
                             f"{type_to_text(e)}")
        return self.attempt(wt, e.type, paid, chain + (e,))

    def attempt(self, wt: Any, et: Any, paid: int, chain: tuple):
        """``opt v`` if the value coerces to ``et``, else skip it and give ``null``."""
        start = self.pos
        try:
            v = self.value(wt, et, paid, chain)
            if type(v) is GeneratorType:
                v = yield v
        except CoercionError:
            self.pos = start
            s = self.skip(wt, _UNPAID)
            if type(s) is GeneratorType:
                yield s
            return None
        return Opt(v)

    def vec(self, w: VecType, e: VecType, paid: int):
        start = self.pos
        n = self.leb()
        elem = w.type
        least, zero, uninhabited = self.size_of(elem)
        if n and uninhabited:
            raise self.error(f"vector of {self.describe(elem)}, which has no values", start)
        if n * least > self.remaining():
            raise self.error(
                f"vector length {describe_int(n)} is larger than the rest of the message", start)
        et = resolve(e.type, self.env)
        blob = type(et) is PrimType and et.name == "nat8"
        if n == 0:
            return b"" if blob else ()
        if zero is not None:
            # Zero-sized elements are all the same value: read one, charge for all.
            if paid != _TREE_PAID:
                self.charge(n * zero)
            first = self.value(elem, e.type, _TREE_PAID)
            if type(first) is GeneratorType:
                first = yield first
            return (first,) * n
        if paid != _TREE_PAID:
            self.charge(n)
        if type(elem) is PrimType:
            name = elem.name
            if blob and name == "nat8":
                return self.take(n)
            items = []
            for _ in range(n):
                items.append(self.value(elem, e.type, _NODE_PAID))
            return tuple(items)
        items = []
        for _ in range(n):
            v = self.value(elem, e.type, _NODE_PAID)
            if type(v) is GeneratorType:
                v = yield v
            items.append(v)
        return tuple(items)

    def record(self, wt: Any, w: RecordType, e: RecordType, child_paid: int):
        expected = {f.id: f for f in e.fields}
        values = {}
        for wf in w.fields:
            ef = expected.get(wf.id)
            if ef is None:
                s = self.skip(wf.type, child_paid)
                if type(s) is GeneratorType:
                    yield s
                continue
            v = self.value(wf.type, ef.type, child_paid)
            if type(v) is GeneratorType:
                v = yield v
            values[wf.id] = v
        fields, names = [], []
        for ef in e.fields:
            if ef.id in values:
                fields.append((ef.id, values[ef.id]))
            elif is_nullable(ef.type, self.env):
                fields.append((ef.id, None))   # a missing optional field reads as null
            else:
                raise self.mismatch(wt, e, f"field {ef.name or ef.id} is missing")
            if ef.name is not None:
                names.append((ef.id, ef.name))
        return Record(tuple(fields), tuple(names))

    def variant(self, wt: Any, w: VariantType, e: VariantType, child_paid: int):
        at = self.pos
        index = self.leb()
        if index >= len(w.fields):
            raise self.error(f"variant index {index} out of range ({len(w.fields)} tags)", at)
        wf = w.fields[index]
        for ef in e.fields:
            if ef.id == wf.id:
                v = self.value(wf.type, ef.type, child_paid)
                if type(v) is GeneratorType:
                    v = yield v
                return Variant(wf.id, v, ef.name)
        raise self.mismatch(wt, e, f"tag {wf.id} is not expected")

    def func_ref(self, wt: Any, et: Any):
        if not (yield subtype(wt, et, self.env, self.assumed)):
            raise self.mismatch(wt, et, "not a subtype")
        return self.func_value()

    def func_value(self) -> FuncRef:
        at = self.pos
        tag = self.byte()
        if tag != 1:
            raise self.error(
                f"function reference tag {tag} is not 1 (only public methods are supported)", at)
        return FuncRef(self.principal(), self.text())

    def service_ref(self, wt: Any, et: Any):
        if not (yield subtype(wt, et, self.env, self.assumed)):
            raise self.mismatch(wt, et, "not a subtype")
        return ServiceRef(self.principal())

    # -- skipping (values of extra arguments, ignored fields, failed options) ---------------

    def skip(self, wt: Any, paid: int = _UNPAID):
        """Read past a value of wire type ``wt``, checking it; returns None or a generator."""
        if paid == _UNPAID:
            paid = self.pay(wt)
        if paid == _TREE_PAID:
            return None   # zero-sized: nothing to read
        w = self.table[wt.name.index] if type(wt) is VarType else wt
        k = type(w)
        if k is PrimType:
            name = w.name
            if name == "nat" or name == "int":
                self._leb_bytes()
            elif name == "empty":
                raise self.error("cannot decode a value of type empty")
            else:
                self.prim(name)
            return None
        if k is FuncType:
            self.func_value()
            return None
        if k is ServiceType:
            self.principal()
            return None
        if k is FutureType:
            self.take(self.count("future value length"))
            self.leb()   # the number of references, which the IC does not have
            return None
        return self._skip_nested(w)

    def _skip_nested(self, w: Any):
        k = type(w)
        if k is OptType:
            at = self.pos
            tag = self.byte()
            if tag == 1:
                s = self.skip(w.type)
                if type(s) is GeneratorType:
                    yield s
            elif tag != 0:
                raise self.error(f"invalid option tag {tag}", at)
        elif k is VecType:
            start = self.pos
            n = self.leb()
            least, zero, uninhabited = self.size_of(w.type)
            if n and uninhabited:
                raise self.error(f"vector of {self.describe(w.type)}, which has no values", start)
            if n * least > self.remaining():
                raise self.error(f"vector length {describe_int(n)} is larger than the rest "
                                 "of the message", start)
            if zero is not None:
                self.charge(n * zero)
                return None
            self.charge(n)
            elem = w.type
            for _ in range(n):
                s = self.skip(elem, _NODE_PAID)
                if type(s) is GeneratorType:
                    yield s
        elif k is RecordType:
            for f in w.fields:
                s = self.skip(f.type)
                if type(s) is GeneratorType:
                    yield s
        elif k is VariantType:
            at = self.pos
            index = self.leb()
            if index >= len(w.fields):
                raise self.error(f"variant index {index} out of range ({len(w.fields)} tags)", at)
            s = self.skip(w.fields[index].type)
            if type(s) is GeneratorType:
                yield s
        return None


def decode_message(data: bytes, types: Any = None, env: Mapping | None = None, *,
                   value_quota: int | None = None, max_depth: int = DEFAULT_MAX_DEPTH) -> tuple:
    """Decode a message; returns ``(values, types, env)``: the types the values were
    read at (the message's own types where none were expected) and their environment."""
    dec = Decoder(data, env, value_quota, max_depth)
    wire = dec.header()
    expected = tuple(types) if types is not None else wire
    values = []
    for i, wt in enumerate(wire):
        if i < len(expected):
            values.append(run(dec.value(wt, expected[i]), max_depth))
        else:
            run(dec.skip(wt), max_depth)   # extra arguments are ignored, but checked
    for t in expected[len(wire):]:
        if not is_nullable(t, dec.env):
            raise dec.error(f"missing argument of type {type_to_text(t)}", cls=CoercionError)
        values.append(None)
    if dec.pos != len(dec.data):
        raise dec.error(f"{dec.remaining()} bytes left after the last value")
    return tuple(values), expected, dec.env


def decode(data: bytes, types: Any = None, env: Mapping | None = None, *,
           value_quota: int | None = None, max_depth: int = DEFAULT_MAX_DEPTH) -> tuple:
    """Decode a Candid message at the expected ``types`` (in ``env``), or at its own types."""
    return decode_message(data, types, env, value_quota=value_quota, max_depth=max_depth)[0]
