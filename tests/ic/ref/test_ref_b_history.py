"""Ports of ic-hs ``src/IC/Test/Spec/CanisterHistory.hs`` (Spec.hs testGroup
"canister history"): what ``canister_info`` reports of a canister's changes
(interface spec "IC Management Canister: Canister information", the
``change_origin`` helper, "Trimming canister history" to the 20 most recent
changes, and ``validate_sender_canister_version`` in "Message execution").
``canister_info`` is callable by canisters only, so a universal canister
(``unican``) asks for it."""

from __future__ import annotations

import hashlib

from pyic.candid import Opt, Principal
from pyic.universal import callback, noop, on_heartbeat, run, trap
from harness import (
    DEFAULT_USER, OTHER_USER, TRIVIAL_WASM_MODULE, is_reject, is_reply, ref_test, settings,
)
from _b_helpers import (
    SPEC_ROOT, CODE_UNINSTALL, check_history, code_deployment, controllers_change, creation,
    from_canister, from_user, install_code_, submission_refused_ic00,
)
from _b_helpers import RefB

HARNESS = RefB  # the harness conftest.py's ref fixture builds

G = SPEC_ROOT + "canister history/"
USER = from_user(DEFAULT_USER)


def sha256(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def no_heartbeat():
    return on_heartbeat(callback(trap(b"")))


def get_canister_info(ref, unican, cid, num_requested_changes):
    return ref.ic_canister_info(ref.ic00via(unican), cid, num_requested_changes)


def bare_create(ref) -> bytes:
    """``ic_provisional_create ic00 ecid Nothing Nothing empty``."""
    return ref.ic_provisional_create(ref.ic00)


@ref_test(G + "after creation and code deployments")
def test_after_creation_and_code_deployments(ref):
    unican = ref.install(noop)
    uc_wasm = ref.wasm
    cid = bare_create(ref)
    check_history(get_canister_info(ref, unican, cid, 1), 1,
                  [(0, USER, creation([DEFAULT_USER]))])
    ref.ic_install(ref.ic00, "install", cid, uc_wasm, run(no_heartbeat()))
    check_history(get_canister_info(ref, unican, cid, 1), 2,
                  [(1, USER, code_deployment("install", sha256(uc_wasm)))])
    # sender_canister_version in an ingress message is ignored
    install_code_(ref, ref.ic00, "reinstall", cid, TRIVIAL_WASM_MODULE, b"",
                  sender_canister_version=666)
    check_history(get_canister_info(ref, unican, cid, 1), 3,
                  [(2, USER, code_deployment("reinstall", sha256(TRIVIAL_WASM_MODULE)))])
    ref.ic_install(ref.ic00, "upgrade", cid, uc_wasm, run(no_heartbeat()))
    check_history(get_canister_info(ref, unican, cid, 1), 4,
                  [(3, USER, code_deployment("upgrade", sha256(uc_wasm)))])


@ref_test(G + "after uninstall")
def test_after_uninstall(ref):
    unican = ref.install(noop)
    cid = ref.install(no_heartbeat())
    ref.ic_uninstall(ref.ic00, cid)
    check_history(get_canister_info(ref, unican, cid, 1), 3, [(2, USER, CODE_UNINSTALL)])


@ref_test(G + "after changing controllers")
def test_after_changing_controllers(ref):
    # The change records the controllers as a set: order and repeats are lost.
    unican = ref.install(noop)
    cid = ref.create()
    ref.ic_set_controllers(ref.ic00, cid, [OTHER_USER, DEFAULT_USER, DEFAULT_USER])
    check_history(get_canister_info(ref, unican, cid, 1), 2,
                  [(1, USER, controllers_change([OTHER_USER, DEFAULT_USER]))])
    ref.ic_set_controllers(ref.ic00, cid, [DEFAULT_USER, OTHER_USER, DEFAULT_USER])
    check_history(get_canister_info(ref, unican, cid, 1), 3,
                  [(2, USER, controllers_change([OTHER_USER, DEFAULT_USER]))])


@ref_test(G + "after many changes")
def test_after_many_changes(ref):
    # Only the 20 most recent changes are kept; the total keeps counting.
    unican = ref.install(noop)
    cid = ref.create()
    for i in range(1, 25):
        ref.ic_set_controllers(ref.ic00, cid, [DEFAULT_USER])
        hist = ([(0, USER, creation([DEFAULT_USER]))]
                + [(j, USER, controllers_change([DEFAULT_USER])) for j in range(1, i + 1)])
        check_history(get_canister_info(ref, unican, cid, 20), i + 1, hist[-20:])


@ref_test(G + "changes from canister")
def test_changes_from_canister(ref):
    unican = ref.install(no_heartbeat())
    cid = ref.ic_create(ref.ic00via(unican, 20_000_000_000_000),
                        settings(controllers=[unican, DEFAULT_USER]))
    check_history(get_canister_info(ref, unican, cid, 1), 1,
                  [(0, from_canister(unican, None), creation([unican, DEFAULT_USER]))])
    # unican's version is 5 by now: installed (1), then two calls through it,
    # each an update execution and a callback.
    r = install_code_(ref, ref.ic00via(unican), "install", cid, TRIVIAL_WASM_MODULE, b"",
                      sender_canister_version=5)
    is_reply(r)
    check_history(get_canister_info(ref, unican, cid, 1), 2,
                  [(1, from_canister(unican, 5),
                    code_deployment("install", sha256(TRIVIAL_WASM_MODULE)))])


@ref_test(G + "does not track all update_settings calls")
def test_does_not_track_all_update_settings(ref):
    unican = ref.install(noop)
    cid = bare_create(ref)
    # not stored in canister history; the canister version is still bumped
    ref.ic_update_settings(ref.ic00, cid, settings(freezing_threshold=2 ** 10))
    ref.ic_install(ref.ic00, "install", cid, TRIVIAL_WASM_MODULE, b"")
    check_history(get_canister_info(ref, unican, cid, 2), 2,
                  [(0, USER, creation([DEFAULT_USER])),
                   (2, USER, code_deployment("install", sha256(TRIVIAL_WASM_MODULE)))])


@ref_test(G + "incorrect sender_canister_version")
def test_incorrect_sender_canister_version(ref):
    # validate_sender_canister_version fails the caller's execution: the
    # universal canister's call itself is rejected.
    unican = ref.install(no_heartbeat())
    r = ref.ic_call_(ref.ic00via(unican, relay_errors=True), "create_canister",
                     settings=Opt(None), sender_canister_version=Opt(666))
    is_reject([5], r)


@ref_test(G + "user call to canister_info")
def test_user_call_to_canister_info(ref):
    # ic-hs expects the call accepted (2xx) and then rejected with
    # CANISTER_REJECT (4).  In the v0.66.0 spec ("API Request submission")
    # canister_info is not among the management methods a user may call, so
    # the IC does not accept the call at all; pyic refuses it at submission,
    # with code 4 (IC0406), which `ic_canister_info_` reports as a reject.
    cid = ref.install(noop)
    is_reject([4], ref.ic_canister_info_(ref.ic00, cid))
    submission_refused_ic00(ref, "canister_info", canister_id=Principal(cid))


@ref_test(G + "calling canister_info")
def test_calling_canister_info(ref):
    unican = ref.install(noop)
    uc_wasm = ref.wasm
    cid = bare_create(ref)
    ref.ic_install(ref.ic00, "install", cid, TRIVIAL_WASM_MODULE, b"")
    ref.ic_install(ref.ic00, "reinstall", cid, uc_wasm, run(no_heartbeat()))

    def controllers(info):
        return sorted(p.bytes for p in info["controllers"])

    info = get_canister_info(ref, unican, cid, None)
    assert controllers(info) == [DEFAULT_USER]
    assert info["module_hash"] == sha256(uc_wasm)

    ref.ic_install(ref.ic00, "upgrade", cid, TRIVIAL_WASM_MODULE, b"")
    info = get_canister_info(ref, unican, cid, None)
    assert controllers(info) == [DEFAULT_USER]
    assert info["module_hash"] == sha256(TRIVIAL_WASM_MODULE)

    ref.ic_uninstall(ref.ic00, cid)
    ref.ic_set_controllers(ref.ic00, cid, [DEFAULT_USER, OTHER_USER, DEFAULT_USER])
    info = get_canister_info(ref, unican, cid, None)
    check_history(info, 6, [])  # no count asked: no changes returned
    assert controllers(info) == sorted([OTHER_USER, DEFAULT_USER])
    assert info["module_hash"] is None

    hist = [(0, USER, creation([DEFAULT_USER])),
            (1, USER, code_deployment("install", sha256(TRIVIAL_WASM_MODULE))),
            (2, USER, code_deployment("reinstall", sha256(uc_wasm))),
            (3, USER, code_deployment("upgrade", sha256(TRIVIAL_WASM_MODULE))),
            (4, USER, CODE_UNINSTALL),
            (5, USER, controllers_change([OTHER_USER, DEFAULT_USER]))]
    for n, expected in [(0, []), (1, hist[-1:]), (2, hist[-2:]), (6, hist), (20, hist)]:
        check_history(get_canister_info(ref, unican, cid, n), 6, expected)
