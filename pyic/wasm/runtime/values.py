"""Values (spec 4.2.1) as the engine holds them.

* ``i32`` / ``i64``: unsigned Python ints below 2**32 / 2**64;
* ``f32`` / ``f64``: their IEEE-754 bit patterns, unsigned ints;
* ``v128``: one unsigned 128-bit int (lane 0 in the low bits);
* references: `NullRef` (carrying its heap type), `FuncRef` (a function
  address), `HostRef` (``ref.host a``: a host reference in the ``any``
  hierarchy), `ExternRef` (``ref.extern``: an external reference, wrapping
  either a host object the embedder passes in, for scripts the int of
  ``ref.extern N``, or an internal reference made external by
  ``extern.convert_any``), and the GC and exception objects of
  `pyic.wasm.runtime.gc` (`I31Ref`, `StructInst`, `ArrayInst`, `ExnInst`):
  the spec's ``ref.struct a`` is the structure instance itself, so reference
  equality is object identity.

Only references are objects; numbers stay plain ints so the interpreter's hot
loop never boxes.
"""

from __future__ import annotations

from ..syntax.types import RefType

MASK32 = 0xFFFF_FFFF
MASK64 = 0xFFFF_FFFF_FFFF_FFFF
MASK128 = (1 << 128) - 1


class Ref:
    """A reference value (4.2.1 ``ref``)."""

    __slots__ = ()


class NullRef(Ref):
    """``ref.null t``: the null reference of heap type ``heaptype``."""

    __slots__ = ("heaptype",)

    def __init__(self, heaptype: object) -> None:
        self.heaptype = heaptype

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NullRef)

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"(ref.null {self.heaptype})"


class FuncRef(Ref):
    """``ref.func a``: the function at address ``addr`` of its store."""

    __slots__ = ("addr",)

    def __init__(self, addr: int) -> None:
        self.addr = addr

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FuncRef) and other.addr == self.addr

    def __hash__(self) -> int:
        return hash(("func", self.addr))

    def __repr__(self) -> str:
        return f"(ref.func {self.addr})"


class HostRef(Ref):
    """``ref.host a`` (4.2.1): a host reference seen inside Wasm, of type ``(ref any)``.

    ``any.convert_extern`` turns ``ExternRef(v)`` with a host object ``v``
    into ``HostRef(v)``, and ``extern.convert_any`` turns it back.
    """

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HostRef) and other.value == self.value

    def __hash__(self) -> int:
        return hash(("host", self.value))

    def __repr__(self) -> str:
        return f"(ref.host {self.value!r})"


class ExternRef(Ref):
    """``ref.extern r`` (4.2.1): an external reference.  ``value`` is an opaque host
    object supplied by the embedder (``ref.extern (ref.host value)`` in spec terms),
    or an internal `Ref` (i31, structure, array) externalised by ``extern.convert_any``."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExternRef) and other.value == self.value

    def __hash__(self) -> int:
        return hash(("extern", self.value))

    def __repr__(self) -> str:
        return f"(ref.extern {self.value!r})"


_NULLS: dict = {}


def null(heaptype: object) -> NullRef:
    """The (shared) null reference of a heap type."""
    r = _NULLS.get(heaptype)
    if r is None:
        r = _NULLS[heaptype] = NullRef(heaptype)
    return r


def default_value(t: object) -> object:
    """4.2.1 the default value of a value type: 0 for numbers and vectors, null for nullable
    references."""
    if isinstance(t, RefType):
        return null(t.heaptype)
    return 0


def is_value_of(v: object, t: object) -> bool:
    """Whether the Python value ``v`` is a well-formed value of type ``t`` (for embedder input)."""
    if t == "i32" or t == "f32":
        return type(v) is int and 0 <= v <= MASK32
    if t == "i64" or t == "f64":
        return type(v) is int and 0 <= v <= MASK64
    if t == "v128":
        return type(v) is int and 0 <= v <= MASK128
    if isinstance(t, RefType):
        if isinstance(v, NullRef):
            return t.nullable
        if not isinstance(v, Ref):
            return False
        if type(t.heaptype) is int:
            return True     # a module-relative type index: not checked further here
        from .gc import ref_matches
        return ref_matches(v, t, None)
    return False
