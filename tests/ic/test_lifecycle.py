"""Stopping, starting and deleting canisters; calls to stopping, stopped and
deleted canisters."""

from __future__ import annotations

from ic_helpers import global_of, reject_of, run_idle, spec, steps

from pyic.candid import Principal, Record, encode
from pyic.ic.management.args import interface, method_types
from pyic.ic.state import Stopping
from pyic.universal import (
    api_global_timer_set, bytes_, callback, get_refund, get_status, get_time, i2b, i64tob, ignore,
    int64, on_global_timer, on_heartbeat, reject_code, reject_msg, reply, reply_data,
    reply_data_append, set_global, stable64_grow, stable64_write, update_call,
)

# ``ic0.canister_status``: 1 running, 2 stopping, 3 stopped (as a 4-byte little-endian blob)
RUNNING, STOPPING = (1).to_bytes(4, "little"), (2).to_bytes(4, "little")


def le32(n: int) -> bytes:
    return n.to_bytes(4, "little")


def le64(n: int) -> bytes:
    return n.to_bytes(8, "little")


def code_slash_refund(then=None):
    """A reject callback replying ``reject_code (4 bytes) / refund (8 bytes)`` [``/ message``]."""
    p = (reply_data_append(i2b(reject_code)) >> reply_data_append(bytes_(b"/"))
         >> reply_data_append(i64tob(get_refund)))
    if then == "message":
        p = p >> reply_data_append(bytes_(b"/")) >> reply_data_append(reject_msg)
    return p >> reply


def mgmt_arg(method, **fields):
    return encode((Record.of(**fields),), method_types(method)[0], interface().env)


def submit_stop(pic, cid):
    return pic.submit_call(None, "stop_canister", mgmt_arg("stop_canister",
                                                           canister_id=Principal(cid)))


def open_call(pic, a, b):
    """Submit (not await) an update on ``a`` that calls ``b`` and replies from its callback."""
    return pic.submit_call(a, "update", update_call(
        b, "update", arg=reply_data(bytes_(b"from b")).bytes(),
        on_reply=set_global(bytes_(b"cb ran")) >> reply_data(i2b(get_status))).bytes())


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
    assert pic.await_call(req) == STOPPING   # the callback ran on the stopping canister
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
    r = reject_of(pic.universal_update, uc, reply)
    assert r.reject_code == 5 and r.error_code == "IC0509"


@spec("Calls to stopped/stopping canisters are rejected")
def test_call_to_stopping_canister_rejected(pic, uc, uc2, uc3):
    open_call(pic, uc2, uc3)
    submit_stop(pic, uc2)
    steps(pic, 2)
    req = pic.submit_call(uc, "update", update_call(
        uc2, "update", arg=reply.bytes(), cycles=9, on_reply=reply_data(bytes_(b"replied")),
        on_reject=code_slash_refund()).bytes())
    assert pic.await_call(req) == le32(5) + b"/" + le64(9)


@spec("Calls to stopped/stopping canisters are rejected")
def test_call_to_stopped_canister_rejected(pic, uc, uc2):
    pic.stop_canister(uc2)
    out = pic.universal_update(uc, update_call(uc2, "update", arg=reply.bytes(), cycles=11,
                                               on_reply=reply_data(bytes_(b"replied")),
                                               on_reject=code_slash_refund("message")))
    assert out.startswith(le32(5) + b"/" + le64(11) + b"/") and b"stopped" in out


@spec("API Request submission")
def test_ingress_to_stopped_canister_refused(pic, uc):
    pic.stop_canister(uc)
    r = reject_of(pic.universal_update, uc, reply)
    assert r.reject_code == 5 and r.error_code == "IC0508"
    assert Principal(uc).to_text() in r.message


@spec("Query call")
def test_query_to_stopped_canister_rejected(pic, uc):
    pic.stop_canister(uc)
    r = reject_of(pic.universal_query, uc, reply)
    assert r.reject_code == 5 and r.error_code == "IC0508"


@spec("IC Management Canister: Starting a canister")
def test_start_stopped_canister(pic, uc):
    pic.stop_canister(uc)
    pic.start_canister(uc)
    assert pic.canister_status(uc)["status"] == "running"
    assert pic.universal_update(uc, reply_data(bytes_(b"back"))) == b"back"


@spec("IC Management Canister: Starting a canister")
def test_start_keeps_state(pic, uc):
    pic.universal_update(uc, set_global(bytes_(b"keep")) >> reply)
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
    assert pic.await_call(req) == RUNNING


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
    r = reject_of(pic.universal_update, uc, reply)
    assert r.reject_code == 3 and r.error_code == "IC0301"


@spec("IC Management Canister: Canister deletion")
def test_call_to_deleted_canister(pic, uc, uc2):
    pic.stop_canister(uc2)
    pic.delete_canister(uc2)
    out = pic.universal_update(uc, update_call(uc2, "update", arg=reply.bytes(), cycles=3,
                                               on_reply=reply_data(bytes_(b"replied")),
                                               on_reject=code_slash_refund()))
    assert out == le32(3) + b"/" + le64(3)


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
    out = pic.universal_update(uc, update_call(b"", "stop_canister",
                                               arg=mgmt_arg("stop_canister", canister_id=child),
                                               on_reply=reply_data(bytes_(b"stopped")),
                                               on_reject=reply_data(reject_msg)))
    assert out == b"stopped"
    assert pic.ic.state.canisters[child.bytes].canister_status == "stopped"


def stable_time(pic, cid) -> bytes:
    """What a heartbeat or timer program made of `stamp_time` wrote last: its time."""
    return pic.get_stable_memory(cid)[:8]


def stamp_time():
    return stable64_write(int64(0), i64tob(get_time))


@spec("IC Management Canister: Stopping a canister")
def test_stopped_canister_runs_no_heartbeat(pic, uc):
    # the heartbeat writes its time to stable memory, which the test API reads even
    # when the canister is stopped (queries are refused then)
    pic.universal_update(uc, ignore(stable64_grow(int64(1))) >> on_heartbeat(callback(stamp_time()))
                         >> reply)
    pic.advance_time(10)
    pic.tick()
    assert stable_time(pic, uc) != bytes(8)           # heartbeats do run on a running canister
    pic.stop_canister(uc)
    before, version = stable_time(pic, uc), pic.canister_status(uc)["version"]
    pic.advance_time(10)
    pic.tick(3)
    assert stable_time(pic, uc) == before
    assert pic.canister_status(uc)["version"] == version


@spec("IC Management Canister: Stopping a canister")
def test_stopped_canister_timer_waits_until_start(pic, uc):
    t = pic.get_time()["nanos_since_epoch"] + 5
    pic.universal_update(uc, ignore(stable64_grow(int64(1)))
                         >> on_global_timer(callback(set_global(bytes_(b"fired")) >> stamp_time()))
                         >> ignore(api_global_timer_set(int64(t))) >> reply)
    pic.stop_canister(uc)
    pic.advance_time(10)
    pic.tick()
    assert stable_time(pic, uc) == bytes(8)           # the timer has not run
    pic.start_canister(uc)
    pic.tick()
    assert global_of(pic, uc) == b"fired"
    assert int.from_bytes(stable_time(pic, uc), "little") >= t


@spec("Call context removal")
def test_stopping_becomes_stopped_when_contexts_gone(pic, uc, uc2):
    req = open_call(pic, uc, uc2)
    stop = submit_stop(pic, uc)
    run_idle(pic)
    assert pic.ingress_status(req) == STOPPING
    assert pic.ingress_status(stop) is not None
    assert pic.ic.state.canisters[uc].canister_status == "stopped"
