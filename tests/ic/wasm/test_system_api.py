"""The ic0 System API on a hand-written canister (probe.wat): entry points,
contexts, responding, traps and rollback, stable memory, calls and callbacks,
cycles, limits (interface spec, "Abstract Canisters to System API")."""

from __future__ import annotations

import gzip

import pytest

from pyic.errors import ICError, Reject
from pyic.ic.system_api import SYSTEM_API, contexts
from pyic.ic.wasm_canister import parse_wasm_canister
from pyic.testing import to_principal_bytes

CONTROLLER = b"\x99\x02"   # the sender tests/ic/conftest.py sets (USER)

pytestmark = pytest.mark.spec("Abstract Canisters to System API")


def u32(b: bytes) -> int:
    return int.from_bytes(b, "little")


def reject(fn, *args, **kw) -> Reject:
    with pytest.raises(Reject) as info:
        fn(*args, **kw)
    return info.value


def module_of(pic, cid):
    return pic.ic.state.canisters[to_principal_bytes(cid)].can_state.module


# ------------------------------------------------------------------ the table


def test_table_covers_the_spec_imports():
    names = {"msg_arg_data_size", "msg_reply", "call_new", "call_perform", "stable64_write",
             "performance_counter", "cost_call", "env_var_value_copy", "msg_deadline",
             "canister_liquid_cycle_balance128", "cycles_burn128", "in_replicated_execution"}
    assert names <= set(SYSTEM_API)
    assert SYSTEM_API["stable_size"].i32_only and not SYSTEM_API["stable64_size"].i32_only
    assert "s" in SYSTEM_API["stable64_size"].allowed
    assert "s" not in SYSTEM_API["msg_caller_size"].allowed       # "*" excludes start
    assert SYSTEM_API["msg_reject_msg_size"].allowed == contexts("Rt CRt")


def test_functype_follows_pointer_width():
    e = SYSTEM_API["msg_arg_data_copy"]
    assert e.functype("i64").params == ("i64", "i64", "i64")
    assert SYSTEM_API["call_cycles_add128"].functype("i64").params == ("i64", "i64")


# ------------------------------------------------------------------ entry points


def test_start_init_and_state(pic, probe):
    assert u32(pic.query_call(probe, "get", b"")) == 5          # canister_init read the arg
    assert u32(pic.query_call(probe, "started", b"")) == 1      # (start) ran once
    assert u32(pic.update_call(probe, "inc", b"")) == 6
    assert u32(pic.update_call(probe, "inc", b"")) == 7
    assert u32(pic.query_call(probe, "get", b"")) == 7


def test_query_changes_are_discarded(pic, probe):
    assert u32(pic.query_call(probe, "peek_inc", b"")) == 6
    assert u32(pic.query_call(probe, "get", b"")) == 5
    # a query method called as an update: the reply is kept, the changes are not
    assert u32(pic.update_call(probe, "peek_inc", b"")) == 6
    assert u32(pic.query_call(probe, "get", b"")) == 5
    assert u32(pic.query_call(probe, "memory_word", b"")) == 0


def test_echo_and_caller(pic, probe):
    assert pic.update_call(probe, "echo", b"hello") == b"hello"
    assert pic.query_call(probe, "echo_q", b"x" * 3000) == b"x" * 3000
    assert pic.update_call(probe, "caller", b"") == CONTROLLER
    assert pic.query_call(probe, "self", b"") == to_principal_bytes(probe)


def test_trap_rolls_back_memory_globals_and_stable(pic, probe):
    r = reject(pic.update_call, probe, "write_then_trap", b"")
    assert r.reject_code == 5
    assert "Canister called `ic0.trap` with message: 'boom'" in r.message
    assert u32(pic.query_call(probe, "get", b"")) == 5
    assert u32(pic.query_call(probe, "memory_word", b"")) == 0
    assert pic.update_call(probe, "stable_put", b"abcd") == (1).to_bytes(8, "little")


def test_wasm_trap_message(pic, probe):
    r = reject(pic.update_call, probe, "unreachable", b"")
    assert r.reject_code == 5 and "unreachable" in r.message


def test_reply_twice_traps_and_no_reply_is_reported(pic, probe):
    r = reject(pic.update_call, probe, "reply_twice", b"")
    assert "already been replied" in r.message
    r = reject(pic.update_call, probe, "no_reply", b"")
    assert r.reject_code == 5 and "did not reply" in r.message


def test_msg_reject(pic, probe):
    r = reject(pic.update_call, probe, "reject", b"no thanks")
    assert r.reject_code == 4 and r.message == "no thanks"


def test_context_check_traps_with_the_replica_message(pic, probe):
    r = reject(pic.query_call, probe, "timer_in_query", b"")
    assert 'Canister violated contract: "ic0.global_timer_set" cannot be executed in' \
        in r.message
    r = reject(pic.query_call, probe, "accept_in_query", b"")
    assert '"ic0.accept_message" cannot be executed in' in r.message


def test_copy_bounds(pic, probe):
    r = reject(pic.update_call, probe, "bad_copy", b"abc")
    assert "msg_arg_data_copy" in r.message
    r = reject(pic.update_call, probe, "bad_heap", b"")
    assert "heap out of bounds" in r.message


def test_stable_memory(pic, probe):
    assert pic.query_call(probe, "stable32_size", b"") == (0).to_bytes(4, "little")
    assert pic.update_call(probe, "stable_put", b"wxyz") == (1).to_bytes(8, "little")
    assert pic.query_call(probe, "stable_get", b"") == b"wxyz"
    assert pic.get_stable_memory(probe)[:4] == b"wxyz"
    assert len(pic.get_stable_memory(probe)) == 65536
    r = reject(pic.query_call, probe, "stable_oob", b"")
    assert "stable memory out of bounds" in r.message


def test_memory_grow_is_kept(pic, probe):
    assert u32(pic.update_call(probe, "grow_memory", b"")) == 1
    assert u32(pic.query_call(probe, "memory_pages", b"")) == 4


def test_upgrade_runs_pre_and_post_upgrade(pic, probe, probe_wasm):
    pic.update_call(probe, "inc", b"")                       # counter 6
    pic.upgrade_canister(probe, probe_wasm, b"")
    assert u32(pic.query_call(probe, "get", b"")) == 1006    # post_upgrade: stable + 1000
    assert u32(pic.query_call(probe, "started", b"")) == 1   # a new instance ran (start)
    pic.reinstall_code(probe, probe_wasm, b"\x09")
    assert u32(pic.query_call(probe, "get", b"")) == 9
    assert len(pic.get_stable_memory(probe)) == 0


def test_instruction_limit(pic, probe):
    pic.ic.cfg = pic.ic.cfg.__class__(max_instructions_per_message=200_000)
    module_of(pic, probe).cfg = pic.ic.cfg
    r = reject(pic.update_call, probe, "loop_forever", b"")
    assert "Canister exceeded the limit of 200000 instructions for single message execution." \
        in r.message


def test_performance_counter(pic, probe):
    n = int.from_bytes(pic.query_call(probe, "perf", b""), "little")
    assert 200 < n < 2_000                      # the call's own fee of 200 is included
    r = reject(pic.query_call, probe, "perf_bad", b"")
    assert "performance_counter" in r.message


def test_environment(pic, probe):
    t = int.from_bytes(pic.query_call(probe, "time", b""), "little")
    assert t == pic.ic.state.canisters[to_principal_bytes(probe)].time
    assert u32(pic.update_call(probe, "replicated", b"")) == 1
    assert int.from_bytes(pic.query_call(probe, "version", b""), "little") >= 1
    assert u32(pic.update_call(probe, "is_controller", CONTROLLER)) == 1
    assert u32(pic.update_call(probe, "is_controller", b"\x01\x02")) == 0
    r = reject(pic.update_call, probe, "is_controller", b"x" * 30)
    assert "principal" in r.message


def test_certified_data_and_timer(pic, probe):
    pic.update_call(probe, "set_certified", b"c" * 32)
    assert pic.ic.state.canisters[to_principal_bytes(probe)].certified_data == b"c" * 32
    r = reject(pic.update_call, probe, "set_certified", b"c" * 33)
    assert "certified_data_set" in r.message
    assert int.from_bytes(pic.update_call(probe, "set_timer", b""), "little") == 0
    assert pic.ic.state.canisters[to_principal_bytes(probe)].global_timer == 12345


def test_global_timer_runs(pic, probe):
    pic.update_call(probe, "set_timer", b"")     # timer at t=12345, long past
    pic.tick(2)
    assert u32(pic.query_call(probe, "get", b"")) == 505


def test_debug_print_goes_to_the_log(pic, probe):
    pic.update_call(probe, "log", b"")
    assert any(bytes(r["content"]) == b"hello log" for r in pic.fetch_canister_logs(probe))


def test_cycles_balance_and_accept(pic, probe):
    balance = int.from_bytes(pic.update_call(probe, "balance", b""), "little")
    assert 0 < balance <= pic.get_cycles_balance(probe) + 10 ** 12


def test_inspect_message(pic, probe):
    # ingress update calls pass canister_inspect_message; "blocked" is refused
    assert pic.update_call(probe, "echo", b"ok") == b"ok"
    r = reject(pic.update_call, probe, "blocked", b"")
    assert r.reject_code in (4, 5)


# ------------------------------------------------------------------ calls and callbacks


@pytest.fixture
def pair(pic, probe_wasm):
    a = pic.create_canister()
    b = pic.create_canister()
    pic.install_code(a, probe_wasm, b"\x00")
    pic.install_code(b, probe_wasm, b"\x00")
    return a, b


def test_call_reply_callback(pic, pair):
    a, b = pair
    # on_reply: env 11, then the callee's reply ("ping" echoed)
    assert pic.update_call(a, "forward", to_principal_bytes(b)) == b"\x0bping"


def test_call_reject_callback(pic, pair):
    a, b = pair
    out = pic.update_call(a, "forward_boom", to_principal_bytes(b))
    assert out[0] == 22 and out[1] == 5           # env 22, reject code CANISTER_ERROR
    assert b"boom" in out[2:]


def test_cleanup_runs_when_the_callback_traps(pic, pair):
    a, b = pair
    r = reject(pic.update_call, a, "forward_reply_trap", to_principal_bytes(b))
    assert r.reject_code == 5
    assert u32(pic.query_call(a, "get", b"")) == 33   # on_cleanup added its env


def test_callback_of_the_wrong_type_traps(pic, pair):
    a, b = pair
    r = reject(pic.update_call, a, "call_bad_callback", to_principal_bytes(b))
    assert r.reject_code == 5


def test_call_without_call_new_traps(pic, probe):
    r = reject(pic.update_call, probe, "data_append_without_call", b"")
    assert "no call is under construction" in r.message


def test_cycles_are_sent_with_the_call(pic, pair):
    a, b = pair
    pic.update_call(a, "inc", b"")                   # counter 1: attach 1 cycle
    pic.update_call(a, "forward", to_principal_bytes(b))   # echo does not accept: refunded
    assert pic.get_cycles_balance(b) > 0


# ------------------------------------------------------------------ modules


def test_gzip_module(pic, probe_wasm):
    cid = pic.create_canister()
    pic.install_code(cid, gzip.compress(probe_wasm), b"\x03")
    assert u32(pic.query_call(cid, "get", b"")) == 3


@pytest.mark.parametrize("wat, message", [
    ('(module (import "ic0" "nope" (func)))', "unknown System API function"),
    ('(module (import "env" "f" (func)))', "unknown System API function"),
    ('(module (import "ic0" "msg_reply" (func (param i32))))', "wrong type"),
    ('(module (import "ic0" "stable_size" (func (result i32))) (memory i64 1))',
     "unknown System API"),
    ('(module (func (export "canister_update f") (param i32)))', "must be () -> ()"),
    ('(module (func (export "canister_foo")))', "canister_"),
    ('(module (func $f) (export "canister_update f" (func $f)) '
     '(export "canister_query f" (func $f)))', "more than once"),
])
def test_invalid_canister_modules(wat, message):
    from pyic.wasm.binary import encode_module
    from pyic.wasm.text import parse_module
    with pytest.raises(ICError) as info:
        parse_wasm_canister(encode_module(parse_module(wat)))
    assert message in info.value.message


def test_malformed_module_is_rejected_on_install(pic):
    with pytest.raises(ICError) as info:
        parse_wasm_canister(b"\0asm\x01\0\0\0\x01")
    assert "malformed" in info.value.message
    cid = pic.create_canister()
    r = reject(pic.install_code, cid, b"\0asm\x02\0\0\0")
    assert r.reject_code == 5 and "not valid" in r.message
    r = reject(pic.install_code, cid, b"\x1f\x8b\x08garbage")
    assert "gzip" in r.message


def test_wasm64_module_binds_i64_imports(pic):
    from pyic.wasm.binary import encode_module
    from pyic.wasm.text import parse_module
    wat = '''(module
      (import "ic0" "msg_arg_data_size" (func $size (result i64)))
      (import "ic0" "msg_arg_data_copy" (func $copy (param i64 i64 i64)))
      (import "ic0" "msg_reply_data_append" (func $append (param i64 i64)))
      (import "ic0" "msg_reply" (func $reply))
      (memory i64 1)
      (func (export "canister_query rev")
        (call $copy (i64.const 100) (i64.const 0) (call $size))
        (call $append (i64.const 100) (call $size))
        (call $reply)))'''
    cid = pic.create_canister()
    pic.install_code(cid, encode_module(parse_module(wat)), b"")
    assert pic.query_call(cid, "rev", b"abc") == b"abc"


def test_state_survives_save_and_load(pic, probe, tmp_path):
    from pyic.testing import PocketIC
    pic.update_call(probe, "inc", b"")
    pic.update_call(probe, "stable_put", b"keep")
    path = str(tmp_path / "state")
    pic.save(path)
    again = PocketIC.load(path)
    assert u32(again.query_call(probe, "get", b"")) == 6
    assert again.query_call(probe, "stable_get", b"") == b"keep"
    assert u32(again.update_call(probe, "inc", b"", sender=CONTROLLER)) == 7


def test_query_without_reply(pic, probe_wasm):
    from pyic.wasm.binary import encode_module
    from pyic.wasm.text import parse_module
    cid = pic.create_canister()
    pic.install_code(cid, encode_module(parse_module(
        '(module (func (export "canister_query q")))')), b"")
    r = reject(pic.query_call, cid, "q", b"")
    assert r.reject_code == 5 and "did not reply" in r.message
    r = reject(pic.update_call, cid, "q", b"")
    assert r.reject_code == 5 and "did not reply" in r.message
