"""Cycles: attached, accepted partly, refunded; freezing; out of cycles; idle
consumption; deposits and top-ups."""

from __future__ import annotations

from ic_helpers import P, global_of, reject_of, spec

from pyic.candid import Principal
from pyic.ic.costs import DEFAULT, GIB
from pyic.ic.universal import OP_CYCLES

REFUNDED = P().append_refunded().reply()


def call_with(pic, a, b, cycles, callee_prog, on_reply=None, on_reject=None):
    return pic.universal_update(a, P().call(b, "update", callee_prog, cycles=cycles,
                                            on_reply=on_reply or P(REFUNDED.ops),
                                            on_reject=on_reject or P(REFUNDED.ops)))


@spec("Message execution")
def test_attached_cycles_are_available_to_callee(pic, uc, uc2):
    out = call_with(pic, uc, uc2, 1000, P().append_available().reply(),
                    on_reply=P().append_response().reply())
    assert out == b"1000"


@spec("Message execution")
def test_partial_accept_refunds_rest(pic, uc, uc2):
    assert call_with(pic, uc, uc2, 1000, P().accept(400).reply()) == b"600"


@spec("Message execution")
def test_available_decreases_after_accept(pic, uc, uc2):
    callee = P().accept(300).append_available().reply()
    out = call_with(pic, uc, uc2, 1000, callee, on_reply=P().append_response().reply())
    assert out == b"700"


@spec("Message execution")
def test_accept_all_refunds_nothing(pic, uc, uc2):
    assert call_with(pic, uc, uc2, 1000, P().accept(1000).reply()) == b"0"


@spec("Message execution")
def test_accept_none_refunds_all(pic, uc, uc2):
    assert call_with(pic, uc, uc2, 1000, P().reply()) == b"1000"


@spec("Message execution")
def test_accept_more_than_available_is_capped(pic, uc, uc2):
    b0 = pic.get_cycles_balance(uc2)
    assert call_with(pic, uc, uc2, 1000, P().accept(5000).reply()) == b"0"
    assert pic.get_cycles_balance(uc2) - b0 == 1000 - 2 * OP_CYCLES


@spec("Message execution")
def test_accept_then_trap_rolls_back_accept(pic, uc, uc2):
    b0 = pic.get_cycles_balance(uc2)
    assert call_with(pic, uc, uc2, 1000, P().accept(1000).trap()) == b"1000"
    assert pic.get_cycles_balance(uc2) == b0 - 2 * OP_CYCLES


@spec("Message execution")
def test_accept_in_reject_keeps_accepted(pic, uc, uc2):
    assert call_with(pic, uc, uc2, 1000, P().accept(250).reject("no")) == b"750"


@spec("Call context starvation")
def test_starvation_refunds_available(pic, uc, uc2):
    assert call_with(pic, uc, uc2, 1000, P().accept(100)) == b"900"


@spec("Message execution")
def test_caller_balance_accounting(pic, uc, uc2):
    a0, b0 = pic.get_cycles_balance(uc), pic.get_cycles_balance(uc2)
    call_with(pic, uc, uc2, 1000, P().accept(400).reply())
    a1, b1 = pic.get_cycles_balance(uc), pic.get_cycles_balance(uc2)
    # caller: 400 accepted by the callee, 1 op in the call, 2 ops in the callback
    assert a0 - a1 == 400 + 1 * OP_CYCLES + 2 * OP_CYCLES
    # callee: +400 accepted, 2 ops
    assert b1 - b0 == 400 - 2 * OP_CYCLES


@spec("Message execution")
def test_cycles_conserved_on_unbounded_calls(pic, uc, uc2):
    a0, b0 = pic.get_cycles_balance(uc), pic.get_cycles_balance(uc2)
    call_with(pic, uc, uc2, 12345, P().accept(345).reply())
    a1, b1 = pic.get_cycles_balance(uc), pic.get_cycles_balance(uc2)
    assert (a0 + b0) - (a1 + b1) == 5 * OP_CYCLES


@spec("Callback invocation")
def test_refund_visible_in_balance_during_callback(pic, uc, uc2):
    out = pic.universal_update(uc, P().call(uc2, "update", P().accept(10).reply(), cycles=10_000,
                                            on_reply=P().append_balance().reply()))
    # the callback sees the refund already in its balance, but not the
    # MAX_CYCLES_PER_RESPONSE set aside for its own execution (returned after it)
    seen = int(out)
    assert seen + DEFAULT.max_cycles_per_response - 2 * OP_CYCLES == pic.get_cycles_balance(uc)


@spec("Callback invocation")
def test_three_deep_cycles(pic, uc, uc2, uc3):
    inner = P().accept(1000).call(uc3, "update", P().accept(200).reply(), cycles=500,
                                  on_reply=P().append_refunded().reply())
    out = pic.universal_update(uc, P().call(uc2, "update", inner, cycles=1000,
                                            on_reply=P().append_refunded().append(b"/")
                                            .append_response().reply()))
    assert out == b"0/300"


@spec("Calls to stopped/stopping canisters are rejected")
def test_cycles_to_missing_canister_refunded(pic, uc):
    missing = Principal.from_canister_id(4242).bytes
    assert call_with(pic, uc, missing, 777, P().reply()) == b"777"


@spec("Message execution")
def test_attaching_more_than_balance_traps(pic):
    a = pic.install_universal_canister(cycles=200_000_000_000).bytes
    b = pic.install_universal_canister().bytes
    r = reject_of(pic.universal_update, a, P().call(b, "update", P().reply(),
                                                     cycles=10**15).reply())
    assert r.reject_code == 5 and "cycles" in r.message


@spec("Calls with insufficient cycles are rejected")
def test_minimum_incoming_cycles_rejects(pic, uc, uc2):
    pic.update_canister_settings(uc2, {"minimum_incoming_canister_call_cycles": 100})
    out = pic.universal_update(uc, P().call(uc2, "update", P().reply(), cycles=50,
                                            on_reply=P().append(b"ok").reply(),
                                            on_reject=P().append_reject_code().append(b"/")
                                            .append_refunded().reply()))
    assert out == b"5/50"


@spec("Calls with insufficient cycles are rejected")
def test_minimum_incoming_cycles_met(pic, uc, uc2):
    pic.update_canister_settings(uc2, {"minimum_incoming_canister_call_cycles": 100})
    assert call_with(pic, uc, uc2, 100, P().reply()) == b"100"


@spec("Calls with insufficient cycles are rejected")
def test_minimum_incoming_cycles_not_for_ingress(pic, uc):
    pic.update_canister_settings(uc, {"minimum_incoming_canister_call_cycles": 100})
    assert pic.universal_update(uc, P().append(b"in").reply()) == b"in"


@spec("Calls with insufficient cycles are rejected")
def test_minimum_incoming_cycles_not_for_self_calls(pic, uc):
    pic.update_canister_settings(uc, {"minimum_incoming_canister_call_cycles": 100})
    out = pic.universal_update(uc, P().call(uc, "update", P().append(b"me").reply(),
                                            on_reply=P().append_response().reply()))
    assert out == b"me"


def frozen_canister(pic):
    cid = pic.install_universal_canister(cycles=10**12).bytes
    pic.update_canister_settings(cid, {"memory_allocation": GIB, "freezing_threshold": 10**9})
    return cid


@spec("Calls to frozen canisters are rejected")
def test_ingress_to_frozen_canister_refused(pic):
    cid = frozen_canister(pic)
    r = reject_of(pic.universal_update, cid, P().reply())
    assert r.reject_code == 2 and r.error_code == "IC0207"
    assert "out of cycles" in r.message


@spec("Calls to frozen canisters are rejected")
def test_call_to_frozen_canister_rejected(pic, uc):
    cid = frozen_canister(pic)
    out = pic.universal_update(uc, P().call(cid, "update", P().reply(), cycles=5,
                                            on_reject=P().append_reject_code().append(b"/")
                                            .append_refunded().reply()))
    assert out == b"2/5"


@spec("Query call")
def test_query_to_frozen_canister_rejected(pic):
    cid = frozen_canister(pic)
    r = reject_of(pic.universal_query, cid, P().reply())
    assert r.reject_code == 2


@spec("Calls to frozen canisters are rejected")
def test_unfrozen_after_top_up(pic):
    cid = frozen_canister(pic)
    pic.add_cycles(cid, 10**16)
    assert pic.universal_update(cid, P().append(b"thawed").reply()) == b"thawed"


@spec("Spontaneous request rejection")
def test_call_that_cannot_be_prepaid_is_rejected(pic, uc):
    poor = pic.install_universal_canister(cycles=10**9).bytes
    out = pic.universal_update(uc, P().call(poor, "update", P().reply(),
                                            on_reject=P().append_reject_code().reply()))
    assert out == b"2"


@spec("Call context creation")
def test_execution_prepayment_is_returned(pic, uc):
    b0 = pic.get_cycles_balance(uc)
    pic.universal_update(uc, P().reply())
    assert b0 - pic.get_cycles_balance(uc) == OP_CYCLES
    assert DEFAULT.max_cycles_per_message > OP_CYCLES


@spec("Canister out of cycles")
def test_canister_out_of_cycles_is_uninstalled(pic):
    cid = pic.create_canister(cycles=0)
    from pyic.ic.universal import UNIVERSAL_WASM
    pic.install_code(cid, UNIVERSAL_WASM, b"")
    pic.tick()
    c = pic.ic.state.canisters[cid.bytes]
    assert c.can_state is None
    assert pic.canister_status(cid)["module_hash"] is None


@spec("Canister out of cycles")
def test_out_of_cycles_rejects_open_contexts_and_keeps_id(pic):
    cid = pic.create_canister(cycles=0)
    from pyic.ic.universal import UNIVERSAL_WASM
    pic.install_code(cid, UNIVERSAL_WASM, b"")
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
    out = pic.universal_update(uc, P().call(b"", "deposit_cycles", arg, cycles=5000,
                                            on_reply=P().append_refunded().reply()))
    assert out == b"0"
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
    out = pic.universal_update(uc, P().call(uc2, "update", P().reject("r"), cycles=321,
                                            on_reject=P().append_refunded().reply()))
    assert out == b"321"


@spec("Message execution")
def test_cycles_attached_from_callback(pic, uc, uc2, uc3):
    second = P().call(uc3, "update", P().accept(50).reply(), cycles=80,
                      on_reply=P().append_refunded().reply())
    out = pic.universal_update(uc, P().call(uc2, "update", P().reply(), on_reply=second))
    assert out == b"30"
    assert global_of(pic, uc3) == b""
