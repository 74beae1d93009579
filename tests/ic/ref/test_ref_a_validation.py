"""Ported from ic-hs ``src/IC/Test/Spec.hs``: "regular canisters/WebAssembly
module validation" — the "WebAssembly module requirements" of the interface
spec (canister-interface.md).

ic-hs installs binaries from its ``test-data/`` folder, which is not
published; each module here is written from the name of the one it stands
for, as WAT (custom sections appended to the binary, since the text format
pyic reads has no syntax for them).  The limits are the v0.66.0 spec's
("The IC may reject WebAssembly modules that declare more than 50,000
functions, more than 1,000 globals, more than 16 exported custom sections,
more than 1,000 update/query methods, method names longer than 20,000 in all,
custom sections larger than 1 MiB in all"): each "many"/"large" module sits
exactly at a limit, its "too" twin one past it.
"""

from __future__ import annotations

import functools

import pytest

from harness import is_reject, is_reply, as_word32, ref_test
from _a_helpers import RC, EMPTY_MODULE, call_method, wasm_of, with_custom_sections

G = RC + "WebAssembly module validation/"
MIB = 1 << 20


def unit_export(*names: str, body: str = "") -> bytes:
    """A module exporting one function of type () -> () under each name."""
    exports = "".join(f'(export "{n}" (func $f))' for n in names)
    return wasm_of(f"(module (func $f {body}) {exports})")


def typed_export(name: str, functype: str) -> bytes:
    """A module exporting ``name`` with the given (wrong) type."""
    return wasm_of(f'(module (func $f {functype} unreachable) (export "{name}" (func $f)))')


def methods(n: int, name_len: int = 1) -> bytes:
    """``n`` query methods with distinct names of ``name_len`` bytes or more."""
    names = [f"canister_query {i:0{name_len}d}" for i in range(n)]
    return unit_export(*names)


def long_names(total: int) -> bytes:
    """Two methods whose names have ``total`` bytes together."""
    half = total // 2
    return unit_export("canister_update " + "a" * half,
                       "canister_query " + "b" * (total - half))


def custom_sections(n: int) -> bytes:
    return with_custom_sections(EMPTY_MODULE, [(f"icp:public s{i}", b"x") for i in range(n)])


def large_custom_sections(total: int) -> bytes:
    """Two icp: sections of ``total`` bytes (name lengths plus contents)."""
    first = total // 2 - 1
    return with_custom_sections(EMPTY_MODULE, [("icp:public a", b"a" * first),
                                               ("icp:private b", b"b" * (total - 2 - first))])


def functions(n: int) -> bytes:
    return wasm_of("(module " + "(func)" * n + ")")


def globals_(n: int) -> bytes:
    return wasm_of("(module " + "(global i32 (i32.const 0))" * n + ")")


#: ``read``: an update method replying with the 4 bytes of the counter
#: ``$ctr``; ``start.wat`` adds 4 to it in its (start) function.
COUNTER_WAT = """
(module
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (memory 1)
  (global $ctr (mut i32) (i32.const 0))
  (func $start (global.set $ctr (i32.add (global.get $ctr) (i32.const 4))))
  (func $read
    (i32.store (i32.const 0) (global.get $ctr))
    (call $append (i32.const 0) (i32.const 4))
    (call $reply))
  (export "canister_update read" (func $read))
  (export "canister_query {query}" (func $read))
  {start})
"""


def counter(start: bool, query: str = "q") -> bytes:
    return wasm_of(COUNTER_WAT.format(start="(start $start)" if start else "", query=query))


_SYSTEM = {"canister_init": "init", "canister_inspect_message": "inspect_message",
           "canister_heartbeat": "heartbeat", "canister_global_timer": "global_timer",
           "canister_pre_upgrade": "pre_upgrade", "canister_post_upgrade": "post_upgrade",
           "canister_query que": "query_que", "canister_update upd": "update_upd",
           "canister_composite_query cq": "composite_query_cq"}

#: The module of each test-data name.
MODULES = {
    "empty_custom_section_name": lambda: with_custom_sections(EMPTY_MODULE,
                                                              [("icp:public ", b"a")]),
    "large_custom_sections": lambda: large_custom_sections(MIB),
    "long_exported_function_names.wat": lambda: long_names(20_000),
    "many_custom_sections": lambda: custom_sections(16),
    "many_exports.wat": lambda: methods(1_000),
    "many_functions.wat": lambda: functions(50_000),
    "many_globals.wat": lambda: globals_(1_000),
    "valid_import.wat": lambda: wasm_of('(module (import "ic0" "msg_reply" (func)))'),
    "duplicate_custom_section": lambda: with_custom_sections(
        EMPTY_MODULE, [("icp:public x", b"a"), ("icp:public x", b"b")]),
    "invalid_canister_export.wat": lambda: unit_export("canister_bar"),
    "invalid_custom_section": lambda: with_custom_sections(EMPTY_MODULE,
                                                           [("icp:foo x", b"a")]),
    # ``icp:public`` without the space before the (empty) name: no valid icp: name.
    "invalid_empty_custom_section_name": lambda: with_custom_sections(EMPTY_MODULE,
                                                                      [("icp:public", b"a")]),
    # ``canister_query`` without the space before the (empty) name.
    "invalid_empty_query_name.wat": lambda: unit_export("canister_query"),
    "invalid_import.wat": lambda: wasm_of('(module (import "ic0" "no_such_function" (func)))'),
    "name_clash_query_composite_query.wat": lambda: unit_export(
        "canister_query x", "canister_composite_query x"),
    "name_clash_update_composite_query.wat": lambda: unit_export(
        "canister_update x", "canister_composite_query x"),
    "name_clash_update_query.wat": lambda: unit_export("canister_update x", "canister_query x"),
    "too_large_custom_sections": lambda: large_custom_sections(MIB + 1),
    "too_long_exported_function_names.wat": lambda: long_names(20_001),
    "too_many_custom_sections": lambda: custom_sections(17),
    "too_many_exports.wat": lambda: methods(1_001),
    "too_many_functions.wat": lambda: functions(50_001),
    "too_many_globals.wat": lambda: globals_(1_001),
    "start.wat": lambda: counter(start=True),
    "no_start.wat": lambda: counter(start=False),
    "empty_query_name.wat": lambda: counter(start=False, query=""),
    "query_name_with_spaces.wat": lambda: counter(start=False, query="name with spaces"),
}
# An entry point of the wrong type: "reta" returns a value, "retb" takes one.
for _export, _name in _SYSTEM.items():
    MODULES[f"invalid_canister_{_name}_reta.wat"] = \
        functools.partial(typed_export, _export, "(result i32)")
    MODULES[f"invalid_canister_{_name}_retb.wat"] = \
        functools.partial(typed_export, _export, "(param i64)")


@functools.cache
def get_test_wasm(name: str) -> bytes:
    """``getTestWasm``: the module standing for ``test-data/<name>``."""
    return MODULES[name]()


GOOD = ["empty_custom_section_name", "large_custom_sections", "long_exported_function_names.wat",
        "many_custom_sections", "many_exports.wat", "many_functions.wat", "many_globals.wat",
        "valid_import.wat"]
BAD = ["duplicate_custom_section", "invalid_canister_composite_query_cq_reta.wat",
       "invalid_canister_composite_query_cq_retb.wat", "invalid_canister_export.wat",
       "invalid_canister_global_timer_reta.wat", "invalid_canister_global_timer_retb.wat",
       "invalid_canister_heartbeat_reta.wat", "invalid_canister_heartbeat_retb.wat",
       "invalid_canister_init_reta.wat", "invalid_canister_init_retb.wat",
       "invalid_canister_inspect_message_reta.wat", "invalid_canister_inspect_message_retb.wat",
       "invalid_canister_post_upgrade_reta.wat", "invalid_canister_post_upgrade_retb.wat",
       "invalid_canister_pre_upgrade_reta.wat", "invalid_canister_pre_upgrade_retb.wat",
       "invalid_canister_query_que_reta.wat", "invalid_canister_query_que_retb.wat",
       "invalid_canister_update_upd_reta.wat", "invalid_canister_update_upd_retb.wat",
       "invalid_custom_section", "invalid_empty_custom_section_name",
       "invalid_empty_query_name.wat", "invalid_import.wat",
       "name_clash_query_composite_query.wat", "name_clash_update_composite_query.wat",
       "name_clash_update_query.wat", "too_large_custom_sections",
       "too_long_exported_function_names.wat", "too_many_custom_sections",
       "too_many_exports.wat", "too_many_functions.wat", "too_many_globals.wat"]


def inst(ref, name: str) -> bytes:
    cid = ref.create()
    ref.ic_install(ref.ic00, "install", cid, get_test_wasm(name), b"")
    return cid


def read(ref, cid: bytes, method: str) -> int:
    """An update call (a query method may be called as one) of ``method``."""
    return as_word32(is_reply(call_method(ref, cid, method)))


@pytest.mark.parametrize("name", [pytest.param(n, marks=ref_test(G + "valid: " + n))
                                  for n in GOOD])
def test_valid(ref, name):
    cid = inst(ref, name)
    assert ref.ic_canister_status(ref.ic00, cid)["module_hash"] is not None


@pytest.mark.parametrize("name", [pytest.param(n, marks=ref_test(G + "invalid: " + n))
                                  for n in BAD])
def test_invalid(ref, name):
    cid = ref.create()
    is_reject([5], ref.ic_install_(ref.ic00, "install", cid, get_test_wasm(name), b""))
    assert ref.ic_canister_status(ref.ic00, cid)["module_hash"] is None


@ref_test(G + "(start) function")
def test_start_function(ref):
    cid = inst(ref, "start.wat")
    assert read(ref, cid, "read") == 4  # the (start) function ran
    assert read(ref, cid, "read") == 4  # at instantiation only, not per message


@ref_test(G + "no (start) function")
def test_no_start_function(ref):
    cid = inst(ref, "no_start.wat")
    assert read(ref, cid, "read") == 0


@ref_test(G + "empty query name")
def test_empty_query_name(ref):
    cid = inst(ref, "empty_query_name.wat")
    read(ref, cid, "")


@ref_test(G + "query name with spaces")
def test_query_name_with_spaces(ref):
    cid = inst(ref, "query_name_with_spaces.wat")
    read(ref, cid, "name with spaces")
