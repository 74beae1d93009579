"""The embedding API (spec appendix A.1 "Embedding"), for the script runner,
the canister layer and `pyic run`.

Functions are named after the appendix's (``module_decode``,
``module_instantiate``, ``func_invoke``, ``mem_read``, ...); external values
are `ExternVal` (kind + store address); values are as in
`pyic.wasm.runtime.values`: ints for numbers (floats as bit patterns, v128
as one 128-bit int) and `Ref` objects for references.

    store = Store()
    inst = module_instantiate(store, module_decode(data), {"env": {"f": func_alloc(store, ft, f)}})
    results = func_invoke(store, instance_export(inst, "run"), [42])

Counting: `invoke` returns the results and the invocation's instruction
count; with ``limit=`` it raises `InstructionLimitExceeded` at the point
docs/semantics.md defines.  Every `Trap`, `Exhaustion` and
`InstructionLimitExceeded` raised by an invocation carries the count so far
as its ``count`` attribute.
"""

from __future__ import annotations

from typing import Callable

from ..errors import Exhaustion, LinkError, PyicError, Trap
from .runtime.instantiate import alloc_global, alloc_mem, alloc_table, instantiate
from .runtime.memory import OUT_OF_MEMORY, PAGE_SIZE
from .runtime.meter import Caller, Meter
from .runtime.snapshot import Snapshot, snapshot_instance
from .runtime.store import Config, ExternVal, HostFunc, ModuleInst, Store
from .runtime.values import ExternRef, FuncRef, HostRef, NullRef, Ref, is_value_of, null
from .syntax.types import FuncType, GlobalType, MemType, TableType
from .tiers import run

__all__ = [
    "Store", "Config", "ExternVal", "ModuleInst", "Caller", "Meter", "Snapshot",
    "Ref", "NullRef", "FuncRef", "ExternRef", "HostRef", "null",
    "store_init", "module_decode", "module_parse", "module_validate", "module_instantiate",
    "module_imports", "module_exports", "instance_export", "func_alloc", "func_type",
    "func_invoke", "invoke", "invoke_export", "table_alloc", "table_type", "table_read",
    "table_write", "table_size", "table_grow", "mem_alloc", "mem_type", "mem_read",
    "mem_write", "mem_size", "mem_grow", "global_alloc", "global_type", "global_read",
    "global_write", "snapshot", "load_module",
]


def store_init(config: Config | None = None) -> Store:
    return Store(config)


# ------------------------------------------------------------------ modules

def module_decode(data: bytes):
    from .binary import decode_module
    return decode_module(data)


def module_parse(text: str, source: str | None = None):
    from .text import parse_module
    return parse_module(text, source)


def module_validate(module) -> None:
    from .valid import validate_module
    validate_module(module)


def load_module(data: bytes | str, source: str | None = None, validate: bool = True):
    """Decode (bytes starting with ``\\0asm``) or parse (text) a module, then validate it."""
    if isinstance(data, (bytes, bytearray)) and bytes(data[:4]) == b"\0asm":
        module = module_decode(bytes(data))
    else:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
        module = module_parse(text, source)
    if validate:
        module_validate(module)
    return module


def module_instantiate(
    store: Store, module, imports=None, *, limit: int | None = None
) -> ModuleInst:
    """Instantiate a *validated* module.  ``imports``: a list of `ExternVal` in import order, or
    ``{module name: {name: ExternVal}}``.  The start function's count is ``inst.start_count``."""
    return instantiate(store, module, imports, meter=Meter(limit))


def module_imports(module) -> list:
    """``[(module, name, kind, type)]`` with function types resolved."""
    types = tuple(st.comptype for st in module.deftypes())
    return [(im.module, im.name, im.kind, types[im.desc] if im.kind == "func" else im.desc)
            for im in module.imports]


def module_exports(module) -> list:
    return [(ex.name, ex.kind) for ex in module.exports]


def instance_export(inst: ModuleInst, name: str) -> ExternVal:
    ev = inst.exports.get(name)
    if ev is None:
        raise LinkError(f"unknown export \"{name}\"")
    return ev


# ------------------------------------------------------------------ functions

def func_alloc(store: Store, functype: FuncType, fn: Callable) -> ExternVal:
    """A host function: ``fn(caller, *args)`` returns None, a value, or a sequence of values.
    ``caller.memory(i)`` is the calling instance's memory, ``caller.charge(n)`` charges units;
    raising `Trap` traps the Wasm caller."""
    return ExternVal("func", store.alloc(store.funcs, HostFunc(functype, fn)))


def func_type(store: Store, ev: ExternVal) -> FuncType:
    return store.funcs[_addr(ev, "func")].type


def invoke(store: Store, func, args, *, limit: int | None = None, meter: Meter | None = None):
    """A.1 ``func_invoke`` (4.7.3 "Invocation"): ``(results, count)``.  ``func`` is an
    `ExternVal` or a function address.

    Arguments are checked against the function's type (`Trap` "type mismatch" otherwise)."""
    addr = func.addr if isinstance(func, ExternVal) else func
    if not isinstance(addr, int) or not 0 <= addr < len(store.funcs):
        raise PyicError("not a function address")
    f = store.funcs[addr]
    params = f.type.params
    args = list(args)
    if len(args) != len(params) or not all(is_value_of(v, t) for v, t in zip(args, params)):
        raise Trap("type mismatch: wrong arguments")
    m = meter if meter is not None else Meter(limit)
    before = m.count
    try:
        results = run(store, f, args, m)
    except PyicError as e:
        e.count = m.count - before
        raise
    except MemoryError:
        # Python's allocator failed before any cap did: never a Python error (the count is
        # the last one the run recorded; docs/semantics.md, "Memories and tables").
        e = Exhaustion(OUT_OF_MEMORY)
        e.count = m.count - before
        raise e from None
    return list(results), m.count - before


def func_invoke(store: Store, func, args) -> list:
    """The appendix's ``func_invoke``: the results only."""
    return invoke(store, func, args)[0]


def invoke_export(store: Store, inst: ModuleInst, name: str, args=(), *, limit: int | None = None):
    """Invoke the function export ``name``: ``(results, count)``."""
    ev = instance_export(inst, name)
    if ev.kind != "func":
        raise LinkError(f"export \"{name}\" is not a function")
    return invoke(store, ev, args, limit=limit)


# ------------------------------------------------------------------ tables

def table_alloc(store: Store, tabletype: TableType, init: Ref | None = None) -> ExternVal:
    if init is None:
        init = null(tabletype.reftype.heaptype)
    return ExternVal("table", alloc_table(store, tabletype, init))


def table_type(store: Store, ev: ExternVal) -> TableType:
    t = store.tables[_addr(ev, "table")]
    return TableType(_limits(t.type.limits, t.size, t.max), t.type.reftype)


def table_read(store: Store, ev: ExternVal, i: int) -> Ref:
    return store.tables[_addr(ev, "table")].get(i)


def table_write(store: Store, ev: ExternVal, i: int, ref: Ref) -> None:
    store.tables[_addr(ev, "table")].set(i, ref)


def table_size(store: Store, ev: ExternVal) -> int:
    return store.tables[_addr(ev, "table")].size


def table_grow(store: Store, ev: ExternVal, n: int, init: Ref | None = None) -> int:
    t = store.tables[_addr(ev, "table")]
    return t.grow(n, init if init is not None else null(t.type.reftype.heaptype))


# ------------------------------------------------------------------ memories

def mem_alloc(store: Store, memtype: MemType) -> ExternVal:
    return ExternVal("memory", alloc_mem(store, memtype))


def mem_type(store: Store, ev: ExternVal) -> MemType:
    m = store.mems[_addr(ev, "memory")]
    return MemType(_limits(m.type.limits, m.size // PAGE_SIZE, m.max))


def mem_read(store: Store, ev: ExternVal, addr: int, n: int = 1) -> bytes:
    return store.mems[_addr(ev, "memory")].read(addr, n)


def mem_write(store: Store, ev: ExternVal, addr: int, data: bytes) -> None:
    store.mems[_addr(ev, "memory")].write(addr, bytes(data))


def mem_size(store: Store, ev: ExternVal) -> int:
    """In pages."""
    return store.mems[_addr(ev, "memory")].size // PAGE_SIZE


def mem_grow(store: Store, ev: ExternVal, n: int) -> int:
    return store.mems[_addr(ev, "memory")].grow(n)


# ------------------------------------------------------------------ globals

def global_alloc(store: Store, globaltype: GlobalType, value) -> ExternVal:
    if not is_value_of(value, globaltype.valtype):
        raise PyicError("global value does not match its type")
    return ExternVal("global", alloc_global(store, globaltype, value))


def global_type(store: Store, ev: ExternVal) -> GlobalType:
    return store.globals[_addr(ev, "global")].type


def global_read(store: Store, ev: ExternVal):
    return store.globals[_addr(ev, "global")].value


def global_write(store: Store, ev: ExternVal, value) -> None:
    g = store.globals[_addr(ev, "global")]
    if not g.type.mut:
        raise PyicError("global is immutable")
    if not is_value_of(value, g.type.valtype):
        raise PyicError("global value does not match its type")
    g.value = value


# ------------------------------------------------------------------ snapshots

def snapshot(inst: ModuleInst) -> Snapshot:
    """Open a snapshot of the instance's memories, mutable globals and tables (see `Snapshot`)."""
    return snapshot_instance(inst)


# ------------------------------------------------------------------ helpers

def _addr(ev, kind: str) -> int:
    if isinstance(ev, ExternVal):
        if ev.kind != kind:
            raise PyicError(f"expected a {kind}, got a {ev.kind}")
        return ev.addr
    return ev


def _limits(lim, current: int, mx):
    from .syntax.types import Limits
    return Limits(current, mx, lim.addrtype, lim.shared)

