"""Tiny builders of abstract-syntax modules for the interpreter's tests (no parser needed)."""

from pyic.wasm import embed
from pyic.wasm.syntax import (Active, Export, Func, FuncType, Global, GlobalType, Import, Instr,
                              Limits, Mem, MemArg, Module, Table, TableType, FUNCREF, Elem, Data)
from pyic.wasm.syntax.types import MemType, plain_functype

__all__ = ["I", "func_module", "instantiate", "ft", "MemArg", "Module", "Func", "Export", "Global",
           "GlobalType", "Import", "Limits", "Mem", "MemType", "Table", "TableType", "FUNCREF",
           "Elem", "Data", "Active", "plain_functype", "FuncType"]


def I(op, *imm):  # noqa: E743 - short on purpose: one instruction
    return Instr(op, tuple(imm))


def ft(params=(), results=()):
    return FuncType(tuple(params), tuple(results))


def func_module(funcs, types, *, exports=None, mems=(), tables=(), globals_=(), elems=(), datas=(),
                imports=(), start=None):
    """``funcs``: list of (typeidx, locals, body); exports default: every function by index
    ``f<i>``."""
    nimp = sum(1 for im in imports if im.kind == "func")
    if exports is None:
        exports = [Export(f"f{i}", "func", nimp + i) for i in range(len(funcs))]
    from pyic.wasm.syntax import Start
    return Module(
        types=tuple(plain_functype(t) for t in types),
        imports=tuple(imports),
        funcs=tuple(Func(t, tuple(loc), tuple(body)) for t, loc, body in funcs),
        tables=tuple(tables), mems=tuple(mems), globals=tuple(globals_),
        elems=tuple(elems), datas=tuple(datas), exports=tuple(exports),
        start=Start(start) if start is not None else None)


def instantiate(module, imports=None, config=None):
    store = embed.Store(config)
    return store, embed.module_instantiate(store, module, imports)
