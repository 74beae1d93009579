"""Ports of ic-hs ``src/IC/Test/Spec/Timer.hs`` (Spec.hs testGroup "canister
global timer"): ``ic0.global_timer_set`` returns the previous deadline; the
timer fires once when due, deactivating itself; install, reinstall, upgrade
and uninstall deactivate it (interface spec "Global timer", "IC Management
Canister: Code installation / upgrade / uninstallation").

ic-hs takes deadlines from the wall clock; here "now" is the IC's time, and
"far future" is 100000 s (resp. 1000000 s) past it, as in Timer.hs.
"""

from __future__ import annotations

from pyic.candid import Principal, Variant
from pyic.universal import (
    api_global_timer_set, callback, i64tob, ignore, int_, int64, noop, on_global_timer,
    on_pre_upgrade, oneway_call, reply_data, run, stable_grow, stable_read, stable_write,
    update_call,
)
from harness import DEFAULT_USER, is_reject, ref_test
from _b_helpers import SPEC_ROOT, blob64, ic00_arg, now, wait_for
from _b_helpers import RefB

HARNESS = RefB  # the harness conftest.py's ref fixture builds

G = SPEC_ROOT + "canister global timer/"
SECOND = 10 ** 9
FAR_PAST = 1


def on_timer_prog(n: int):
    """The timer handler writes ``n`` to stable memory."""
    return on_global_timer(callback(ignore(stable_grow(int_(1)))
                                    >> stable_write(int_(0), i64tob(int64(n)))))


def set_timer_prog(time: int):
    """Sets the timer, storing the previous deadline in stable memory."""
    return (ignore(stable_grow(int_(1)))
            >> stable_write(int_(0), i64tob(api_global_timer_set(int64(time)))))


def install_with_timer(ref, n: int = 2) -> bytes:
    return ref.install(on_timer_prog(n))


def reset_stable(ref, cid) -> None:
    ref.call(cid, ignore(stable_grow(int_(1)))
             >> stable_write(int_(0), i64tob(int64(42))) >> reply_data(b""))


def get_stable(ref, cid) -> bytes:
    return ref.call(cid, reply_data(stable_read(int_(0), int_(8))))


def set_timer(ref, cid, time: int) -> bytes:
    """The previous deadline, as 8 bytes (0: no timer was set)."""
    return ref.call(cid, reply_data(i64tob(api_global_timer_set(int64(time)))))


def far_future(ref) -> int:
    return now(ref) + 100_000 * SECOND


def far_far_future(ref) -> int:
    return now(ref) + 1_000_000 * SECOND


def wait_for_timer(ref, cid, n: int) -> None:
    wait_for(ref, lambda: True if get_stable(ref, cid) == blob64(n) else None,
             f"the timer handler to store {n}")


@ref_test(G + "in update")
def test_in_update(ref):
    cid = install_with_timer(ref)
    reset_stable(ref, cid)
    t = far_future(ref)
    timer1 = set_timer(ref, cid, t)
    timer2 = set_timer(ref, cid, t)
    ctr = get_stable(ref, cid)
    assert timer1 == blob64(0)
    assert timer2 == blob64(t)
    assert ctr == blob64(42)  # the timer has not fired


@ref_test(G + "in init")
def test_in_init(ref):
    t = far_future(ref)
    cid = ref.install(on_timer_prog(2) >> set_timer_prog(t))
    timer1 = get_stable(ref, cid)
    timer2 = set_timer(ref, cid, t)
    assert timer1 == blob64(0)
    assert timer2 == blob64(t)


@ref_test(G + "in pre-upgrade")
def test_in_pre_upgrade(ref):
    # The deadline set in pre_upgrade does not survive the upgrade.
    t = far_future(ref)
    cid = ref.install(on_timer_prog(2) >> on_pre_upgrade(callback(set_timer_prog(FAR_PAST))))
    reset_stable(ref, cid)
    ref.upgrade(cid, noop)
    timer1 = get_stable(ref, cid)
    timer2 = set_timer(ref, cid, t)
    assert timer1 == blob64(0)
    assert timer2 == blob64(0)


@ref_test(G + "in post-upgrade")
def test_in_post_upgrade(ref):
    cid = install_with_timer(ref)
    reset_stable(ref, cid)
    t = far_future(ref)
    timer1 = set_timer(ref, cid, t)
    t2 = far_far_future(ref)
    ref.upgrade(cid, set_timer_prog(t2))
    timer2 = get_stable(ref, cid)    # post_upgrade saw no timer: the upgrade cleared it
    timer3 = set_timer(ref, cid, t)
    assert timer1 == blob64(0)
    assert timer2 == blob64(0)
    assert timer3 == blob64(t2)


@ref_test(G + "in post-upgrade on stopped canister")
def test_in_post_upgrade_on_stopped_canister(ref):
    # A deadline set while stopped fires once the canister runs again.
    cid = install_with_timer(ref)
    reset_stable(ref, cid)
    t = far_future(ref)
    timer1 = set_timer(ref, cid, t)
    ref.ic_stop_canister(ref.ic00, cid)
    wait_for(ref, lambda: True if ref.ic_canister_status(ref.ic00, cid)["status"] == "stopped"
             else None, "the canister to stop")
    ref.upgrade(cid, on_timer_prog(2) >> set_timer_prog(FAR_PAST))
    ref.ic_start_canister(ref.ic00, cid)
    wait_for_timer(ref, cid, 2)
    timer2 = set_timer(ref, cid, t)
    assert timer1 == blob64(0)
    assert timer2 == blob64(0)


@ref_test(G + "in post-upgrade on stopping canister")
def test_in_post_upgrade_on_stopping_canister(ref):
    # cid's one-way call to cid2 keeps a call context of cid open, so the stop
    # cid2 asks for leaves cid stopping while cid2 upgrades it.
    cid = install_with_timer(ref)
    reset_stable(ref, cid)
    t = far_future(ref)
    timer1 = set_timer(ref, cid, t)
    cid2 = ref.install(noop)
    ref.ic_set_controllers(ref.ic00, cid, [DEFAULT_USER, cid2])
    upgrade = update_call(b"", b"install_code", arg=ic00_arg(
        "install_code", mode=Variant.of("upgrade", None), canister_id=Principal(cid),
        wasm_module=ref.wasm, arg=run(on_timer_prog(2) >> set_timer_prog(FAR_PAST))))
    stop_and_upgrade = oneway_call(b"", b"stop_canister",
                                   arg=ic00_arg("stop_canister", canister_id=Principal(cid))
                                   ) >> upgrade
    relay = oneway_call(cid2, b"update", arg=run(stop_and_upgrade))
    # cid cannot reply after the one-way call (that would let it stop), so
    # its call ends in a reject.
    is_reject([5], ref.call_(cid, relay))
    ref.ic_start_canister(ref.ic00, cid)
    wait_for_timer(ref, cid, 2)
    timer2 = set_timer(ref, cid, t)
    assert timer1 == blob64(0)
    assert timer2 == blob64(0)


@ref_test(G + "in timer callback")
def test_in_timer_callback(ref):
    # The handler sets a new deadline; the previous one it sees is 0, as the
    # timer deactivates itself before running the handler.
    t = far_future(ref)
    cid = ref.install(on_global_timer(callback(set_timer_prog(t))))
    reset_stable(ref, cid)
    timer1 = set_timer(ref, cid, FAR_PAST)
    wait_for_timer(ref, cid, 0)
    timer2 = set_timer(ref, cid, t)
    assert timer1 == blob64(0)
    assert timer2 == blob64(t)


@ref_test(G + "deactivate timer")
def test_deactivate_timer(ref):
    cid = install_with_timer(ref)
    reset_stable(ref, cid)
    t = far_future(ref)
    timer1 = set_timer(ref, cid, t)
    timer2 = set_timer(ref, cid, 0)
    timer3 = set_timer(ref, cid, t)
    ctr = get_stable(ref, cid)
    assert timer1 == blob64(0)
    assert timer2 == blob64(t)
    assert timer3 == blob64(0)
    assert ctr == blob64(42)


@ref_test(G + "set timer far in the past")
def test_set_timer_far_in_the_past(ref):
    cid = install_with_timer(ref)
    reset_stable(ref, cid)
    timer1 = set_timer(ref, cid, FAR_PAST)
    wait_for_timer(ref, cid, 2)
    timer2 = set_timer(ref, cid, far_future(ref))
    assert timer1 == blob64(0)
    assert timer2 == blob64(0)


@ref_test(G + "set timer at current time")
def test_set_timer_at_current_time(ref):
    cid = install_with_timer(ref)
    reset_stable(ref, cid)
    timer1 = set_timer(ref, cid, now(ref))
    wait_for_timer(ref, cid, 2)
    timer2 = set_timer(ref, cid, far_future(ref))
    assert timer1 == blob64(0)
    assert timer2 == blob64(0)


@ref_test(G + "stop and start canister")
def test_stop_and_start_canister(ref):
    # Stopping and starting keep the deadline.
    cid = install_with_timer(ref)
    reset_stable(ref, cid)
    t = far_future(ref)
    timer1 = set_timer(ref, cid, t)
    timer2 = set_timer(ref, cid, t)
    ref.ic_stop_canister(ref.ic00, cid)
    ref.ic_start_canister(ref.ic00, cid)
    timer3 = set_timer(ref, cid, t)
    ctr = get_stable(ref, cid)
    assert timer1 == blob64(0)
    assert timer2 == blob64(t)
    assert timer3 == blob64(t)
    assert ctr == blob64(42)


def _replace_code(ref, cid, how: str) -> None:
    if how == "uninstall":
        ref.ic_uninstall(ref.ic00, cid)
        ref.install_at(cid, on_timer_prog(2))
    elif how == "upgrade":
        ref.upgrade(cid, on_timer_prog(2))
    else:
        ref.reinstall(cid, on_timer_prog(2))


def _check_replacing_code_clears_timer(ref, how: str) -> None:
    cid = install_with_timer(ref)
    reset_stable(ref, cid)
    t = far_future(ref)
    timer1 = set_timer(ref, cid, t)
    timer2 = set_timer(ref, cid, t)
    _replace_code(ref, cid, how)
    timer3 = set_timer(ref, cid, t)
    assert timer1 == blob64(0)
    assert timer2 == blob64(t)
    assert timer3 == blob64(0)


@ref_test(G + "uninstall and install canister")
def test_uninstall_and_install_canister(ref):
    _check_replacing_code_clears_timer(ref, "uninstall")


@ref_test(G + "upgrade canister")
def test_upgrade_canister(ref):
    _check_replacing_code_clears_timer(ref, "upgrade")


@ref_test(G + "reinstall canister")
def test_reinstall_canister(ref):
    _check_replacing_code_clears_timer(ref, "reinstall")
