"""Heartbeat, global timer and time (scheduler rounds, advance_time, set_time)."""

from __future__ import annotations

import pytest
from ic_helpers import P, global_of, reject_of, spec

from pyic.errors import ICError

SECOND = 10**9


def arm_timer(pic, cid, at, handler) -> None:
    """Make ``handler`` the canister's global timer callback and set the timer to ``at``."""
    pic.universal_update(cid, P().on_global_timer(handler).set_global_timer(at).reply())


def heap(pic, cid):
    return pic.ic.state.canisters[cid].can_state.wasm_state.wasm_memory.global_data


@spec("Call context creation")
def test_heartbeat_once_per_round(pic, uc):
    pic.universal_update(uc, P().on_heartbeat(P().append_to_global(b"h")).reply())
    pic.tick()
    assert heap(pic, uc) == b"h"
    pic.tick(3)
    assert heap(pic, uc) == b"hhhh"


@spec("Call context creation")
def test_heartbeat_not_run_without_tick(pic, uc):
    pic.universal_update(uc, P().on_heartbeat(P().append_to_global(b"h")).reply())
    pic.universal_update(uc, P().reply())
    pic.advance_time(SECOND)
    assert heap(pic, uc) == b""


@spec("Call context creation")
def test_heartbeat_for_every_canister(pic, uc, uc2):
    for c in (uc, uc2):
        pic.universal_update(c, P().on_heartbeat(P().append_to_global(b"h")).reply())
    pic.tick(2)
    assert heap(pic, uc) == heap(pic, uc2) == b"hh"


@spec("Message execution")
def test_heartbeat_trap_rolls_back(pic, uc):
    pic.universal_update(uc, P().on_heartbeat(P().append_to_global(b"h").trap("hb")).reply())
    pic.tick(2)
    assert heap(pic, uc) == b""
    assert b"hb" in pic.fetch_canister_logs(uc)[-1]["content"]


@spec("Call context creation")
def test_heartbeat_caller_is_management(pic, uc, uc2):
    # the heartbeat calls uc2, which records its caller
    pic.universal_update(uc, P().on_heartbeat(
        P().call(uc2, "update", P().append_caller().append_to_global(b"!").reply())).reply())
    pic.tick()
    pic.universal_update(uc, P().on_heartbeat(P()).reply())
    pic.tick()
    assert heap(pic, uc2).endswith(b"!")


@spec("Call context creation")
def test_heartbeat_can_make_calls(pic, uc, uc2):
    pic.universal_update(uc, P().on_heartbeat(
        P().call(uc2, "update", P().append_to_global(b"c").reply())).reply())
    pic.tick()
    pic.universal_update(uc, P().on_heartbeat(P()).reply())
    pic.tick()
    assert heap(pic, uc2) == b"c"


@spec("Call context creation")
def test_heartbeat_bumps_version(pic, uc):
    v = pic.ic.state.canisters[uc].canister_version
    pic.tick()
    assert pic.ic.state.canisters[uc].canister_version == v + 1


@spec("Call context creation")
def test_timer_fires_after_advance_time_and_tick(pic, uc):
    t = pic.get_time()["nanos_since_epoch"] + 10 * SECOND
    arm_timer(pic, uc, t, P().append_to_global(b"T"))
    pic.tick()
    assert heap(pic, uc) == b""
    pic.advance_time(10 * SECOND)
    assert heap(pic, uc) == b""          # advance_time runs no round
    pic.tick()
    assert heap(pic, uc) == b"T"


@spec("Call context creation")
def test_timer_fires_once(pic, uc):
    t = pic.get_time()["nanos_since_epoch"] + SECOND
    arm_timer(pic, uc, t, P().append_to_global(b"T"))
    pic.advance_time(2 * SECOND)
    pic.tick(3)
    assert heap(pic, uc) == b"T"
    assert pic.ic.state.canisters[uc].global_timer == 0


@spec("Call context creation")
def test_timer_in_the_past_fires_next_round(pic, uc):
    arm_timer(pic, uc, 1, P().append_to_global(b"P"))
    pic.tick()
    assert heap(pic, uc) == b"P"


@spec("Call context creation")
def test_timer_zero_is_off(pic, uc):
    t = pic.get_time()["nanos_since_epoch"] + SECOND
    arm_timer(pic, uc, t, P().append_to_global(b"T"))
    pic.universal_update(uc, P().set_global_timer(0).reply())
    pic.advance_time(5 * SECOND)
    pic.tick()
    assert heap(pic, uc) == b""


@spec("Call context creation")
def test_timer_rearmed_in_handler(pic, uc):
    t = pic.get_time()["nanos_since_epoch"] + SECOND
    handler = P().append_to_global(b"T").set_global_timer(t + 10 * SECOND)
    arm_timer(pic, uc, t, handler)
    pic.advance_time(2 * SECOND)
    pic.tick()
    pic.advance_time(20 * SECOND)
    pic.tick()
    assert heap(pic, uc) == b"TT"


@spec("Call context creation")
def test_timer_trap_leaves_timer_off(pic, uc):
    t = pic.get_time()["nanos_since_epoch"] + SECOND
    handler = P().set_global_timer(t + 5 * SECOND).trap("timer trap")
    arm_timer(pic, uc, t, handler)
    pic.advance_time(2 * SECOND)
    pic.tick()
    assert pic.ic.state.canisters[uc].global_timer == 0
    pic.advance_time(10 * SECOND)
    pic.tick()
    assert b"timer trap" in pic.fetch_canister_logs(uc)[-1]["content"]
    assert len([r for r in pic.fetch_canister_logs(uc) if b"timer trap" in r["content"]]) == 1


@spec("Call context creation")
def test_timer_sees_time_after_deadline(pic, uc):
    t = pic.get_time()["nanos_since_epoch"] + SECOND
    arm_timer(pic, uc, t, P().set_global(b"").append_to_global(b"x"))
    pic.set_time(t + 3 * SECOND)
    pic.tick()
    assert heap(pic, uc) == b"x"


@spec("Call context creation")
def test_timer_does_not_fire_on_frozen_canister(pic):
    from pyic.ic.costs import GIB
    cid = pic.install_universal_canister(cycles=10**12).bytes
    arm_timer(pic, cid, 1, P().append_to_global(b"T"))
    pic.update_canister_settings(cid, {"memory_allocation": GIB, "freezing_threshold": 10**9})
    pic.tick()
    assert heap(pic, cid) == b""


@spec("Time progressing, cycle consumption, canister version increments and subnet admins updates")
def test_get_time_default_start(pic):
    assert pic.get_time() == {"nanos_since_epoch": 1_735_689_600_000_000_000}


@spec("Time progressing, cycle consumption, canister version increments and subnet admins updates")
def test_set_time(pic, uc):
    t = pic.get_time()["nanos_since_epoch"] + 3600 * SECOND
    pic.set_time(t)
    assert pic.get_time()["nanos_since_epoch"] == t
    assert int(pic.universal_update(uc, P().append_time().reply())) >= t


@spec("Time progressing, cycle consumption, canister version increments and subnet admins updates")
def test_time_never_goes_back(pic):
    with pytest.raises(ICError):
        pic.set_time(0)
    with pytest.raises(ICError):
        pic.advance_time(-1)


@spec("Time progressing, cycle consumption, canister version increments and subnet admins updates")
def test_tick_steps_time(pic, uc):
    t0 = pic.get_time()["nanos_since_epoch"]
    pic.tick()
    assert pic.get_time()["nanos_since_epoch"] == t0 + 1


@spec("Time progressing, cycle consumption, canister version increments and subnet admins updates")
def test_canister_time_follows_system_time(pic, uc):
    pic.advance_time(5 * SECOND)
    t = int(pic.universal_update(uc, P().append_time().reply()))
    assert t >= pic.get_time()["nanos_since_epoch"]


@spec("Update call request clean up")
def test_ingress_expiry(pic, uc):
    # a request submitted but not run before its expiry is never executed
    req = pic.submit_call(uc, "update", P().set_global(b"late").reply().bytes())
    pic.ic.state = __import__("attrs").evolve(
        pic.ic.state, messages=())    # the request was received, but its call is gone
    assert pic.ingress_status(req) is None
    pic.advance_time(400 * SECOND)
    assert global_of(pic, uc) == b""


@spec("Call expiry")
def test_bounded_wait_call_sees_deadline(pic, uc, uc2):
    out = pic.universal_update(uc, P().call(uc2, "update", P().append_deadline().reply(),
                                            timeout=10, on_reply=P().append_response().reply()))
    t = pic.ic.state.canisters[uc].time
    assert 0 < int(out) <= t + 10 * SECOND


@spec("Call expiry")
def test_unbounded_call_deadline_zero(pic, uc, uc2):
    out = pic.universal_update(uc, P().call(uc2, "update", P().append_deadline().reply(),
                                            on_reply=P().append_response().reply()))
    assert out == b"0"


@spec("Call expiry")
def test_expired_call_gets_sys_unknown(pic, uc, uc2):
    req = pic.submit_call(uc, "update", P().call(
        uc2, "update", P().reply(), timeout=1, cycles=100,
        on_reply=P().append(b"late").reply(),
        on_reject=P().append_reject_code().append(b"/").append_refunded().reply()).bytes())
    # let uc run its update (making the call), then let the deadline pass before uc2 runs
    from ic_helpers import steps
    steps(pic, 1)
    pic.advance_time(5 * SECOND)
    assert pic.await_call(req) == b"6/0"
    r = reject_of(pic.universal_update, uc2, P().trap("unused"))
    assert r.reject_code == 5


@spec("Scheduling on low wasm memory hook")
def test_low_memory_hook_runs_once_when_condition_holds(pic, uc):
    pic.universal_update(uc, P().on_low_memory(P().append_to_global(b"L")).reply())
    pic.update_canister_settings(uc, {"wasm_memory_limit": 10_000,
                                      "wasm_memory_threshold": 9_000})
    assert pic.ic.state.canisters[uc].on_low_wasm_memory_hook_status == "condition_not_satisfied"
    pic.universal_update(uc, P().grow_heap(2_000).reply())
    assert pic.ic.state.canisters[uc].on_low_wasm_memory_hook_status == "ready"
    pic.tick()
    assert pic.ic.state.canisters[uc].on_low_wasm_memory_hook_status == "executed"
    pic.tick(2)
    assert heap(pic, uc).count(b"L") == 1


@spec("Scheduling on low wasm memory hook")
def test_low_memory_hook_not_without_limit(pic, uc):
    pic.universal_update(uc, P().on_low_memory(P().append_to_global(b"L")).grow_heap(10**6)
                         .reply())
    pic.tick()
    assert pic.ic.state.canisters[uc].on_low_wasm_memory_hook_status == "condition_not_satisfied"
    assert heap(pic, uc) == b""


@spec("Effective canister ids")
def test_management_ingress_routed_by_effective_canister_id(pic, uc):
    from pyic.candid import Principal, Record, encode
    from pyic.ic.management.args import interface, method_types
    arg = encode((Record.of(canister_id=Principal(uc)),), method_types("canister_status")[0],
                 interface().env)
    req = pic.submit_call(None, "canister_status", arg)
    assert pic.ic.state.requests[req][1] == uc
    pic.await_call(req)


@spec("Initiating canister calls")
def test_ingress_request_moves_to_processing_then_replied(pic, uc):
    from pyic.ic.state import Processing, Replied
    req = pic.submit_call(uc, "update", P().append(b"r").reply().bytes())
    assert isinstance(pic.ic.request_status(req), Processing)
    pic.await_call(req)
    assert pic.ic.request_status(req) == Replied(b"r")


@spec("Respond to user request")
def test_each_request_answered_once(pic, uc):
    reqs = [pic.submit_call(uc, "update", P().append(str(i).encode()).reply().bytes())
            for i in range(3)]
    assert [pic.await_call(r) for r in reqs] == [b"0", b"1", b"2"]
