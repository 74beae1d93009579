"""The textual syntax of types and ``.did`` service descriptions (spec: "Type Structure",
"Type Definitions", "Imports", "Interfaces").

``parse_did(text)`` / ``load_did(path)`` give a ``DidFile``: the type
definitions, the main service (if any) and its init arguments, so a method's
argument and result types can be looked up by name.
"""

from __future__ import annotations

import os
from typing import Any

import attrs

from pyic.candid import lexer as L
from pyic.candid._stack import run
from pyic.candid.types import (
    BLOB, KEYWORDS, PRIMS, Field, FuncType, OptType, RecordType, ServiceType, VariantType,
    VarType, VecType, check_env, idl_hash, record_of, resolve,
)
from pyic.errors import CandidError


def text_to_str(raw: bytes, lexer: L.Lexer | None = None, offset: int | None = None) -> str:
    """A text literal's bytes as a string; they must be valid UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        message = "text literal is not valid UTF-8"
        if lexer is not None:
            raise lexer.error(message, offset) from None
        raise CandidError(message) from None


class TypeParser:
    """Parses Candid types from a token stream (generator methods; see ``_stack``)."""

    def __init__(self, lexer: L.Lexer) -> None:
        self.lx = lexer

    # -- names -------------------------------------------------------------------------

    def name(self) -> str:
        """``<name> ::= <id> | <text>``"""
        tok = self.lx.peek()
        if tok.kind == L.ID and tok.value not in KEYWORDS:
            self.lx.next()
            return tok.value
        if tok.kind == L.TEXT:
            self.lx.next()
            return text_to_str(tok.value, self.lx, tok.offset)
        raise self.lx.error(f"expected a name, found {tok.describe()}")

    def _named(self) -> bool:
        """Whether the next tokens are ``<name> :`` (a label rather than a type)."""
        tok, after = self.lx.peek(), self.lx.peek(1)
        return after.is_sym(":") and (
            tok.kind == L.TEXT or (tok.kind == L.ID and tok.value not in KEYWORDS))

    # -- types -------------------------------------------------------------------------

    def datatype(self):
        lx = self.lx
        tok = lx.peek()
        if tok.kind != L.ID:
            raise lx.error(f"expected a type, found {tok.describe()}")
        word = tok.value
        lx.next()
        if word in PRIMS:
            return PRIMS[word]
        if word == "blob":
            return BLOB
        if word == "opt":
            return OptType((yield self.datatype()))
        if word == "vec":
            return VecType((yield self.datatype()))
        if word == "record":
            return RecordType((yield self.fields(record=True)))
        if word == "variant":
            return VariantType((yield self.fields(record=False)))
        if word == "func":
            return (yield self.functype())
        if word == "service":
            return (yield self.actortype())
        if word in KEYWORDS:
            raise lx.error(f"keyword '{word}' is not a type", tok.offset)
        return VarType(word)

    def fields(self, record: bool):
        """``{ <fieldtype>;* }`` with the record and variant shorthands."""
        lx = self.lx
        lx.expect_sym("{")
        fields: list[Field] = []
        next_id = 0
        while not lx.peek().is_sym("}"):
            tok, after = lx.peek(), lx.peek(1)
            if tok.kind == L.NAT and (after.is_sym(":") or not record):
                fid = self._field_id(lx.next())
                t = (yield self.datatype()) if lx.accept_sym(":") else PRIMS["null"]
                fields.append(Field(fid, t))
            elif self._named() or (not record and tok.kind in (L.ID, L.TEXT)
                                   and not (tok.kind == L.ID and tok.value in KEYWORDS)):
                label = self.name()
                t = (yield self.datatype()) if lx.accept_sym(":") else PRIMS["null"]
                fields.append(Field(idl_hash(label), t, label))
            elif record:
                fields.append(Field(next_id, (yield self.datatype())))
            else:
                raise lx.error(f"expected a variant tag, found {tok.describe()}")
            next_id = fields[-1].id + 1
            if not lx.accept_sym(";"):
                break
        lx.expect_sym("}")
        try:
            return record_of(fields, "record" if record else "variant")
        except CandidError as e:
            raise lx.error(e.message) from None

    def _field_id(self, tok: L.Token) -> int:
        if not 0 <= tok.value < 1 << 32:
            raise self.lx.error(f"field id {L.describe_int(tok.value)} is not a u32", tok.offset)
        return tok.value

    def tuptype(self):
        """``( <argtype>,* )``, where an argument may be named (the name is documentation)."""
        lx = self.lx
        lx.expect_sym("(")
        types, names = [], set()
        while not lx.peek().is_sym(")"):
            if self._named():
                offset = lx.peek().offset
                name = self.name()
                if name in names:
                    raise lx.error(f"duplicate parameter name {name!r}", offset)
                names.add(name)
                lx.expect_sym(":")
            types.append((yield self.datatype()))
            if not lx.accept_sym(","):
                break
        lx.expect_sym(")")
        return tuple(types)

    def functype(self):
        lx = self.lx
        start = lx.peek().offset
        args = yield self.tuptype()
        lx.expect_sym("->")
        results = yield self.tuptype()
        modes = set()
        while lx.peek().kind == L.ID and lx.peek().value in ("query", "oneway", "composite_query"):
            modes.add(lx.next().value)
        if "oneway" in modes and results:
            raise lx.error("a oneway function must have no results", start)
        if len(modes) > 1:
            raise lx.error(f"a function cannot be {' and '.join(sorted(modes))} at once", start)
        return FuncType(args, results, tuple(sorted(modes)))

    def actortype(self):
        """``{ <methtype>;* }``; methods are kept sorted by name."""
        lx = self.lx
        lx.expect_sym("{")
        methods: dict[str, Any] = {}
        while not lx.peek().is_sym("}"):
            offset = lx.peek().offset
            name = self.name()
            if name in methods:
                raise lx.error(f"duplicate method name {name!r}", offset)
            lx.expect_sym(":")
            if lx.peek().is_sym("("):
                methods[name] = yield self.functype()
            else:
                tok = lx.peek()
                if tok.kind != L.ID or tok.value in KEYWORDS:
                    raise lx.error(f"expected a function type, found {tok.describe()}")
                methods[name] = VarType(lx.next().value)
            if not lx.accept_sym(";"):
                break
        lx.expect_sym("}")
        return ServiceType(tuple(sorted(methods.items(), key=lambda kv: kv[0].encode("utf-8"))))

    # -- entry points ------------------------------------------------------------------

    def parse_type(self):
        return run(self.datatype())

    def parse_tuptype(self):
        return run(self.tuptype())


def parse_type(text: str) -> Any:
    """One type, e.g. ``"vec record { nat; text }"``."""
    lx = L.Lexer(text)
    t = TypeParser(lx).parse_type()
    lx.expect_eof()
    return t


def parse_types(text: str) -> tuple:
    """A type sequence, e.g. ``"(nat, opt text)"``."""
    lx = L.Lexer(text)
    ts = TypeParser(lx).parse_tuptype()
    lx.expect_eof()
    return ts


@attrs.frozen
class DidFile:
    """A parsed service description."""

    env: dict = attrs.field(factory=dict)           # type name -> type
    service: ServiceType | None = None               # the main service, resolved
    init_args: tuple | None = None                   # the service constructor's arguments

    def method(self, name: str) -> FuncType:
        if self.service is None:
            raise CandidError("the .did file declares no service")
        for mname, mtype in self.service.methods:
            if mname == name:
                t = resolve(mtype, self.env)
                if type(t) is not FuncType:
                    raise CandidError(f"method {name!r} is not a function")
                return t
        raise CandidError(f"the service has no method {name!r}")

    def method_types(self, name: str, reply: bool = False) -> tuple:
        f = self.method(name)
        return f.results if reply else f.args


def parse_did(text: str, source: str | None = None, base_dir: str | None = None,
              _seen: frozenset = frozenset()) -> DidFile:
    """Parse a ``.did`` file; imports are read relative to ``base_dir``."""
    lx = L.Lexer(text, source)
    parser = TypeParser(lx)
    env: dict = {}
    imported_methods: list = []
    service = None
    init_args = None

    def define(name: str, t: Any, offset: int) -> None:
        if name in env and env[name] != t:
            raise lx.error(f"type {name!r} is defined twice", offset)
        env[name] = t

    while True:
        tok = lx.peek()
        if tok.is_id("type"):
            lx.next()
            name_tok = lx.next()
            if name_tok.kind != L.ID or name_tok.value in KEYWORDS:
                raise lx.error(f"expected a type name, found {name_tok.describe()}",
                               name_tok.offset)
            lx.expect_sym("=")
            define(name_tok.value, run(parser.datatype()), name_tok.offset)
        elif tok.is_id("import"):
            lx.next()
            with_service = lx.accept_id("service")
            path_offset = lx.peek().offset
            path = text_to_str(lx.expect_text(), lx, path_offset)
            sub = _load_import(path, base_dir, _seen, lx, path_offset)
            for name, t in sub.env.items():
                define(name, t, path_offset)
            if with_service:
                if sub.service is None:
                    raise lx.error(f"imported file {path!r} has no service", path_offset)
                if sub.init_args:
                    raise lx.error(f"imported service in {path!r} is a service constructor",
                                   path_offset)
                imported_methods.extend(sub.service.methods)
        else:
            break
        if not lx.accept_sym(";"):
            break
    if lx.peek().is_id("service"):
        lx.next()
        if lx.peek().kind == L.ID and not lx.peek().is_sym(":"):
            lx.next()  # the service's name is documentation only
        lx.expect_sym(":")
        if lx.peek().is_sym("("):
            init_args = run(parser.tuptype())
            lx.expect_sym("->")
        if lx.peek().is_sym("{"):
            service = run(parser.actortype())
        else:
            ref = lx.next()
            if ref.kind != L.ID or ref.value in KEYWORDS:
                raise lx.error(f"expected a service type, found {ref.describe()}", ref.offset)
            service = VarType(ref.value)
        lx.accept_sym(";")
    lx.expect_eof()
    try:
        check_env(env)
        if service is not None:
            service = resolve(service, env)
            if type(service) is not ServiceType:
                raise CandidError("the main service is not a service type")
            run(_check_service(service, env))
            if imported_methods:
                merged = dict(service.methods)
                for name, m in imported_methods:
                    if name in merged:
                        raise CandidError(f"imported method {name!r} is already defined")
                    merged[name] = m
                service = ServiceType(tuple(sorted(merged.items(), key=_method_order)))
        elif imported_methods:
            service = ServiceType(tuple(sorted(imported_methods, key=_method_order)))
        if init_args is not None:
            for t in init_args:
                run(_check_service(t, env))
    except CandidError as e:
        raise CandidError(e.message, lx.position(len(text))) from None
    return DidFile(env, service, init_args)


def _check_service(t: Any, env: dict):
    """Names used inside a service or arguments are bound; method types are functions."""
    from pyic.candid.types import _check_names
    yield _check_names(t, env, "service")


def _method_order(method: tuple) -> bytes:
    """A service's methods are ordered by the UTF-8 bytes of their names."""
    return method[0].encode("utf-8")


def _load_import(path: str, base_dir: str | None, seen: frozenset, lx: L.Lexer,
                 offset: int) -> DidFile:
    full = os.path.normpath(os.path.join(base_dir or ".", path))
    if full in seen:
        raise lx.error(f"import cycle through {path!r}", offset)
    try:
        with open(full, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise lx.error(f"cannot read imported file {path!r}: {e}", offset) from None
    return parse_did(text, full, os.path.dirname(full), seen | {full})


def load_did(path: str) -> DidFile:
    """Read and parse a ``.did`` file (with its imports)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise CandidError(f"cannot read {path}: {e}") from None
    full = os.path.normpath(os.path.abspath(path))
    return parse_did(text, path, os.path.dirname(full), frozenset({full}))
