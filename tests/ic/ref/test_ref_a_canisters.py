"""Ported from ic-hs ``src/IC/Test/Spec.hs`` (lines 1–1119): "NNS canisters"
and the first scenarios of "regular canisters" — creating, installing,
stopping, deleting canisters and reaching ``aaaaa-aa`` from a canister.

One subnet: pyic's IC is one application subnet, so ``ecid`` has no meaning
and the root-subnet branches of the Haskell do not run (NOT_PORTED_a.md).
"""

from __future__ import annotations

import gzip
import hashlib

from pyic.candid import Principal, Record, Variant, encode
from pyic.ic.management.args import interface, method_types

import pyic.universal as uc
from pyic.universal import noop
from harness import (
    CREATE_CYCLES, DEFAULT_USER, DOESNT_EXIST, OTHER_USER, TRIVIAL_WASM_MODULE,
    _respond, as_word32, is_err_or_reject, is_reject, is_relay, is_reply, ref_test,
)
from _a_helpers import (
    RC, SPEC_ROOT,
    await_known, await_status, controllers_of, is_pending_or_processing, message_hold,
    stop_request, submit_prog,
)

EMPTY_CANDID = encode(())  # ``Candid.encode ()``: what stop_canister replies


def install_with_cycles(ref, cycles: int, prog=noop) -> bytes:
    cid = ref.ic_provisional_create(ref.ic00, cycles=cycles)
    ref.install_at(cid, prog)
    return cid


def my_subnet_id(ref) -> bytes:
    (subnet,) = ref.pic.topology()
    return subnet.bytes


@ref_test(SPEC_ROOT + "NNS canisters")
def test_nns_canisters(ref):
    # An application subnet (not the root one): only the first check of the
    # Haskell applies; canister ids and minting of the root subnet do not.
    initial_cycles = CREATE_CYCLES
    nns = [install_with_cycles(ref, initial_cycles) for _ in range(10)]
    root = nns[3]
    install_with_cycles(ref, initial_cycles)

    def mint(n):
        return uc.reply_data(uc.i64tob(uc.mint_cycles(uc.int64(n))))
    # ic0.mint_cycles traps unless the caller is the cycles minting canister.
    is_reject([5], ref.call_(root, mint(0)))


@ref_test(RC + "create and install")
def test_create_and_install(ref):
    cid = ref.install(noop)
    assert ref.pic.check_canister_exists(cid)


@ref_test(RC + "create_canister necessary")
def test_create_canister_necessary(ref):
    is_err_or_reject([3, 5], ref.ic_install_(ref.ic00, "install", DOESNT_EXIST,
                                            TRIVIAL_WASM_MODULE, b""))


# ------------------------------------------------------------------ calls to a subnet ID


def install_code_to(ref, callee: bytes, cid: bytes):
    """``ic_install_subnet''``: ``install_code`` sent by ingress to ``callee``."""
    arg_types, _ = method_types("install_code")
    arg = encode((Record.of(mode=Variant.of("install", None), canister_id=Principal(cid),
                            wasm_module=TRIVIAL_WASM_MODULE, arg=b""),),
                 arg_types, interface().env)
    return _respond(ref.pic.update_call, callee, "install_code", arg, sender=DEFAULT_USER)


@ref_test(RC + "calls to a subnet ID/as user")
def test_subnet_id_as_user(ref):
    # Only the own subnet: a second subnet does not exist here (NOT_PORTED_a.md).
    cid = ref.create()
    is_err_or_reject([], install_code_to(ref, my_subnet_id(ref), cid))
    assert ref.ic_canister_status(ref.ic00, cid)["module_hash"] is None


@ref_test(RC + "calls to a subnet ID/as canister to own subnet")
def test_subnet_id_as_canister_to_own_subnet(ref):
    # ``test_subnet_msg'``: on a subnet that is not the root one, the subnet id
    # is no destination (the canister "does not exist": DESTINATION_INVALID).
    cid = ref.install(noop)
    subnet = my_subnet_id(ref)

    def via_subnet(cycles):
        return ref.ic00via(cid, cycles, subnet=subnet, relay_errors=True)

    is_reject([3], ref.ic_create_(via_subnet(20_000_000_000_000)))
    is_reject([3], ref.ic_provisional_create_(via_subnet(20_000_000_000_000)))
    cid2 = ref.ic_create(ref.ic00via(cid, 20_000_000_000_000))
    is_reject([3], ref.ic_install_(via_subnet(0), "install", cid2, TRIVIAL_WASM_MODULE, b""))
    # The argument does not matter: the call goes nowhere.
    is_reject([3], via_subnet(0)("http_request", encode(())))
    is_reject([3], ref.ic_raw_rand_(via_subnet(0)))


# ------------------------------------------------------ provisional_create_canister_with_cycles


@ref_test(RC + "provisional_create_canister_with_cycles/specified_id")
def test_specified_id(ref):
    # The last id of the subnet's canister ranges (pyic's subnet has every id
    # ``Principal.from_canister_id`` gives, for a u64 counter).
    specified = Principal.from_canister_id(2 ** 64 - 1).bytes
    assert ref.ic_provisional_create(ref.ic00, specified_id=specified,
                                     cycles=CREATE_CYCLES) == specified
    assert ref.pic.check_canister_exists(specified)


@ref_test(RC + "provisional_create_canister_with_cycles/specified_id already taken")
def test_specified_id_already_taken(ref):
    cid = ref.install(noop)
    # ic-hs rejects with 3; the spec's rule just does not apply ("Canister_id ∉
    # dom(S.canisters)") and the call is rejected with a code it leaves open
    # ("Spontaneous request rejection"): pyic says CANISTER_ERROR.
    is_reject([3, 5], ref.ic_provisional_create_(ref.ic00, specified_id=cid,
                                                 cycles=CREATE_CYCLES))


@ref_test(RC + "provisional_create_canister_with_cycles/specified_id does not belong to the "
          "subnet's canister ranges")
def test_specified_id_outside_ranges(ref):
    is_reject([4], ref.ic_provisional_create_(ref.ic00, specified_id=DOESNT_EXIST,
                                              cycles=CREATE_CYCLES))


# ------------------------------------------------------------------ management requests


@ref_test(RC + "management requests")
def test_management_requests(ref):
    can_id = ref.create()
    ref.ic_install(ref.ic00, "install", can_id, TRIVIAL_WASM_MODULE, b"")
    # Install again fails
    is_err_or_reject([3, 5], ref.ic_install_(ref.ic00, "install", can_id,
                                            TRIVIAL_WASM_MODULE, b""))
    ref.ic_install(ref.ic00, "reinstall", can_id, TRIVIAL_WASM_MODULE, b"")
    # Reinstall as wrong user
    other = ref.ic00_as(OTHER_USER)
    is_err_or_reject([3, 5], ref.ic_install_(other, "reinstall", can_id,
                                            TRIVIAL_WASM_MODULE, b""))
    ref.ic_install(ref.ic00, "upgrade", can_id, TRIVIAL_WASM_MODULE, b"")
    # Upgrade as wrong user
    is_err_or_reject([3, 5], ref.ic_install_(other, "upgrade", can_id,
                                            TRIVIAL_WASM_MODULE, b""))
    ref.ic_set_controllers(ref.ic00, can_id, [OTHER_USER])
    # Change controller (with wrong controller)
    is_err_or_reject([3, 5], ref.ic_set_controllers_(ref.ic00, can_id, [OTHER_USER]))
    # Reinstall as new controller
    ref.ic_install(other, "reinstall", can_id, TRIVIAL_WASM_MODULE, b"")


@ref_test(RC + "install (gzip compressed)")
def test_install_gzip_compressed(ref):
    cid = ref.create()
    compressed = gzip.compress(TRIVIAL_WASM_MODULE)

    def module_hash():
        return ref.ic_canister_status(ref.ic00, cid)["module_hash"]

    ref.ic_install(ref.ic00, "install", cid, compressed, b"")
    assert module_hash() == hashlib.sha256(compressed).digest()
    ref.ic_install(ref.ic00, "reinstall", cid, compressed, b"")
    assert module_hash() == hashlib.sha256(compressed).digest()
    ref.ic_install(ref.ic00, "reinstall", cid, TRIVIAL_WASM_MODULE, b"")
    assert module_hash() == hashlib.sha256(TRIVIAL_WASM_MODULE).digest()
    ref.ic_install(ref.ic00, "upgrade", cid, compressed, b"")
    assert module_hash() == hashlib.sha256(compressed).digest()


@ref_test(RC + "reinstall on empty")
def test_reinstall_on_empty(ref):
    can_id = ref.create()
    ref.ic_install(ref.ic00, "reinstall", can_id, TRIVIAL_WASM_MODULE, b"")
    assert ref.ic_canister_status(ref.ic00, can_id)["module_hash"] is not None


@ref_test(RC + "canister_status")
def test_canister_status(ref):
    cid = ref.create()
    cs = ref.ic_canister_status(ref.ic00, cid)
    assert cs["status"] == "running"
    assert controllers_of(cs) == [DEFAULT_USER]
    assert cs["module_hash"] is None
    ref.ic_install(ref.ic00, "install", cid, TRIVIAL_WASM_MODULE, b"")
    cs = ref.ic_canister_status(ref.ic00, cid)
    assert cs["module_hash"] == hashlib.sha256(TRIVIAL_WASM_MODULE).digest()


# ------------------------------------------------------------------ lifecycle


def status_of(ref, cid) -> str:
    return ref.ic_canister_status(ref.ic00, cid)["status"]


def local_status(ref, cid) -> int:
    return as_word32(ref.query(cid, uc.reply_data(uc.i2b(uc.get_status))))


@ref_test(RC + "canister lifecycle")
def test_canister_lifecycle(ref):
    cid = ref.install(uc.on_pre_upgrade(uc.callback(
        uc.ignore(uc.stable_grow(uc.int_(1)))
        >> uc.stable_write(uc.int_(0), uc.i2b(uc.get_status)))))
    assert status_of(ref, cid) == "running"
    assert local_status(ref, cid) == 1
    ref.ic_stop_canister(ref.ic00, cid)
    assert status_of(ref, cid) == "stopped"
    # Stop is noop
    ref.ic_stop_canister(ref.ic00, cid)
    is_reject([5], ref.call_(cid, uc.reply))
    is_reject([5], ref.query_(cid, uc.reply))
    ref.upgrade(cid, uc.set_global(uc.i2b(uc.get_status)))
    ref.ic_start_canister(ref.ic00, cid)
    assert status_of(ref, cid) == "running"
    assert local_status(ref, cid) == 1
    # Was stopped during pre-upgrade? during post-upgrade? (3: stopped)
    assert as_word32(ref.query(cid, uc.reply_data(uc.stable_read(uc.int_(0), uc.int_(4))))) == 3
    assert as_word32(ref.query(cid, uc.reply_data(uc.get_global))) == 3
    ref.call_unit(cid, uc.reply)
    ref.query_unit(cid, uc.reply)
    # Start is noop
    ref.ic_start_canister(ref.ic00, cid)
    assert status_of(ref, cid) == "running"


@ref_test(RC + "canister stopping")
def test_canister_stopping(ref):
    cid = ref.install(noop)
    assert status_of(ref, cid) == "running"
    assert local_status(ref, cid) == 1
    hold, release = message_hold(ref)
    grs1 = submit_prog(ref, cid, hold)
    is_pending_or_processing(await_known(ref, grs1))
    ref.call_unit(cid, uc.reply)  # normal call, to sync
    grs2 = stop_request(ref, cid)
    is_pending_or_processing(await_known(ref, grs2))
    assert status_of(ref, cid) == "stopping"
    # Next stop waits, too
    grs3 = stop_request(ref, cid)
    is_pending_or_processing(await_known(ref, grs3))
    is_reject([5], ref.call_(cid, uc.reply))
    is_reject([5], ref.query_(cid, uc.reply))
    release()
    assert is_reply(await_status(ref, grs1)) == b""
    assert is_reply(await_status(ref, grs2)) == EMPTY_CANDID
    assert is_reply(await_status(ref, grs3)) == EMPTY_CANDID
    assert status_of(ref, cid) == "stopped"
    is_reject([5], ref.call_(cid, uc.reply))
    is_reject([5], ref.query_(cid, uc.reply))


@ref_test(RC + "starting a stopping canister")
def test_starting_a_stopping_canister(ref):
    cid = ref.install(noop)
    hold, _ = message_hold(ref)
    grs1 = submit_prog(ref, cid, hold)
    is_pending_or_processing(await_known(ref, grs1))
    ref.call_unit(cid, uc.reply)
    grs2 = stop_request(ref, cid)
    is_pending_or_processing(await_known(ref, grs2))
    assert status_of(ref, cid) == "stopping"
    ref.ic_start_canister(ref.ic00, cid)
    assert status_of(ref, cid) == "running"


@ref_test(RC + "canister deletion")
def test_canister_deletion(ref):
    cid = ref.install(noop)
    is_reject([5], ref.ic_delete_canister_(ref.ic00, cid))
    hold, release = message_hold(ref)
    grs1 = submit_prog(ref, cid, hold)
    is_pending_or_processing(await_known(ref, grs1))
    grs2 = stop_request(ref, cid)
    is_pending_or_processing(await_known(ref, grs2))
    assert status_of(ref, cid) == "stopping"
    is_reject([5], ref.ic_delete_canister_(ref.ic00, cid))
    release()
    assert is_reply(await_status(ref, grs1)) == b""
    assert is_reply(await_status(ref, grs2)) == EMPTY_CANDID
    assert status_of(ref, cid) == "stopped"
    ref.ic_delete_canister(ref.ic00, cid)
    # Cannot call (inter-canister)?
    cid2 = ref.install(noop)
    is_reject([3], is_relay(ref.call(cid2, uc.inter_update(cid))))
    is_reject([3], ref.query_(cid, uc.reply))
    is_err_or_reject([3, 5], ref.ic_canister_status_(ref.ic00, cid))
    is_err_or_reject([3, 5], ref.ic_delete_canister_(ref.ic00, cid))


@ref_test(RC + "canister lifecycle (wrong controller)")
def test_canister_lifecycle_wrong_controller(ref):
    cid = ref.install(noop)
    other = ref.ic00_as(OTHER_USER)
    is_err_or_reject([3, 5], ref.ic_start_canister_(other, cid))
    is_err_or_reject([3, 5], ref.ic_stop_canister_(other, cid))
    is_err_or_reject([3, 5], ref.ic_canister_status_(other, cid))
    is_err_or_reject([3, 5], ref.ic_delete_canister_(other, cid))
    assert status_of(ref, cid) == "running"


# ------------------------------------------------------------------ aaaaa-aa from a canister


@ref_test(RC + "aaaaa-aa (inter-canister)")
def test_management_inter_canister(ref):
    cid = ref.install(noop)
    cid2 = ref.install(noop)
    via, via2 = ref.ic00via(cid), ref.ic00via(cid2)
    can_id = ref.ic_provisional_create(via)
    ref.ic_install(via, "install", can_id, TRIVIAL_WASM_MODULE, b"")
    is_reject([3, 5], ref.ic_install_(via, "install", can_id, TRIVIAL_WASM_MODULE, b""))
    ref.ic_install(via, "reinstall", can_id, TRIVIAL_WASM_MODULE, b"")
    ref.ic_install(via, "reinstall", can_id, gzip.compress(TRIVIAL_WASM_MODULE), b"")
    # Reinstall as wrong user
    is_reject([3, 5], ref.ic_install_(via2, "reinstall", can_id, TRIVIAL_WASM_MODULE, b""))
    ref.ic_install(via, "upgrade", can_id, TRIVIAL_WASM_MODULE, b"")
    ref.ic_set_controllers(via, can_id, [cid2])
    # Change controller (with wrong controller)
    is_reject([3, 5], ref.ic_set_controllers_(via, can_id, [cid2]))
    ref.ic_install(via2, "reinstall", can_id, TRIVIAL_WASM_MODULE, b"")
    can_id2 = ref.ic_provisional_create(via)
    # Reinstall on empty
    ref.ic_install(via, "reinstall", can_id2, TRIVIAL_WASM_MODULE, b"")


@ref_test(RC + "aaaaa-aa (inter-canister, large)")
def test_management_inter_canister_large(ref):
    # The universal canister's module is the large argument of this install.
    cid = ref.install(noop)
    can_id = ref.ic_provisional_create(ref.ic00via(cid))
    ref.ic_install(ref.ic00via(cid), "install", can_id, ref.wasm, b"")
    assert ref.call(can_id, uc.reply_data(b"Hi")) == b"Hi"


@ref_test(RC + "randomness")
def test_randomness(ref):
    cid = ref.install(noop)
    r1 = ref.ic_raw_rand(ref.ic00via(cid))
    r2 = ref.ic_raw_rand(ref.ic00via(cid))
    assert len(r1) == 32 and len(r2) == 32
    assert r1 != r2
