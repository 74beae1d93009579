"""The store and its instances (spec 4.2.3 - 4.2.16).

Addresses are indices into the store's lists, as in the spec.  Function
instances hold their lowered code once it has been compiled (on first call),
so a function that is never called costs nothing but its syntax.
"""

from __future__ import annotations

from typing import Callable

from ..tiers import DEFAULT as DEFAULT_TIER, TIERS
from .memory import DENSE_LIMIT, MemInst
from .table import TableInst
from .types import deftype_of_functype, deftypes_of

__all__ = ["Store", "FuncInst", "HostFunc", "GlobalInst", "ElemInst", "DataInst", "TagInst",
           "ExternVal", "ModuleInst", "MemInst", "TableInst", "Config"]


DEFAULT_HOST_MEMORY_CAP = 8 << 30


class Config:
    """Execution switches that hold for a whole store.

    ``max_call_depth``: the modelled call-stack limit in frames, and
    ``max_stack_values``: in locals (parameters included) of all frames
    together (Exhaustion beyond either).
    ``canonical_nan``: every float operation that produces a NaN produces the
    canonical NaN with positive sign (the IC's deterministic mode) instead of
    the spec's non-deterministic choice (pyic then follows the reference
    interpreter).
    ``cost``: the cost model (`pyic.wasm.exec.cost.CostModel`), ``None`` for
    one unit per instruction.
    ``tier``: the execution tier, ``"fast"`` (the default, also for ``None``) or
    ``"reference"``: identical behaviour, chosen per store (`pyic.wasm.tiers`).
    ``host_memory_cap``: the host bytes each memory instance may hold (dense prefix, pages,
    journal; `MemInst.footprint`), ``None`` for no cap; beyond it a write raises
    ``Exhaustion("out of memory")`` before allocating.  The default, 8 GiB, never limits a
    32-bit memory (at most 4 GiB, plus as much journal) and stops a 64-bit one before the
    host's allocator fails on a common machine.
    ``dense_limit``: the addresses each memory keeps in one ``bytearray`` (a multiple of
    64 KiB; above it, 64 KiB pages that can be shared: `pyic.wasm.runtime.memory`).
    """

    __slots__ = ("max_call_depth", "canonical_nan", "cost", "max_stack_values", "tier",
                 "host_memory_cap", "dense_limit")

    def __init__(self, max_call_depth: int = 100_000, canonical_nan: bool = False,
                 cost=None, max_stack_values: int = 4_000_000, tier: str | None = None,
                 host_memory_cap: int | None = DEFAULT_HOST_MEMORY_CAP,
                 dense_limit: int = DENSE_LIMIT) -> None:
        self.host_memory_cap = host_memory_cap
        self.dense_limit = dense_limit
        self.max_call_depth = max_call_depth
        self.canonical_nan = canonical_nan
        self.cost = cost
        self.max_stack_values = max_stack_values
        tier = tier or DEFAULT_TIER
        if tier not in TIERS:
            raise ValueError(f"unknown execution tier {tier!r} (one of {', '.join(TIERS)})")
        self.tier = tier


class Store:
    """4.2.3 ``store ::= {tags, globals, mems, tables, funcs, datas, elems, structs, arrays,
    exns}``.

    Structure, array and exception instances are not listed: they are Python
    objects referenced directly (see `pyic.wasm.runtime.gc`)."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        self.funcs: list = []
        self.tables: list = []
        self.mems: list = []
        self.globals: list = []
        self.elems: list = []
        self.datas: list = []
        self.tags: list = []
        # Nested engine runs (host functions re-entering invoke): depth in frames.
        self.depth = 0
        self.slots = 0

    # 4.7.1 allocation, one function per kind (addresses are list indices).
    def alloc(self, lst: list, inst) -> int:
        inst.addr = len(lst)
        lst.append(inst)
        return inst.addr


class FuncInst:
    """4.2.7 ``funcinst ::= {type deftype, module moduleinst, code func}``.

    ``type`` is the function type as its module wrote it (type indices are the
    module's); ``deftype`` its canonical defined type (`pyic.wasm.runtime.types`),
    which is what ``call_indirect``, casts and import matching compare.
    """

    __slots__ = ("addr", "type", "deftype", "module", "code", "compiled", "prepared", "host",
                 "nparams", "nresults")

    def __init__(self, functype, module, code, deftype=None) -> None:
        if deftype is None:
            deftype = deftype_of_functype(functype)
        self.addr = -1
        self.type = functype
        self.deftype = deftype
        self.module = module
        self.code = code          # the Func syntax
        self.compiled = None      # lowered form, made on first call
        self.prepared = None      # the reference interpreter's form (pyic.wasm.exec.prepare)
        self.host = None
        self.nparams = len(functype.params)
        self.nresults = len(functype.results)


class HostFunc(FuncInst):
    """4.2.7 ``funcinst ::= {type functype, hostcode hostfunc}``.

    ``fn(ctx, *args)`` gets a `pyic.wasm.embed.Caller` and the arguments as
    values; it returns ``None`` (no results), one value, or a tuple/list of
    values.  It may raise `Trap`, charge instructions through ``ctx``, and
    re-enter the engine.
    """

    __slots__ = ()

    def __init__(self, functype, fn: Callable) -> None:
        super().__init__(functype, None, None)
        self.host = fn


class GlobalInst:
    """4.2.10 ``globalinst ::= {type globaltype, value val}``."""

    __slots__ = ("addr", "type", "value")

    def __init__(self, globaltype, value) -> None:
        self.addr = -1
        self.type = globaltype
        self.value = value


class ElemInst:
    """4.2.12 ``eleminst ::= {type reftype, elem vec(ref)}`` (emptied by ``elem.drop``)."""

    __slots__ = ("addr", "type", "elem")

    def __init__(self, reftype, refs: list) -> None:
        self.addr = -1
        self.type = reftype
        self.elem = refs


class DataInst:
    """4.2.13 ``datainst ::= {data vec(byte)}`` (emptied by ``data.drop``)."""

    __slots__ = ("addr", "data")

    def __init__(self, data: bytes) -> None:
        self.addr = -1
        self.data = data


class TagInst:
    """4.2.11 "Tag Instances": ``taginst ::= {type tagtype}``: ``type`` the closed function type
    of the payload, ``deftype`` its defined type (tags match by type equality)."""

    __slots__ = ("addr", "type", "deftype")

    def __init__(self, deftype) -> None:
        self.addr = -1
        self.type = deftype.comptype
        self.deftype = deftype


class ExternVal:
    """4.2.5 ``externval ::= func a | table a | mem a | global a``; ``kind`` as
    in the syntax (``"func" "table" "memory" "global" "tag"``)."""

    __slots__ = ("kind", "addr")

    def __init__(self, kind: str, addr: int) -> None:
        self.kind = kind
        self.addr = addr

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExternVal) and (other.kind, other.addr) == (self.kind, self.addr)

    def __hash__(self) -> int:
        return hash((self.kind, self.addr))

    def __repr__(self) -> str:
        return f"ExternVal({self.kind!r}, {self.addr})"


class ModuleInst:
    """4.2.6 ``moduleinst``: the module's types and the addresses of everything it
    can reach (imports first), its exports by name.

    The lists hold the instance objects themselves (``funcs[i]`` is a
    `FuncInst`), which is what ``funcaddrs[i]`` designates in the spec.
    """

    def __init__(self, store: Store, module) -> None:
        self.store = store
        self.module = module
        self.types = tuple(st.comptype for st in module.deftypes())
        self.deftypes = deftypes_of(module.types)   # canonical DefType per type index
        self.funcs: list = []
        self.tables: list = []
        self.mems: list = []
        self.globals: list = []
        self.elems: list = []
        self.datas: list = []
        self.tags: list = []
        self.exports: dict[str, ExternVal] = {}
        self.start_count = 0   # instructions executed by the start function

    def export(self, name: str) -> ExternVal | None:
        return self.exports.get(name)
