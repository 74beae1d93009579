"""Host representation of Candid values (spec: "Values").

| Candid                      | Python                                           |
| --------------------------- | ------------------------------------------------ |
| null, reserved              | ``None``                                         |
| bool                        | ``bool``                                         |
| nat, int, natN, intN        | ``int``                                          |
| float32, float64            | ``float``                                        |
| text                        | ``str``                                          |
| opt v / null at an opt type | ``Opt(v)`` / ``None``                            |
| vec nat8 (blob)             | ``bytes``                                        |
| other vec                   | ``tuple`` (the encoder also accepts ``list``)    |
| record                      | ``Record`` (fields by id; names kept for display)|
| variant                     | ``Variant``                                      |
| principal                   | ``Principal``                                    |
| service "…"                 | ``ServiceRef``                                   |
| func "…".m                  | ``FuncRef``                                      |

Values carry no types: what a value means depends on the type it is read at.
Names of fields and tags never take part in equality; only their numeric ids do.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import attrs

from pyic.candid.principal import Principal
from pyic.candid.types import idl_hash
from pyic.errors import CandidError


def label_id(label: str | int) -> int:
    """The id of a field given by name (hashed) or number."""
    if isinstance(label, bool):
        raise CandidError(f"not a field label: {label!r}")
    if isinstance(label, int):
        if not 0 <= label < 1 << 32:
            raise CandidError(f"field id {label} is not a u32")
        return label
    if isinstance(label, str):
        return idl_hash(label)
    raise CandidError(f"not a field label: {label!r}")


def values_equal(a: Any, b: Any) -> bool:
    """Structural equality of values, walked with an explicit stack (values nest deeply)."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if x is y:
            continue
        tx = type(x)
        if tx in _CONTAINERS or type(y) in _CONTAINERS:
            if tx is not type(y):
                return False
            if tx is Opt:
                stack.append((x.value, y.value))
            elif tx is Variant:
                if x.id != y.id:
                    return False
                stack.append((x.value, y.value))
            elif tx is Record:
                if len(x.fields) != len(y.fields):
                    return False
                for (i, u), (j, w) in zip(x.fields, y.fields):
                    if i != j:
                        return False
                    stack.append((u, w))
            else:  # tuple or list
                if len(x) != len(y):
                    return False
                stack.extend(zip(x, y))
        elif x != y:
            return False
    return True


_repr_depth = 0


def _guarded_repr(text_of):
    """``repr`` that gives up past a depth instead of exhausting the host stack."""
    def __repr__(self) -> str:
        global _repr_depth
        if _repr_depth > 40:
            return f"{type(self).__name__}(...)"
        _repr_depth += 1
        try:
            return text_of(self)
        finally:
            _repr_depth -= 1
    return __repr__


class _Value:
    """Equality and hashing shared by the nested value classes (no host recursion)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return values_equal(self, other)

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        # Shallow on purpose: consistent with equality without walking the value.
        return hash(self._shape())


@attrs.frozen(eq=False, repr=False)
class Opt(_Value):
    """``opt v``; the absent option is ``None``."""

    value: Any

    def _shape(self) -> tuple:
        return ("opt",)

    __repr__ = _guarded_repr(lambda self: f"Opt({self.value!r})")


@attrs.frozen(eq=False, repr=False)
class Record(_Value):
    """A record: ``fields`` are ``(id, value)`` pairs sorted by id."""

    fields: tuple[tuple[int, Any], ...] = ()
    names: tuple[tuple[int, str], ...] = attrs.field(default=(), eq=False)

    @classmethod
    def of(cls, items: Mapping[str | int, Any] | Iterable[tuple[str | int, Any]] = (),
           **named: Any) -> "Record":
        """Build from a mapping or pairs whose keys are names or numeric ids."""
        pairs = list(items.items() if isinstance(items, Mapping) else items) + list(named.items())
        fields, names = {}, {}
        for label, value in pairs:
            i = label_id(label)
            if i in fields:
                raise CandidError(f"record has two fields with id {i}")
            fields[i] = value
            if isinstance(label, str):
                names[i] = label
        return cls(tuple(sorted(fields.items())), tuple(sorted(names.items())))

    @classmethod
    def tuple(cls, *values: Any) -> "Record":
        """The tuple record ``record { v0; v1; ... }``."""
        return cls(tuple(enumerate(values)))

    def __getitem__(self, label: str | int) -> Any:
        i = label_id(label)
        for fid, value in self.fields:
            if fid == i:
                return value
        raise KeyError(label)

    def get(self, label: str | int, default: Any = None) -> Any:
        try:
            return self[label]
        except KeyError:
            return default

    def name_of(self, fid: int) -> str | None:
        for i, name in self.names:
            if i == fid:
                return name
        return None

    def to_dict(self) -> dict:
        return {self.name_of(i) or i: v for i, v in self.fields}

    def _shape(self) -> tuple:
        return ("record", tuple(i for i, _ in self.fields))

    __repr__ = _guarded_repr(lambda self: "Record({" + ", ".join(
        f"{self.name_of(i) or i!r}: {v!r}" for i, v in self.fields) + "})")


@attrs.frozen(eq=False, repr=False)
class Variant(_Value):
    """A variant value: the tag's id and its value (``None`` for a tag of type null)."""

    id: int
    value: Any = None
    name: str | None = attrs.field(default=None, eq=False)

    @classmethod
    def of(cls, label: str | int, value: Any = None) -> "Variant":
        return cls(label_id(label), value, label if isinstance(label, str) else None)

    def _shape(self) -> tuple:
        return ("variant", self.id)

    __repr__ = _guarded_repr(lambda self: f"Variant({self.name or self.id!r}, {self.value!r})")


@attrs.frozen
class ServiceRef:
    """A reference to a service: ``service "…"``."""

    principal: Principal


@attrs.frozen
class FuncRef:
    """A reference to a public method of a service: ``func "…".method``."""

    principal: Principal
    method: str


_CONTAINERS = (Opt, Record, Variant, tuple, list)

__all__ = ["values_equal", "Opt", "Record", "Variant", "ServiceRef", "FuncRef", "Principal",
           "label_id"]
