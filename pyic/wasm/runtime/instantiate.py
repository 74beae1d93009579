"""Instantiation (spec 4.7.2) and the allocation functions it uses (4.7.1 "Allocation").

`instantiate` follows the spec's numbered steps: check the imports against
the module's external types (raising `LinkError`), evaluate the globals'
initialisers, allocate the module, apply active element and data segments
(raising `Trap` when one is out of bounds, with the earlier ones applied,
as the spec's instruction sequences would), drop declarative segments, and
run the start function.

Constant expressions are evaluated by the reference interpreter's rules
(`eval_const`); they are not counted as instructions (docs/semantics.md).

Types are closed first (`pyic.wasm.runtime.types`): the instance's type
indices become canonical defined types, so imports match across modules by
subtyping (3.3.16 "External Types") and tables, globals and tags carry closed
types.
The start function's instructions are counted into
``ModuleInst.start_count``.
"""

from __future__ import annotations

from ...errors import LinkError, Trap
from ..syntax.modules import Active, DECLARATIVE
from ..syntax.types import Exact, FuncType, RefType
from .store import (DataInst, ElemInst, ExternVal, FuncInst, GlobalInst, MemInst, ModuleInst,
                    Store, TableInst, TagInst)
from .types import close_globaltype, close_tabletype, close_valtype, match_deftype, match_valtype
from .values import null

# ------------------------------------------------------------------ constant expressions

def eval_const(expr: tuple, mi: ModuleInst):
    """The value of a constant expression in the context of ``mi`` (its globals and functions
    so far), by the reference interpreter's rules (`pyic.wasm.exec.eval.eval_const`)."""
    from ..exec.eval import eval_const as evaluate
    return evaluate(expr, mi)


# ------------------------------------------------------------------ import matching (3 "Matching")

def _limits_match(actual_min: int, actual_max, expected) -> bool:
    """Limits ``{min n1, max m1?}`` match ``{min n2, max m2?}`` (spec "Import Subtyping")."""
    if actual_min < expected.min:
        return False
    if expected.max is None:
        return True
    return actual_max is not None and actual_max <= expected.max


def _equal_valtypes(t1, t2) -> bool:
    return match_valtype(t1, t2) and match_valtype(t2, t1)


def extern_type_matches(store: Store, ev: ExternVal, kind: str, desc, deftypes: tuple) -> bool:
    """Whether the external value ``ev`` matches the import ``kind``/``desc`` of a module whose
    type indices denote ``deftypes`` (3.3.16 "External Types", on closed types)."""
    if ev.kind != kind:
        return False
    if kind == "func":
        if isinstance(desc, Exact):
            # custom-descriptors: an exact import takes a function of exactly that type
            return store.funcs[ev.addr].deftype is deftypes[desc.typeidx]
        # functions: their defined type is a subtype of the import's
        return match_deftype(store.funcs[ev.addr].deftype, deftypes[desc])
    if kind == "table":
        t = store.tables[ev.addr]
        return (_equal_valtypes(t.type.reftype, close_valtype(desc.reftype, deftypes))
                and t.addrtype == desc.limits.addrtype
                and _limits_match(t.size, t.max, desc.limits))
    if kind == "memory":
        m = store.mems[ev.addr]
        # beyond 3.0 (docs/proposals.md): shared (threads) and page size
        # (custom-page-sizes) must be the same
        page_size = m.type.page_size
        return (m.addrtype == desc.limits.addrtype
                and m.type.limits.shared == desc.limits.shared
                and page_size == desc.page_size
                and _limits_match(m.size // page_size, m.max, desc.limits))
    if kind == "global":
        # immutable globals are covariant, mutable ones invariant
        g = store.globals[ev.addr]
        t2 = close_valtype(desc.valtype, deftypes)
        if g.type.mut != desc.mut:
            return False
        if desc.mut:
            return _equal_valtypes(g.type.valtype, t2)
        return match_valtype(g.type.valtype, t2)
    if kind == "tag":
        # tags: equal types
        return store.tags[ev.addr].deftype is deftypes[desc.typeidx]
    return False


# ------------------------------------------------------------------ allocation (4.7.1)

def alloc_func(store: Store, functype: FuncType, mi: ModuleInst, func, deftype=None) -> int:
    return store.alloc(store.funcs, FuncInst(functype, mi, func, deftype))


def alloc_table(store: Store, tabletype, init) -> int:
    return store.alloc(store.tables, TableInst(tabletype, init))


def alloc_tag(store: Store, deftype) -> int:
    return store.alloc(store.tags, TagInst(deftype))


def alloc_mem(store: Store, memtype) -> int:
    cfg = store.config
    return store.alloc(store.mems, MemInst(memtype, cfg.host_memory_cap, cfg.dense_limit))


def alloc_global(store: Store, globaltype, value) -> int:
    return store.alloc(store.globals, GlobalInst(globaltype, value))


def alloc_elem(store: Store, reftype: RefType, refs: list) -> int:
    return store.alloc(store.elems, ElemInst(reftype, refs))


def alloc_data(store: Store, data: bytes) -> int:
    return store.alloc(store.datas, DataInst(data))


# ------------------------------------------------------------------ instantiation (4.7.2)

def resolve_imports(module, imports) -> list:
    """The external values for ``module``'s imports, in order.

    ``imports`` is either a sequence of `ExternVal` (one per import) or a
    mapping ``module name -> (mapping name -> ExternVal)``; a missing name
    raises ``LinkError("unknown import")``.
    """
    if imports is None:
        imports = {}
    if isinstance(imports, dict):
        out = []
        for im in module.imports:
            ns = imports.get(im.module)
            ev = ns.get(im.name) if ns is not None else None
            if ev is None:
                raise LinkError(f"unknown import \"{im.module}\" \"{im.name}\"")
            out.append(ev)
        return out
    return list(imports)


def instantiate(store: Store, module, imports=None, *, meter=None) -> ModuleInst:
    """4.7.2 ``instantiate(S, module, externval^k)``: a new module instance.

    The module must be valid.  Raises `LinkError` when the imports do not
    match, `Trap` when a segment does not fit or the start function traps.
    """
    from ..tiers import entry, run
    from .meter import Meter

    entry(store.config.tier)    # the store's tier is loaded here, not inside its first call

    externvals = resolve_imports(module, imports)
    mi = ModuleInst(store, module)
    types = mi.types
    deftypes = mi.deftypes

    # 3. the number of imports must match
    if len(externvals) != len(module.imports):
        raise LinkError(f"wrong number of imports: {len(module.imports)} expected, "
                        f"{len(externvals)} given")
    # 4. each external value must match its import's type
    for im, ev in zip(module.imports, externvals):
        if not isinstance(ev, ExternVal):
            raise LinkError(f"incompatible import type for \"{im.module}\" \"{im.name}\"")
        if not extern_type_matches(store, ev, im.kind, im.desc, deftypes):
            raise LinkError(f"incompatible import type for \"{im.module}\" \"{im.name}\"")
        lst = {"func": mi.funcs, "table": mi.tables, "memory": mi.mems, "global": mi.globals,
               "tag": mi.tags}[im.kind]
        src = {"func": store.funcs, "table": store.tables, "memory": store.mems,
               "global": store.globals, "tag": store.tags}[im.kind]
        lst.append(src[ev.addr])

    # 4.7.1.10 allocmodule, functions first so that ref.func in initialisers can see them
    for func in module.funcs:
        a = alloc_func(store, types[func.typeidx], mi, func, deftypes[func.typeidx])
        mi.funcs.append(store.funcs[a])
    for tag in module.tags:
        a = alloc_tag(store, deftypes[tag.type.typeidx])
        mi.tags.append(store.tags[a])
    # 5-7. globals, evaluated in order (each sees the imported and the earlier globals: 3.0)
    for g in module.globals:
        a = alloc_global(store, close_globaltype(g.type, deftypes), eval_const(g.init, mi))
        mi.globals.append(store.globals[a])
    for t in module.tables:
        init = eval_const(t.init, mi) if t.init is not None else null(t.type.reftype.heaptype)
        a = alloc_table(store, close_tabletype(t.type, deftypes), init)
        mi.tables.append(store.tables[a])
    for m in module.mems:
        a = alloc_mem(store, m.type)
        mi.mems.append(store.mems[a])
    # 8. element segments' references
    for e in module.elems:
        refs = [eval_const(x, mi) for x in e.init]
        a = alloc_elem(store, close_valtype(e.type, deftypes), refs)
        mi.elems.append(store.elems[a])
    for d in module.datas:
        a = alloc_data(store, d.init)
        mi.datas.append(store.datas[a])
    # exports
    spaces = {"func": mi.funcs, "table": mi.tables, "memory": mi.mems, "global": mi.globals,
              "tag": mi.tags}
    for ex in module.exports:
        mi.exports[ex.name] = ExternVal(ex.kind, spaces[ex.kind][ex.index].addr)

    # 12-13. active element segments: table.init then elem.drop; declarative ones: elem.drop
    for i, e in enumerate(module.elems):
        ei = mi.elems[i]
        if isinstance(e.mode, Active):
            tab = mi.tables[e.mode.index]
            d = eval_const(e.mode.offset, mi)
            n = len(ei.elem)
            if d + n > tab.size:
                raise Trap("out of bounds table access")
            for k in range(n):
                tab.set(d + k, ei.elem[k])
            ei.elem = []
        elif e.mode == DECLARATIVE:
            ei.elem = []
    # 14. active data segments: memory.init then data.drop
    for i, dseg in enumerate(module.datas):
        if isinstance(dseg.mode, Active):
            mem = mi.mems[dseg.mode.index]
            d = eval_const(dseg.mode.offset, mi)
            data = mi.datas[i].data
            if d + len(data) > mem.size:
                raise Trap("out of bounds memory access")
            mem.write(d, data)
            mi.datas[i].data = b""
    # 15. the start function
    if module.start is not None:
        m = meter or Meter()
        before = m.count
        try:
            run(store, mi.funcs[module.start.func], [], m)
        finally:
            mi.start_count = m.count - before
    return mi
