"""Threads (WebAssembly/threads) behind the 'threads' feature: shared memories,
atomic accesses, wait/notify/fence, executed deterministically (docs/proposals.md)."""

from __future__ import annotations

import pytest

from pyic.errors import InvalidError, MalformedError, Trap
from pyic.wasm.binary import decode_module, encode_module
from pyic.wasm.features import using
from pyic.wasm.text import parse_module
from pyic.wasm.text.printer import print_module
from pyic.wasm.valid import validate_module

FEATURE = {"threads"}

WAT = """(module
  (memory 1 1 shared)
  (func (export "store") (param i32 i64) (i64.atomic.store (local.get 0) (local.get 1)))
  (func (export "load8") (param i32) (result i32) (i32.atomic.load8_u (local.get 0)))
  (func (export "add") (param i32 i32) (result i32)
    (i32.atomic.rmw.add (local.get 0) (local.get 1)))
  (func (export "cmpxchg16") (param i32 i32 i32) (result i32)
    (i32.atomic.rmw16.cmpxchg_u (local.get 0) (local.get 1) (local.get 2)))
  (func (export "wait") (param i32 i32 i64) (result i32)
    (memory.atomic.wait32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "notify") (param i32) (result i32)
    (memory.atomic.notify (local.get 0) (i32.const 1)))
  (func (export "fence") atomic.fence))"""


def _module():
    with using(FEATURE):
        return parse_module(WAT)


def test_off_by_default():
    with pytest.raises(MalformedError):
        parse_module(WAT)
    data = encode_module(_module())
    with pytest.raises(MalformedError):
        decode_module(data)


def test_round_trips_through_binary_and_text():
    m = _module()
    assert m.mems[0].type.limits.shared
    with using(FEATURE):
        assert decode_module(encode_module(m)) == m
        assert parse_module(print_module(m)) == m
        validate_module(m)


@pytest.mark.parametrize("text, message", [
    ("(memory 1 shared)", "shared memory must have maximum"),
    ("(func (drop (i32.atomic.load (i32.const 0))))", "unknown memory"),
    ("(memory 1) (func (drop (i32.atomic.load align=2 (i32.const 0))))",
     "atomic alignment must be natural"),
])
def test_invalid(text, message):
    with using(FEATURE), pytest.raises(InvalidError, match=message):
        validate_module(parse_module(text))


def _run(tier: str, calls: list):
    from pyic.wasm.embed import invoke_export, module_instantiate, store_init
    from pyic.wasm.runtime.store import Config

    with using(FEATURE):
        store = store_init(Config(tier=tier))
        inst = module_instantiate(store, _module(), [])
        out = []
        for name, args in calls:
            try:
                out.append(invoke_export(store, inst, name, args))
            except Trap as e:
                out.append(("trap", e.message))
        return out


CALLS = [
    ("store", [0, 0x1122334455667788]), ("load8", [1]), ("add", [0, 1]), ("load8", [0]),
    ("cmpxchg16", [2, 0x5566, 0xABCD]), ("cmpxchg16", [2, 0x5566, 0x1]),
    ("add", [1, 1]), ("load8", [1 << 16]),
    ("wait", [0, 0, 0]), ("wait", [8, 0, 5]), ("wait", [8, 0, -1 & (2**64 - 1)]),
    ("notify", [4]), ("notify", [2]), ("fence", []),
]


def test_semantics_and_both_tiers_agree():
    ref = _run("reference", CALLS)
    assert [r[0] for r in ref] == [
        [], [0x77], [0x55667788], [0x89], [0x5566], [0xABCD],
        "trap", "trap", [1], [2], "trap", [0], "trap", []]
    assert ref[6][1] == "unaligned atomic"
    assert ref[7][1] == "out of bounds memory access"
    assert ref[10][1] == "wait would block forever"
    assert _run("fast", CALLS) == ref


# ---------------------------------------------------------------- script threads

WAIT_NOTIFY = """
(module $Mem (memory (export "shared") 1 1 shared))
(thread $T1 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "run") (result i32)
      (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const -1))))
  (assert_return (invoke "run") (i32.const 0)))
(thread $T2 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "notify") (result i32) (memory.atomic.notify (i32.const 0) (i32.const 5))))
  (assert_return (invoke "notify") (i32.const 1)))
(wait $T1)
(wait $T2)
(thread $T3 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "timed") (result i32)
      (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 10)))
    (func (export "forever") (result i32)
      (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const -1))))
  (assert_return (invoke "timed") (i32.const 2))
  (assert_trap (invoke "forever") "wait would block forever"))
(wait $T3)
"""


@pytest.mark.parametrize("tier", ["reference", "fast"])
def test_script_threads_wait_and_notify_deterministically(tier):
    from pyic.wasm.script.engine import default_engine
    from pyic.wasm.script.runner import run_text

    with using(FEATURE):
        report = run_text(WAIT_NOTIFY, "wait_notify.wast", engine=default_engine(tier))
    assert report.failures == []
    assert (report.passed, report.failed, report.not_run) == (17, 0, 0)
