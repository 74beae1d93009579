"""Module-level rules (spec 3.5) and the Wasm 2.0 / 3.0 differences."""

from __future__ import annotations

from valid_build import I, func_module, global_, invalid, mem, table, valid

from pyic.wasm.syntax import (
    DECLARATIVE, EXTERNREF, FUNCREF, PASSIVE, Active, Data, Elem, Export, Func, FuncType,
    GlobalType, Import, Limits, MemType, Module, RefType, Start, TableType, plain_functype,
)

EMPTY = plain_functype(FuncType((), ()))


def test_empty_module_is_valid():
    valid(Module())


def test_memory_limits():
    valid(Module(mems=(mem(0, 65536),)))
    invalid(Module(mems=(mem(65537),)), "memory size must be at most 65536 pages (4GiB)")
    invalid(Module(mems=(mem(0, 65537),)), "memory size")
    invalid(Module(mems=(mem(2, 1),)), "size minimum must not be greater than maximum")
    valid(Module(mems=(mem(65537, 1 << 48, addrtype="i64"),)))
    invalid(Module(mems=(mem((1 << 48) + 1, addrtype="i64"),)), "memory size")
    imp = Import("M", "m", "memory", MemType(Limits(0, 65537)))
    invalid(Module(imports=(imp,)), "memory size")


def test_table_limits():
    valid(Module(tables=(table(0, (1 << 32) - 1),)))
    invalid(Module(tables=(table(1 << 32),)), "table size")
    valid(Module(tables=(table(1 << 32, addrtype="i64"),)))
    invalid(Module(tables=(table(2, 1),)), "size minimum must not be greater than maximum")


def test_multiple_memories_only_in_3_0():
    two = Module(mems=(mem(), mem()))
    valid(two)
    invalid(two, "multiple memories", version=2)
    imp = Import("", "", "memory", MemType(Limits(1)))
    invalid(Module(imports=(imp,), mems=(mem(),)), "multiple memories", version=2)


def test_constant_expressions():
    valid(Module(globals=(global_("i32", init=(I("i32.const", 1), I("i32.const", 2),
                                                I("i32.mul"))),)))
    invalid(Module(globals=(global_("i32", init=(I("i32.const", 1), I("i32.clz"))),)),
            "constant expression required")
    invalid(Module(globals=(global_("i32", init=(I("i64.const", 1),)),)), "type mismatch")
    invalid(Module(globals=(global_("i32", init=()),)), "type mismatch")
    invalid(Module(globals=(global_("i32", init=(I("i32.const", 1), I("i32.const", 1))),)),
            "type mismatch")
    mutable = Import("", "g", "global", GlobalType(True, "i32"))
    invalid(Module(imports=(mutable,), globals=(global_("i32", init=(I("global.get", 0),)),)),
            "constant expression required")


def test_global_visibility_in_constant_expressions():
    imported = Import("", "g", "global", GlobalType(False, "i32"))
    from_import = global_("i32", init=(I("global.get", 0),))
    valid(Module(imports=(imported,), globals=(from_import,)), version=2)
    earlier = Module(globals=(global_("i32"), global_("i32", init=(I("global.get", 0),))))
    valid(earlier)
    invalid(earlier, "unknown global", version=2)
    later = Module(globals=(global_("i32", init=(I("global.get", 1),)), global_("i32")))
    invalid(later, "unknown global 1")
    # tables are checked before globals: their initializers see imported globals only
    g = global_(FUNCREF, init=(I("ref.null", "func"),))
    invalid(Module(globals=(g,), tables=(table(init=(I("global.get", 0),)),)), "unknown global")


def test_tables_of_non_nullable_references_need_an_initializer():
    ref = RefType(False, "func")
    invalid(Module(tables=(table(reftype=ref),)), "type mismatch")
    f = Func(0, (), ())
    valid(Module(types=(EMPTY,), funcs=(f,), exports=(Export("f", "func", 0),),
                 tables=(table(reftype=ref, init=(I("ref.func", 0),)),)))


def test_element_segments():
    f = Func(0, (), ())
    ref_f = (I("ref.func", 0),)
    offset = (I("i32.const", 0),)
    valid(Module(types=(EMPTY,), funcs=(f,), tables=(table(),),
                 elems=(Elem(FUNCREF, (ref_f,), Active(0, offset)),)))
    invalid(Module(types=(EMPTY,), funcs=(f,), tables=(table(reftype=EXTERNREF),),
                   elems=(Elem(FUNCREF, (ref_f,), Active(0, offset)),)), "type mismatch")
    invalid(Module(types=(EMPTY,), funcs=(f,), tables=(table(),),
                   elems=(Elem(FUNCREF, (ref_f,), Active(1, offset)),)), "unknown table 1")
    invalid(Module(types=(EMPTY,), funcs=(f,), tables=(table(),),
                   elems=(Elem(EXTERNREF, (ref_f,), PASSIVE),)), "type mismatch")
    # an element segment declares its functions for ref.func
    body = (I("ref.func", 0), I("drop"))
    valid(Module(types=(EMPTY,), funcs=(Func(0, (), body),),
                 elems=(Elem(FUNCREF, (ref_f,), DECLARATIVE),)))
    invalid(Module(types=(EMPTY,), funcs=(Func(0, (), body),)), "undeclared function reference")


def test_data_segments():
    valid(Module(mems=(mem(),), datas=(Data(b"x", Active(0, (I("i32.const", 0),))),)))
    invalid(Module(datas=(Data(b"x", Active(0, (I("i32.const", 0),))),)), "unknown memory 0")
    invalid(Module(mems=(mem(addrtype="i64"),),
                   datas=(Data(b"x", Active(0, (I("i32.const", 0),))),)), "type mismatch")


def test_start_function():
    valid(Module(types=(EMPTY,), funcs=(Func(0),), start=Start(0)))
    invalid(Module(types=(EMPTY,), funcs=(Func(0),), start=Start(1)), "unknown function 1")
    m = func_module(I("i32.const", 0), results=["i32"], start=Start(0))
    invalid(m, "start function")


def test_exports():
    f = Func(0)
    valid(Module(types=(EMPTY,), funcs=(f,), exports=(Export("a", "func", 0),
                                                      Export("b", "func", 0))))
    invalid(Module(types=(EMPTY,), funcs=(f,), exports=(Export("a", "func", 0),
                                                        Export("a", "func", 0))),
            "duplicate export name")
    invalid(Module(exports=(Export("m", "memory", 0),)), "unknown memory 0")
    invalid(Module(exports=(Export("g", "global", 0),)), "unknown global 0")
    invalid(Module(exports=(Export("t", "table", 0),)), "unknown table 0")


def test_imports():
    valid(Module(types=(EMPTY,), imports=(Import("m", "f", "func", 0),),
                 tables=(), mems=()))
    invalid(Module(imports=(Import("m", "f", "func", 0),)), "unknown type 0")
    invalid(Module(imports=(Import("m", "t", "table", TableType(Limits(2, 1), FUNCREF)),)),
            "size minimum must not be greater than maximum")


def test_function_type_index():
    invalid(Module(funcs=(Func(0),)), "unknown type 0")
