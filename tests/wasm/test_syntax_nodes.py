"""The abstract syntax's classes (`pyic.wasm.syntax.node`): immutable, compared and hashed
by value, printed as ``Name(field=value, ...)`` as attrs prints its classes."""

import attrs
import pytest

from pyic.wasm.syntax import instructions, modules, types
from pyic.wasm.syntax.instructions import MemArg
from pyic.wasm.syntax.modules import Export, Module
from pyic.wasm.syntax.types import FuncType, Limits, RefType

CLASSES = [v for m in (types, modules, instructions) for v in vars(m).values()
           if isinstance(v, type) and attrs.has(v) and v.__module__ == m.__name__]


def test_every_syntax_class_is_frozen_and_slotted():
    assert len(CLASSES) >= 30
    for cls in CLASSES:
        assert "__slots__" in cls.__dict__, cls
    ft = FuncType(("i32",), ())
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        ft.params = ()


def test_value_equality_and_hash():
    assert RefType(True, "func") == RefType(True, "func") != RefType(False, "func")
    assert hash(FuncType(("i32",), ("i64",))) == hash(FuncType(("i32",), ("i64",)))
    # fields declared eq=False do not take part (a module's custom sections, names)
    assert Module(customs=("x",)) == Module()


def test_repr_is_attrs_form():
    assert repr(RefType(True, "func")) == "RefType(nullable=True, heaptype='func', exact=False)"
    assert repr(FuncType(("i32",), ())) == "FuncType(params=('i32',), results=())"
    assert repr(Export("run", "func", 3)) == "Export(name='run', kind='func', index=3)"
    assert repr(Limits(1)).startswith("Limits(min=1, ")
    assert repr(MemArg(2, 8)).startswith("MemArg(")
    nested = repr(Module(exports=(Export("a", "func", 0),)))
    assert "exports=(Export(name='a', kind='func', index=0),)" in nested
