"""Candid types (spec: "Type Structure"), type environments and subtyping.

Types are immutable trees.  A named type is referenced with ``VarType(name)``
and resolved in an environment (a mapping from names to types): names from
``.did`` files are strings, entries of a wire type table are ``TableIndex``
values (unique per decoded message), so one environment can hold both.

Field ids are numbers; a field given by name keeps the name for printing, but
names never take part in equality (spec: "Shorthand: Symbolic Field Ids").
"""

from __future__ import annotations

from typing import Any, Mapping

import attrs

from pyic.candid._stack import run
from pyic.errors import CandidError

# -- primitive types (spec: "Primitive Data"); opcodes from "Binary Format / Types"

PRIM_OPCODES = {
    "null": -1, "bool": -2, "nat": -3, "int": -4,
    "nat8": -5, "nat16": -6, "nat32": -7, "nat64": -8,
    "int8": -9, "int16": -10, "int32": -11, "int64": -12,
    "float32": -13, "float64": -14, "text": -15, "reserved": -16, "empty": -17,
    "principal": -24,
}
OPCODE_PRIMS = {code: name for name, code in PRIM_OPCODES.items()}

# Constructor opcodes of the type table.
OP_OPT, OP_VEC, OP_RECORD, OP_VARIANT, OP_FUNC, OP_SERVICE = -18, -19, -20, -21, -22, -23
# Opcodes below this one head "future types" (spec: "Deserialisation of future types").
OP_FUTURE_BELOW = -24

# Bit widths of the fixed-size numbers.
FIXED_NAT_BITS = {"nat8": 8, "nat16": 16, "nat32": 32, "nat64": 64}
FIXED_INT_BITS = {"int8": 8, "int16": 16, "int32": 32, "int64": 64}
FLOAT_BITS = {"float32": 32, "float64": 64}
NUMBER_TYPES = frozenset({"nat", "int", *FIXED_NAT_BITS, *FIXED_INT_BITS, *FLOAT_BITS})

FUNC_MODES = {"query": 1, "oneway": 2, "composite_query": 3}
MODE_NAMES = {code: name for name, code in FUNC_MODES.items()}

KEYWORDS = frozenset({
    "type", "import", "service", "func", "opt", "vec", "record", "variant", "blob",
    "principal", "oneway", "query", "composite_query", "true", "false", "null",
    *PRIM_OPCODES,
})


def idl_hash(name: str) -> int:
    """The numeric id of a field or tag given by name (spec: "Shorthand: Symbolic Field Ids")."""
    h = 0
    for byte in name.encode("utf-8"):
        h = (h * 223 + byte) & 0xFFFFFFFF
    return h


@attrs.frozen(cache_hash=True)
class PrimType:
    name: str

    def __attrs_post_init__(self) -> None:
        if self.name not in PRIM_OPCODES:
            raise CandidError(f"unknown primitive type {self.name!r}")


@attrs.frozen(cache_hash=True)
class OptType:
    type: Any


@attrs.frozen(cache_hash=True)
class VecType:
    type: Any


@attrs.frozen(cache_hash=True)
class Field:
    id: int
    type: Any
    name: str | None = attrs.field(default=None, eq=False)


@attrs.frozen(cache_hash=True)
class RecordType:
    fields: tuple[Field, ...] = ()   # sorted by id, ids unique


@attrs.frozen(cache_hash=True)
class VariantType:
    fields: tuple[Field, ...] = ()   # sorted by id, ids unique


@attrs.frozen(cache_hash=True)
class FuncType:
    args: tuple = ()
    results: tuple = ()
    modes: tuple[str, ...] = ()      # sorted, unique


@attrs.frozen(cache_hash=True)
class ServiceType:
    methods: tuple[tuple[str, Any], ...] = ()   # sorted by name (as UTF-8 bytes), unique


@attrs.frozen(cache_hash=True)
class TableIndex:
    """The name of an entry of one message's type table (each decoded message has its own)."""

    message: int
    index: int


@attrs.frozen(cache_hash=True)
class VarType:
    """A reference to a named type: a ``.did`` name (str) or a wire table entry (TableIndex)."""

    name: Any


@attrs.frozen(cache_hash=True)
class FutureType:
    """A type of a future Candid version, known only by its opcode (wire only)."""

    opcode: int
    data: bytes = b""


NULL, BOOL, NAT, INT = (PrimType(n) for n in ("null", "bool", "nat", "int"))
NAT8, NAT16, NAT32, NAT64 = (PrimType(n) for n in ("nat8", "nat16", "nat32", "nat64"))
INT8, INT16, INT32, INT64 = (PrimType(n) for n in ("int8", "int16", "int32", "int64"))
FLOAT32, FLOAT64 = PrimType("float32"), PrimType("float64")
TEXT, RESERVED, EMPTY, PRINCIPAL = (PrimType(n) for n in ("text", "reserved", "empty", "principal"))
BLOB = VecType(NAT8)
PRIMS = {name: PrimType(name) for name in PRIM_OPCODES}

Type = Any  # any of the classes above
Env = Mapping[Any, Any]


def _children(t: Any) -> tuple:
    kind = type(t)
    if kind is OptType or kind is VecType:
        return (t.type,)
    if kind is RecordType or kind is VariantType:
        return tuple(f.type for f in t.fields)
    if kind is FuncType:
        return tuple(t.args) + tuple(t.results)
    if kind is ServiceType:
        return tuple(m for _, m in t.methods)
    return ()


def _rebuild(t: Any, kids: list) -> Any:
    kind = type(t)
    if kind is OptType or kind is VecType:
        return kind(kids[0])
    if kind is RecordType or kind is VariantType:
        return kind(tuple(Field(f.id, k, f.name) for f, k in zip(t.fields, kids)))
    if kind is FuncType:
        n = len(t.args)
        return FuncType(tuple(kids[:n]), tuple(kids[n:]), t.modes)
    if kind is ServiceType:
        return ServiceType(tuple((name, k) for (name, _), k in zip(t.methods, kids)))
    return t


def _shallow_key(t: Any, kids: list) -> Any:
    """What decides whether ``t`` (with its children made canonical, ``kids``) equals a
    canonical type: its kind, its own data and its children's identities (attrs' ``==``
    has no identity shortcut, so comparing types themselves would recurse)."""
    kind = type(t)
    if kind is OptType or kind is VecType:
        return kind, id(kids[0])
    if kind is RecordType or kind is VariantType:
        return kind, tuple((f.id, id(k)) for f, k in zip(t.fields, kids))
    if kind is FuncType:
        return kind, tuple(map(id, kids)), len(t.args), t.modes
    if kind is ServiceType:
        return kind, tuple((name, id(k)) for (name, _), k in zip(t.methods, kids))
    return t                        # primitives, names, future types: shallow already


def intern_types(roots: list, table: dict | None = None) -> list:
    """``roots`` with structurally equal types made one object (hash-consing), built bottom
    up with an explicit stack and hashed bottom up (attrs caches each hash), so neither
    hashing a type nested thousands deep nor looking it up recurses more than one level.
    (Field names, which equality ignores, may come from an equal type met earlier: for the
    binary format only.)  ``table``: shared between calls to intern more roots alike."""
    table = {} if table is None else table
    memo: dict = {}
    keep = []                      # the nodes memo's ids refer to stay alive
    out = []
    for root in roots:
        stack = [(root, False)]
        while stack:
            node, ready = stack.pop()
            if id(node) in memo:
                continue
            kids = _children(node)
            if not ready:
                stack.append((node, True))
                stack.extend((k, False) for k in kids if id(k) not in memo)
                continue
            canon = [memo[id(k)] for k in kids]
            key = _shallow_key(node, canon)
            found = table.get(key)
            if found is None:
                found = _rebuild(node, canon) if kids else node
                hash(found)                # children are hashed: one level deep
                table[key] = found
            keep.append(node)
            memo[id(node)] = found
        out.append(memo[id(root)])
    return out


def record_of(fields: list[Field] | tuple[Field, ...], what: str = "record") -> tuple[Field, ...]:
    """Sort fields by id and reject duplicate ids (e.g. two names with the same hash)."""
    ordered = tuple(sorted(fields, key=lambda f: f.id))
    for a, b in zip(ordered, ordered[1:]):
        if a.id == b.id:
            names = " and ".join(repr(n) for n in (a.name, b.name) if n is not None)
            raise CandidError(f"{what} has two fields with id {a.id}"
                              + (f" ({names})" if names else ""))
    return ordered


def tuple_fields(types: tuple) -> tuple[Field, ...]:
    """The fields of the tuple record ``record { t0; t1; ... }``."""
    return tuple(Field(i, t) for i, t in enumerate(types))


def resolve(t: Type, env: Env) -> Type:
    """Follow ``VarType`` references to a type that is not a name."""
    seen = 0
    while type(t) is VarType:
        try:
            t = env[t.name]
        except KeyError:
            raise CandidError(f"unbound type name {t.name!r}") from None
        seen += 1
        if seen > len(env):
            raise CandidError(f"type {t.name!r} is defined only in terms of itself")
    return t


def is_nullable(t: Type, env: Env) -> bool:
    """``null <: t``: t is null, reserved or an option (spec: Options)."""
    t = resolve(t, env)
    return type(t) is OptType or (type(t) is PrimType and t.name in ("null", "reserved"))


def check_env(env: Env) -> None:
    """Every name used is defined, and no definition is vacuous (``type A = B; type B = A``)."""
    for name in env:
        resolve(VarType(name), env)
    for name, t in env.items():
        run(_check_names(t, env, name))


def _check_names(t: Type, env: Env, where: Any):
    kind = type(t)
    if kind is VarType:
        if t.name not in env:
            raise CandidError(f"unbound type name {t.name!r} in definition of {where!r}")
    elif kind is OptType or kind is VecType:
        yield _check_names(t.type, env, where)
    elif kind is RecordType or kind is VariantType:
        for f in t.fields:
            yield _check_names(f.type, env, where)
    elif kind is FuncType:
        for a in t.args + t.results:
            yield _check_names(a, env, where)
    elif kind is ServiceType:
        for _, m in t.methods:
            yield _check_names(m, env, where)
            if type(resolve(m, env)) is not FuncType:
                raise CandidError(f"method type in {where!r} is not a function type")


# -- subtyping (spec: "Upgrading and Subtyping / Rules") ---------------------------

def is_subtype(t1: Type, t2: Type, env: Env, assumed: set | None = None) -> bool:
    """``t1 <: t2``, both resolved in ``env`` (coinductively, for recursive types)."""
    return run(subtype(t1, t2, env, set() if assumed is None else assumed))


def subtype(t1: Type, t2: Type, env: Env, assumed: set):
    """Generator form of ``is_subtype`` for use inside other walks."""
    if type(t1) is VarType or type(t2) is VarType:
        key = (t1, t2)
        if key in assumed:
            return True          # coinduction: assume what is being proven
        assumed.add(key)
        result = yield subtype(resolve(t1, env), resolve(t2, env), env, assumed)
        if not result:
            assumed.discard(key)
        return result
    k1, k2 = type(t1), type(t2)
    if k2 is PrimType and t2.name == "reserved":
        return True
    if k1 is PrimType and t1.name == "empty":
        return True
    if k2 is OptType:
        # opt t' is a supertype of everything: of null, reserved and options by
        # their own rules, of any other type through the constituent rule or,
        # failing that, the rule that keeps subtyping transitive.
        return True
    if k1 is PrimType and k2 is PrimType:
        return t1.name == t2.name or (t1.name == "nat" and t2.name == "int")
    if k1 is ServiceType and k2 is PrimType:
        return t2.name == "principal"
    if k1 is VecType and k2 is VecType:
        return (yield subtype(t1.type, t2.type, env, assumed))
    if k1 is RecordType and k2 is RecordType:
        return (yield _record_subtype(t1.fields, t2.fields, env, assumed))
    if k1 is VariantType and k2 is VariantType:
        expected = {f.id: f.type for f in t2.fields}
        for f in t1.fields:
            if f.id not in expected:
                return False
            if not (yield subtype(f.type, expected[f.id], env, assumed)):
                return False
        return True
    if k1 is FuncType and k2 is FuncType:
        if t1.modes != t2.modes:
            return False
        # Parameters are contravariant, results covariant, both as tuple records.
        if not (yield _record_subtype(tuple_fields(t2.args), tuple_fields(t1.args), env, assumed)):
            return False
        return (yield _record_subtype(tuple_fields(t1.results), tuple_fields(t2.results),
                                      env, assumed))
    if k1 is ServiceType and k2 is ServiceType:
        methods = dict(t1.methods)
        for name, m2 in t2.methods:
            if name not in methods:
                return False
            if not (yield subtype(methods[name], m2, env, assumed)):
                return False
        return True
    return False


def _record_subtype(fields1, fields2, env, assumed):
    actual = {f.id: f.type for f in fields1}
    for f in fields2:
        if f.id in actual:
            if not (yield subtype(actual[f.id], f.type, env, assumed)):
                return False
        elif not is_nullable(f.type, env):
            return False   # a missing field must be optional (null, opt or reserved)
    return True


# -- printing types in the textual syntax ------------------------------------------

def is_plain_id(name: str) -> bool:
    return (name.isascii() and (name[:1].isalpha() or name[:1] == "_")
            and all(c.isalnum() or c == "_" for c in name) and name not in KEYWORDS)


def quote_name(name: str) -> str:
    """A field or method name as written in Candid text: bare if possible, else quoted."""
    if is_plain_id(name):
        return name
    from pyic.candid.text import quote_text
    return quote_text(name)


def type_to_text(t: Type) -> str:
    return run(_type_text(t))


def _field_label(f: Field) -> str:
    return quote_name(f.name) if f.name is not None else str(f.id)


def _type_text(t: Type):
    kind = type(t)
    if kind is PrimType:
        return t.name
    if kind is VarType:
        if isinstance(t.name, str):
            return str(t.name)
        return f"table{getattr(t.name, 'index', t.name)}"
    if kind is OptType:
        return "opt " + (yield _type_text(t.type))
    if kind is VecType:
        if t.type == NAT8:
            return "blob"
        return "vec " + (yield _type_text(t.type))
    if kind is RecordType:
        parts = []
        tuple_like = all(f.id == i for i, f in enumerate(t.fields))
        for f in t.fields:
            inner = yield _type_text(f.type)
            parts.append(inner if tuple_like else f"{_field_label(f)} : {inner}")
        return "record { " + "; ".join(parts) + " }" if parts else "record {}"
    if kind is VariantType:
        parts = []
        for f in t.fields:
            if f.type == NULL:
                parts.append(_field_label(f))
            else:
                parts.append(f"{_field_label(f)} : {(yield _type_text(f.type))}")
        return "variant { " + "; ".join(parts) + " }" if parts else "variant {}"
    if kind is FuncType:
        return "func " + (yield _functype_text(t))
    if kind is ServiceType:
        return "service " + (yield _actortype_text(t))
    if kind is FutureType:
        return f"future{t.opcode}"
    raise CandidError(f"not a Candid type: {t!r}")


def _functype_text(t: FuncType):
    args, results = [], []
    for a in t.args:
        args.append((yield _type_text(a)))
    for r in t.results:
        results.append((yield _type_text(r)))
    text = f"({', '.join(args)}) -> ({', '.join(results)})"
    return text + "".join(" " + m for m in t.modes)


def _actortype_text(t: ServiceType):
    parts = []
    for name, m in t.methods:
        m_text = (yield _functype_text(m)) if type(m) is FuncType else (yield _type_text(m))
        parts.append(f"{quote_name(name)} : {m_text}")
    return "{ " + "; ".join(parts) + " }" if parts else "{}"


def types_to_text(types: tuple) -> str:
    return "(" + ", ".join(type_to_text(t) for t in types) + ")"
