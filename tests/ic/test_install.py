"""install / reinstall / upgrade / uninstall: what survives, atomicity."""

from __future__ import annotations

from ic_helpers import P, global_of, reject_of, spec

from pyic.ic.universal import UNIVERSAL_WASM

W = UNIVERSAL_WASM


def prepare(pic, uc):
    """Heap data, stable data, certified data and a timer in ``uc``."""
    pic.universal_update(uc, P().set_global(b"heap").stable_grow(1).stable_write(0, b"stable")
                         .set_certified_data(b"cert").set_global_timer(pic.ic.time + 10**12)
                         .debug_print("old log").reply())


def stable(pic, uc, n=6):
    return pic.get_stable_memory(uc)[:n]


@spec("IC Management Canister: Code installation")
def test_install_runs_init(pic):
    cid = pic.create_canister()
    pic.install_code(cid, W, P().set_global(b"from init").bytes())
    assert global_of(pic, cid) == b"from init"


@spec("IC Management Canister: Code installation")
def test_install_init_sees_installer_as_caller(pic):
    cid = pic.create_canister()
    pic.install_code(cid, W, P().append_caller().bytes())   # harmless: init may not reply
    pic.install_code is not None
    assert pic.canister_status(cid)["module_hash"] is not None


@spec("IC Management Canister: Code installation")
def test_install_on_nonempty_rejected(pic, uc):
    r = reject_of(pic.install_code, uc, W, b"")
    assert r.reject_code == 5 and r.error_code == "IC0538"


@spec("IC Management Canister: Code installation")
def test_install_trapping_init_leaves_canister_empty(pic):
    cid = pic.create_canister()
    r = reject_of(pic.install_code, cid, W, P().set_global(b"x").trap("init fails").bytes())
    assert r.reject_code == 5 and "init fails" in r.message
    assert pic.canister_status(cid)["module_hash"] is None


@spec("IC Management Canister: Code installation")
def test_install_init_cannot_reply(pic):
    cid = pic.create_canister()
    r = reject_of(pic.install_code, cid, W, P().reply().bytes())
    assert r.reject_code == 5


@spec("IC Management Canister: Code installation")
def test_install_invalid_module(pic):
    cid = pic.create_canister()
    r = reject_of(pic.install_code, cid, b"not a module", b"")
    assert r.reject_code == 5 and r.error_code == "IC0505"


@spec("IC Management Canister: Code installation")
def test_install_sets_certified_data_and_timer_from_init(pic):
    cid = pic.create_canister()
    pic.install_code(cid, W, P().set_certified_data(b"c0").set_global_timer(123).bytes())
    c = pic.ic.state.canisters[cid.bytes]
    assert c.certified_data == b"c0" and c.global_timer == 123


@spec("IC Management Canister: Code installation")
def test_install_bumps_version(pic):
    cid = pic.create_canister()
    pic.install_code(cid, W, b"")
    assert pic.canister_status(cid)["version"] == 1


@spec("IC Management Canister: Code installation")
def test_reinstall_clears_heap_and_stable(pic, uc):
    prepare(pic, uc)
    pic.reinstall_code(uc, W, b"")
    assert global_of(pic, uc) == b""
    assert pic.get_stable_memory(uc) == b""


@spec("IC Management Canister: Code installation")
def test_reinstall_resets_certified_data_timer_and_logs(pic, uc):
    prepare(pic, uc)
    pic.reinstall_code(uc, W, b"")
    c = pic.ic.state.canisters[uc]
    assert c.certified_data == b"" and c.global_timer == 0
    assert pic.fetch_canister_logs(uc) == []


@spec("IC Management Canister: Code installation")
def test_reinstall_runs_init_not_pre_upgrade(pic, uc):
    pic.universal_update(uc, P().on_pre_upgrade(P().trap("pre")).reply())
    pic.reinstall_code(uc, W, P().set_global(b"re").bytes())
    assert global_of(pic, uc) == b"re"


@spec("IC Management Canister: Code installation")
def test_reinstall_trap_keeps_old_state(pic, uc):
    prepare(pic, uc)
    reject_of(pic.reinstall_code, uc, W, P().trap().bytes())
    assert global_of(pic, uc) == b"heap" and stable(pic, uc) == b"stable"


@spec("IC Management Canister: Code installation")
def test_reinstall_keeps_balance_controllers_settings(pic, uc):
    pic.update_canister_settings(uc, {"freezing_threshold": 99})
    b = pic.get_cycles_balance(uc)
    pic.reinstall_code(uc, W, b"")
    assert pic.canister_status(uc)["settings"]["freezing_threshold"] == 99
    assert b - pic.get_cycles_balance(uc) < 10**6


@spec("IC Management Canister: Code upgrade")
def test_upgrade_keeps_stable_clears_heap(pic, uc):
    prepare(pic, uc)
    pic.upgrade_canister(uc, W, b"")
    assert stable(pic, uc) == b"stable"
    assert global_of(pic, uc) == b""


@spec("IC Management Canister: Code upgrade")
def test_upgrade_keeps_certified_data_and_logs(pic, uc):
    prepare(pic, uc)
    pic.upgrade_canister(uc, W, b"")
    assert pic.ic.state.canisters[uc].certified_data == b"cert"
    assert [r["content"] for r in pic.fetch_canister_logs(uc)] == [b"old log"]


@spec("IC Management Canister: Code upgrade")
def test_upgrade_resets_global_timer(pic, uc):
    prepare(pic, uc)
    pic.upgrade_canister(uc, W, b"")
    assert pic.ic.state.canisters[uc].global_timer == 0


@spec("IC Management Canister: Code upgrade")
def test_upgrade_post_upgrade_may_set_timer(pic, uc):
    pic.upgrade_canister(uc, W, P().set_global_timer(555).bytes())
    assert pic.ic.state.canisters[uc].global_timer == 555


@spec("IC Management Canister: Code upgrade")
def test_pre_upgrade_writes_stable_before_upgrade(pic, uc):
    pic.universal_update(uc, P().set_global(b"save me").stable_grow(1)
                         .on_pre_upgrade(P().stable_write(0, b"saved")).reply())
    pic.upgrade_canister(uc, W, b"")
    assert stable(pic, uc, 5) == b"saved"


@spec("IC Management Canister: Code upgrade")
def test_post_upgrade_reads_stable(pic, uc):
    pic.universal_update(uc, P().stable_grow(1).stable_write(0, b"abc").reply())
    pic.upgrade_canister(uc, W, P().set_global(b"restored:").bytes())
    assert global_of(pic, uc) == b"restored:"
    assert stable(pic, uc, 3) == b"abc"


@spec("IC Management Canister: Code upgrade")
def test_trapping_pre_upgrade_aborts_upgrade(pic, uc):
    prepare(pic, uc)
    pic.universal_update(uc, P().on_pre_upgrade(P().stable_write(0, b"XXXXXX").trap("pre no"))
                         .reply())
    v = pic.canister_status(uc)["version"]
    r = reject_of(pic.upgrade_canister, uc, W, P().set_global(b"new").bytes())
    assert r.reject_code == 5 and "pre no" in r.message
    assert global_of(pic, uc) == b"heap"
    assert stable(pic, uc) == b"stable"
    assert pic.canister_status(uc)["version"] == v


@spec("IC Management Canister: Code upgrade")
def test_skip_pre_upgrade(pic, uc):
    prepare(pic, uc)
    pic.universal_update(uc, P().on_pre_upgrade(P().trap("pre no")).reply())
    pic.upgrade_canister(uc, W, b"", skip_pre_upgrade=True)
    assert stable(pic, uc) == b"stable"


@spec("IC Management Canister: Code upgrade")
def test_trapping_post_upgrade_aborts_upgrade(pic, uc):
    prepare(pic, uc)
    pic.universal_update(uc, P().on_pre_upgrade(P().stable_write(0, b"PREPRE")).reply())
    r = reject_of(pic.upgrade_canister, uc, W, P().trap("post no").bytes())
    assert r.reject_code == 5 and "post no" in r.message
    assert stable(pic, uc) == b"stable"       # pre_upgrade's write rolled back too
    assert global_of(pic, uc) == b"heap"


@spec("IC Management Canister: Code upgrade")
def test_upgrade_keep_wasm_memory(pic, uc):
    prepare(pic, uc)
    pic.upgrade_canister(uc, W, b"", wasm_memory_persistence="keep")
    assert global_of(pic, uc) == b"heap"


@spec("IC Management Canister: Code upgrade")
def test_upgrade_replace_wasm_memory(pic, uc):
    prepare(pic, uc)
    pic.upgrade_canister(uc, W, b"", wasm_memory_persistence="replace")
    assert global_of(pic, uc) == b""


@spec("IC Management Canister: Code upgrade")
def test_upgrade_empty_canister_rejected(pic):
    cid = pic.create_canister()
    r = reject_of(pic.upgrade_canister, cid, W, b"")
    assert r.reject_code == 5 and r.error_code == "IC0537"


@spec("IC Management Canister: Code upgrade")
def test_upgrade_bumps_version_and_history(pic, uc):
    v = pic.canister_status(uc)["version"]
    pic.upgrade_canister(uc, W, b"")
    assert pic.canister_status(uc)["version"] == v + 1
    last = pic.canister_info(uc, 1)["recent_changes"][0]
    assert last["details"]["code_deployment"]["mode"] == "upgrade"
    assert last["canister_version"] == v + 1


@spec("IC Management Canister: Code upgrade")
def test_upgrade_pre_upgrade_sees_controller_as_caller(pic, uc):
    pic.universal_update(uc, P().stable_grow(1).on_pre_upgrade(P().trap()).reply())
    r = reject_of(pic.upgrade_canister, uc, W, b"")
    assert "pre_upgrade" in r.message


@spec("IC Management Canister: Code upgrade")
def test_upgrade_of_stopped_canister(pic, uc):
    prepare(pic, uc)
    pic.stop_canister(uc)
    pic.upgrade_canister(uc, W, b"")
    pic.start_canister(uc)
    assert stable(pic, uc) == b"stable"


@spec("IC Management Canister: Code uninstallation")
def test_uninstall_empties_canister(pic, uc):
    prepare(pic, uc)
    pic.upload_chunk(uc, b"chunk")
    pic.uninstall_code(uc)
    c = pic.ic.state.canisters[uc]
    assert c.can_state is None and c.certified_data == b"" and c.global_timer == 0
    assert pic.stored_chunks(uc) == []
    assert pic.canister_status(uc)["module_hash"] is None
    assert pic.check_canister_exists(uc)


@spec("IC Management Canister: Code uninstallation")
def test_uninstall_rejects_open_contexts(pic, uc, uc2):
    from pyic.candid import Principal, Record, encode
    from pyic.ic.management.args import interface, method_types
    # uc2 is controlled by uc2 itself and the user; uc calls uc2, which uninstalls itself
    pic.set_controllers(uc2, [pic.sender, uc2])
    arg = encode((Record.of(canister_id=Principal(uc2), sender_canister_version=None),),
                 method_types("uninstall_code")[0], interface().env)
    out = pic.universal_update(uc, P().call(uc2, "update", P().call(b"", "uninstall_code", arg),
                                            cycles=44, on_reply=P().append(b"replied").reply(),
                                            on_reject=P().append_reject_code().append(b"/")
                                            .append_refunded().reply()))
    assert out == b"4/44"
    assert pic.ic.state.canisters[uc2].can_state is None


@spec("IC Management Canister: Code uninstallation")
def test_uninstall_keeps_balance_and_controllers(pic, uc):
    b = pic.get_cycles_balance(uc)
    pic.uninstall_code(uc)
    assert pic.get_cycles_balance(uc) == b
    assert pic.get_controllers(uc) == [pic.get_controllers(uc)[0]]


@spec("IC Management Canister: Code uninstallation")
def test_install_after_uninstall(pic, uc):
    pic.uninstall_code(uc)
    pic.install_code(uc, W, P().set_global(b"again").bytes())
    assert global_of(pic, uc) == b"again"


@spec("IC Management Canister: Code installation")
def test_install_by_canister_controller(pic, uc):
    from pyic.candid import Principal, Record, Variant, encode
    from pyic.ic.management.args import interface, method_types
    child = pic.create_canister(settings={"controllers": [uc]})
    arg = encode((Record.of(mode=Variant.of("install"), canister_id=child, wasm_module=W,
                            arg=P().set_global(b"by canister").bytes(),
                            sender_canister_version=None),),
                 method_types("install_code")[0], interface().env)
    out = pic.universal_update(uc, P().call(b"", "install_code", arg,
                                            on_reply=P().append(b"ok").reply(),
                                            on_reject=P().append_reject_message().reply()))
    assert out == b"ok"
    assert global_of(pic, child) == b"by canister"
    origin = pic.canister_info(child, 1)["recent_changes"][0]["origin"]
    assert origin["from_canister"]["canister_id"] == Principal(uc)


@spec("IC Management Canister: Code installation")
def test_wasm_memory_limit_enforced_on_update(pic, uc):
    pic.update_canister_settings(uc, {"wasm_memory_limit": 1000})
    r = reject_of(pic.universal_update, uc, P().grow_heap(5000).reply())
    assert r.reject_code == 5 and "limit" in r.message
