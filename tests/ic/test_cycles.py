"""Cycles: attached, accepted partly, refunded; freezing; out of cycles; idle
consumption; deposits and top-ups.

Programs run in the Wasm universal canister (`pyic.universal`).  Its
executions cost what pyic's cost model says (`DEFAULT.execution_cost`: a base
fee plus one cycle per metered instruction), so balance checks are stated as
the spec states them: an execution is charged its ``cycles_used``, some amount
up to the ``MAX_CYCLES_PER_MESSAGE`` / ``MAX_CYCLES_PER_RESPONSE`` set aside
for it (and, in pyic, at least the base fee).  The cycles moved between
canisters are chosen far larger than those bounds, so a transfer that is
lost, doubled or not refunded cannot hide inside an execution's charge."""

from __future__ import annotations

from ic_helpers import global_of, reject_of, spec

from pyic.candid import Principal
from pyic.ic.costs import DEFAULT, GIB
from pyic.universal import (
    Prog, accept_cycles, arg_data, bytes_, call_cycles_add, call_data_append, call_new,
    call_perform, callback, get_available_cycles, get_balance, get_refund, i2b,
    i64tob, ignore, int64, noop, reject, reject_code, reply, reply_data, reply_data_append, trap,
)

#: The base fee of every execution (pyic charges it plus 1 cycle per instruction).
FEE = DEFAULT.execution_cost(0)
MAX_MSG = DEFAULT.max_cycles_per_message
MAX_RESP = DEFAULT.max_cycles_per_response
T = 10**12
#: An amount of cycles far above what any one execution may be charged.
BIG = T
assert BIG > 10 * max(MAX_MSG, MAX_RESP)

REFUNDED = reply_data(i64tob(get_refund))


def u64(b: bytes) -> int:
    """An i64 the canister rendered with `i64tob` (little-endian)."""
    assert len(b) == 8, b
    return int.from_bytes(b, "little")


def le(n: int, width: int = 8) -> bytes:
    return n.to_bytes(width, "little")


def charged(used: int, cap: int = MAX_MSG) -> bool:
    """``used`` is a possible charge for one execution (spec: at most the
    amount set aside for it; pyic: at least the base fee)."""
    return FEE < used <= cap


def accept(n: int) -> Prog:
    return ignore(accept_cycles(int64(n)))


def call(callee: bytes, method: str, arg: Prog | bytes = b"", *, cycles: int = 0,
         on_reply: Prog = noop, on_reject: Prog = noop) -> Prog:
    """An outgoing call; cycles are attached with ``call_cycles_add`` even
    when 0 (an explicit op, unlike `update_call`)."""
    return (call_new(bytes_(callee), bytes_(method), callback(on_reply), callback(on_reject))
            >> call_data_append(bytes_(bytes(arg))) >> call_cycles_add(int64(cycles))
            >> call_perform)


def call_with(pic, a, b, cycles, callee_prog, on_reply=None, on_reject=None) -> bytes:
    return pic.universal_update(a, call(b, "update", callee_prog, cycles=cycles,
                                        on_reply=on_reply or REFUNDED,
                                        on_reject=on_reject or REFUNDED))


@spec("Message execution")
def test_attached_cycles_are_available_to_callee(pic, uc, uc2):
    out = call_with(pic, uc, uc2, 1000, reply_data(i64tob(get_available_cycles)),
                    on_reply=reply_data(arg_data))
    assert u64(out) == 1000


@spec("Message execution")
def test_partial_accept_refunds_rest(pic, uc, uc2):
    assert u64(call_with(pic, uc, uc2, 1000, accept(400) >> reply)) == 600


@spec("Message execution")
def test_available_decreases_after_accept(pic, uc, uc2):
    callee = accept(300) >> reply_data(i64tob(get_available_cycles))
    out = call_with(pic, uc, uc2, 1000, callee, on_reply=reply_data(arg_data))
    assert u64(out) == 700


@spec("Message execution")
def test_accept_all_refunds_nothing(pic, uc, uc2):
    assert u64(call_with(pic, uc, uc2, 1000, accept(1000) >> reply)) == 0


@spec("Message execution")
def test_accept_none_refunds_all(pic, uc, uc2):
    assert u64(call_with(pic, uc, uc2, 1000, reply)) == 1000


@spec("Message execution")
def test_accept_more_than_available_is_capped(pic, uc, uc2):
    # accept(5 BIG) with BIG available: BIG is accepted, nothing refunded.
    b0 = pic.get_cycles_balance(uc2)
    out = call_with(pic, uc, uc2, BIG, reply_data(i64tob(accept_cycles(int64(5 * BIG)))),
                    on_reply=reply_data_append(arg_data) >> reply_data(i64tob(get_refund)))
    assert out == le(BIG) + le(0)
    assert charged(b0 + BIG - pic.get_cycles_balance(uc2))


@spec("Message execution")
def test_accept_then_trap_rolls_back_accept(pic, uc, uc2):
    b0 = pic.get_cycles_balance(uc2)
    assert u64(call_with(pic, uc, uc2, BIG, accept(BIG) >> trap(b"after accept"))) == BIG
    # the callee keeps nothing of BIG but pays for the trapped execution
    assert charged(b0 - pic.get_cycles_balance(uc2))


@spec("Message execution")
def test_accept_in_reject_keeps_accepted(pic, uc, uc2):
    assert u64(call_with(pic, uc, uc2, 1000, accept(250) >> reject(b"no"))) == 750


@spec("Call context starvation")
def test_starvation_refunds_available(pic, uc, uc2):
    assert u64(call_with(pic, uc, uc2, 1000, accept(100))) == 900


@spec("Message execution")
def test_caller_balance_accounting(pic, uc, uc2):
    a0, b0 = pic.get_cycles_balance(uc), pic.get_cycles_balance(uc2)
    assert u64(call_with(pic, uc, uc2, 3 * BIG, accept(BIG) >> reply)) == 2 * BIG
    a1, b1 = pic.get_cycles_balance(uc), pic.get_cycles_balance(uc2)
    # caller: BIG accepted by the callee, plus its call's and its callback's executions
    caller_executions = a0 - a1 - BIG
    assert 2 * FEE < caller_executions <= MAX_MSG + MAX_RESP
    # callee: +BIG accepted, minus its execution
    assert charged(b0 + BIG - b1)


@spec("Message execution")
def test_cycles_conserved_on_unbounded_calls(pic, uc, uc2):
    a0, b0 = pic.get_cycles_balance(uc), pic.get_cycles_balance(uc2)
    assert u64(call_with(pic, uc, uc2, 3 * BIG + 12345, accept(BIG + 345) >> reply)) \
        == 2 * BIG + 12000
    a1, b1 = pic.get_cycles_balance(uc), pic.get_cycles_balance(uc2)
    # only the three executions (call, callee, callback) burn cycles
    burned = (a0 + b0) - (a1 + b1)
    assert 3 * FEE < burned <= 2 * MAX_MSG + MAX_RESP


@spec("Callback invocation")
def test_refund_visible_in_balance_during_callback(pic, uc, uc2):
    out = pic.universal_update(uc, call(uc2, "update", accept(10) >> reply, cycles=BIG,
                                        on_reply=reply_data(i64tob(get_balance))))
    # the callback sees the refund (BIG - 10) already in its balance, but not
    # the MAX_CYCLES_PER_RESPONSE set aside for its own execution (returned
    # after it, less what the callback was charged)
    seen = u64(out)
    assert charged(seen + MAX_RESP - pic.get_cycles_balance(uc), MAX_RESP)


@spec("Callback invocation")
def test_three_deep_cycles(pic, uc, uc2, uc3):
    inner = accept(1000) >> call(uc3, "update", accept(200) >> reply, cycles=500,
                                 on_reply=REFUNDED)
    out = pic.universal_update(uc, call(uc2, "update", inner, cycles=1000,
                                        on_reply=reply_data_append(i64tob(get_refund))
                                        >> reply_data_append(b"/")
                                        >> reply_data(arg_data)))
    assert out == le(0) + b"/" + le(300)


@spec("Calls to stopped/stopping canisters are rejected")
def test_cycles_to_missing_canister_refunded(pic, uc):
    missing = Principal.from_canister_id(4242).bytes
    assert u64(call_with(pic, uc, missing, 777, reply)) == 777


@spec("Message execution")
def test_attaching_more_than_balance_traps(pic):
    a = pic.install_universal_canister(cycles=200_000_000_000).bytes
    b = pic.install_universal_canister().bytes
    r = reject_of(pic.universal_update, a, call(b, "update", reply, cycles=10**15) >> reply)
    assert r.reject_code == 5 and "cycles" in r.message


@spec("Calls with insufficient cycles are rejected")
def test_minimum_incoming_cycles_rejects(pic, uc, uc2):
    pic.update_canister_settings(uc2, {"minimum_incoming_canister_call_cycles": 100})
    out = pic.universal_update(uc, call(uc2, "update", reply, cycles=50,
                                        on_reply=reply_data(b"ok"),
                                        on_reject=reply_data_append(i2b(reject_code))
                                        >> reply_data_append(b"/") >> REFUNDED))
    assert out == le(5, 4) + b"/" + le(50)


@spec("Calls with insufficient cycles are rejected")
def test_minimum_incoming_cycles_met(pic, uc, uc2):
    pic.update_canister_settings(uc2, {"minimum_incoming_canister_call_cycles": 100})
    assert u64(call_with(pic, uc, uc2, 100, reply)) == 100


@spec("Calls with insufficient cycles are rejected")
def test_minimum_incoming_cycles_not_for_ingress(pic, uc):
    pic.update_canister_settings(uc, {"minimum_incoming_canister_call_cycles": 100})
    assert pic.universal_update(uc, reply_data(b"in")) == b"in"


@spec("Calls with insufficient cycles are rejected")
def test_minimum_incoming_cycles_not_for_self_calls(pic, uc):
    pic.update_canister_settings(uc, {"minimum_incoming_canister_call_cycles": 100})
    out = pic.universal_update(uc, call(uc, "update", reply_data(b"me"),
                                        on_reply=reply_data(arg_data)))
    assert out == b"me"


def frozen_canister(pic):
    """A canister whose balance idle consumption took below its freezing limit.
    (update_settings itself refuses settings that would freeze the canister:
    it needs ``liquid_balance(S', A.canister_id) ≥ 0``.)"""
    cid = pic.install_universal_canister(cycles=10**12).bytes
    pic.update_canister_settings(cid, {"memory_allocation": GIB,
                                       "freezing_threshold": 80 * 86_400})
    pic.advance_time(30 * 86_400 * 10**9)
    limit = DEFAULT.freezing_limit(0, GIB, 80 * 86_400, 0)   # the allocation dominates usage
    assert 0 < pic.get_cycles_balance(cid) < limit
    return cid


@spec("Calls to frozen canisters are rejected")
def test_ingress_to_frozen_canister_refused(pic):
    cid = frozen_canister(pic)
    r = reject_of(pic.universal_update, cid, reply)
    assert r.reject_code == 2 and r.error_code == "IC0207"
    assert "out of cycles" in r.message


@spec("Calls to frozen canisters are rejected")
def test_call_to_frozen_canister_rejected(pic, uc):
    cid = frozen_canister(pic)
    out = pic.universal_update(uc, call(cid, "update", reply, cycles=5,
                                        on_reject=reply_data_append(i2b(reject_code))
                                        >> reply_data_append(b"/") >> REFUNDED))
    assert out == le(2, 4) + b"/" + le(5)


@spec("Query call")
def test_query_to_frozen_canister_rejected(pic):
    cid = frozen_canister(pic)
    r = reject_of(pic.universal_query, cid, reply)
    assert r.reject_code == 2


@spec("Calls to frozen canisters are rejected")
def test_unfrozen_after_top_up(pic):
    cid = frozen_canister(pic)
    pic.add_cycles(cid, 10**16)
    assert pic.universal_update(cid, reply_data(b"thawed")) == b"thawed"


def idle_drain(pic, cid, amount: int) -> None:
    """Let idle consumption take at least ``amount`` cycles from ``cid`` (a
    GiB memory allocation for long enough, with no freezing threshold so the
    canister stays reachable), then drop the allocation again."""
    pic.update_canister_settings(cid, {"memory_allocation": GIB, "freezing_threshold": 0})
    per_day = pic.canister_status(cid)["idle_cycles_burned_per_day"]
    assert per_day > 0
    seconds = -(-amount * 86_400 // per_day)
    pic.advance_time(seconds * 10**9)
    pic.update_canister_settings(cid, {"memory_allocation": 0})


@spec("Spontaneous request rejection")
def test_call_that_cannot_be_prepaid_is_rejected(pic, uc):
    # Installing needs MAX_CYCLES_PER_MESSAGE, so the canister is then drained
    # below what must be set aside for executing a call (but not to 0).
    poor = pic.install_universal_canister(cycles=MAX_MSG + 10**10).bytes
    idle_drain(pic, poor, 2 * 10**10)
    assert 0 < pic.get_cycles_balance(poor) < MAX_MSG
    out = pic.universal_update(uc, call(poor, "update", reply,
                                        on_reject=reply_data(i2b(reject_code))))
    assert out == le(2, 4)


@spec("Call context creation")
def test_execution_prepayment_is_returned(pic, uc):
    b0 = pic.get_cycles_balance(uc)
    pic.universal_update(uc, reply)
    used = b0 - pic.get_cycles_balance(uc)
    # MAX_CYCLES_PER_MESSAGE was set aside; all but what `reply` cost came back
    # (pyic: the base fee and its few thousand instructions).
    assert FEE < used <= FEE + 1_000_000 < MAX_MSG


def drained_universal_canister(pic):
    """A universal canister whose balance idle consumption has brought to 0."""
    cid = pic.install_universal_canister(cycles=MAX_MSG + 10**9)
    pic.update_canister_settings(cid, {"memory_allocation": GIB, "freezing_threshold": 0})
    per_day = pic.canister_status(cid)["idle_cycles_burned_per_day"]
    days = pic.get_cycles_balance(cid) // per_day + 1
    pic.advance_time(days * 86_400 * 10**9)
    assert pic.get_cycles_balance(cid) == 0
    return cid


@spec("Canister out of cycles")
def test_canister_out_of_cycles_is_uninstalled(pic):
    cid = drained_universal_canister(pic)
    pic.tick()
    c = pic.ic.state.canisters[cid.bytes]
    assert c.can_state is None
    assert pic.canister_status(cid)["module_hash"] is None


@spec("Canister out of cycles")
def test_out_of_cycles_rejects_open_contexts_and_keeps_id(pic):
    cid = drained_universal_canister(pic)
    v = pic.ic.state.canisters[cid.bytes].canister_version
    pic.tick()
    assert pic.check_canister_exists(cid)
    assert pic.ic.state.canisters[cid.bytes].canister_version == v + 1


@spec("Time progressing, cycle consumption, canister version increments and subnet admins updates")
def test_idle_consumption_by_memory_allocation(pic, uc):
    pic.update_canister_settings(uc, {"memory_allocation": GIB})
    per_day = pic.canister_status(uc)["idle_cycles_burned_per_day"]
    assert per_day == DEFAULT.gib_storage_per_second_fee * 86400
    b0 = pic.get_cycles_balance(uc)
    pic.advance_time(86_400 * 10**9)
    assert b0 - pic.get_cycles_balance(uc) == per_day


@spec("Time progressing, cycle consumption, canister version increments and subnet admins updates")
def test_idle_consumption_drains_reserved_first(pic, uc):
    from pyic.ic.state import with_canister
    pic.ic.state = with_canister(pic.ic.state, uc, reserved_balance=10**12)
    pic.update_canister_settings(uc, {"memory_allocation": GIB})
    b0 = pic.get_cycles_balance(uc)
    pic.advance_time(86_400 * 10**9)
    assert pic.get_cycles_balance(uc) == b0
    assert pic.ic.state.canisters[uc].reserved_balance < 10**12


@spec("Time progressing, cycle consumption, canister version increments and subnet admins updates")
def test_no_idle_consumption_without_usage(pic):
    cid = pic.create_canister(cycles=10**12)
    pic.advance_time(3600 * 10**9)
    assert pic.get_cycles_balance(cid) == 10**12 - 0 * 1   # empty canister, tiny history


@spec("IC Management Canister: Depositing cycles")
def test_deposit_cycles_from_canister(pic, uc, uc2):
    from pyic.candid import Record, encode
    from pyic.ic.management.args import interface, method_types
    arg = encode((Record.of(canister_id=Principal(uc2)),), method_types("deposit_cycles")[0],
                 interface().env)
    b0 = pic.get_cycles_balance(uc2)
    out = pic.universal_update(uc, call(b"", "deposit_cycles", arg, cycles=5000,
                                        on_reply=REFUNDED))
    assert u64(out) == 0
    assert pic.get_cycles_balance(uc2) - b0 == 5000


@spec("IC Management Canister: Top up canister")
def test_provisional_top_up(pic, uc):
    from pyic.candid import Record, encode
    from pyic.ic.management.args import interface, method_types
    b0 = pic.get_cycles_balance(uc)
    arg = encode((Record.of(canister_id=Principal(uc), amount=777),),
                 method_types("provisional_top_up_canister")[0], interface().env)
    pic.update_call(None, "provisional_top_up_canister", arg)
    assert pic.get_cycles_balance(uc) - b0 == 777


@spec("Cycle bookkeeping and resource consumption")
def test_add_cycles_saturates(pic, uc):
    assert pic.add_cycles(uc, 1 << 130) == (1 << 128) - 1


@spec("Cycle bookkeeping and resource consumption")
def test_status_cycles_match_balance(pic, uc):
    assert pic.canister_status(uc)["cycles"] == pic.get_cycles_balance(uc)


@spec("Callback invocation")
def test_reject_response_refunds_attached(pic, uc, uc2):
    out = pic.universal_update(uc, call(uc2, "update", reject(b"r"), cycles=321,
                                        on_reject=REFUNDED))
    assert u64(out) == 321


@spec("Message execution")
def test_cycles_attached_from_callback(pic, uc, uc2, uc3):
    second = call(uc3, "update", accept(50) >> reply, cycles=80, on_reply=REFUNDED)
    out = pic.universal_update(uc, call(uc2, "update", reply, on_reply=second))
    assert u64(out) == 30
    assert global_of(pic, uc3) == b""
