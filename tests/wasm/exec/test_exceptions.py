"""Exception handling: tags, throw, throw_ref, try_table, exnref, uncaught exceptions."""

import pytest

from pyic.errors import InstructionLimitExceeded, LinkError, Trap, UncaughtException
from pyic.wasm import embed
from pyic.wasm.runtime.gc import ExnInst
from pyic.wasm.syntax.types import FuncType

# The reference interpreter itself (the fast tier falls back to it for these instructions).
TIER = "reference"


def new_store():
    return embed.Store(embed.Config(tier=TIER))

EXN = """
(module
  (import "host" "cb" (func $cb (param i32) (result i32)))
  (tag $e0 (export "e0"))
  (tag $e1 (export "e1") (param i32 i64))
  (func $thrower (export "thrower") (param i32)
    (if (i32.eqz (local.get 0)) (then (throw $e0)))
    (throw $e1 (local.get 0) (i64.const 5)))
  (func $deep (param i32)
    (if (i32.eqz (local.get 0)) (then (call $thrower (i32.const 3))))
    (call $deep (i32.sub (local.get 0) (i32.const 1))))
  (func (export "catch") (param i32) (result i32 i64)
    (block $h1 (result i32 i64)
      (block $h0
        (try_table (catch $e0 $h0) (catch $e1 $h1)
          (call $thrower (local.get 0)))
        (return (i32.const -1) (i64.const -1)))
      (return (i32.const 100) (i64.const 0))))
  (func (export "catch_all") (param i32) (result i32)
    (block $h
      (try_table (catch_all $h) (call $thrower (local.get 0)))
      (return (i32.const 0)))
    (i32.const 1))
  (func (export "deep") (param i32) (result i32)
    (block $h (result i32 i64)
      (try_table (catch $e1 $h) (call $deep (local.get 0)))
      (return (i32.const -1)))
    (drop))
  (func (export "rethrow") (param i32) (result i32)
    ;; catch_ref then throw_ref: the outer handler sees the same payload
    (block $outer (result i32 i64)
      (try_table (catch $e1 $outer)
        (block $inner (result exnref)
          (try_table (catch_all_ref $inner) (call $thrower (local.get 0)))
          (return (i32.const -1)))
        (throw_ref))
      (unreachable))
    (drop))
  (func (export "exnref") (param i32) (result exnref)
    (block $h (result i32 i64 exnref)
      (try_table (catch_ref $e1 $h) (call $thrower (local.get 0)))
      (unreachable))
    (return))
  (func (export "throw_null") (throw_ref (ref.null exn)))
  (func (export "trap_not_caught") (result i32)
    (block $h
      (try_table (catch_all $h) (unreachable)))
    (i32.const 1))
  (func (export "via_host") (param i32) (result i32)
    (block $h (result i32 i64)
      (try_table (catch $e1 $h) (drop (call $cb (local.get 0))))
      (return (i32.const -1)))
    (drop))
  (func (export "tail") (param i32)
    (block $h
      (try_table (catch_all $h) (return_call $thrower (local.get 0)))))
  (func (export "loop") (param i32) (result i32)
    ;; catch into a loop label: counts iterations by throwing
    (local $n i32)
    (loop $l
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (try_table (catch $e0 $l)
        (if (i32.lt_u (local.get $n) (local.get 0)) (then (throw $e0)))))
    (local.get $n))
)
"""


def setup(cb=None):
    store = new_store()
    holder = {}

    def host(caller, x):
        if cb is not None:
            return cb(store, holder["inst"], x)
        return x
    f = embed.func_alloc(store, FuncType(("i32",), ("i32",)), host)
    i = embed.module_instantiate(store, embed.load_module(EXN), {"host": {"cb": f}})
    holder["inst"] = i
    return store, i


def call(store, i, name, *args, **kw):
    return embed.invoke_export(store, i, name, list(args), **kw)


def test_catch_by_tag_with_payload():
    store, i = setup()
    assert call(store, i, "catch", 7)[0] == [7, 5]
    assert call(store, i, "catch", 0)[0] == [100, 0]
    assert call(store, i, "catch_all", 0)[0] == [1]


def test_counting_throw_and_try_table():
    store, i = setup()
    # catch_all: block, try_table, local.get, call | thrower: local.get, i32.eqz, if,
    # local.get, i64.const, throw | i32.const
    assert call(store, i, "catch_all", 4) == ([1], 11)


def test_exception_unwinds_many_frames():
    store, i = setup()
    assert call(store, i, "deep", 500)[0] == [3]
    assert store.depth == 0
    assert call(store, i, "deep", 10)[0] == [3]


def test_catch_ref_and_throw_ref_rethrow():
    store, i = setup()
    assert call(store, i, "rethrow", 9)[0] == [9]
    (r,), _ = call(store, i, "exnref", 6)
    assert isinstance(r, ExnInst) and r.fields == (6, 5)
    with pytest.raises(Trap, match="null exception reference"):
        call(store, i, "throw_null")


def test_uncaught_exception_reaches_the_embedder():
    store, i = setup()
    with pytest.raises(UncaughtException) as e:
        call(store, i, "thrower", 4)
    assert e.value.kind == "exception"
    assert e.value.payload == (4, 5)
    assert e.value.tag is store.tags[i.exports["e1"].addr]
    assert e.value.count == 6


def test_traps_are_not_exceptions():
    store, i = setup()
    with pytest.raises(Trap, match="unreachable"):
        call(store, i, "trap_not_caught")


def test_exception_passes_through_a_host_function():
    def cb(store, inst, x):
        return call(store, inst, "thrower", x)[0][0]
    store, i = setup(cb)
    assert call(store, i, "via_host", 11)[0] == [11]
    assert store.depth == 0


def test_host_function_may_raise_an_exception():
    def cb(store, inst, x):
        raise UncaughtException(tag=store.tags[inst.exports["e1"].addr], payload=(x + 1, 0))
    store, i = setup(cb)
    assert call(store, i, "via_host", 11)[0] == [12]


def test_return_call_leaves_the_handler_behind():
    store, i = setup()
    with pytest.raises(UncaughtException):
        call(store, i, "tail", 1)


def test_catch_to_loop_label_and_limit():
    store, i = setup()
    results, count = call(store, i, "loop", 5)
    assert results == [5]
    assert call(store, i, "loop", 5, limit=count)[0] == [5]
    with pytest.raises(InstructionLimitExceeded):
        call(store, i, "loop", 5, limit=count - 1)


def test_tag_import_matching():
    store, i = setup()
    ok = embed.load_module('(module (import "m" "e1" (tag (param i32 i64))))')
    embed.module_instantiate(store, ok, {"m": i.exports})
    bad = embed.load_module('(module (import "m" "e1" (tag (param i32))))')
    with pytest.raises(LinkError, match="incompatible import type"):
        embed.module_instantiate(store, bad, {"m": i.exports})
    # an imported tag is the same tag: its exceptions are caught by the importer
    m2 = embed.load_module("""(module
      (import "m" "e1" (tag $e (param i32 i64)))
      (import "m" "thrower" (func $t (param i32)))
      (func (export "f") (result i32)
        (block $h (result i32 i64) (try_table (catch $e $h) (call $t (i32.const 2))) (unreachable))
        (drop)))""")
    j = embed.module_instantiate(store, m2, {"m": i.exports})
    assert call(store, j, "f")[0] == [2]


def test_exception_in_start_function_escapes_instantiation():
    store = new_store()
    m = embed.load_module("(module (tag $e) (func $s (throw $e)) (start $s))")
    with pytest.raises(UncaughtException):
        embed.module_instantiate(store, m)
