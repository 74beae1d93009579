"""Ports of ic-hs ``src/IC/Test/Spec/CanisterVersion.hs`` (Spec.hs testGroup
"canister version"): ``ic0.canister_version`` counts the successful changes
of a canister's state: every committed update, callback, heartbeat, timer,
code change and settings change, but no query and nothing that fails
(interface spec "System API: Canister version", and the rule "Time
progressing, cycle consumption, canister version increments").

As in CanisterVersion.hs, the canisters here trap in their heartbeat (which
the universal canister always exports), so heartbeats leave no trace.
"""

from __future__ import annotations

import pytest

from pyic.universal import (
    CallArgs, api_global_timer_set, callback, canister_version as _canister_version, get_global,
    i64tob, ignore, int_, int64, inter_call, noop, on_global_timer, on_heartbeat, on_pre_upgrade,
    reply_data, set_global, stable_grow, stable_read, stable_write, trap, trap_if_neq,
)
from harness import (
    OTHER_USER, as_word64, is_err_or_reject, is_reject, is_reply, ref_test, settings,
)
from _b_helpers import SPEC_ROOT, attempt_system_tasks, blob64, wait_for
from _b_helpers import RefB

HARNESS = RefB  # the harness conftest.py's ref fixture builds

G = SPEC_ROOT + "canister version/"


def canister_version():
    return i64tob(_canister_version)


def no_heartbeat():
    return on_heartbeat(callback(trap(b"")))


def install_quiet(ref) -> bytes:
    """The local ``simpleTestCase`` of CanisterVersion.hs installs ``no_heartbeat``."""
    return ref.install(no_heartbeat())


def version(ref, cid) -> int:
    return as_word64(ref.query(cid, reply_data(canister_version())))


def global_version(ref, cid) -> int:
    return as_word64(ref.query(cid, reply_data(get_global)))


def wait_for_global(ref, cid, n: int) -> None:
    wait_for(ref, lambda: True if ref.query(cid, reply_data(get_global)) == blob64(n) else None,
             f"the global to be {n}")


# ------------------------------------------------------------------ where it is read


@ref_test(G + "in query")
def test_in_query(ref):
    cid = install_quiet(ref)
    assert [version(ref, cid) for _ in range(3)] == [1, 1, 1]


@ref_test(G + "in replicated query")
def test_in_replicated_query(ref):
    # A query method called by ingress runs replicated, but commits nothing.
    cid = install_quiet(ref)
    got = [as_word64(is_reply(ref.call_to_query_(cid, reply_data(canister_version()))))
           for _ in range(3)]
    assert got == [1, 1, 1]


@ref_test(G + "in update")
def test_in_update(ref):
    cid = install_quiet(ref)
    got = [as_word64(ref.call(cid, reply_data(canister_version()))) for _ in range(3)]
    assert got == [1, 2, 3]


@ref_test(G + "in install")
def test_in_install(ref):
    cid = ref.install(no_heartbeat() >> set_global(canister_version()))
    assert global_version(ref, cid) == 1
    assert version(ref, cid) == 1


@ref_test(G + "in reinstall")
def test_in_reinstall(ref):
    cid = install_quiet(ref)
    ctr1 = version(ref, cid)
    ref.reinstall(cid, no_heartbeat() >> set_global(canister_version()))
    assert (ctr1, global_version(ref, cid), version(ref, cid)) == (1, 2, 2)


@ref_test(G + "in pre_upgrade")
def test_in_pre_upgrade(ref):
    cid = ref.install(no_heartbeat()
                      >> ignore(stable_grow(int_(1)))
                      >> on_pre_upgrade(callback(stable_write(int_(0), canister_version()))))
    ctr1 = version(ref, cid)
    ref.upgrade(cid, no_heartbeat())
    ctr2 = as_word64(ref.query(cid, reply_data(stable_read(int_(0), int_(8)))))
    assert (ctr1, ctr2, version(ref, cid)) == (1, 1, 2)


@ref_test(G + "in post_upgrade")
def test_in_post_upgrade(ref):
    cid = install_quiet(ref)
    ctr1 = version(ref, cid)
    ref.upgrade(cid, no_heartbeat() >> set_global(canister_version()))
    assert (ctr1, global_version(ref, cid), version(ref, cid)) == (1, 2, 2)


@ref_test(G + "in heartbeat")
def test_in_heartbeat(ref):
    # Only the first heartbeat (seeing version 1) succeeds; later ones trap.
    cid = ref.install(on_heartbeat(callback(
        trap_if_neq(canister_version(), i64tob(int64(1)), b"") >> set_global(canister_version()))))
    wait_for_global(ref, cid, 1)
    assert (global_version(ref, cid), version(ref, cid)) == (1, 2)


@ref_test(G + "in global timer")
def test_in_global_timer(ref):
    cid = ref.install(no_heartbeat()
                      >> on_global_timer(callback(set_global(canister_version())))
                      >> ignore(api_global_timer_set(int64(1))))
    wait_for_global(ref, cid, 1)
    assert (global_version(ref, cid), version(ref, cid)) == (1, 2)


@ref_test(G + "in reply callback")
def test_in_reply_callback(ref):
    cid = install_quiet(ref)
    cid2 = ref.install(noop)
    ctr1 = version(ref, cid)
    ctr2 = as_word64(ref.call(cid, inter_call(cid2, b"update", CallArgs(
        on_reply=reply_data(canister_version()),
        on_reject=trap(b"")))))  # fails the test if the reject callback runs
    assert (ctr1, ctr2, version(ref, cid)) == (1, 2, 3)


@ref_test(G + "in reject callback")
def test_in_reject_callback(ref):
    cid = install_quiet(ref)
    cid2 = ref.install(noop)
    ctr1 = version(ref, cid)
    ctr2 = as_word64(ref.call(cid, inter_call(cid2, b"update", CallArgs(
        on_reply=trap(b""),
        on_reject=reply_data(canister_version()),
        other_side=trap(b"")))))  # the callee traps: the reject callback runs
    assert (ctr1, ctr2, version(ref, cid)) == (1, 2, 3)


@ref_test(G + "in cleanup")
def test_in_cleanup(ref):
    cid = install_quiet(ref)
    cid2 = ref.install(noop)
    ctr1 = version(ref, cid)
    is_reject([5], ref.call_(cid, inter_call(cid2, b"update", CallArgs(
        on_reply=trap(b""), on_reject=trap(b""),
        on_cleanup=set_global(canister_version())))))
    assert (ctr1, global_version(ref, cid), version(ref, cid)) == (1, 2, 3)


# ------------------------------------------------------------------ what bumps it


@ref_test(G + "after uninstall")
def test_after_uninstall(ref):
    cid = install_quiet(ref)
    ctr1 = version(ref, cid)
    ref.ic_uninstall(ref.ic00, cid)
    ref.install_at(cid, no_heartbeat())
    # code uninstalled and installed since the last query
    assert (ctr1, version(ref, cid)) == (1, 3)


@ref_test(G + "after setting controllers")
def test_after_setting_controllers(ref):
    cid = install_quiet(ref)
    ctr1 = version(ref, cid)
    ref.ic_set_controllers(ref.ic00, cid, [OTHER_USER])
    assert (ctr1, version(ref, cid)) == (1, 2)


@ref_test(G + "after setting freezing threshold")
def test_after_setting_freezing_threshold(ref):
    cid = install_quiet(ref)
    ctr1 = version(ref, cid)
    ref.ic_update_settings(ref.ic00, cid, settings(freezing_threshold=2 ** 20))
    assert (ctr1, version(ref, cid)) == (1, 2)


# ------------------------------------------------------------------ what does not


def _unchanged_after(ref, cid, failing) -> None:
    ctr1 = version(ref, cid)
    failing()
    assert (ctr1, version(ref, cid)) == (1, 1)


@ref_test(G + "after failed query")
def test_after_failed_query(ref):
    cid = install_quiet(ref)
    _unchanged_after(ref, cid, lambda: is_reject([5], ref.query_(cid, trap(b""))))


@ref_test(G + "after failed update")
def test_after_failed_update(ref):
    cid = install_quiet(ref)
    _unchanged_after(ref, cid, lambda: is_reject([5], ref.call_(cid, trap(b""))))


@pytest.mark.parametrize("mode", [
    pytest.param("install", marks=ref_test(G + "after failed install"), id="install"),
    pytest.param("reinstall", marks=ref_test(G + "after failed reinstall"), id="reinstall"),
    pytest.param("upgrade", marks=ref_test(G + "after failed upgrade"), id="upgrade"),
])
def test_after_failed_install_code(ref, mode):
    # An empty module is not valid Wasm: install_code is rejected.
    cid = install_quiet(ref)
    _unchanged_after(ref, cid,
                     lambda: is_reject([5], ref.ic_install_(ref.ic00, mode, cid, b"", b"")))


@ref_test(G + "after failed init in install")
def test_after_failed_init_in_install(ref):
    cid = ref.create()
    is_reject([5], ref.install_(cid, trap(b"")))
    ref.install_at(cid, no_heartbeat())
    assert version(ref, cid) == 1


@ref_test(G + "after failed init in reinstall")
def test_after_failed_init_in_reinstall(ref):
    cid = install_quiet(ref)
    _unchanged_after(ref, cid, lambda: is_reject([5], ref.reinstall_(cid, trap(b""))))


@ref_test(G + "after failed pre_upgrade")
def test_after_failed_pre_upgrade(ref):
    cid = ref.install(no_heartbeat() >> on_pre_upgrade(callback(trap(b""))))
    _unchanged_after(ref, cid, lambda: is_reject([5], ref.upgrade_(cid, no_heartbeat())))


@ref_test(G + "after failed post_upgrade")
def test_after_failed_post_upgrade(ref):
    cid = install_quiet(ref)
    _unchanged_after(ref, cid, lambda: is_reject([5], ref.upgrade_(cid, trap(b""))))


@ref_test(G + "after failed heartbeat")
def test_after_failed_heartbeat(ref):
    cid = ref.install(on_heartbeat(callback(trap(b""))))
    ctr1 = version(ref, cid)
    attempt_system_tasks(ref, cid)
    # only the two update calls count, not the trapping heartbeats
    assert (ctr1, version(ref, cid)) == (1, 3)


@ref_test(G + "after failed global timer")
def test_after_failed_global_timer(ref):
    cid = ref.install(no_heartbeat()
                      >> on_global_timer(callback(trap(b"")))
                      >> ignore(api_global_timer_set(int64(1))))
    ctr1 = version(ref, cid)
    attempt_system_tasks(ref, cid)
    assert (ctr1, version(ref, cid)) == (1, 3)


@pytest.mark.parametrize("args", [
    pytest.param(dict(on_reply=trap(b""), on_reject=reply_data(b"")),
                 marks=ref_test(G + "after failed reply callback"), id="reply-callback"),
    pytest.param(dict(on_reply=reply_data(b""), on_reject=trap(b""), other_side=trap(b"")),
                 marks=ref_test(G + "after failed reject callback"), id="reject-callback"),
    pytest.param(dict(on_reply=trap(b""), on_reject=reply_data(b""), on_cleanup=trap(b"")),
                 marks=ref_test(G + "after failed cleanup"), id="cleanup"),
])
def test_after_failed_callback(ref, args):
    # The update itself is committed (+1); the trapping callback (and cleanup) is not.
    cid = install_quiet(ref)
    cid2 = ref.install(noop)
    ctr1 = version(ref, cid)
    is_reject([5], ref.call_(cid, inter_call(cid2, b"update", CallArgs(**args))))
    assert (ctr1, version(ref, cid)) == (1, 2)


@ref_test(G + "after failed uninstall")
def test_after_failed_uninstall(ref):
    cid = install_quiet(ref)
    _unchanged_after(ref, cid, lambda: is_err_or_reject(
        [5], ref.ic_uninstall_(ref.ic00_as(OTHER_USER), cid)))


@ref_test(G + "after failed change of settings")
def test_after_failed_change_of_settings(ref):
    # 2^70 does not fit the freezing threshold's range (at most 2^64 - 1).
    cid = install_quiet(ref)
    _unchanged_after(ref, cid, lambda: is_reject(
        [5], ref.ic_update_settings_(ref.ic00, cid, settings(freezing_threshold=2 ** 70))))
