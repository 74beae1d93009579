"""The ``spectest`` host module the test suite imports from, and the script
engine that runs WAST scripts on pyic's interpreter.

``spectest`` (as the reference interpreter's ``host/spectest.ml`` provides it):
``print`` and ``print_*`` (functions that do nothing visible: pyic prints to no
stream while running the suite), ``global_i32`` = 666, ``global_i64`` = 666,
``global_f32`` = 666.6, ``global_f64`` = 666.6 (all immutable), ``table``
(10..20 funcref), ``table64`` (the same with 64-bit addresses) and
``memory`` (1..2 pages).

`SpecEngine` implements `pyic.wasm.script.engine.ScriptEngine`: it converts
between the script's values (`commands.Num`, `Vec`, `RefValue`) and the
engine's, and resolves imports by registered name then export name.
"""

from __future__ import annotations

from typing import Mapping

from ...errors import ScriptError
from .. import embed
from ..features import enabled
from ..runtime.store import Config, ModuleInst, Store
from ..runtime.gc import ArrayInst, ExnInst, I31Ref, StructInst
from ..runtime.values import ExternRef, FuncRef, HostRef, NullRef, Ref, null
from ..syntax.types import (
    F32, F64, FUNCREF, I32, I64, FuncType, GlobalType, Limits, MemType, TableType,
)
from .commands import Num, RefValue, Vec

F32_666_6 = 0x4426A666
F64_666_6 = 0x4084D4CCCCCCCCCD

_PRINTS = {
    "print": (), "print_i32": (I32,), "print_i64": (I64,), "print_f32": (F32,),
    "print_f64": (F64,), "print_i32_f32": (I32, F32), "print_f64_f64": (F64, F64),
}


def spectest_instance(store: Store) -> ModuleInst:
    """A fresh ``spectest`` module instance in ``store``."""
    inst = ModuleInst(store, _EMPTY_MODULE)
    ex = inst.exports
    for name, params in _PRINTS.items():
        ex[name] = embed.func_alloc(store, FuncType(params, ()), lambda caller, *args: None)
    ex["global_i32"] = embed.global_alloc(store, GlobalType(False, I32), 666)
    ex["global_i64"] = embed.global_alloc(store, GlobalType(False, I64), 666)
    ex["global_f32"] = embed.global_alloc(store, GlobalType(False, F32), F32_666_6)
    ex["global_f64"] = embed.global_alloc(store, GlobalType(False, F64), F64_666_6)
    ex["table"] = embed.table_alloc(store, TableType(Limits(10, 20), FUNCREF))
    ex["table64"] = embed.table_alloc(store, TableType(Limits(10, 20, I64), FUNCREF))
    ex["memory"] = embed.mem_alloc(store, MemType(Limits(1, 2)))
    if enabled("threads"):
        # the threads proposal's spectest.ml adds a shared memory (1..2 pages)
        ex["shared_memory"] = embed.mem_alloc(store, MemType(Limits(1, 2, I32, True)))
    return inst


def _empty_module():
    from ..syntax.modules import Module
    return Module()


_EMPTY_MODULE = _empty_module()


# ---------------------------------------------------------- values across the script boundary

def to_value(v: object) -> object:
    """A script argument (`Num`, `Vec`, `RefValue`) as an engine value."""
    if isinstance(v, Num):
        return v.bits
    if isinstance(v, Vec):
        from .results import vec_bits
        bits = vec_bits(v)
        if bits is None:
            raise ScriptError("malformed v128 argument")
        return bits
    if isinstance(v, RefValue):
        if v.kind == "null":
            return null(v.value if v.value is not None else "func")
        # (ref.extern n) is ref.extern (ref.host n); (ref.host n) a host reference in "any"
        if v.kind == "extern":
            return ExternRef(v.value)
        if v.kind == "host":
            return HostRef(v.value)
    raise ScriptError(f"unsupported argument {v!r}")


def from_value(v: object, t: object) -> object:
    """An engine value of type ``t`` as a script value."""
    if isinstance(v, NullRef):
        return RefValue("null", v.heaptype)
    if isinstance(v, FuncRef):
        return RefValue("func", None)
    if isinstance(v, ExternRef):
        # an externalised internal reference has no number: it matches (ref.extern) only
        return RefValue("extern", None if isinstance(v.value, Ref) else v.value)
    if isinstance(v, HostRef):
        return RefValue("host", v.value)
    kind = _REF_KINDS.get(type(v))
    if kind is not None:
        return RefValue(kind, None)
    if t == "v128":
        return Vec("i64x2", (v & (1 << 64) - 1, v >> 64))
    return Num(t, v)


_REF_KINDS = {I31Ref: "i31", StructInst: "struct", ArrayInst: "array", ExnInst: "exn"}


class SpecEngine:
    """The `ScriptEngine` of pyic: one store per script."""

    def __init__(self, config: Config | None = None) -> None:
        self.store = Store(config)

    def spectest(self) -> ModuleInst:
        return spectest_instance(self.store)

    def instantiate(self, module, registry: Mapping[str, object]) -> ModuleInst:
        imports = {name: inst.exports for name, inst in registry.items()}
        return embed.module_instantiate(self.store, module, imports)

    def _export(self, instance: ModuleInst, name: str, kind: str):
        ev = instance.exports.get(name)
        if ev is None:
            raise ScriptError(f"undefined export \"{name}\"")
        if ev.kind != kind:
            raise ScriptError(f"export \"{name}\" is not a {kind}")
        return ev

    def invoke(self, instance: ModuleInst, name: str, args: tuple) -> tuple:
        ev = self._export(instance, name, "func")
        ft = self.store.funcs[ev.addr].type
        if len(args) != len(ft.params):
            raise ScriptError("wrong number of arguments")
        results, _ = embed.invoke(self.store, ev, [to_value(a) for a in args])
        return tuple(from_value(v, t) for v, t in zip(results, ft.results))

    def get(self, instance: ModuleInst, name: str) -> object:
        ev = self._export(instance, name, "global")
        g = self.store.globals[ev.addr]
        return from_value(g.value, g.type.valtype)
