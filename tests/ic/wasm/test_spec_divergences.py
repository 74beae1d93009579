"""Where pyic diverged from the interface spec v0.66.0, on small hand-written Wasm
canisters: the environment of install and upgrade entry points, the cycles an
install needs and pays, ``specified_id``, uncaught Wasm exceptions, the subnet's
instruction limits.  Each test names the rule it checks."""

from __future__ import annotations

import pytest

from pyic.candid import Principal
from pyic.errors import Reject
from pyic.ic.costs import SubnetConfig
from pyic.ic.machine import IC
from pyic.testing import PocketIC, to_principal_bytes
from pyic.wasm.binary import encode_module
from pyic.wasm.text import parse_module

from principals import USER

spec = pytest.mark.spec


def wasm(text: str) -> bytes:
    return encode_module(parse_module(text))


def reject(fn, *args, **kw) -> Reject:
    with pytest.raises(Reject) as info:
        fn(*args, **kw)
    return info.value


def pic_with(**limits) -> PocketIC:
    p = PocketIC(ic=IC(cfg=SubnetConfig(**limits)))
    p.set_sender(USER)
    return p


def i64s(data: bytes) -> list[int]:
    return [int.from_bytes(data[i:i + 8], "little") for i in range(0, len(data), 8)]


# A canister that records, in stable memory, what each install entry point sees:
# [0] init's canister_version, [8] the timer global_timer_set(0) replaced in init,
# [16] / [24] the same in pre_upgrade, [32] / [40] in post_upgrade.
# ``arm`` sets the global timer far in the future (so it never fires here).
ENV_PROBE = wasm(r"""
(module
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "canister_version" (func $version (result i64)))
  (import "ic0" "global_timer_set" (func $timer_set (param i64) (result i64)))
  (import "ic0" "stable64_size" (func $stable_size (result i64)))
  (import "ic0" "stable64_grow" (func $stable_grow (param i64) (result i64)))
  (import "ic0" "stable64_write" (func $stable_write (param i64 i64 i64)))
  (import "ic0" "stable64_read" (func $stable_read (param i64 i64 i64)))
  (memory 1)
  (func $record (param $at i64)
    (if (i64.eqz (call $stable_size)) (then (drop (call $stable_grow (i64.const 1)))))
    (i64.store (i32.const 0) (call $version))
    (i64.store (i32.const 8) (call $timer_set (i64.const 0)))
    (call $stable_write (local.get $at) (i64.const 0) (i64.const 16)))
  (func (export "canister_init") (call $record (i64.const 0)))
  (func (export "canister_pre_upgrade") (call $record (i64.const 16)))
  (func (export "canister_post_upgrade") (call $record (i64.const 32)))
  (func (export "canister_global_timer"))
  (func (export "canister_update arm")
    (drop (call $timer_set (i64.const 0x7fffffffffffffff)))
    (call $reply))
  (func (export "canister_query seen")
    (call $stable_read (i64.const 0) (i64.const 0) (i64.const 48))
    (call $append (i32.const 0) (i32.const 48))
    (call $reply))
  (func (export "canister_query version")
    (i64.store (i32.const 0) (call $version))
    (call $append (i32.const 0) (i32.const 8))
    (call $reply))
)
""")

FAR = 0x7fffffffffffffff


def seen(pic, cid) -> list[int]:
    return i64s(pic.query_call(cid, "seen", b""))


def timer_of(pic, cid) -> int:
    return pic.ic.state.canisters[to_principal_bytes(cid)].global_timer


# ------------------------------------------------------------------ 1. Env of install and upgrade


@spec("IC Management Canister: Code installation")
def test_init_sees_the_incremented_version_and_no_timer(pic):
    cid = pic.create_canister()                       # canister_version 0
    pic.install_code(cid, ENV_PROBE, b"")
    init_version, init_timer = seen(pic, cid)[:2]
    # Env.canister_version = S.canister_version[A] + 1; Env.global_timer = 0
    assert (init_version, init_timer) == (1, 0)
    assert i64s(pic.query_call(cid, "version", b"")) == [1]


@spec("IC Management Canister: Code installation")
def test_reinstall_init_sees_no_timer_and_the_next_version(pic):
    cid = pic.create_canister()
    pic.install_code(cid, ENV_PROBE, b"")             # version 1
    pic.update_call(cid, "arm", b"")                  # version 2, timer armed
    assert timer_of(pic, cid) == FAR
    pic.reinstall_code(cid, ENV_PROBE, b"")
    init_version, init_timer = seen(pic, cid)[:2]
    assert (init_version, init_timer) == (3, 0)
    assert timer_of(pic, cid) == 0                    # init set none: deactivated


@spec("IC Management Canister: Code upgrade")
def test_pre_upgrade_sees_the_old_env_and_post_upgrade_the_new(pic):
    cid = pic.create_canister()
    pic.install_code(cid, ENV_PROBE, b"")             # version 1
    pic.update_call(cid, "arm", b"")                  # version 2, timer armed
    pic.upgrade_canister(cid, ENV_PROBE, b"")
    _, _, pre_version, pre_timer, post_version, post_timer = seen(pic, cid)
    # Env1: the old timer and version; Env2: global_timer = 0, version + 1
    assert (pre_version, pre_timer) == (2, FAR)
    assert (post_version, post_timer) == (3, 0)
    assert i64s(pic.query_call(cid, "version", b"")) == [3]
    assert timer_of(pic, cid) == 0


@spec("IC Management Canister: Code upgrade")
def test_first_upgrade_post_upgrade_sees_version_two(pic):
    cid = pic.create_canister()
    pic.install_code(cid, ENV_PROBE, b"")             # version 1
    pic.upgrade_canister(cid, ENV_PROBE, b"")
    assert seen(pic, cid)[2:6:2] == [1, 2]            # pre_upgrade 1, post_upgrade 2


# ------------------------------------------------------------------ 4. uncaught Wasm exceptions


THROWER = wasm(r"""
(module
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (memory 1)
  (global $count (mut i32) (i32.const 0))
  (tag $oops (param i32))
  (func (export "canister_init")
    ;; an argument makes init throw
    (if (call $arg_size) (then (throw $oops (i32.const 1)))))
  (func (export "canister_update throw")
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (i32.store (i32.const 0) (i32.const 99))
    (throw $oops (i32.const 42)))
  (func (export "canister_update inc")
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (i32.store (i32.const 4) (global.get $count))
    (call $append (i32.const 0) (i32.const 8))
    (call $reply))
)
""")


@spec("Message execution")
def test_uncaught_exception_is_a_trap(pic):
    cid = pic.create_canister()
    pic.install_code(cid, THROWER, b"")
    assert pic.update_call(cid, "inc", b"") == bytes(4) + (1).to_bytes(4, "little")
    r = reject(pic.update_call, cid, "throw", b"")
    assert (r.reject_code, r.error_code) == (5, "IC0502")
    assert "uncaught exception" in r.message
    # the message was answered and taken out of the state ...
    assert pic.ic.state.messages == ()
    # ... and the global and the memory write were rolled back
    assert pic.update_call(cid, "inc", b"") == bytes(4) + (2).to_bytes(4, "little")


@spec("IC Management Canister: Code installation")
def test_uncaught_exception_in_init_fails_the_install(pic):
    cid = pic.create_canister()
    r = reject(pic.install_code, cid, THROWER, b"\x01")
    assert r.reject_code == 5 and "uncaught exception" in r.message
    assert pic.ic.state.canisters[to_principal_bytes(cid)].can_state is None


# ------------------------------------------------------------------ 3. specified_id


@spec("IC Management Canister: Canister creation with cycles")
@pytest.mark.parametrize("specified", [b"", b"\x04", Principal.self_authenticating(b"key").bytes],
                         ids=["aaaaa-aa", "anonymous", "user"])
def test_specified_id_must_be_a_canister_id_of_the_subnet(pic, specified):
    before = set(pic.ic.state.canisters)
    r = reject(pic.create_canister, specified_id=Principal(specified))
    # is_system_assigned Canister_id; ic-hs Spec.hs: "specified_id does not belong to
    # the subnet's canister ranges" expects CANISTER_REJECT
    assert r.reject_code == 4
    assert set(pic.ic.state.canisters) == before
    # a canister id of the subnet is fine
    want = Principal.from_canister_id(1234)
    assert pic.create_canister(specified_id=want) == want


# ------------------------------------------------------------------ 5. the subnet's limits


SPINNER = wasm(r"""
(module
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (func $spin (param $n i32)
    (loop $l
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n))))
  (func (export "canister_init")
    (if (call $arg_size) (then (call $spin (i32.const 20000)))))
  (func (export "canister_update spin") (call $spin (i32.const 20000)) (call $reply))
  (func (export "canister_query spin_q") (call $spin (i32.const 20000)) (call $reply))
)
""")


@spec("Message execution")
def test_update_obeys_the_subnets_instruction_limit():
    pic = pic_with(max_instructions_per_message=10_000)
    cid = pic.create_canister()
    pic.install_code(cid, SPINNER, b"")
    r = reject(pic.update_call, cid, "spin", b"")
    assert (r.reject_code, r.error_code) == (5, "IC0522")
    assert "limit of 10000 instructions" in r.message
    # the same canister under the default limits completes
    default = pic_with()
    cid = default.create_canister()
    default.install_code(cid, SPINNER, b"")
    assert default.update_call(cid, "spin", b"") == b""


@spec("Query call")
def test_query_obeys_the_subnets_instruction_limit():
    pic = pic_with(max_instructions_per_query=10_000)
    cid = pic.create_canister()
    pic.install_code(cid, SPINNER, b"")
    r = reject(pic.query_call, cid, "spin_q", b"")
    assert r.reject_code == 5 and "limit of 10000 instructions" in r.message
    assert pic.update_call(cid, "spin", b"") == b""   # updates have their own limit


@spec("IC Management Canister: Code installation")
def test_init_obeys_the_subnets_install_limit():
    pic = pic_with(max_instructions_per_install_code=10_000)
    cid = pic.create_canister()
    r = reject(pic.install_code, cid, SPINNER, b"\x01")
    assert (r.reject_code, r.error_code) == (5, "IC0522")
    assert "limit of 10000 instructions" in r.message
    pic.install_code(cid, SPINNER, b"")               # without the argument, init is short


@spec("The system state")
def test_a_loaded_state_keeps_the_subnets_limits(tmp_path):
    pic = pic_with(max_instructions_per_message=10_000)
    cid = pic.create_canister()
    pic.install_code(cid, SPINNER, b"")
    path = str(tmp_path / "state")
    pic.save(path)
    loaded = PocketIC.load(path)
    r = reject(loaded.update_call, cid, "spin", b"")
    assert "limit of 10000 instructions" in r.message


@spec("IC Management Canister: Load canister snapshot")
def test_a_loaded_snapshot_keeps_the_subnets_limits():
    pic = pic_with(max_instructions_per_message=10_000)
    cid = pic.create_canister()
    pic.install_code(cid, SPINNER, b"")
    snapshot = pic.take_canister_snapshot(cid)
    pic.load_canister_snapshot(cid, snapshot["id"])
    r = reject(pic.update_call, cid, "spin", b"")
    assert "limit of 10000 instructions" in r.message


# ------------------------------------------------------------------ 2, 6. cycles of an install


NO_FREEZING = {"freezing_threshold": 0}


@spec("IC Management Canister: Code installation")
def test_install_needs_max_cycles_per_message(pic):
    need = pic.ic.cfg.max_cycles_per_message
    poor = pic.create_canister(settings=NO_FREEZING, cycles=need - 1)
    r = reject(pic.install_code, poor, SPINNER, b"")
    # liquid_balance(S, A.canister_id) ≥ MAX_CYCLES_PER_MESSAGE
    assert (r.reject_code, r.error_code) == (2, "IC0207")
    assert "at least 1 additional cycles" in r.message
    assert pic.ic.state.canisters[to_principal_bytes(poor)].can_state is None
    assert pic.get_cycles_balance(poor) == need - 1
    enough = pic.create_canister(settings=NO_FREEZING, cycles=need)
    pic.install_code(enough, SPINNER, b"")
    assert pic.ic.state.canisters[to_principal_bytes(enough)].can_state is not None


@spec("IC Management Canister: Code installation")
def test_install_may_not_leave_a_negative_liquid_balance():
    # MAX_CYCLES_PER_MESSAGE is small here, the install limit is not: an init that
    # uses more cycles than the canister has cannot commit (liquid_balance(S') ≥ 0).
    pic = pic_with(max_instructions_per_message=1_000)
    need = pic.ic.cfg.max_cycles_per_message
    cid = pic.create_canister(settings=NO_FREEZING, cycles=need)
    r = reject(pic.install_code, cid, SPINNER, b"\x01")
    assert r.reject_code == 2 and "frozen" in r.message
    assert pic.ic.state.canisters[to_principal_bytes(cid)].can_state is None
    assert pic.get_cycles_balance(cid) == need        # no effect: nothing charged
    pic.install_code(cid, SPINNER, b"")               # a short init fits
    assert 0 <= pic.get_cycles_balance(cid) < need


@spec("IC Management Canister: Code installation")
def test_successful_install_pays_the_cycles_used(pic):
    cid = pic.create_canister(settings=NO_FREEZING)
    before = pic.get_cycles_balance(cid)
    pic.install_code(cid, SPINNER, b"\x01")           # init spins
    long_init = before - pic.get_cycles_balance(cid)
    other = pic.create_canister(settings=NO_FREEZING)
    pic.install_code(other, SPINNER, b"")             # init returns at once
    short_init = before - pic.get_cycles_balance(other)
    # New_balance = S.balances[A] - Cycles_used: more instructions, more cycles
    assert long_init > short_init > 0


TRAPPER = wasm(r"""
(module
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (func $spin (param $n i32)
    (loop $l
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n))))
  (func (export "canister_init")
    (call $spin (i32.const 5000))
    (if (call $arg_size) (then (unreachable))))
  (func (export "canister_post_upgrade")
    (call $spin (i32.const 5000))
    (if (call $arg_size) (then (unreachable))))
  (func (export "canister_query ok") (call $reply))
)
""")


@spec("IC Management Canister: Code installation")
def test_trapping_install_has_no_effect_on_the_balance(pic):
    cid = pic.create_canister()
    before = pic.get_cycles_balance(cid)
    r = reject(pic.install_code, cid, TRAPPER, b"\x01")
    assert r.reject_code == 5
    # install_code: "If the response to this request is a reject, then this call had no effect"
    assert pic.get_cycles_balance(cid) == before
    assert pic.ic.state.canisters[to_principal_bytes(cid)].can_state is None


@spec("IC Management Canister: Code upgrade")
def test_trapping_post_upgrade_has_no_effect_on_the_balance(pic):
    cid = pic.create_canister()
    pic.install_code(cid, TRAPPER, b"")
    before = pic.get_cycles_balance(cid)
    r = reject(pic.upgrade_canister, cid, TRAPPER, b"\x01")
    assert r.reject_code == 5 and "post_upgrade" in r.message
    assert pic.get_cycles_balance(cid) == before
    assert pic.query_call(cid, "ok", b"") == b""


# ---------------------------------------------------------------- message inspection


@spec("API Request submission")
def test_a_trap_in_inspect_message_refuses_with_canister_error():
    """A trap is CANISTER_ERROR (https-interface.md, "Reject codes"), also when it
    happens in ``canister_inspect_message``; not calling ``accept_message`` is the
    canister's refusal, CANISTER_REJECT (IC0406)."""
    import pyic.universal as U
    pic = PocketIC()
    pic.set_sender(USER)
    trapping = pic.install_universal_canister(arg=U.on_inspect_message(U.callback(U.trap(b"no!"))))
    r = reject(pic.universal_update, trapping, U.reply)
    assert (r.reject_code, r.error_code) == (5, "IC0503") and "no!" in r.message
    silent = pic.install_universal_canister(arg=U.on_inspect_message(U.callback(U.noop)))
    r = reject(pic.universal_update, silent, U.reply)
    assert (r.reject_code, r.error_code) == (4, "IC0406")


# ---------------------------------------------------------------- allocations


@spec("IC Management Canister: Canister creation with cycles")
def test_creation_with_an_allocation_it_cannot_afford_is_rejected():
    """``if New_compute_allocation > 0 or New_memory_allocation > 0 …:
    liquid_balance(S', Canister_id) ≥ 0``: 1 TiB allocated for the default
    30-day freezing threshold costs far more than 10^9 cycles."""
    pic = PocketIC()
    pic.set_sender(USER)
    r = reject(pic.create_canister, {"memory_allocation": 2 ** 40}, cycles=10 ** 9)
    assert r.reject_code == 5 and "freezing threshold" in r.message
    before = len(pic.ic.state.canisters)
    assert pic.create_canister({"memory_allocation": 2 ** 20}, cycles=10 ** 13)
    assert len(pic.ic.state.canisters) == before + 1


@spec("IC Management Canister: Changing settings")
def test_raising_an_allocation_needs_the_cycles_for_it_and_subnet_capacity():
    pic = PocketIC()
    pic.set_sender(USER)
    cid = pic.create_canister(cycles=10 ** 9)
    r = reject(pic.update_canister_settings, cid, {"compute_allocation": 50})
    assert r.reject_code == 5
    assert pic.canister_status(cid)["settings"]["compute_allocation"] == 0
    # more memory than the subnet can guarantee, even for a rich canister
    rich = pic.create_canister(cycles=2 ** 60)
    r = reject(pic.update_canister_settings, rich, {"memory_allocation": 2 ** 48 + 1})
    assert r.reject_code == 5 and "guarantee" in r.message
    # lowering an allocation needs nothing
    pic.update_canister_settings(rich, {"memory_allocation": 2 ** 20})
    pic.update_canister_settings(rich, {"memory_allocation": 0})
