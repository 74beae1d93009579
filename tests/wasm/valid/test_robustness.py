"""The validator raises InvalidError, and nothing else, on any syntax tree; and it is fast."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from valid_build import I, func_module, mem, table

from pyic.errors import InvalidError
from pyic.wasm.syntax import (
    FUNCREF, Active, Catch, Data, Elem, Export, Func, FuncType, Global, GlobalType, Import,
    Limits, MemArg, Module, RefType, Start, TableType, Tag, TagType, plain_functype,
)
from pyic.wasm.syntax.opcodes import OPCODES
from pyic.wasm.valid import validate_module

OPS = sorted(OPCODES)
INDEX = st.one_of(st.integers(0, 3), st.integers(-2, 2**33))
VALTYPES = st.sampled_from(["i32", "i64", "f32", "f64", "v128", FUNCREF, RefType(False, "any"),
                            RefType(True, 0), RefType(False, 7), RefType(True, "i31")])
BLOCKTYPE = st.one_of(st.none(), VALTYPES, INDEX)


def imm_of(kind, body):
    if kind.endswith("idx"):
        return INDEX
    if kind == "labelvec":
        return st.lists(INDEX, max_size=3).map(tuple)
    if kind == "memarg":
        return st.builds(MemArg, st.integers(0, 70), st.integers(0, 2**65), INDEX)
    if kind == "laneidx":
        return st.integers(0, 40)
    if kind == "shuffle":
        return st.lists(st.integers(0, 40), min_size=16, max_size=16).map(tuple)
    if kind in ("i32", "i64", "f32", "f64", "v128", "u32"):
        return st.integers(0, 2**32)
    if kind == "heaptype":
        return st.one_of(st.sampled_from(["func", "extern", "any", "none", "exn"]), INDEX)
    if kind == "reftype":
        return st.sampled_from([FUNCREF, RefType(False, "i31"), RefType(True, 0),
                                RefType(True, 9)])
    if kind == "valtypes":
        return st.lists(VALTYPES, max_size=2).map(tuple)
    if kind == "catches":
        return st.lists(st.builds(Catch, st.sampled_from(["catch", "catch_ref", "catch_all",
                                                           "catch_all_ref"]),
                                  INDEX, INDEX), max_size=2).map(tuple)
    if kind == "blocktype":
        return BLOCKTYPE
    raise AssertionError(kind)


def instr_strategy(body):
    def build(op):
        kinds = OPCODES[op].imms
        parts = [imm_of(k, body) for k in kinds]
        if op in ("block", "loop"):
            parts = [BLOCKTYPE, body]
        elif op == "if":
            parts = [BLOCKTYPE, body, body]
        elif op == "try_table":
            parts = [BLOCKTYPE, imm_of("catches", body), body]
        elif op == "select":
            parts = st.one_of(st.just([]), st.just([imm_of("valtypes", body)]))
            return parts.flatmap(lambda ps: st.tuples(*ps)).map(lambda imm: I(op, *imm))
        return st.tuples(*parts).map(lambda imm: I(op, *imm))
    return st.sampled_from(OPS).flatmap(build)


BODIES = st.recursive(st.just(()), lambda inner: st.lists(instr_strategy(inner), max_size=6)
                      .map(tuple), max_leaves=25)


def modules(body):
    ft = plain_functype(FuncType(("i32",), ("i32",)))
    return st.builds(
        lambda b, extra, tbl_at, mem_at: func_module(
            *b, params=["i32"], results=["i32"], locals_=["i64", RefType(False, "func")],
            mems=[mem(addrtype=mem_at)], tables=[table(addrtype=tbl_at)],
            tags=(Tag(TagType(1)),), types=[ft], **extra),
        body, st.just({}), st.sampled_from(["i32", "i64"]), st.sampled_from(["i32", "i64"]))


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(modules(BODIES))
def test_random_bodies_raise_only_invalid_error(module):
    try:
        validate_module(module)
    except InvalidError as e:
        # well-shaped instructions must never reach the catch-all for broken trees
        assert not e.message.startswith("malformed syntax tree"), e.message


SECTION_VALUES = st.one_of(INDEX, st.none(), st.text(max_size=2))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_random_module_fields_raise_only_invalid_error(data):
    idx = data.draw(INDEX)
    expr = data.draw(st.sampled_from([(I("i32.const", 0),), (I("global.get", idx),),
                                      (I("ref.func", idx),), (I("ref.null", idx),), ()]))
    limits = Limits(data.draw(st.integers(0, 2**65)), data.draw(st.none() | st.integers(0, 2**65)),
                    data.draw(st.sampled_from(["i32", "i64"])))
    fields = dict(
        types=(plain_functype(FuncType((), ())),),
        imports=data.draw(st.lists(st.sampled_from([
            Import("m", "f", "func", idx), Import("m", "t", "table", TableType(limits, FUNCREF)),
            Import("m", "g", "global", GlobalType(data.draw(st.booleans()), "i32")),
            Import("m", "x", "tag", TagType(idx))]), max_size=3).map(tuple)),
        funcs=(Func(data.draw(INDEX)),),
        globals=(Global(GlobalType(False, "i32"), expr),),
        elems=(Elem(FUNCREF, (expr,), data.draw(st.sampled_from(
            [Active(idx, expr), "passive", "declare"]))),),
        datas=(Data(b"", data.draw(st.sampled_from([Active(idx, expr), "passive"]))),),
        exports=(Export("e", data.draw(st.sampled_from(["func", "table", "memory", "global",
                                                        "tag"])), idx),),
        start=data.draw(st.none() | st.builds(Start, INDEX)),
    )
    try:
        validate_module(Module(**fields))
    except InvalidError:
        pass


def test_garbage_syntax_trees_give_invalid_error():
    for bad in [Module(funcs=(Func(0, (), (None,)),), types=(plain_functype(FuncType()),)),
                func_module(I("block", None)),
                func_module(I("i32.load", "x")),
                func_module(I("br_table", 5)),
                Module(types=("not a rec type",)),
                Module(exports=(Export("e", "nothing", 0),))]:
        try:
            validate_module(bad)
        except InvalidError:
            pass
        else:  # pragma: no cover - the check above must fail
            raise AssertionError(f"accepted {bad!r}")


def _big_module(n):
    """Like ../shared/bench/src/gen_big.py: n small loop functions, a table and an elem."""
    funcs = []
    for i in range(n):
        loop_body = [I("local.get", 1), I("i32.const", i % 7 + 3), I("i32.ge_u"), I("br_if", 1)]
        for k in range(6):
            loop_body += [I("local.get", 2), I("i64.const", i * 31 + k), I("i64.mul"),
                          I("i64.const", k + i), I("i64.add"), I("local.set", 2),
                          I("local.get", 3), I("local.get", 2), I("i64.const", k + 3),
                          I("i64.shr_u"), I("f64.convert_i64_u"), I("f64.add"), I("local.set", 3),
                          I("local.get", 1), I("i32.const", 255), I("i32.and"), I("local.get", 2),
                          I("i32.wrap_i64"), I("i32.store", MemArg(2, k * 4, 0))]
        loop_body += [I("local.get", 1), I("i32.const", 1), I("i32.add"), I("local.set", 1),
                      I("br", 0)]
        body = (I("local.get", 0), I("i64.extend_i32_u"), I("local.set", 2),
                I("block", None, (I("loop", None, tuple(loop_body)),)),
                I("local.get", 2), I("i32.wrap_i64"), I("local.get", 3), I("f64.const", 0),
                I("f64.min"), I("i32.trunc_f64_u"), I("i32.add"))
        funcs.append(Func(0, ("i32", "i64", "f64"), body))
    return Module(types=(plain_functype(FuncType(("i32",), ("i32",))),), funcs=tuple(funcs),
                  mems=(mem(),), tables=(table(n),),
                  elems=(Elem(FUNCREF, tuple((I("ref.func", i),) for i in range(n)),
                              Active(0, (I("i32.const", 0),))),))


def test_speed_of_a_large_module():
    module = _big_module(1000)  # ~135,000 instructions
    start = time.process_time()
    validate_module(module)
    elapsed = time.process_time() - start
    assert elapsed < 0.5, f"validating 135k instructions took {elapsed:.2f}s"


def test_a_long_function_of_many_blocks():
    body = (I("block", None, (I("nop"),)),) * 50_000
    validate_module(func_module(*body))
    assert True
