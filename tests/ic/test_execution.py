"""Message execution: reply, reject, trap and rollback, in updates and queries.

Programs run in the Wasm universal canister (`pyic.universal`).  Its
executions cost what pyic's cost model says: ``DEFAULT.execution_cost(n)``,
a base fee plus one cycle per metered instruction, never more than the
``MAX_CYCLES_PER_MESSAGE`` set aside for the message."""

from __future__ import annotations

import pytest
from ic_helpers import global_of, reject_of, spec

from pyic.errors import Reject
from pyic.ic.costs import DEFAULT
from pyic.universal import (
    Prog, accept_message, api_global_timer_set, arg_data, bytes_, callback, caller,
    canister_version, cycles_burn128, debug_print, get_available_cycles, get_certificate_present,
    get_global, get_status, get_time, i2b, i64tob, ignore, instruction_counter_is_at_least,
    int64, int_, noop, on_inspect_message, performance_counter, reject, reply, reply_data,
    reply_data_append, self_, set_certified_data, set_global, stable64_grow, stable64_write,
    trap, universal_canister_wasm, update_call,
)

FEE = DEFAULT.execution_cost(0)
MAX_MSG = DEFAULT.max_cycles_per_message
#: Far more cycles than one execution may be charged.
BIG = 10**12
assert BIG > 10 * MAX_MSG


def u64(b: bytes) -> int:
    assert len(b) == 8, b
    return int.from_bytes(b, "little")


def burn(n: int) -> Prog:
    return ignore(cycles_burn128(int64(0), int64(n)))


def grow_stable(pages: int) -> Prog:
    return ignore(stable64_grow(int64(pages)))


def write_stable(offset: int, data: bytes) -> Prog:
    return stable64_write(int64(offset), bytes_(data))


def call(callee: bytes, method: str, arg: Prog | bytes = b"") -> Prog:
    """An outgoing call whose callbacks do nothing."""
    return update_call(callee, method, on_reply=noop, on_reject=noop, arg=bytes(arg))


def inspect(p: Prog) -> Prog:
    """Install ``p`` as the canister_inspect_message program, and reply."""
    return on_inspect_message(callback(p)) >> reply


@spec("Message execution")
def test_update_replies_with_data(pic, uc):
    assert pic.universal_update(uc, reply_data(b"hello")) == b"hello"


@spec("Message execution")
def test_update_reply_empty(pic, uc):
    assert pic.universal_update(uc, reply) == b""


@spec("Message execution")
def test_argument_is_seen_as_sent(pic, uc):
    # The canister's argument is the program itself; it can reply with it.
    prog = reply_data(arg_data) >> noop >> ignore(bytes_(b"\x00\x01\x02not text\xff"))
    assert pic.universal_update(uc, prog) == bytes(prog)


@spec("Message execution")
def test_update_reject_code_and_message(pic, uc):
    r = reject_of(pic.universal_update, uc, reject(b"no thanks"))
    assert r.reject_code == 4
    assert r.message == "no thanks"
    assert r.error_code == "IC0406"


@spec("Message execution")
def test_update_trap_is_canister_error(pic, uc):
    r = reject_of(pic.universal_update, uc, trap(b"boom"))
    assert r.reject_code == 5
    assert r.error_code == "IC0503"
    assert "boom" in r.message
    assert pic.get_subnet(uc) is not None
    from pyic.candid import Principal
    assert Principal(uc).to_text() in r.message


@spec("Message execution")
def test_update_changes_persist(pic, uc):
    pic.universal_update(uc, set_global(b"kept") >> reply)
    assert global_of(pic, uc) == b"kept"


@spec("Message execution")
def test_trap_rolls_back_heap(pic, uc):
    pic.universal_update(uc, set_global(b"before") >> reply)
    reject_of(pic.universal_update, uc, set_global(b"after") >> trap(b"t"))
    assert global_of(pic, uc) == b"before"


@spec("Message execution")
def test_trap_rolls_back_stable_memory(pic, uc):
    pic.universal_update(uc, grow_stable(1) >> write_stable(0, b"old") >> reply)
    reject_of(pic.universal_update, uc, write_stable(0, b"new") >> grow_stable(3) >> trap(b"t"))
    assert pic.get_stable_memory(uc)[:3] == b"old"
    assert len(pic.get_stable_memory(uc)) == 65536


@spec("Message execution")
def test_trap_rolls_back_certified_data(pic, uc):
    pic.universal_update(uc, set_certified_data(b"c1") >> reply)
    reject_of(pic.universal_update, uc, set_certified_data(b"c2") >> trap(b"t"))
    assert pic.ic.state.canisters[uc].certified_data == b"c1"


@spec("Message execution")
def test_trap_rolls_back_global_timer(pic, uc):
    reject_of(pic.universal_update, uc,
              ignore(api_global_timer_set(int64(pic.ic.time + 10))) >> trap(b"t"))
    assert pic.ic.state.canisters[uc].global_timer == 0


@spec("Message execution")
def test_trap_after_reply_discards_reply(pic, uc):
    r = reject_of(pic.universal_update, uc, reply_data(b"x") >> trap(b"late"))
    assert r.reject_code == 5 and "late" in r.message


@spec("Message execution")
def test_trap_discards_outgoing_calls(pic, uc, uc2):
    reject_of(pic.universal_update, uc,
              call(uc2, "update", set_global(b"called") >> reply) >> trap(b"t"))
    pic.tick(2)
    assert global_of(pic, uc2) == b""


@spec("Message execution")
def test_trap_charges_cycles_used(pic, uc):
    # The trapped execution busy-waits 10^6 instructions first: it pays for them.
    before = pic.get_cycles_balance(uc)
    reject_of(pic.universal_update, uc,
              instruction_counter_is_at_least(int64(1_000_000)) >> trap(b"t"))
    used = before - pic.get_cycles_balance(uc)
    assert DEFAULT.execution_cost(1_000_000) <= used <= MAX_MSG


@spec("Message execution")
def test_update_charges_cycles_used(pic, uc):
    # cycles_used = base fee + the instructions run: at least those the
    # canister counted itself (ic0.performance_counter 0) before replying,
    # plus the few that encode the count, reply and return.
    before = pic.get_cycles_balance(uc)
    counted = u64(pic.universal_update(uc, reply_data(i64tob(performance_counter(int_(0))))))
    used = before - pic.get_cycles_balance(uc)
    assert counted > 0
    assert DEFAULT.execution_cost(counted) < used < DEFAULT.execution_cost(counted + 10_000)


@spec("Message execution")
def test_charge_grows_with_instructions(pic, uc):
    before = pic.get_cycles_balance(uc)
    pic.universal_update(uc, instruction_counter_is_at_least(int64(2_000_000)) >> reply)
    used = before - pic.get_cycles_balance(uc)
    assert DEFAULT.execution_cost(2_000_000) <= used < DEFAULT.execution_cost(2_100_000)


@spec("Message execution")
def test_burned_cycles_are_charged(pic, uc):
    # ic0.cycles_burn128 "burns cycles from the canister" (canister-interface.md):
    # BIG cycles leave the balance, beyond the execution's own charge.  The
    # formal rule's Return has no field for it (a gap of v0.66.0); pyic carries
    # the burned amount apart from cycles_used (UpdateReturn.cycles_burned).
    before = pic.get_cycles_balance(uc)
    burned = pic.universal_update(uc, reply_data(cycles_burn128(int64(0), int64(BIG))))
    assert int.from_bytes(burned, "little") == BIG
    used = before - pic.get_cycles_balance(uc)
    assert FEE < used - BIG <= MAX_MSG


@spec("Message execution")
def test_trap_discards_burned_cycles(pic, uc):
    # A trapped execution is charged its cycles_used only; its burn, like every
    # other change of es.balance, is discarded (Trap {cycles_used = es.cycles_used}).
    before = pic.get_cycles_balance(uc)
    reject_of(pic.universal_update, uc, burn(BIG) >> trap(b"t"))
    assert FEE < before - pic.get_cycles_balance(uc) <= MAX_MSG


@spec("Message execution")
def test_reply_twice_traps(pic, uc):
    r = reject_of(pic.universal_update, uc, reply >> reply)
    assert r.reject_code == 5 and "already" in r.message


@spec("Message execution")
def test_reject_after_reply_traps(pic, uc):
    r = reject_of(pic.universal_update, uc, reply >> reject(b"x"))
    assert r.reject_code == 5


@spec("Call context starvation")
def test_no_reply_is_did_not_reply(pic, uc):
    r = reject_of(pic.universal_update, uc, set_global(b"x"))
    assert r.reject_code == 5 and r.error_code == "IC0506"
    assert "did not reply" in r.message
    # the execution itself committed
    assert global_of(pic, uc) == b"x"


@spec("Message execution")
def test_version_increments_on_update(pic, uc):
    v0 = pic.ic.state.canisters[uc].canister_version
    pic.universal_update(uc, reply)
    assert pic.ic.state.canisters[uc].canister_version == v0 + 1


@spec("Message execution")
def test_version_unchanged_by_trap(pic, uc):
    v0 = pic.ic.state.canisters[uc].canister_version
    reject_of(pic.universal_update, uc, trap(b"t"))
    assert pic.ic.state.canisters[uc].canister_version == v0


@spec("Message execution")
def test_version_visible_to_canister(pic, uc):
    v = pic.universal_update(uc, reply_data(i64tob(canister_version)))
    assert u64(v) == pic.ic.state.canisters[uc].canister_version - 1


@spec("Message execution")
def test_caller_is_sender(pic, uc):
    assert pic.universal_update(uc, reply_data(caller), sender=b"\x42\x02") == b"\x42\x02"


@spec("Message execution")
def test_self_id(pic, uc):
    assert pic.universal_update(uc, reply_data(self_)) == uc


@spec("Message execution")
def test_status_running_visible(pic, uc):
    # ic0.canister_status: 1 running, 2 stopping, 3 stopped
    assert pic.universal_update(uc, reply_data(i2b(get_status))) == (1).to_bytes(4, "little")


@spec("Message execution")
def test_ingress_has_no_cycles_available(pic, uc):
    assert u64(pic.universal_update(uc, reply_data(i64tob(get_available_cycles)))) == 0


@spec("Message execution")
def test_time_strictly_increases_between_executions(pic, uc):
    t1 = u64(pic.universal_update(uc, reply_data(i64tob(get_time))))
    pic.tick()
    t2 = u64(pic.universal_update(uc, reply_data(i64tob(get_time))))
    assert t2 > t1


@spec("Message execution")
def test_time_constant_within_execution(pic, uc):
    out = pic.universal_update(uc, reply_data_append(i64tob(get_time))
                               >> instruction_counter_is_at_least(int64(100_000))
                               >> reply_data(i64tob(get_time)))
    assert out[:8] == out[8:] and u64(out[:8]) > 0


@spec("Message execution")
def test_no_certificate_in_update(pic, uc):
    assert pic.universal_update(uc, reply_data(i2b(get_certificate_present))) == bytes(4)


@spec("Message execution")
def test_logs_of_committed_execution(pic, uc):
    pic.universal_update(uc, debug_print(b"hello log") >> reply)
    logs = pic.fetch_canister_logs(uc)
    assert [r["content"] for r in logs][-1] == b"hello log"


@spec("Message execution")
def test_trap_logs_trap_message(pic, uc):
    reject_of(pic.universal_update, uc, debug_print(b"before trap") >> trap(b"oops"))
    contents = [r["content"] for r in pic.fetch_canister_logs(uc)]
    assert contents[-2] == b"before trap"
    assert b"[TRAP]" in contents[-1] and b"oops" in contents[-1]


@spec("Message execution")
def test_unknown_op_traps(pic, uc):
    r = reject_of(pic.update_call, uc, "update", bytes([99]))
    assert r.reject_code == 5 and "unknown op 99" in r.message


@spec("Message execution")
def test_stable_out_of_bounds_traps(pic, uc):
    r = reject_of(pic.universal_update, uc, write_stable(0, b"x"))
    assert r.reject_code == 5 and "out of bounds" in r.message


@spec("Message execution")
def test_certified_data_over_32_bytes_traps(pic, uc):
    r = reject_of(pic.universal_update, uc, set_certified_data(b"x" * 33))
    assert r.reject_code == 5


@spec("Message execution")
def test_replicated_query_state_discarded(pic, uc):
    out = pic.update_call(uc, "query", bytes(set_global(b"q") >> reply_data(b"ok")))
    assert out == b"ok"
    assert global_of(pic, uc) == b""


@spec("Message execution")
def test_replicated_query_does_not_bump_version(pic, uc):
    v0 = pic.ic.state.canisters[uc].canister_version
    pic.update_call(uc, "query", bytes(reply))
    assert pic.ic.state.canisters[uc].canister_version == v0


@spec("Query call")
def test_query_replies(pic, uc):
    assert pic.universal_query(uc, reply_data(b"q")) == b"q"


@spec("Query call")
def test_query_state_changes_discarded(pic, uc):
    assert pic.universal_query(uc, set_global(b"tmp") >> reply_data(get_global)) == b"tmp"
    assert global_of(pic, uc) == b""


@spec("Query call")
def test_query_stable_changes_discarded(pic, uc):
    pic.universal_query(uc, grow_stable(1) >> write_stable(0, b"zz") >> reply)
    assert pic.get_stable_memory(uc) == b""


@spec("Query call")
def test_query_does_not_charge_cycles(pic, uc):
    before = pic.get_cycles_balance(uc)
    pic.universal_query(uc, instruction_counter_is_at_least(int64(1_000_000)) >> reply)
    assert pic.get_cycles_balance(uc) == before


@spec("Query call")
def test_query_reject(pic, uc):
    r = reject_of(pic.universal_query, uc, reject(b"nope"))
    assert r.reject_code == 4 and r.message == "nope" and r.error_code == "IC0406"


@spec("Query call")
def test_query_trap(pic, uc):
    r = reject_of(pic.universal_query, uc, trap(b"qboom"))
    assert r.reject_code == 5 and "qboom" in r.message and r.error_code == "IC0503"


@spec("Query call")
def test_query_without_reply_is_error(pic, uc):
    r = reject_of(pic.universal_query, uc, reply_data_append(b"x"))
    assert r.reject_code == 5


@spec("Query call")
def test_query_cannot_call(pic, uc, uc2):
    r = reject_of(pic.universal_query, uc, call(uc2, "query", reply) >> reply)
    assert r.reject_code == 5


@spec("Query call")
def test_query_has_certificate(pic, uc):
    assert pic.universal_query(uc, reply_data(i2b(get_certificate_present))) \
        == (1).to_bytes(4, "little")


@spec("Query call")
def test_query_sees_committed_state(pic, uc):
    pic.universal_update(uc, set_global(b"v1") >> reply)
    assert global_of(pic, uc) == b"v1"


@spec("Query call")
def test_query_unknown_method(pic, uc):
    r = reject_of(pic.query_call, uc, "nonexistent", b"")
    assert r.reject_code == 5 and r.error_code == "IC0536"


@spec("Query call")
def test_query_updates_query_stats(pic, uc):
    pic.universal_query(uc, reply)
    pic.universal_query(uc, reply)
    assert pic.canister_status(uc)["query_stats"]["num_calls_total"] == 2


# The same refusals for queries ("Query call") and updates ("API Request submission").
CALL_KINDS = [pytest.param("query", marks=spec("Query call"), id="query"),
              pytest.param("update", marks=spec("API Request submission"), id="update")]
MISSING_CANISTER = b"\x00" * 8 + b"\x55\x01\x01"


@pytest.mark.parametrize("kind", CALL_KINDS)
def test_call_to_missing_canister_refused(pic, kind):
    r = reject_of(getattr(pic, f"{kind}_call"), MISSING_CANISTER, kind, b"")
    assert r.reject_code == 3 and r.error_code == "IC0301"


@pytest.mark.parametrize("kind", CALL_KINDS)
def test_call_to_empty_canister_refused(pic, kind):
    cid = pic.create_canister()
    r = reject_of(getattr(pic, f"{kind}_call"), cid, kind, b"")
    assert r.reject_code == 5 and r.error_code == "IC0537"


@spec("API Request submission")
def test_update_to_unknown_method_refused(pic, uc):
    r = reject_of(pic.update_call, uc, "no_such_method", b"")
    assert r.reject_code == 5 and r.error_code == "IC0536"


@spec("API Request submission")
def test_inspect_message_can_refuse(pic, uc):
    pic.universal_update(uc, inspect(noop))   # accepts nothing
    r = reject_of(pic.universal_update, uc, reply)
    assert r.reject_code == 4 and r.error_code == "IC0406"


@spec("API Request submission")
def test_inspect_message_can_accept(pic, uc):
    pic.universal_update(uc, inspect(accept_message))
    assert pic.universal_update(uc, reply_data(b"in")) == b"in"


@spec("API Request submission")
def test_inspect_message_not_run_for_queries(pic, uc):
    pic.universal_update(uc, inspect(noop))
    assert pic.universal_query(uc, reply_data(b"q")) == b"q"


@spec("API Request submission")
def test_inspect_message_changes_discarded(pic, uc):
    pic.universal_update(uc, inspect(set_global(b"insp") >> accept_message))
    pic.universal_update(uc, reply)
    assert global_of(pic, uc) == b""


@spec("API Request submission")
def test_inspect_trap_refuses(pic, uc):
    # The refusal's code is not specified (a non-replicated pre-processing
    # error); like the replica, pyic reports the trap (CANISTER_ERROR).
    pic.universal_update(uc, inspect(trap(b"inspect says no")))
    r = reject_of(pic.universal_update, uc, set_global(b"ran") >> reply)
    assert r.reject_code == 5 and "inspect says no" in r.message
    assert global_of(pic, uc) == b""


@spec("API Request submission")
def test_composite_query_method_not_callable_by_ingress_update(pic, uc):
    r = reject_of(pic.update_call, uc, "composite_query", bytes(reply))
    assert r.reject_code == 5


@spec("Message execution")
def test_universal_module_installs_as_any_module(pic):
    cid = pic.create_canister()
    pic.install_code(cid, universal_canister_wasm(), b"")
    assert pic.universal_update(cid, reply_data(b"1")) == b"1"
    assert isinstance(Reject(5, "x"), Exception)


@spec("Message execution")
def test_cycles_burned_by_a_system_task_and_an_install_are_charged(pic, uc):
    import pyic.universal as U
    before = pic.get_cycles_balance(uc)
    burn_big = ignore(cycles_burn128(int64(0), int64(BIG)))
    pic.universal_update(uc, U.on_heartbeat(U.callback(burn_big)) >> reply)
    pic.tick()
    assert before - pic.get_cycles_balance(uc) >= BIG
    before = pic.get_cycles_balance(uc)
    pic.upgrade_canister(uc, U.universal_canister_wasm(), burn_big)
    assert before - pic.get_cycles_balance(uc) >= BIG
