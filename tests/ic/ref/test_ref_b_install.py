"""Ports of ic-hs Spec.hs scenarios about a canister's code over its life:
"upgrades", "heartbeat", "reinstall", "uninstall", "caller (in init)",
"self (in init)" and "trapping in init" (interface spec "IC Management
Canister: Code installation", "Code upgrade", "Code uninstallation",
"Stopping a canister", and the canister_init / pre_upgrade / post_upgrade /
heartbeat entry points)."""

from __future__ import annotations

import pytest

from pyic.candid import Principal
from pyic.universal import (
    CallArgs, arg_data, callback, caller, get_certificate, get_global, i2b, ignore, int_,
    inter_call, inter_query, noop, on_heartbeat, on_pre_upgrade, reject, reply, reply_data,
    self_, set_certified_data, set_global, stable_grow, stable_read, stable_size, stable_write,
    trap,
)
from harness import (
    DEFAULT_USER, OTHER_USER, as_word32, is_err_or_reject, is_reject, is_reply, ref_test,
)
from _b_helpers import (
    SPEC_ROOT, attempt_system_tasks, await_known_pending, await_status, create_message_hold,
    extract_cert_data, submission_refused, submit_call, submit_ic00,
)
from _b_helpers import RefB

HARNESS = RefB  # the harness conftest.py's ref fixture builds

R = SPEC_ROOT


# ------------------------------------------------------------------ upgrades


def install_for_upgrade(ref, pre_upgrade):
    """``installForUpgrade``: state in the heap (the global) and in stable
    memory, and a pre_upgrade program."""
    return ref.install(set_global(b"FOO")
                       >> ignore(stable_grow(int_(1)))
                       >> stable_write(int_(0), b"BAR______")
                       >> on_pre_upgrade(callback(pre_upgrade)))


def check_no_upgrade(ref, cid) -> None:
    """``checkNoUpgrade``: the state is still the one of the first install."""
    assert ref.query(cid, reply_data(get_global)) == b"FOO"
    assert ref.query(cid, reply_data(stable_read(int_(0), int_(9)))) == b"BAR______"


@ref_test(R + "upgrades/succeeding")
def test_upgrade_succeeding(ref):
    # pre_upgrade sees the old heap; post_upgrade sees what it left in stable
    # memory, and a fresh heap.
    cid = install_for_upgrade(ref, stable_write(int_(3), get_global))
    check_no_upgrade(ref, cid)
    ref.upgrade(cid, stable_write(int_(6), stable_read(int_(0), int_(3))))
    assert ref.query(cid, reply_data(get_global)) == b""
    assert ref.query(cid, reply_data(stable_read(int_(0), int_(9)))) == b"BARFOOBAR"


@pytest.mark.parametrize("pre_upgrade, name", [
    pytest.param(trap(b"trap in pre-upgrade"), "trapping in pre-upgrade",
                 marks=ref_test(R + "upgrades/trapping in pre-upgrade"), id="trap"),
    pytest.param(ignore(arg_data), "by accessing arg",
                 marks=ref_test(R + "upgrades/trapping in pre-upgrade (by accessing arg)"),
                 id="arg"),
])
def test_upgrade_trapping_in_pre_upgrade(ref, pre_upgrade, name):
    # ic0.msg_arg_data_* is not available in pre_upgrade: it traps.
    cid = install_for_upgrade(ref, pre_upgrade)
    check_no_upgrade(ref, cid)
    is_reject([5], ref.upgrade_(cid, noop))
    check_no_upgrade(ref, cid)


@ref_test(R + "upgrades/trapping in pre-upgrade (by calling)")
def test_upgrade_trapping_in_pre_upgrade_by_calling(ref):
    # The pre_upgrade program is replaced by one that makes a call: ic0.call_new
    # is not available in pre_upgrade.
    cid = install_for_upgrade(ref, trap(b"trap in pre-upgrade"))
    ref.call_unit(cid, reply >> on_pre_upgrade(callback(
        inter_query(cid, CallArgs(other_side=noop)))))
    check_no_upgrade(ref, cid)
    is_reject([5], ref.upgrade_(cid, noop))
    check_no_upgrade(ref, cid)


@pytest.mark.parametrize("post_upgrade", [
    pytest.param(trap(b"trap in post-upgrade"),
                 marks=ref_test(R + "upgrades/trapping in post-upgrade"), id="trap"),
    pytest.param(None, marks=ref_test(R + "upgrades/trapping in post-upgrade (by calling)"),
                 id="calling"),
])
def test_upgrade_trapping_in_post_upgrade(ref, post_upgrade):
    # A trap in post_upgrade undoes the whole upgrade, pre_upgrade included.
    cid = install_for_upgrade(ref, stable_write(int_(3), get_global))
    check_no_upgrade(ref, cid)
    if post_upgrade is None:
        post_upgrade = inter_query(cid, CallArgs(other_side=noop))
    is_reject([5], ref.upgrade_(cid, post_upgrade))
    check_no_upgrade(ref, cid)


# ------------------------------------------------------------------ heartbeat


@ref_test(R + "heartbeat/called once for all canisters")
def test_heartbeat_called_for_all_canisters(ref):
    cid = ref.install(on_heartbeat(callback(ignore(stable_grow(int_(1)))
                                            >> stable_write(int_(0), b"FOO"))))
    cid2 = ref.install(on_heartbeat(callback(ignore(stable_grow(int_(1)))
                                             >> stable_write(int_(0), b"BAR"))))
    # A heartbeat cannot reply: this one traps, and its set_global is undone.
    cid3 = ref.install(on_heartbeat(callback(set_global(b"FIZZ") >> reply_data(b"FIZZ"))))
    attempt_system_tasks(ref, cid)
    assert ref.query(cid, reply_data(stable_read(int_(0), int_(3)))) == b"FOO"
    assert ref.query(cid2, reply_data(stable_read(int_(0), int_(3)))) == b"BAR"
    assert ref.query(cid3, reply_data(get_global)) == b""


# ------------------------------------------------------------------ reinstall


def install_foo(ref):
    cid = ref.install(set_global(b"FOO")
                      >> ignore(stable_grow(int_(1)))
                      >> stable_write(int_(0), b"FOO______"))
    assert ref.query(cid, reply_data(get_global)) == b"FOO"
    assert ref.query(cid, reply_data(stable_read(int_(0), int_(9)))) == b"FOO______"
    assert as_word32(ref.query(cid, reply_data(i2b(stable_size)))) == 1
    return cid


@ref_test(R + "reinstall/succeeding")
def test_reinstall_succeeding(ref):
    # Reinstall discards heap and stable memory alike.
    cid = install_foo(ref)
    ref.reinstall(cid, set_global(b"BAR")
                  >> ignore(stable_grow(int_(2)))
                  >> stable_write(int_(0), b"BAR______"))
    assert ref.query(cid, reply_data(get_global)) == b"BAR"
    assert ref.query(cid, reply_data(stable_read(int_(0), int_(9)))) == b"BAR______"
    assert as_word32(ref.query(cid, reply_data(i2b(stable_size)))) == 2
    ref.reinstall(cid, noop)
    assert ref.query(cid, reply_data(get_global)) == b""
    assert as_word32(ref.query(cid, reply_data(i2b(stable_size)))) == 0


@ref_test(R + "reinstall/trapping")
def test_reinstall_trapping(ref):
    cid = install_foo(ref)
    is_reject([5], ref.reinstall_(cid, trap(b"Trapping the reinstallation")))
    assert ref.query(cid, reply_data(get_global)) == b"FOO"
    assert ref.query(cid, reply_data(stable_read(int_(0), int_(9)))) == b"FOO______"
    assert ref.query(cid, reply_data(i2b(stable_size))) == b"\1\0\0\0"


# ------------------------------------------------------------------ uninstall


@ref_test(R + "uninstall/uninstall empty canister")
def test_uninstall_empty_canister(ref):
    # Uninstalling a canister with no code succeeds and changes nothing visible.
    def check_status(cid):
        cs = ref.ic_canister_status(ref.ic00, cid)
        assert cs["status"] == "running"
        assert [p.bytes for p in cs["settings"]["controllers"]] == [DEFAULT_USER]
        assert cs["module_hash"] is None

    cid = ref.create()
    check_status(cid)
    ref.ic_uninstall(ref.ic00, cid)
    check_status(cid)


@ref_test(R + "uninstall/uninstall as wrong user")
def test_uninstall_as_wrong_user(ref):
    cid = ref.create()
    is_err_or_reject([3, 5], ref.ic_uninstall_(ref.ic00_as(OTHER_USER), cid))


@ref_test(R + "uninstall/uninstall and reinstall wipes state")
def test_uninstall_wipes_state(ref):
    cid = ref.install(set_global(b"FOO"))
    ref.ic_uninstall(ref.ic00, cid)
    ref.install_at(cid, set_global(b"BAR"))
    assert ref.query(cid, reply_data(get_global)) == b"BAR"


@ref_test(R + "uninstall/uninstall and reinstall wipes stable memory")
def test_uninstall_wipes_stable_memory(ref):
    cid = ref.install(ignore(stable_grow(int_(1))) >> stable_write(int_(0), b"FOO"))
    ref.ic_uninstall(ref.ic00, cid)
    ref.install_at(cid, set_global(b"BAR"))
    assert as_word32(ref.query(cid, reply_data(i2b(stable_size)))) == 0
    grow_and_read = ignore(stable_grow(int_(1))) >> reply_data(stable_read(int_(0), int_(3)))
    assert ref.query(cid, grow_and_read) == b"\0\0\0"
    assert ref.call(cid, grow_and_read) == b"\0\0\0"


@ref_test(R + "uninstall/uninstall and reinstall wipes certified data")
def test_uninstall_wipes_certified_data(ref):
    cid = ref.install(set_certified_data(b"FOO"))
    assert extract_cert_data(cid, ref.query(cid, reply_data(get_certificate))) == b"FOO"
    ref.ic_uninstall(ref.ic00, cid)
    ref.install_at(cid, noop)
    assert extract_cert_data(cid, ref.query(cid, reply_data(get_certificate))) == b""


@ref_test(R + "uninstall/uninstalled rejects calls")
def test_uninstalled_rejects_calls(ref):
    # ic-hs expects DESTINATION_INVALID (3) for both calls.  The v0.66.0 spec
    # differs: an ingress call to an empty canister is not accepted at all
    # ("API Request submission": "the target canister is not empty"), and a
    # query to one takes the ``else`` branch of ``composite_query_helper``
    # ("Query call"): CANISTER_ERROR (5).  We follow the spec.
    cid = ref.install(noop)
    assert ref.call(cid, reply_data(b"Hi")) == b"Hi"
    assert ref.query(cid, reply_data(b"Hi")) == b"Hi"
    ref.ic_uninstall(ref.ic00, cid)
    submission_refused(ref, cid, reply_data(b"Hi"))
    is_reject([5], ref.query_(cid, reply_data(b"Hi")))


@ref_test(R + "uninstall/open call contexts are rejected")
def test_uninstall_rejects_open_call_contexts(ref):
    cid = ref.install(noop)
    hold, release = create_message_hold(ref)
    # Create long-running call
    grs1 = submit_call(ref, cid, hold)
    await_known_pending(ref, grs1)
    # Uninstall: the open call context is rejected (CANISTER_REJECT, 4)
    ref.ic_uninstall(ref.ic00, cid)
    is_reject([4], await_status(ref, grs1))
    # Releasing the held message changes nothing
    release()
    is_reject([4], await_status(ref, grs1))


@ref_test(R + "uninstall/deleted call contexts prevent stopping")
def test_deleted_call_contexts_prevent_stopping(ref):
    # The call context is deleted, but its outstanding call still keeps the
    # canister from stopping until the response arrives.
    cid = ref.install(noop)
    hold, release = create_message_hold(ref)
    grs1 = submit_call(ref, cid, hold)
    await_known_pending(ref, grs1)
    ref.ic_uninstall(ref.ic00, cid)
    is_reject([4], await_status(ref, grs1))
    # Stop
    grs2 = submit_ic00(ref, "stop_canister", canister_id=Principal(cid))
    await_known_pending(ref, grs2)
    assert ref.ic_canister_status(ref.ic00, cid)["status"] == "stopping"
    # Next stop waits, too
    grs3 = submit_ic00(ref, "stop_canister", canister_id=Principal(cid))
    await_known_pending(ref, grs3)
    # Release the held message, wait for the calls to complete
    release()
    is_reject([4], await_status(ref, grs1))
    assert is_reply(await_status(ref, grs2)) == b"DIDL\0\0"
    assert is_reply(await_status(ref, grs3)) == b"DIDL\0\0"
    assert ref.ic_canister_status(ref.ic00, cid)["status"] == "stopped"


@ref_test(R + "uninstall/deleted call contexts are not delivered")
def test_deleted_call_contexts_not_delivered(ref):
    # The response to a call of the uninstalled code must not reach a callback
    # of the reinstalled code.
    cid = ref.install(noop)
    helper = ref.install(noop)
    hold1, release1 = create_message_hold(ref)
    hold2, release2 = create_message_hold(ref)
    grs1 = submit_call(ref, cid, inter_call(helper, b"update", CallArgs(
        other_side=hold1, on_reply=reply_data(b"First"))))
    await_known_pending(ref, grs1)
    ref.ic_uninstall(ref.ic00, cid)
    is_reject([4], await_status(ref, grs1))
    ref.install_at(cid, set_global(b"BAR"))
    grs2 = submit_call(ref, cid, inter_call(helper, b"update", CallArgs(
        other_side=hold2, on_reply=reply_data(b"Second"))))
    is_reject([4], await_status(ref, grs1))
    await_known_pending(ref, grs2)
    # Release first call
    release1()
    is_reject([4], await_status(ref, grs1))
    await_known_pending(ref, grs2)
    # Release second call
    release2()
    is_reject([4], await_status(ref, grs1))
    assert is_reply(await_status(ref, grs2)) == b"Second"


# ------------------------------------------------------------------ init


@ref_test(R + "caller (in init)")
def test_caller_in_init(ref):
    cid = ref.install(set_global(caller))
    assert ref.query(cid, reply_data(get_global)) == DEFAULT_USER


@ref_test(R + "self (in init)")
def test_self_in_init(ref):
    cid = ref.install(set_global(self_))
    assert ref.query(cid, reply_data(get_global)) == cid


@pytest.mark.parametrize("pgm", [
    pytest.param(trap(b"trapping in install"),
                 marks=ref_test(R + "trapping in init/explicit trap"), id="explicit-trap"),
    pytest.param(inter_query(b"dummy"), marks=ref_test(R + "trapping in init/call"), id="call"),
    pytest.param(reply, marks=ref_test(R + "trapping in init/reply"), id="reply"),
    pytest.param(reject(b"rejecting in init"), marks=ref_test(R + "trapping in init/reject"),
                 id="reject"),
])
def test_trapping_in_init(ref, pgm):
    # ``failInInit``: the install is rejected and the canister stays empty.
    # ic-hs expects the query to be rejected with DESTINATION_INVALID (3)
    # ("canister does not exist"); in the v0.66.0 spec a query to an empty
    # canister is CANISTER_ERROR (5): the ``else`` branch of
    # ``composite_query_helper`` ("Query call").  We follow the spec.
    cid = ref.create()
    is_reject([5], ref.install_(cid, pgm))
    is_reject([5], ref.query_(cid, noop))
