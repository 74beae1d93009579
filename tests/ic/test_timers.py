"""Heartbeat, global timer and time (scheduler rounds, advance_time, set_time).

Programs run in the Wasm universal canister (`pyic.universal`); what its hooks
did is read back through the canister (its global, `global_of`)."""

from __future__ import annotations

import pytest
from ic_helpers import global_of, reject_of, spec

from pyic.errors import ICError
from pyic.ic.costs import GIB
from pyic.universal import (
    Prog, api_global_timer_set, append_global, arg_data, bytes_, call_data_append, call_new,
    call_perform, call_with_best_effort_response, call_cycles_add, callback, caller,
    get_refund, get_time, i2b, i64tob, ignore, int64, int_, memory_size_is_at_least,
    msg_deadline, noop, on_global_timer, on_heartbeat, on_low_wasm_memory, reject_code, reply,
    reply_data, reply_data_append, set_global, trap,
)

SECOND = 10**9
MIB = 1 << 20


def u64(b: bytes) -> int:
    assert len(b) == 8, b
    return int.from_bytes(b, "little")


def set_timer(at: int) -> Prog:
    return ignore(api_global_timer_set(int64(at)))


def arm_timer(pic, cid, at, handler: Prog) -> None:
    """Make ``handler`` the canister's global timer callback and set the timer to ``at``."""
    pic.universal_update(cid, on_global_timer(callback(handler)) >> set_timer(at) >> reply)


def set_heartbeat(pic, cid, handler: Prog) -> None:
    pic.universal_update(cid, on_heartbeat(callback(handler)) >> reply)


def call(callee: bytes, method: str, arg: Prog | bytes = b"", *, on_reply: Prog = noop,
         on_reject: Prog = noop, timeout: int | None = None, cycles: int = 0) -> Prog:
    """An outgoing call; ``timeout`` makes it a bounded-wait (best-effort) call."""
    p = call_new(bytes_(callee), bytes_(method), callback(on_reply), callback(on_reject))
    if timeout is not None:
        p = p >> call_with_best_effort_response(int_(timeout))
    p = p >> call_data_append(bytes_(bytes(arg)))
    if cycles:
        p = p >> call_cycles_add(int64(cycles))
    return p >> call_perform


@spec("Call context creation")
def test_heartbeat_once_per_round(pic, uc):
    set_heartbeat(pic, uc, append_global(b"h"))
    pic.tick()
    assert global_of(pic, uc) == b"h"
    pic.tick(3)
    assert global_of(pic, uc) == b"hhhh"


@spec("Call context creation")
def test_heartbeat_not_run_without_tick(pic, uc):
    set_heartbeat(pic, uc, append_global(b"h"))
    pic.universal_update(uc, reply)
    pic.advance_time(SECOND)
    assert global_of(pic, uc) == b""


@spec("Call context creation")
def test_heartbeat_for_every_canister(pic, uc, uc2):
    for c in (uc, uc2):
        set_heartbeat(pic, c, append_global(b"h"))
    pic.tick(2)
    assert global_of(pic, uc) == global_of(pic, uc2) == b"hh"


@spec("Message execution")
def test_heartbeat_trap_rolls_back(pic, uc):
    set_heartbeat(pic, uc, append_global(b"h") >> trap(b"hb"))
    pic.tick(2)
    assert global_of(pic, uc) == b""
    assert b"hb" in pic.fetch_canister_logs(uc)[-1]["content"]


@spec("Call context creation")
def test_heartbeat_caller_is_management(pic, uc, uc2):
    # the heartbeat runs with caller ic_principal (the empty blob) and calls
    # uc2, which records its caller (uc)
    set_heartbeat(pic, uc, set_global(caller) >> append_global(b"!")
                  >> call(uc2, "update", set_global(caller) >> append_global(b"!") >> reply))
    pic.tick()
    set_heartbeat(pic, uc, noop)
    pic.tick()
    assert global_of(pic, uc) == b"!"
    assert global_of(pic, uc2) == uc + b"!"


@spec("Call context creation")
def test_heartbeat_can_make_calls(pic, uc, uc2):
    set_heartbeat(pic, uc, call(uc2, "update", append_global(b"c") >> reply))
    pic.tick()
    set_heartbeat(pic, uc, noop)
    pic.tick()
    assert global_of(pic, uc2) == b"c"


@spec("Call context creation")
def test_heartbeat_bumps_version(pic, uc):
    v = pic.ic.state.canisters[uc].canister_version
    pic.tick()
    assert pic.ic.state.canisters[uc].canister_version == v + 1


@spec("Call context creation")
def test_timer_fires_after_advance_time_and_tick(pic, uc):
    t = pic.get_time()["nanos_since_epoch"] + 10 * SECOND
    arm_timer(pic, uc, t, append_global(b"T"))
    pic.tick()
    assert global_of(pic, uc) == b""
    pic.advance_time(10 * SECOND)
    assert global_of(pic, uc) == b""          # advance_time runs no round
    pic.tick()
    assert global_of(pic, uc) == b"T"


@spec("Call context creation")
def test_timer_fires_once(pic, uc):
    t = pic.get_time()["nanos_since_epoch"] + SECOND
    arm_timer(pic, uc, t, append_global(b"T"))
    pic.advance_time(2 * SECOND)
    pic.tick(3)
    assert global_of(pic, uc) == b"T"
    assert pic.ic.state.canisters[uc].global_timer == 0


@spec("Call context creation")
def test_timer_in_the_past_fires_next_round(pic, uc):
    arm_timer(pic, uc, 1, append_global(b"P"))
    pic.tick()
    assert global_of(pic, uc) == b"P"


@spec("Call context creation")
def test_timer_zero_is_off(pic, uc):
    t = pic.get_time()["nanos_since_epoch"] + SECOND
    arm_timer(pic, uc, t, append_global(b"T"))
    pic.universal_update(uc, set_timer(0) >> reply)
    pic.advance_time(5 * SECOND)
    pic.tick()
    assert global_of(pic, uc) == b""


@spec("Call context creation")
def test_timer_rearmed_in_handler(pic, uc):
    t = pic.get_time()["nanos_since_epoch"] + SECOND
    handler = append_global(b"T") >> set_timer(t + 10 * SECOND)
    arm_timer(pic, uc, t, handler)
    pic.advance_time(2 * SECOND)
    pic.tick()
    pic.advance_time(20 * SECOND)
    pic.tick()
    assert global_of(pic, uc) == b"TT"


@spec("Call context creation")
def test_timer_trap_leaves_timer_off(pic, uc):
    t = pic.get_time()["nanos_since_epoch"] + SECOND
    handler = set_timer(t + 5 * SECOND) >> trap(b"timer trap")
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
    arm_timer(pic, uc, t, set_global(i64tob(get_time)))
    pic.set_time(t + 3 * SECOND)
    pic.tick()
    assert u64(global_of(pic, uc)) >= t + 3 * SECOND


@spec("Call context creation")
def test_timer_does_not_fire_on_frozen_canister(pic):
    cid = pic.install_universal_canister(cycles=10**12).bytes
    t = pic.get_time()["nanos_since_epoch"] + 86_400 * SECOND
    arm_timer(pic, cid, t, append_global(b"T"))
    # freeze it: idle consumption for 30 days takes the balance below the
    # freezing limit of an 80-day threshold (update_settings itself may not freeze)
    pic.update_canister_settings(cid, {"memory_allocation": GIB,
                                       "freezing_threshold": 80 * 86_400})
    pic.advance_time(30 * 86_400 * SECOND)
    pic.tick()
    assert pic.ic.state.canisters[cid].global_timer == t      # due, but not run
    pic.add_cycles(cid, 10**16)                                 # thawed: now it fires
    pic.tick()
    assert global_of(pic, cid) == b"T"


@spec("Time progressing, cycle consumption, canister version increments and subnet admins updates")
def test_get_time_default_start(pic):
    assert pic.get_time() == {"nanos_since_epoch": 1_735_689_600_000_000_000}


@spec("Time progressing, cycle consumption, canister version increments and subnet admins updates")
def test_set_time(pic, uc):
    t = pic.get_time()["nanos_since_epoch"] + 3600 * SECOND
    pic.set_time(t)
    assert pic.get_time()["nanos_since_epoch"] == t
    assert u64(pic.universal_update(uc, reply_data(i64tob(get_time)))) >= t


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
    t = u64(pic.universal_update(uc, reply_data(i64tob(get_time))))
    assert t >= pic.get_time()["nanos_since_epoch"]


@spec("Initiating canister calls")
def test_ingress_expiry(pic, uc):
    # a request submitted but not run before its expiry is never executed
    req = pic.submit_call(uc, "update", bytes(set_global(b"late") >> reply))
    pic.ic.state = __import__("attrs").evolve(
        pic.ic.state, messages=())    # the request was received, but its call is gone
    assert pic.ingress_status(req) is None
    pic.advance_time(400 * SECOND)
    assert global_of(pic, uc) == b""


@spec("Call expiry")
def test_bounded_wait_call_sees_deadline(pic, uc, uc2):
    out = pic.universal_update(uc, call(uc2, "update", reply_data(i64tob(msg_deadline)),
                                        timeout=10, on_reply=reply_data(arg_data)))
    t = pic.ic.state.canisters[uc].time
    assert 0 < u64(out) <= t + 10 * SECOND


@spec("Call expiry")
def test_unbounded_call_deadline_zero(pic, uc, uc2):
    out = pic.universal_update(uc, call(uc2, "update", reply_data(i64tob(msg_deadline)),
                                        on_reply=reply_data(arg_data)))
    assert u64(out) == 0


@spec("Call expiry")
def test_expired_call_gets_sys_unknown(pic, uc, uc2):
    req = pic.submit_call(uc, "update", bytes(call(
        uc2, "update", reply, timeout=1, cycles=100,
        on_reply=reply_data(b"late"),
        on_reject=reply_data_append(i2b(reject_code)) >> reply_data_append(b"/")
        >> reply_data(i64tob(get_refund)))))
    # let uc run its update (making the call), then let the deadline pass before uc2 runs
    from ic_helpers import steps
    steps(pic, 1)
    pic.advance_time(5 * SECOND)
    # SYS_UNKNOWN (6), and the attached cycles are not refunded
    assert pic.await_call(req) == (6).to_bytes(4, "little") + b"/" + bytes(8)
    r = reject_of(pic.universal_update, uc2, trap(b"unused"))
    assert r.reject_code == 5


def grow_memory_beyond(n: int) -> Prog:
    """Grow Wasm memory (a MiB at a time) until it is larger than ``n`` bytes."""
    return memory_size_is_at_least(int64(n))


@spec("Scheduling on low wasm memory hook")
def test_low_memory_hook_runs_once_when_condition_holds(pic, uc):
    # memory in (4, 5] MiB, limit 8 MiB, threshold 2 MiB: at least 3 MiB left
    pic.universal_update(uc, on_low_wasm_memory(callback(append_global(b"L")))
                         >> grow_memory_beyond(4 * MIB) >> reply)
    pic.update_canister_settings(uc, {"wasm_memory_limit": 8 * MIB,
                                      "wasm_memory_threshold": 2 * MIB})
    assert pic.ic.state.canisters[uc].on_low_wasm_memory_hook_status == "condition_not_satisfied"
    # memory in (6.5, 7.5] MiB: less than the threshold left
    pic.universal_update(uc, grow_memory_beyond(6 * MIB + MIB // 2) >> reply)
    assert pic.ic.state.canisters[uc].on_low_wasm_memory_hook_status == "ready"
    pic.tick()
    assert pic.ic.state.canisters[uc].on_low_wasm_memory_hook_status == "executed"
    pic.tick(2)
    assert global_of(pic, uc).count(b"L") == 1


@spec("Scheduling on low wasm memory hook")
def test_low_memory_hook_not_without_limit(pic, uc):
    pic.universal_update(uc, on_low_wasm_memory(callback(append_global(b"L")))
                         >> grow_memory_beyond(10**6) >> reply)
    pic.tick()
    assert pic.ic.state.canisters[uc].on_low_wasm_memory_hook_status == "condition_not_satisfied"
    assert global_of(pic, uc) == b""


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
    req = pic.submit_call(uc, "update", bytes(reply_data(b"r")))
    assert isinstance(pic.ic.request_status(req), Processing)
    pic.await_call(req)
    assert pic.ic.request_status(req) == Replied(b"r")


@spec("Respond to user request")
def test_each_request_answered_once(pic, uc):
    reqs = [pic.submit_call(uc, "update", bytes(reply_data(str(i).encode())))
            for i in range(3)]
    assert [pic.await_call(r) for r in reqs] == [b"0", b"1", b"2"]


@spec("Update call request clean up")
def test_answered_request_is_kept_until_its_expiry_then_removed(pic, uc):
    req = pic.submit_call(uc, "update", bytes(reply_data(b"done")))
    assert pic.await_call(req) == b"done"
    pic.advance_time(req.ingress_expiry - pic.ic.state.system_time - 10)
    pic.tick()
    assert pic.ingress_status(req) == b"done"       # not before the expiry
    pic.advance_time(60 * SECOND)
    pic.tick()
    assert pic.ingress_status(req) is None           # dropped after it
    assert req not in pic.ic.state.requests


@spec("Update call request clean up")
def test_request_clean_up_removes_answered_requests_past_their_expiry_only(pic, uc):
    """The rule itself (`rules.ingress.request_clean_up`), on one state: an answered
    request goes once ``M.ingress_expiry < S.system_time``; one still in progress stays."""
    from attrs import evolve

    from pyic.ic.rules.ingress import request_clean_up
    from pyic.ic.state import Processing
    answered = pic.submit_call(uc, "update", bytes(reply_data(b"done")))
    assert pic.await_call(answered) == b"done"
    running = pic.submit_call(uc, "update", bytes(reply_data(b"later")))  # not run yet
    state = pic.ic.state
    assert request_clean_up(state) is state                    # nothing has expired
    at_expiry = evolve(state, system_time=answered.ingress_expiry)
    assert request_clean_up(at_expiry) is at_expiry            # "no earlier than" it
    late = evolve(state, system_time=running.ingress_expiry + 1)
    after = request_clean_up(late)
    assert answered not in after.requests
    assert isinstance(after.requests[running][0], Processing)
