"""Small builders of hand-made modules for the validator's unit tests."""

from __future__ import annotations

import pytest

from pyic.errors import InvalidError
from pyic.wasm.syntax import (
    FUNCREF, Func, FuncType, Global, GlobalType, Instr, Limits, Mem, MemType, Module,
    Table, TableType, plain_functype,
)
from pyic.wasm.valid import validate_module


def I(op, *imm):  # noqa: E743 - short on purpose: bodies read like WAT
    return Instr(op, tuple(imm))


def block(*body, bt=None):
    return I("block", bt, tuple(body))


def loop(*body, bt=None):
    return I("loop", bt, tuple(body))


def if_(then, else_=(), bt=None):
    return I("if", bt, tuple(then), tuple(else_))


def func_module(*body, params=(), results=(), locals_=(), types=(), mems=(), tables=(),
                globals_=(), **fields):
    """A module whose function 0 has the given signature and body (type 0)."""
    ts = (plain_functype(FuncType(tuple(params), tuple(results))),) + tuple(types)
    return Module(types=ts, funcs=(Func(0, tuple(locals_), tuple(body)),), mems=tuple(mems),
                  tables=tuple(tables), globals=tuple(globals_), **fields)


def mem(min_=1, max_=None, addrtype="i32"):
    return Mem(MemType(Limits(min_, max_, addrtype)))


def table(min_=1, max_=None, reftype=FUNCREF, addrtype="i32", init=None):
    return Table(TableType(Limits(min_, max_, addrtype), reftype), init)


def global_(valtype, mut=False, init=None):
    default = (I(f"{valtype}.const", 0),)
    return Global(GlobalType(mut, valtype), init if init is not None else default)


def valid(module, version=3):
    validate_module(module, version=version)


def invalid(module, message, version=3):
    """Assert ``module`` is invalid with a message starting with ``message``."""
    with pytest.raises(InvalidError) as info:
        validate_module(module, version=version)
    assert info.value.message.startswith(message), info.value.message


__all__ = ["I", "block", "loop", "if_", "func_module", "mem", "table", "global_", "valid",
           "invalid"]
