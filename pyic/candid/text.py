"""Textual Candid values (spec: "Values"): parsing, checking against types, printing.

Parsing is in two steps, as values in text carry no types of their own:
``parse_args`` turns text into an untyped tree (numbers are just numbers,
records know names), and ``annotate`` reads that tree at expected types,
giving host values (see ``values``).  Values with no expected type get the
type they are written with (``infer``): a number is an ``int``, unless
annotated as in ``(42 : nat8)``.

``print_values`` writes values the way ``dfx`` shows replies: numbers carry
their type (``42 : nat``), records show field names when the type knows them.
"""

from __future__ import annotations

import math
import struct
from typing import Any

from pyic.candid import lexer as L
from pyic.candid._stack import DepthLimitError, GeneratorType, run
from pyic.candid.did import TypeParser, text_to_str
from pyic.candid.principal import Principal
from pyic.candid.types import (
    BLOB, BOOL, EMPTY, FIXED_INT_BITS, FIXED_NAT_BITS, FLOAT64, INT, NULL, NUMBER_TYPES, PRINCIPAL,
    TEXT,
    Field, FuncType, OptType, PrimType, RecordType, ServiceType, VariantType, VecType,
    idl_hash, is_nullable, quote_name, resolve, types_to_text, type_to_text,
)
from pyic.candid.values import FuncRef, Opt, Record, ServiceRef, Variant
from pyic.errors import CandidError

# Parsed (untyped) values are tuples headed by a tag and the source offset:
#   ("num", off, int)  ("float", off, float)  ("bool", off, b)  ("null", off)
#   ("text", off, bytes)  ("blob", off, bytes)  ("opt", off, pv)  ("vec", off, [pv])
#   ("record", off, [(id, name|None, pv)])  ("variant", off, id, name|None, pv)
#   ("principal", off, P)  ("service", off, P)  ("func", off, P, method)
#   ("ann", off, pv, type)


class ParsedArgs:
    """An argument list as written, before it is read at types."""

    def __init__(self, values: list, lexer: L.Lexer) -> None:
        self.values = values
        self.lexer = lexer

    def __len__(self) -> int:
        return len(self.values)


class ValueParser(TypeParser):
    """Parses ``<arg>`` and ``<annval>`` (generator methods; see ``_stack``)."""

    def args(self):
        """``( <annval>,* )``"""
        lx = self.lx
        lx.expect_sym("(")
        values = []
        while not lx.peek().is_sym(")"):
            values.append((yield self.annval()))
            if not lx.accept_sym(","):
                break
        lx.expect_sym(")")
        return values

    def annval(self):
        """``<val> (: <datatype>)?``"""
        offset = self.lx.peek().offset
        v = yield self.val()
        if self.lx.accept_sym(":"):
            t = yield self.datatype()
            return ("ann", offset, v, t)
        return v

    def val(self):
        lx = self.lx
        tok = lx.peek()
        off = tok.offset
        if tok.kind in (L.NAT, L.INT):
            lx.next()
            return ("num", off, tok.value)
        if tok.kind == L.FLOAT:
            lx.next()
            return ("float", off, tok.value)
        if tok.kind == L.TEXT:
            lx.next()
            return ("text", off, tok.value)
        if tok.is_sym("("):
            lx.next()
            v = yield self.annval()
            lx.expect_sym(")")
            return v
        if tok.kind != L.ID:
            raise lx.error(f"expected a value, found {tok.describe()}")
        word = tok.value
        lx.next()
        if word in ("true", "false"):
            return ("bool", off, word == "true")
        if word == "null":
            return ("null", off)
        if word in ("inf", "nan"):
            return ("float", off, math.inf if word == "inf" else math.nan)
        if word == "opt":
            return ("opt", off, (yield self.val()))
        if word == "vec":
            lx.expect_sym("{")
            items = []
            while not lx.peek().is_sym("}"):
                items.append((yield self.annval()))
                if not lx.accept_sym(";"):
                    break
            lx.expect_sym("}")
            return ("vec", off, items)
        if word == "blob":
            return ("blob", off, lx.expect_text())
        if word == "record":
            return ("record", off, (yield self.record_fields()))
        if word == "variant":
            return (yield self.variant_field(off))
        if word in ("principal", "service"):
            p = self.principal_text()
            return (word, off, p)
        if word == "func":
            p = self.principal_text()
            lx.expect_sym(".")
            return ("func", off, p, self.name())
        raise lx.error(f"unexpected {tok.describe()} where a value was expected", off)

    def principal_text(self) -> Principal:
        off = self.lx.peek().offset
        text = text_to_str(self.lx.expect_text(), self.lx, off)
        try:
            return Principal.from_text(text)
        except CandidError as e:
            raise self.lx.error(e.message, off) from None

    def _label(self):
        """A field label followed by '=' (name, number or quoted name), or None."""
        tok, after = self.lx.peek(), self.lx.peek(1)
        if not after.is_sym("="):
            return None
        if tok.kind == L.NAT:
            self.lx.next()
            return self._field_id(tok), None
        if tok.kind == L.TEXT or (tok.kind == L.ID and tok.value not in ("true", "false", "null")):
            name = self.name()
            return idl_hash(name), name
        return None

    def record_fields(self):
        lx = self.lx
        lx.expect_sym("{")
        fields, ids = [], set()
        next_id = 0
        while not lx.peek().is_sym("}"):
            off = lx.peek().offset
            label = self._label()
            if label is not None:
                lx.expect_sym("=")
                fid, name = label
            else:
                fid, name = next_id, None
            if fid in ids:
                raise lx.error(f"record has two fields with id {L.describe_int(fid)}", off)
            ids.add(fid)
            fields.append((fid, name, (yield self.annval())))
            next_id = fid + 1
            if not lx.accept_sym(";"):
                break
        lx.expect_sym("}")
        fields.sort(key=lambda f: f[0])
        return fields

    def variant_field(self, off: int):
        lx = self.lx
        lx.expect_sym("{")
        tok = lx.peek()
        label = self._label()
        if label is not None:
            lx.expect_sym("=")
            fid, name = label
            v = yield self.annval()
        elif tok.kind == L.NAT:
            fid, name, v = self._field_id(lx.next()), None, ("null", tok.offset)
        elif tok.kind == L.TEXT or tok.kind == L.ID:
            name = self.name()
            fid, v = idl_hash(name), ("null", tok.offset)
        else:
            raise lx.error("a variant value needs exactly one field")
        lx.accept_sym(";")
        lx.expect_sym("}")
        return ("variant", off, fid, name, v)


def parse_args(text: str, source: str | None = None) -> ParsedArgs:
    """Parse ``( <annval>,* )`` into an untyped argument list."""
    lx = L.Lexer(text, source)
    try:
        values = run(ValueParser(lx).args())
    except DepthLimitError as e:
        raise DepthLimitError(e.message, lx.position(lx.peek().offset)) from None  # where it was
    lx.expect_eof()
    return ParsedArgs(values, lx)


# -- reading parsed values at types ---------------------------------------------------

def annotate_args(parsed: ParsedArgs, types: tuple | None = None,
                  env: dict | None = None) -> tuple[tuple, tuple]:
    """Read parsed arguments at ``types``: returns the values and their types.

    Arguments beyond ``types`` keep the type they are written with; missing
    trailing arguments are ``null`` where the type allows it (spec: "Tuple types").
    """
    env = env or {}
    types = tuple(types or ())
    checker = _Annotator(parsed.lexer, env)
    values, out_types = [], []
    for i, pv in enumerate(parsed.values):
        if i < len(types):
            values.append(run(checker.annotate(pv, types[i])))
            out_types.append(types[i])
        else:
            t, v = run(checker.infer(pv))
            values.append(v)
            out_types.append(t)
    for t in types[len(parsed.values):]:
        if not is_nullable(t, env):
            raise CandidError(f"missing argument of type {type_to_text(t)}",
                              parsed.lexer.position(len(parsed.lexer.source)))
        values.append(None)
        out_types.append(t)
    return tuple(values), tuple(out_types)


def parse_value_text(text: str, types: tuple | None = None, env: dict | None = None) -> tuple:
    """Parse ``( <annval>,* )`` and read it at ``types`` (inferred where not given)."""
    return annotate_args(parse_args(text), types, env)[0]


def _in_range(n: int, name: str) -> bool:
    if name == "nat":
        return n >= 0
    if name == "int":
        return True
    if name in FIXED_NAT_BITS:
        return 0 <= n < 1 << FIXED_NAT_BITS[name]
    bits = FIXED_INT_BITS[name]
    return -(1 << (bits - 1)) <= n < 1 << (bits - 1)


def to_float32(x: float) -> float:
    """Round a double to the nearest float32 (overflowing to an infinity)."""
    try:
        return struct.unpack("<f", struct.pack("<f", x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)


_PV_KIND_NAMES = {
    "num": "a number", "float": "a floating-point number", "bool": "a boolean", "null": "null",
    "text": "a text", "blob": "a blob", "opt": "an option", "vec": "a vector", "record": "a record",
    "variant": "a variant", "principal": "a principal", "service": "a service reference",
    "func": "a function reference",
}


class _Annotator:
    def __init__(self, lexer: L.Lexer, env: dict) -> None:
        self.lx = lexer
        self.env = env

    def error(self, message: str, pv: tuple) -> CandidError:
        return self.lx.error(message, pv[1])

    def mismatch(self, pv: tuple, t: Any) -> CandidError:
        kind = _PV_KIND_NAMES.get(pv[0], "this value")
        return self.error(f"{kind} is not of type {type_to_text(t)}", pv)

    def text(self, pv: tuple) -> str:
        return text_to_str(pv[2], self.lx, pv[1])

    def annotate(self, pv: tuple, expected: Any):
        t = resolve(expected, self.env)
        tag = pv[0]
        kind = type(t)
        if tag == "ann":
            written = pv[3]
            v = yield self.annotate(pv[2], written)
            if written == expected or resolve(written, self.env) == t:
                return v
            return _coerce(v, written, expected, self.env, self.lx, pv)
        if kind is PrimType:
            name = t.name
            if name == "reserved":
                yield self.infer(pv)   # still reject malformed values
                return None
            if tag == "num":
                n = pv[2]
                if name in ("float32", "float64"):
                    try:
                        f = float(n)
                    except OverflowError:
                        raise self.error(f"number {L.describe_int(n)} is too large for {name}",
                                         pv) from None
                    return to_float32(f) if name == "float32" else f
                if name == "bool" or name not in ("nat", "int", *FIXED_NAT_BITS, *FIXED_INT_BITS):
                    raise self.mismatch(pv, t)
                if not _in_range(n, name):
                    raise self.error(f"number {L.describe_int(n)} is out of range for {name}", pv)
                return n
            if tag == "float" and name in ("float32", "float64"):
                return to_float32(pv[2]) if name == "float32" else pv[2]
            if tag == "bool" and name == "bool":
                return pv[2]
            if tag == "null" and name == "null":
                return None
            if tag == "text" and name == "text":
                return self.text(pv)
            if tag == "principal" and name == "principal":
                return pv[2]
            raise self.mismatch(pv, t)
        if kind is OptType:
            if tag == "null":
                return None
            if tag == "opt":
                return Opt((yield self.annotate(pv[2], t.type)))
            raise self.mismatch(pv, t)
        if kind is VecType:
            elem = resolve(t.type, self.env)
            is_blob = type(elem) is PrimType and elem.name == "nat8"
            if tag == "blob" and is_blob:
                return pv[2]
            if tag != "vec":
                raise self.mismatch(pv, t)
            items = []
            for item in pv[2]:
                items.append((yield self.annotate(item, t.type)))
            return bytes(items) if is_blob else tuple(items)
        if kind is RecordType:
            if tag != "record":
                raise self.mismatch(pv, t)
            given = {fid: (name, v) for fid, name, v in pv[2]}
            fields, names = [], []
            for f in t.fields:
                if f.id in given:
                    name, fv = given.pop(f.id)
                    fields.append((f.id, (yield self.annotate(fv, f.type))))
                elif is_nullable(f.type, self.env):
                    fields.append((f.id, None))
                else:
                    missing = quote_name(f.name) if f.name else f.id
                    raise self.error(f"record field {missing} is missing", pv)
                label = f.name or (name if f.id in given else None)
                if label:
                    names.append((f.id, label))
            for _, (_, fv) in given.items():
                yield self.infer(fv)   # extra fields are dropped, but must be well-formed
            return Record(tuple(fields), tuple(names))
        if kind is VariantType:
            if tag != "variant":
                raise self.mismatch(pv, t)
            _, _, fid, name, fv = pv
            for f in t.fields:
                if f.id == fid:
                    return Variant(fid, (yield self.annotate(fv, f.type)), f.name or name)
            raise self.error(f"variant tag {name or fid} is not in type {type_to_text(t)}", pv)
        if kind is ServiceType:
            if tag != "service":
                raise self.mismatch(pv, t)
            return ServiceRef(pv[2])
        if kind is FuncType:
            if tag != "func":
                raise self.mismatch(pv, t)
            return FuncRef(pv[2], pv[3])
        raise self.mismatch(pv, t)

    def infer(self, pv: tuple):
        """The type a value is written with, and the value read at it."""
        tag = pv[0]
        if tag == "ann":
            return pv[3], (yield self.annotate(pv[2], pv[3]))
        if tag == "num":
            return INT, pv[2]
        if tag == "float":
            return FLOAT64, pv[2]
        if tag == "bool":
            return BOOL, pv[2]
        if tag == "null":
            return NULL, None
        if tag == "text":
            return TEXT, self.text(pv)
        if tag == "blob":
            return BLOB, pv[2]
        if tag == "principal":
            return PRINCIPAL, pv[2]
        if tag == "service":
            return ServiceType(()), ServiceRef(pv[2])
        if tag == "func":
            return FuncType((), ()), FuncRef(pv[2], pv[3])
        if tag == "opt":
            t, v = yield self.infer(pv[2])
            return OptType(t), Opt(v)
        if tag == "vec":
            if not pv[2]:
                return VecType(EMPTY), ()
            t, first = yield self.infer(pv[2][0])
            items = [first]
            for item in pv[2][1:]:
                items.append((yield self.annotate(item, t)))
            return VecType(t), tuple(items)
        if tag == "record":
            ftypes, fields, names = [], [], []
            for fid, name, fv in pv[2]:
                t, v = yield self.infer(fv)
                ftypes.append(Field(fid, t, name))
                fields.append((fid, v))
                if name:
                    names.append((fid, name))
            return RecordType(tuple(ftypes)), Record(tuple(fields), tuple(names))
        if tag == "variant":
            _, _, fid, name, fv = pv
            t, v = yield self.infer(fv)
            return VariantType((Field(fid, t, name),)), Variant(fid, v, name)
        raise self.error("cannot tell the type of this value", pv)  # pragma: no cover


def _coerce(value: Any, written: Any, expected: Any, env: dict, lx: L.Lexer, pv: tuple) -> Any:
    """Read a value of type ``written`` at type ``expected``: the coercion the decoder does."""
    from pyic.candid.binary import encode
    from pyic.candid.decode import decode
    try:
        return decode(encode((value,), (written,), env), (expected,), env)[0]
    except CandidError as e:
        raise lx.error(f"value of type {type_to_text(written)} does not fit type "
                       f"{type_to_text(expected)}: {e.message}", pv[1]) from None


# -- printing ------------------------------------------------------------------------

def quote_text(s: str) -> str:
    out = ['"']
    for c in s:
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{{{ord(c):x}}}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def quote_blob(b: bytes) -> str:
    out = ['blob "']
    for byte in b:
        if 0x20 <= byte < 0x7F and byte not in (0x22, 0x5C):
            out.append(chr(byte))
        else:
            out.append(f"\\{byte:02x}")
    out.append('"')
    return "".join(out)


def format_float(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = repr(x)
    return text if any(c in text for c in ".en") else text + ".0"


def print_values(values: tuple, types: tuple | None = None, env: dict | None = None) -> str:
    """``(v1, v2, …)`` as ``dfx`` shows replies; without types, each value's own type is used."""
    from pyic.candid.binary import value_type
    env = env or {}
    values = tuple(values)
    types = tuple(types) if types is not None else ()
    parts = []
    for i, v in enumerate(values):
        t = types[i] if i < len(types) else value_type(v)
        parts.append(run(_print(v, t, env)))
    return "(" + ", ".join(parts) + ")"


def print_value(value: Any, t: Any = None, env: dict | None = None) -> str:
    from pyic.candid.binary import value_type
    return run(_print(value, value_type(value) if t is None else t, env or {}))


def _label(fid: int, *names: str | None) -> str:
    for name in names:
        if name:
            return quote_name(name)
    return str(fid)


def _print(v: Any, t: Any, env: dict):
    """The text of ``v`` at ``t``: a string, or a generator for nested values."""
    t = resolve(t, env)
    kind = type(t)
    try:
        if kind is PrimType:
            name = t.name
            if name in ("null", "reserved"):
                return "null"
            if name == "bool":
                return "true" if v else "false"
            if name in ("float32", "float64"):
                return f"{format_float(v)} : {name}"
            if name == "text":
                return quote_text(v)
            if name == "principal":
                p = v.principal if isinstance(v, ServiceRef) else v
                return f'principal "{p.to_text()}"'
            if name == "empty":
                raise CandidError("there are no values of type empty")
            return f"{L.int_to_decimal(v)} : {name}"
        if kind is OptType:
            return "null" if v is None else _print_nested(v, t, env)
        if kind is VecType:
            if isinstance(v, (bytes, bytearray)):
                elem = resolve(t.type, env)
                if type(elem) is PrimType and elem.name == "nat8":
                    return quote_blob(bytes(v))
            return "vec {}" if len(v) == 0 else _print_nested(v, t, env)
        if kind is ServiceType:
            return f'service "{v.principal.to_text()}"'
        if kind is FuncType:
            return f'func "{v.principal.to_text()}".{quote_name(v.method)}'
        if kind is RecordType or kind is VariantType:
            return _print_nested(v, t, env)
    except (AttributeError, TypeError, ValueError, KeyError):
        raise CandidError(f"value {L.show(v)} is not of type {type_to_text(t)}") from None
    raise CandidError(f"cannot print a value of type {type_to_text(t)}")


def _annotated_number(t: Any, env: dict) -> bool:
    """Whether values of ``t`` print with a type annotation (numbers do)."""
    t = resolve(t, env)
    return type(t) is PrimType and t.name in NUMBER_TYPES


def _print_nested(v: Any, t: Any, env: dict):
    kind = type(t)
    try:
        if kind is OptType:
            inner = _print(v.value, t.type, env)
            if type(inner) is GeneratorType:
                inner = yield inner
            # ``opt`` takes a value, not an annotated one: ``opt (5 : nat)``.
            return f"opt ({inner})" if _annotated_number(t.type, env) else "opt " + inner
        if kind is VecType:
            items = []
            memo: dict = {}
            for item in v:
                # Vectors of zero-sized values repeat one value: print it once.
                key = id(item)
                if key in memo and memo[key][0] is item:
                    items.append(memo[key][1])
                    continue
                text = _print(item, t.type, env)
                if type(text) is GeneratorType:
                    text = yield text
                memo[key] = (item, text)
                items.append(text)
            return "vec { " + "; ".join(items) + " }"
        if kind is RecordType:
            values = dict(v.fields)
            value_names = dict(v.names)
            parts = []
            tuple_like = bool(t.fields) and all(f.id == i for i, f in enumerate(t.fields))
            for f in t.fields:
                fv = _print(values.get(f.id), f.type, env)
                if type(fv) is GeneratorType:
                    fv = yield fv
                parts.append(fv if tuple_like
                             else f"{_label(f.id, f.name, value_names.get(f.id))} = {fv}")
            return "record { " + "; ".join(parts) + " }" if parts else "record {}"
        if kind is VariantType:
            for f in t.fields:
                if f.id == v.id:
                    label = _label(f.id, f.name, v.name)
                    ft = resolve(f.type, env)
                    if type(ft) is PrimType and ft.name == "null":
                        return f"variant {{ {label} }}"
                    fv = _print(v.value, f.type, env)
                    if type(fv) is GeneratorType:
                        fv = yield fv
                    return f"variant {{ {label} = {fv} }}"
            raise CandidError(f"variant tag {v.id} is not in type {type_to_text(t)}")
    except (AttributeError, TypeError, ValueError, KeyError):
        raise CandidError(f"value {L.show(v)} is not of type {type_to_text(t)}") from None
    raise CandidError(f"cannot print a value of type {type_to_text(t)}")  # pragma: no cover


__all__ = ["parse_args", "annotate_args", "parse_value_text", "print_values", "print_value",
           "quote_text", "quote_blob", "ParsedArgs", "types_to_text"]
