"""`node`: the decorator of the abstract syntax's immutable classes.

It is attrs' ``frozen`` (slotted, immutable, compared and hashed by value) with one
``__repr__`` shared by every class, ``Name(field=value, ...)`` as attrs writes it: attrs
compiles a ``__repr__`` for each class it makes, and the syntax's ~30 classes are made by
every ``pyic`` process before its first instruction (about 4 ms of a ~80 ms start-up,
tools/startup.py).  A class that writes its own ``__repr__`` keeps it."""

from __future__ import annotations

from attrs import frozen


def _repr(self) -> str:
    cls = type(self)
    shown = ", ".join(f"{a.name}={getattr(self, a.name)!r}"
                      for a in cls.__attrs_attrs__ if a.repr)
    return f"{cls.__qualname__}({shown})"


def node(maybe_cls=None, **options):
    """``@node`` or ``@node(eq=False, ...)``: ``attrs.frozen`` with the shared ``__repr__``."""
    def make(cls):
        if "__repr__" in cls.__dict__:
            return frozen(cls, **options)       # attrs sees the class's own and keeps it
        made = frozen(cls, repr=False, **options)
        made.__repr__ = _repr
        return made
    return make if maybe_cls is None else make(maybe_cls)


__all__ = ["node"]
