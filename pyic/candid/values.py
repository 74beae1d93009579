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


@attrs.frozen
class Opt:
    """``opt v``; the absent option is ``None``."""

    value: Any


@attrs.frozen(repr=False)
class Record:
    """A record: ``fields`` are ``(id, value)`` pairs sorted by id."""

    fields: tuple[tuple[int, Any], ...] = ()
    names: tuple[tuple[int, str], ...] = attrs.field(default=(), eq=False)

    @classmethod
    def of(cls, items: Mapping[str | int, Any] | Iterable[tuple[str | int, Any]] = (), **named: Any) -> "Record":
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

    def __repr__(self) -> str:
        inner = ", ".join(f"{self.name_of(i) or i!r}: {v!r}" for i, v in self.fields)
        return f"Record({{{inner}}})"


@attrs.frozen(repr=False)
class Variant:
    """A variant value: the tag's id and its value (``None`` for a tag of type null)."""

    id: int
    value: Any = None
    name: str | None = attrs.field(default=None, eq=False)

    @classmethod
    def of(cls, label: str | int, value: Any = None) -> "Variant":
        return cls(label_id(label), value, label if isinstance(label, str) else None)

    def __repr__(self) -> str:
        return f"Variant({self.name or self.id!r}, {self.value!r})"


@attrs.frozen
class ServiceRef:
    """A reference to a service: ``service "…"``."""

    principal: Principal


@attrs.frozen
class FuncRef:
    """A reference to a public method of a service: ``func "…".method``."""

    principal: Principal
    method: str


__all__ = ["Opt", "Record", "Variant", "ServiceRef", "FuncRef", "Principal", "label_id"]
