"""Stopping, starting and deleting canisters; calls to stopping, stopped and
deleted canisters."""

from __future__ import annotations

from ic_helpers import P, global_of, reject_of, run_idle, spec, steps

from pyic.candid import Principal, Record, encode
from pyic.ic.management.args import interface, method_types
from pyic.ic.state import Stopping


def mgmt_arg(method, **fields):
    return encode((Record.of(**fields),), method_types(method)[0], interface().env)


def submit_stop(pic, cid):
    return pic.submit_call(None, "stop_canister", mgmt_arg("stop_canister",
                                                           canister_id=Principal(cid)))


def open_call(pic, a, b):
    """Submit (not await) an update on ``a`` that calls ``b`` and replies from its callback."""
    return pic.submit_call(a, "update", P().call(b, "update", P().append(b"from b").reply(),
                                                 on_reply=P().set_global(b"cb ran")
                                                 .append_status().reply()).bytes())


@spec("IC Management Canister: Stopping a canister")
def test_stop_running_canister(pic, uc):
    pic.stop_canister(uc)
    assert pic.canister_status(uc)["status"] == "stopped"


@spec("IC Management Canister: Stopping a canister")
def test_stop_stopped_canister_is_fine(pic, uc):
    pic.stop_canister(uc)
    pic.stop_canister(uc)
    assert pic.canister_status(uc)["status"] == "stopped"


@spec("IC Management Canister: Stopping a canister")
def test_stop_with_open_call_context_waits(pic, uc, uc2):
    req = open_call(pic, uc, uc2)
    stop = submit_stop(pic, uc)
    steps(pic, 2)                      # the update ran and made its call; the stop came in
    assert isinstance(pic.ic.state.canisters[uc].canister_status, Stopping)
    assert pic.ingress_status(stop) is None
    assert pic.canister_status(uc)["status"] == "stopping"
    assert pic.await_call(req) == b"stopping"   # the callback ran on the stopping canister
    pic.await_call(stop)
    assert pic.canister_status(uc)["status"] == "stopped"
    assert global_of_stopped(pic, uc) == b"cb ran"


def global_of_stopped(pic, cid):
    pic.start_canister(cid)
    return global_of(pic, cid)


@spec("IC Management Canister: Stopping a canister")
def test_stopping_canister_rejects_new_calls(pic, uc, uc2):
    open_call(pic, uc, uc2)
    submit_stop(pic, uc)
    steps(pic, 2)
    r = reject_of(pic.universal_update, uc, P().reply())
    assert r.reject_code == 5 and r.error_code == "IC0509"


@spec("Calls to stopped/stopping canisters are rejected")
def test_call_to_stopping_canister_rejected(pic, uc, uc2, uc3):
    open_call(pic, uc2, uc3)
    submit_stop(pic, uc2)
    steps(pic, 2)
    req = pic.submit_call(uc, "update", P().call(uc2, "update", P().reply(), cycles=9,
                                                  on_reject=P().append_reject_code().append(b"/")
                                                  .append_refunded().reply()).bytes())
    assert pic.await_call(req) == b"5/9"


@spec("Calls to stopped/stopping canisters are rejected")
def test_call_to_stopped_canister_rejected(pic, uc, uc2):
    pic.stop_canister(uc2)
    out = pic.universal_update(uc, P().call(uc2, "update", P().reply(), cycles=11,
                                            on_reject=P().append_reject_code().append(b"/")
                                            .append_refunded().append(b"/")
                                            .append_reject_message().reply()))
    assert out.startswith(b"5/11/") and b"stopped" in out


@spec("API Request submission")
def test_ingress_to_stopped_canister_refused(pic, uc):
    pic.stop_canister(uc)
    r = reject_of(pic.universal_update, uc, P().reply())
    assert r.reject_code == 5 and r.error_code == "IC0508"
    assert Principal(uc).to_text() in r.message


@spec("Query call")
def test_query_to_stopped_canister_rejected(pic, uc):
    pic.stop_canister(uc)
    r = reject_of(pic.universal_query, uc, P().reply())
    assert r.reject_code == 5 and r.error_code == "IC0508"


@spec("IC Management Canister: Starting a canister")
def test_start_stopped_canister(pic, uc):
    pic.stop_canister(uc)
    pic.start_canister(uc)
    assert pic.canister_status(uc)["status"] == "running"
    assert pic.universal_update(uc, P().append(b"back").reply()) == b"back"


@spec("IC Management Canister: Starting a canister")
def test_start_keeps_state(pic, uc):
    pic.universal_update(uc, P().set_global(b"keep").reply())
    pic.stop_canister(uc)
    pic.start_canister(uc)
    assert global_of(pic, uc) == b"keep"


@spec("IC Management Canister: Starting a canister")
def test_start_while_stopping_rejects_stop_call(pic, uc, uc2):
    req = open_call(pic, uc, uc2)
    stop = submit_stop(pic, uc)
    steps(pic, 2)
    start = pic.submit_call(None, "start_canister", mgmt_arg("start_canister",
                                                             canister_id=Principal(uc)))
    pic.await_call(start)
    r = reject_of(pic.await_call, stop)
    assert r.reject_code == 5 and r.error_code == "IC0511"
    assert pic.await_call(req) == b"running"


@spec("IC Management Canister: Starting a canister")
def test_start_running_canister_is_noop(pic, uc):
    pic.start_canister(uc)
    assert pic.canister_status(uc)["status"] == "running"


@spec("Time progressing, cycle consumption, canister version increments and subnet admins updates")
def test_stop_and_start_bump_version(pic, uc):
    v0 = pic.ic.state.canisters[uc].canister_version
    pic.stop_canister(uc)
    v1 = pic.ic.state.canisters[uc].canister_version
    pic.start_canister(uc)
    v2 = pic.ic.state.canisters[uc].canister_version
    assert v0 < v1 < v2


@spec("IC Management Canister: Canister deletion")
def test_delete_running_canister_rejected(pic, uc):
    r = reject_of(pic.delete_canister, uc)
    assert r.reject_code == 5 and r.error_code == "IC0510"
    assert pic.check_canister_exists(uc)


@spec("IC Management Canister: Canister deletion")
def test_delete_stopping_canister_rejected(pic, uc, uc2):
    open_call(pic, uc, uc2)
    submit_stop(pic, uc)
    steps(pic, 2)
    delete = pic.submit_call(None, "delete_canister", mgmt_arg("delete_canister",
                                                               canister_id=Principal(uc)))
    r = reject_of(pic.await_call, delete)
    assert r.error_code == "IC0510"


@spec("IC Management Canister: Canister deletion")
def test_delete_stopped_canister(pic, uc):
    pic.stop_canister(uc)
    pic.delete_canister(uc)
    assert not pic.check_canister_exists(uc)
    assert pic.get_subnet(uc) is None


@spec("IC Management Canister: Canister deletion")
def test_delete_empty_stopped_canister(pic):
    cid = pic.create_canister()
    pic.stop_canister(cid)
    pic.delete_canister(cid)
    assert not pic.check_canister_exists(cid)


@spec("IC Management Canister: Canister deletion")
def test_ingress_to_deleted_canister(pic, uc):
    pic.stop_canister(uc)
    pic.delete_canister(uc)
    r = reject_of(pic.universal_update, uc, P().reply())
    assert r.reject_code == 3 and r.error_code == "IC0301"


@spec("IC Management Canister: Canister deletion")
def test_call_to_deleted_canister(pic, uc, uc2):
    pic.stop_canister(uc2)
    pic.delete_canister(uc2)
    out = pic.universal_update(uc, P().call(uc2, "update", P().reply(), cycles=3,
                                            on_reject=P().append_reject_code().append(b"/")
                                            .append_refunded().reply()))
    assert out == b"3/3"


@spec("IC Management Canister: Canister deletion")
def test_management_on_deleted_canister(pic, uc):
    pic.stop_canister(uc)
    pic.delete_canister(uc)
    r = reject_of(pic.canister_status, uc)
    assert r.reject_code == 3


@spec("IC Management Canister: Canister deletion")
def test_deleted_id_not_reused(pic, uc):
    pic.stop_canister(uc)
    pic.delete_canister(uc)
    assert pic.create_canister().bytes != uc


@spec("IC Management Canister: Stopping a canister")
def test_canister_controlled_by_canister_can_stop_it(pic, uc):
    child = pic.create_canister(settings={"controllers": [uc]})
    out = pic.universal_update(uc, P().call(b"", "stop_canister",
                                            mgmt_arg("stop_canister", canister_id=child),
                                            on_reply=P().append(b"stopped").reply(),
                                            on_reject=P().append_reject_message().reply()))
    assert out == b"stopped"
    assert pic.ic.state.canisters[child.bytes].canister_status == "stopped"


@spec("IC Management Canister: Stopping a canister")
def test_stopped_canister_runs_no_heartbeat(pic, uc):
    pic.universal_update(uc, P().on_heartbeat(P().append_to_global(b"h")).reply())
    pic.stop_canister(uc)
    before = pic.ic.state.canisters[uc].can_state.wasm_state.wasm_memory.global_data
    pic.tick(3)
    after = pic.ic.state.canisters[uc].can_state.wasm_state.wasm_memory.global_data
    assert before == after


@spec("IC Management Canister: Stopping a canister")
def test_stopped_canister_timer_waits_until_start(pic, uc):
    t = pic.get_time()["nanos_since_epoch"] + 5
    pic.universal_update(uc, P().on_global_timer(P().set_global(b"fired"))
                         .set_global_timer(t).reply())
    pic.stop_canister(uc)
    pic.advance_time(10)
    pic.tick()
    assert pic.ic.state.canisters[uc].can_state.wasm_state.wasm_memory.global_data == b""
    pic.start_canister(uc)
    pic.tick()
    assert global_of(pic, uc) == b"fired"


@spec("Call context removal")
def test_stopping_becomes_stopped_when_contexts_gone(pic, uc, uc2):
    req = open_call(pic, uc, uc2)
    stop = submit_stop(pic, uc)
    run_idle(pic)
    assert pic.ingress_status(req) == b"stopping"
    assert pic.ingress_status(stop) is not None
    assert pic.ic.state.canisters[uc].canister_status == "stopped"
