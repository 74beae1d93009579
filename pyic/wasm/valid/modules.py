"""Module validation (spec 3.5, "Modules").

The components are checked in the order of the reference interpreter, which
fixes which error a module with several problems reports: types, imports,
tags, functions (their types), memories, tables, globals, data and element
segments, then the function bodies, the start function and the exports.
Each component's context is the one the spec gives it: table initializers
see the imported globals only, a global's initializer the globals before it
(Wasm 3.0; only the imported ones in Wasm 2.0).
"""

from __future__ import annotations

from contextlib import contextmanager

from ...errors import InvalidError
from ..syntax.instructions import walk
from ..syntax.modules import Active, DECLARATIVE, PASSIVE
from ..syntax.types import Exact, GlobalType, MemType, TableType, TagType
from .algorithm import ExprValidator
from .constants import check_const
from .context import Context
from .types import (
    check_globaltype, check_memtype, check_reftype, check_tabletype, check_tagtype,
    check_valtype, defaultable, match_reftype, string_of_valtype,
)


def declared_refs(module) -> frozenset:
    """C.refs (3.5.13): the function indices occurring in the module outside
    function bodies and the start section; only those may be ``ref.func``'d."""
    exprs = [g.init for g in module.globals]
    exprs += [t.init for t in module.tables if t.init is not None]
    for e in module.elems:
        exprs.extend(e.init)
        if isinstance(e.mode, Active):
            exprs.append(e.mode.offset)
    for d in module.datas:
        if isinstance(d.mode, Active):
            exprs.append(d.mode.offset)
    refs = {ex.index for ex in module.exports if ex.kind == "func"}
    for expr in exprs:
        for instr in walk(expr):
            if instr.op == "ref.func" and instr.imm:
                refs.add(instr.imm[0])
    return frozenset(refs)


def _check_import(c: Context, im) -> None:
    kind, desc = im.kind, im.desc
    if kind == "func":
        if isinstance(desc, Exact):     # custom-descriptors: an exact function import
            desc = desc.typeidx
        else:
            c.inexact_funcs.add(len(c.funcs))
        c.func_types.append(c.types.func_type(desc))
        c.funcs.append(desc)
    elif kind == "table" and isinstance(desc, TableType):
        check_tabletype(c.types, desc)
        c.tables.append(desc)
    elif kind == "memory" and isinstance(desc, MemType):
        check_memtype(desc)
        c.mems.append(desc)
    elif kind == "global" and isinstance(desc, GlobalType):
        check_globaltype(c.types, desc)
        c.globals.append(desc)
    elif kind == "tag" and isinstance(desc, TagType):
        c.tags.append(check_tagtype(c.types, desc))
    else:
        raise InvalidError(f"malformed import kind {kind}")


def check_func(c: Context, func) -> None:
    """3.5.6 Functions: the body is valid with the locals and labels of the function."""
    ft = c.types.func_type(func.typeidx)
    flags = [True] * len(ft.params)
    for t in func.locals:
        check_valtype(c.types, t)
        flags.append(defaultable(t))
    v = ExprValidator(c, tuple(ft.params) + tuple(func.locals), ft.results)
    v.set_uninitialized(flags)
    v.check_body(func.body, ft.results)


def _check_export(c: Context, ex) -> None:
    lookup = {"func": c.func, "table": c.table, "memory": c.mem, "global": c.global_,
              "tag": c.tag}.get(ex.kind)
    if lookup is None:
        raise InvalidError(f"malformed export kind {ex.kind}")
    lookup(ex.index)


def check_table(c: Context, table, visible_globals: int) -> None:
    tt = table.type
    check_tabletype(c.types, tt)
    if table.init is None:
        if not tt.reftype.nullable:  # the implicit initializer is ref.null
            raise InvalidError(f"type mismatch: table of type {string_of_valtype(tt.reftype)}"
                               " needs an initializer")
    else:
        check_const(c, table.init, tt.reftype, visible_globals)


def check_global(c: Context, glob, visible_globals: int) -> None:
    check_globaltype(c.types, glob.type)
    check_const(c, glob.init, glob.type.valtype, visible_globals)


def check_data(c: Context, data, visible_globals: int) -> None:
    mode = data.mode
    if isinstance(mode, Active):
        mt = c.mem(mode.index)
        check_const(c, mode.offset, mt.limits.addrtype, visible_globals)
    elif mode != PASSIVE:
        raise InvalidError(f"malformed data segment mode {mode}")


def check_elem(c: Context, elem, visible_globals: int) -> None:
    rt = elem.type
    check_reftype(c.types, rt)
    for expr in elem.init:
        check_const(c, expr, rt, visible_globals)
    mode = elem.mode
    if isinstance(mode, Active):
        tt = c.table(mode.index)
        if not match_reftype(c.types, rt, tt.reftype):
            raise InvalidError(
                f"type mismatch: element segment's type {string_of_valtype(rt)} does not "
                f"match table's element type {string_of_valtype(tt.reftype)}")
        check_const(c, mode.offset, tt.limits.addrtype, visible_globals)
    elif mode not in (PASSIVE, DECLARATIVE):
        raise InvalidError(f"malformed element segment mode {mode}")


@contextmanager
def where(kind: str, index: int):
    """Note which component an InvalidError comes from (the module has no positions)."""
    try:
        yield
    except InvalidError as e:
        e.add_note(f"in {kind} {index}")
        raise


def check_module(module, version: int = 3) -> Context:
    c = Context(version)
    c.refs = declared_refs(module)
    for i, rt in enumerate(module.types):
        with where("rec group", i):
            c.types.add_rectype(rt)
    for i, im in enumerate(module.imports):
        with where("import", i):
            _check_import(c, im)
    n_imported_globals = len(c.globals)
    for tag in module.tags:
        with where("tag", len(c.tags)):
            c.tags.append(check_tagtype(c.types, tag.type))
    n_imported_funcs = len(c.funcs)
    for func in module.funcs:
        with where("function", len(c.funcs)):
            c.func_types.append(c.types.func_type(func.typeidx))
        c.funcs.append(func.typeidx)
    for mem in module.mems:
        with where("memory", len(c.mems)):
            check_memtype(mem.type)
        c.mems.append(mem.type)
    for table in module.tables:
        # 3.5: tables come before globals, so their initializers see imported globals only
        with where("table", len(c.tables)):
            check_table(c, table, n_imported_globals)
        c.tables.append(table.type)
    for glob in module.globals:
        with where("global", len(c.globals)):
            check_global(c, glob, n_imported_globals if version < 3 else len(c.globals))
        c.globals.append(glob.type)
    visible = n_imported_globals if version < 3 else len(c.globals)
    for i, data in enumerate(module.datas):
        with where("data segment", i):
            check_data(c, data, visible)
        c.datas += 1
    for i, elem in enumerate(module.elems):
        with where("elem segment", i):
            check_elem(c, elem, visible)
        c.elems.append(elem.type)
    for i, func in enumerate(module.funcs):
        with where("function", n_imported_funcs + i):
            check_func(c, func)
    if module.start is not None:
        ft = c.func(module.start.func)
        if ft.params or ft.results:
            raise InvalidError("start function must not have parameters or results")
    names = set()
    for ex in module.exports:
        _check_export(c, ex)
        if ex.name in names:
            raise InvalidError(f'duplicate export name "{ex.name}"')
        names.add(ex.name)
    if version < 3 and len(c.mems) > 1:
        raise InvalidError("multiple memories are not allowed")
    if version < 2 and len(c.tables) > 1:
        # Wasm 1.0, whose rules the threads proposal's suite follows (docs/proposals.md)
        raise InvalidError("multiple tables are not allowed")
    for hint in getattr(module, "hints", ()):
        check_branch_hint(hint)
    return c


def check_branch_hint(hint) -> None:
    """Branch hinting proposal (WebAssembly/branch-hinting, Overview "Validation"):
    a hint stands before an ``if`` or ``br_if`` -- the custom section's check,
    made here for hints read from the text format."""
    if hint.target not in ("if", "br_if"):
        raise InvalidError("@metadata.code.branch_hint annotation: invalid target",
                           hint.at)


def validate_module(module, version: int = 3) -> None:
    """Validate ``module`` (spec 3.5); raise `InvalidError` if it is not valid.

    ``version`` 3 (the default) applies the Wasm 3.0 rules, 2 the Wasm 2.0 ones
    where they differ (docs/validation.md).
    """
    try:
        check_module(module, version)
    except InvalidError:
        raise
    except (AttributeError, TypeError, ValueError, IndexError, KeyError, ArithmeticError) as e:
        # Only a syntax tree no decoder or parser produces gets here.
        raise InvalidError(f"malformed syntax tree: {type(e).__name__}: {e}") from e


__all__ = ["validate_module", "check_module", "check_func", "declared_refs"]
