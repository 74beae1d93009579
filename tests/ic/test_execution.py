"""Message execution: reply, reject, trap and rollback, in updates and queries."""

from __future__ import annotations

import pytest
from ic_helpers import P, global_of, reject_of, spec

from pyic.ic.universal import OP_CYCLES, UNIVERSAL_WASM
from pyic.errors import Reject


@spec("Message execution")
def test_update_replies_with_data(pic, uc):
    assert pic.universal_update(uc, P().append(b"hello").reply()) == b"hello"


@spec("Message execution")
def test_update_reply_empty(pic, uc):
    assert pic.universal_update(uc, P().reply()) == b""


@spec("Message execution")
def test_plain_argument_is_echoed(pic, uc):
    assert pic.update_call(uc, "update", b"\x01\x02not a program") == b"\x01\x02not a program"


@spec("Message execution")
def test_update_reject_code_and_message(pic, uc):
    r = reject_of(pic.universal_update, uc, P().reject("no thanks"))
    assert r.reject_code == 4
    assert r.message == "no thanks"
    assert r.error_code == "IC0406"


@spec("Message execution")
def test_update_trap_is_canister_error(pic, uc):
    r = reject_of(pic.universal_update, uc, P().trap("boom"))
    assert r.reject_code == 5
    assert r.error_code == "IC0503"
    assert "boom" in r.message
    assert pic.get_subnet(uc) is not None
    from pyic.candid import Principal
    assert Principal(uc).to_text() in r.message


@spec("Message execution")
def test_update_changes_persist(pic, uc):
    pic.universal_update(uc, P().set_global(b"kept").reply())
    assert global_of(pic, uc) == b"kept"


@spec("Message execution")
def test_trap_rolls_back_heap(pic, uc):
    pic.universal_update(uc, P().set_global(b"before").reply())
    reject_of(pic.universal_update, uc, P().set_global(b"after").trap())
    assert global_of(pic, uc) == b"before"


@spec("Message execution")
def test_trap_rolls_back_stable_memory(pic, uc):
    pic.universal_update(uc, P().stable_grow(1).stable_write(0, b"old").reply())
    reject_of(pic.universal_update, uc, P().stable_write(0, b"new").stable_grow(3).trap())
    assert pic.get_stable_memory(uc)[:3] == b"old"
    assert len(pic.get_stable_memory(uc)) == 65536


@spec("Message execution")
def test_trap_rolls_back_certified_data(pic, uc):
    pic.universal_update(uc, P().set_certified_data(b"c1").reply())
    reject_of(pic.universal_update, uc, P().set_certified_data(b"c2").trap())
    assert pic.ic.state.canisters[uc].certified_data == b"c1"


@spec("Message execution")
def test_trap_rolls_back_global_timer(pic, uc):
    reject_of(pic.universal_update, uc, P().set_global_timer(pic.ic.time + 10).trap())
    assert pic.ic.state.canisters[uc].global_timer == 0


@spec("Message execution")
def test_trap_after_reply_discards_reply(pic, uc):
    r = reject_of(pic.universal_update, uc, P().append(b"x").reply().trap("late"))
    assert r.reject_code == 5 and "late" in r.message


@spec("Message execution")
def test_trap_discards_outgoing_calls(pic, uc, uc2):
    reject_of(pic.universal_update, uc, P().call(uc2, "update", P().set_global(b"called").reply())
              .trap())
    pic.tick(2)
    assert global_of(pic, uc2) == b""


@spec("Message execution")
def test_trap_charges_cycles_used(pic, uc):
    before = pic.get_cycles_balance(uc)
    reject_of(pic.universal_update, uc, P().append(b"a").append(b"b").trap())
    used = before - pic.get_cycles_balance(uc)
    assert used == 3 * OP_CYCLES


@spec("Message execution")
def test_update_charges_cycles_used(pic, uc):
    before = pic.get_cycles_balance(uc)
    pic.universal_update(uc, P().append(b"a").reply())
    assert before - pic.get_cycles_balance(uc) == 2 * OP_CYCLES


@spec("Message execution")
def test_burned_cycles_are_charged(pic, uc):
    before = pic.get_cycles_balance(uc)
    pic.universal_update(uc, P().burn(1_000_000).reply())
    assert before - pic.get_cycles_balance(uc) == 1_000_000 + 2 * OP_CYCLES


@spec("Message execution")
def test_trap_discards_burned_cycles_beyond_use(pic, uc):
    before = pic.get_cycles_balance(uc)
    reject_of(pic.universal_update, uc, P().burn(5_000).trap())
    # the burn is part of cycles used, which a trapped execution still pays
    assert before - pic.get_cycles_balance(uc) == 5_000 + 2 * OP_CYCLES


@spec("Message execution")
def test_reply_twice_traps(pic, uc):
    r = reject_of(pic.universal_update, uc, P().reply().reply())
    assert r.reject_code == 5 and "already" in r.message


@spec("Message execution")
def test_reject_after_reply_traps(pic, uc):
    r = reject_of(pic.universal_update, uc, P().reply().reject("x"))
    assert r.reject_code == 5


@spec("Call context starvation")
def test_no_reply_is_did_not_reply(pic, uc):
    r = reject_of(pic.universal_update, uc, P().set_global(b"x"))
    assert r.reject_code == 5 and r.error_code == "IC0506"
    assert "did not reply" in r.message
    # the execution itself committed
    assert global_of(pic, uc) == b"x"


@spec("Message execution")
def test_version_increments_on_update(pic, uc):
    v0 = pic.ic.state.canisters[uc].canister_version
    pic.universal_update(uc, P().reply())
    assert pic.ic.state.canisters[uc].canister_version == v0 + 1


@spec("Message execution")
def test_version_unchanged_by_trap(pic, uc):
    v0 = pic.ic.state.canisters[uc].canister_version
    reject_of(pic.universal_update, uc, P().trap())
    assert pic.ic.state.canisters[uc].canister_version == v0


@spec("Message execution")
def test_version_visible_to_canister(pic, uc):
    v = pic.universal_update(uc, P().append_version().reply())
    assert int(v) == pic.ic.state.canisters[uc].canister_version - 1


@spec("Message execution")
def test_caller_is_sender(pic, uc):
    assert pic.universal_update(uc, P().append_caller().reply(), sender=b"\x42\x02") == b"\x42\x02"


@spec("Message execution")
def test_self_id(pic, uc):
    assert pic.universal_update(uc, P().append_self().reply()) == uc


@spec("Message execution")
def test_status_running_visible(pic, uc):
    assert pic.universal_update(uc, P().append_status().reply()) == b"running"


@spec("Message execution")
def test_ingress_has_no_cycles_available(pic, uc):
    assert pic.universal_update(uc, P().append_available().reply()) == b"0"


@spec("Message execution")
def test_time_strictly_increases_between_executions(pic, uc):
    t1 = int(pic.universal_update(uc, P().append_time().reply()))
    pic.tick()
    t2 = int(pic.universal_update(uc, P().append_time().reply()))
    assert t2 > t1


@spec("Message execution")
def test_time_constant_within_execution(pic, uc):
    out = pic.universal_update(uc, P().append_time().append(b",").append_time().reply())
    a, b = out.split(b",")
    assert a == b


@spec("Message execution")
def test_no_certificate_in_update(pic, uc):
    assert pic.universal_update(uc, P().append_certificate_present().reply()) == b"0"


@spec("Message execution")
def test_logs_of_committed_execution(pic, uc):
    pic.universal_update(uc, P().debug_print("hello log").reply())
    logs = pic.fetch_canister_logs(uc)
    assert [r["content"] for r in logs][-1] == b"hello log"


@spec("Message execution")
def test_trap_logs_trap_message(pic, uc):
    reject_of(pic.universal_update, uc, P().debug_print("before trap").trap("oops"))
    contents = [r["content"] for r in pic.fetch_canister_logs(uc)]
    assert contents[-2] == b"before trap"
    assert b"[TRAP]" in contents[-1] and b"oops" in contents[-1]


@spec("Message execution")
def test_unknown_op_traps(pic, uc):
    r = reject_of(pic.update_call, uc, "update", b'[["no_such_op"]]')
    assert r.reject_code == 5 and "unknown op" in r.message


@spec("Message execution")
def test_stable_out_of_bounds_traps(pic, uc):
    r = reject_of(pic.universal_update, uc, P().stable_write(0, b"x"))
    assert r.reject_code == 5 and "out of bounds" in r.message


@spec("Message execution")
def test_certified_data_over_32_bytes_traps(pic, uc):
    r = reject_of(pic.universal_update, uc, P().set_certified_data(b"x" * 33))
    assert r.reject_code == 5


@spec("Message execution")
def test_replicated_query_state_discarded(pic, uc):
    out = pic.update_call(uc, "query", P().set_global(b"q").append(b"ok").reply().bytes())
    assert out == b"ok"
    assert global_of(pic, uc) == b""


@spec("Message execution")
def test_replicated_query_does_not_bump_version(pic, uc):
    v0 = pic.ic.state.canisters[uc].canister_version
    pic.update_call(uc, "query", P().reply().bytes())
    assert pic.ic.state.canisters[uc].canister_version == v0


@spec("Query call")
def test_query_replies(pic, uc):
    assert pic.universal_query(uc, P().append(b"q").reply()) == b"q"


@spec("Query call")
def test_query_state_changes_discarded(pic, uc):
    assert pic.universal_query(uc, P().set_global(b"tmp").append_global().reply()) == b"tmp"
    assert global_of(pic, uc) == b""


@spec("Query call")
def test_query_stable_changes_discarded(pic, uc):
    pic.universal_query(uc, P().stable_grow(1).stable_write(0, b"zz").reply())
    assert pic.get_stable_memory(uc) == b""


@spec("Query call")
def test_query_does_not_charge_cycles(pic, uc):
    before = pic.get_cycles_balance(uc)
    pic.universal_query(uc, P().burn(10_000).reply())
    assert pic.get_cycles_balance(uc) == before


@spec("Query call")
def test_query_reject(pic, uc):
    r = reject_of(pic.universal_query, uc, P().reject("nope"))
    assert r.reject_code == 4 and r.message == "nope" and r.error_code == "IC0406"


@spec("Query call")
def test_query_trap(pic, uc):
    r = reject_of(pic.universal_query, uc, P().trap("qboom"))
    assert r.reject_code == 5 and "qboom" in r.message and r.error_code == "IC0503"


@spec("Query call")
def test_query_without_reply_is_error(pic, uc):
    r = reject_of(pic.universal_query, uc, P().append(b"x"))
    assert r.reject_code == 5


@spec("Query call")
def test_query_cannot_call(pic, uc, uc2):
    r = reject_of(pic.universal_query, uc, P().call(uc2, "query", P().reply()).reply())
    assert r.reject_code == 5


@spec("Query call")
def test_query_has_certificate(pic, uc):
    assert pic.universal_query(uc, P().append_certificate_present().reply()) == b"1"


@spec("Query call")
def test_query_sees_committed_state(pic, uc):
    pic.universal_update(uc, P().set_global(b"v1").reply())
    assert global_of(pic, uc) == b"v1"


@spec("Query call")
def test_query_unknown_method(pic, uc):
    r = reject_of(pic.query_call, uc, "nonexistent", b"")
    assert r.reject_code == 5 and r.error_code == "IC0536"


@spec("Query call")
def test_query_updates_query_stats(pic, uc):
    pic.universal_query(uc, P().reply())
    pic.universal_query(uc, P().reply())
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
    pic.universal_update(uc, P().on_inspect(P()).reply())   # accepts nothing
    r = reject_of(pic.universal_update, uc, P().reply())
    assert r.reject_code == 4 and r.error_code == "IC0406"


@spec("API Request submission")
def test_inspect_message_can_accept(pic, uc):
    pic.universal_update(uc, P().on_inspect(P().accept_message()).reply())
    assert pic.universal_update(uc, P().append(b"in").reply()) == b"in"


@spec("API Request submission")
def test_inspect_message_not_run_for_queries(pic, uc):
    pic.universal_update(uc, P().on_inspect(P()).reply())
    assert pic.universal_query(uc, P().append(b"q").reply()) == b"q"


@spec("API Request submission")
def test_inspect_message_changes_discarded(pic, uc):
    pic.universal_update(uc, P().on_inspect(P().set_global(b"insp").accept_message()).reply())
    pic.universal_update(uc, P().reply())
    assert global_of(pic, uc) == b""


@spec("API Request submission")
def test_inspect_trap_refuses(pic, uc):
    pic.universal_update(uc, P().on_inspect(P().trap("no")).reply())
    r = reject_of(pic.universal_update, uc, P().reply())
    assert r.reject_code == 4


@spec("API Request submission")
def test_composite_query_method_not_callable_by_ingress_update(pic, uc):
    r = reject_of(pic.update_call, uc, "composite_query", P().reply().bytes())
    assert r.reject_code == 5


@spec("Message execution")
def test_universal_module_marker(pic):
    cid = pic.create_canister()
    pic.install_code(cid, UNIVERSAL_WASM, b"")
    assert pic.universal_update(cid, P().append(b"1").reply()) == b"1"
    assert isinstance(Reject(5, "x"), Exception)
