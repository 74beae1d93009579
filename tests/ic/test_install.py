"""install / reinstall / upgrade / uninstall: what survives, atomicity."""

from __future__ import annotations

from ic_helpers import global_of, reject_of, spec

from pyic.candid import Principal
from pyic.universal import (
    api_global_timer_set, bytes_, caller, callback, cat, debug_print, get_refund, i2b, i64tob,
    ignore, int64, memory_size_is_at_least, on_pre_upgrade, reject_code, reject_msg, reply,
    reply_data, reply_data_append, set_certified_data, set_global, stable64_grow, stable64_read,
    stable64_write, trap, universal_canister_wasm, update_call,
)

from principals import USER

W = universal_canister_wasm()
MIB = 1 << 20
EOP = "icp:private enhanced-orthogonal-persistence"


def le32(n: int) -> bytes:
    return n.to_bytes(4, "little")


def le64(n: int) -> bytes:
    return n.to_bytes(8, "little")


def with_custom_section(wasm: bytes, name: str, data: bytes = b"") -> bytes:
    """``wasm`` with a custom section (id 0) appended."""
    def leb(n: int) -> bytes:
        out = bytearray()
        while True:
            b, n = n & 0x7F, n >> 7
            out.append(b | (0x80 if n else 0))
            if not n:
                return bytes(out)
    body = leb(len(name.encode())) + name.encode() + data
    return wasm + b"\x00" + leb(len(body)) + body


def grow_stable_and_write(offset: int, data: bytes):
    return ignore(stable64_grow(int64(1))) >> stable64_write(int64(offset), bytes_(data))


def prepare(pic, uc):
    """Heap data, stable data, certified data, a timer and a log entry in ``uc``."""
    pic.universal_update(uc, set_global(bytes_(b"heap")) >> grow_stable_and_write(0, b"stable")
                         >> set_certified_data(bytes_(b"cert"))
                         >> ignore(api_global_timer_set(int64(pic.ic.time + 10**12)))
                         >> debug_print(bytes_(b"old log")) >> reply)


def stable(pic, uc, n=6):
    return pic.get_stable_memory(uc)[:n]


def wasm_memory_size(pic, cid) -> int:
    return pic.canister_status(cid)["memory_metrics"]["wasm_memory_size"]


@spec("IC Management Canister: Code installation")
def test_install_runs_init(pic):
    cid = pic.create_canister()
    pic.install_code(cid, W, set_global(bytes_(b"from init")))
    assert global_of(pic, cid) == b"from init"


@spec("IC Management Canister: Code installation")
def test_install_init_sees_installer_as_caller(pic):
    cid = pic.create_canister()
    pic.install_code(cid, W, set_global(caller))   # init may not reply: it keeps the caller
    assert global_of(pic, cid) == USER
    assert pic.canister_status(cid)["module_hash"] is not None


@spec("IC Management Canister: Code installation")
def test_install_on_nonempty_rejected(pic, uc):
    r = reject_of(pic.install_code, uc, W, b"")
    assert r.reject_code == 5 and r.error_code == "IC0538"


@spec("IC Management Canister: Code installation")
def test_install_trapping_init_leaves_canister_empty(pic):
    cid = pic.create_canister()
    r = reject_of(pic.install_code, cid, W, set_global(bytes_(b"x")) >> trap(bytes_(b"init fails")))
    assert r.reject_code == 5 and "init fails" in r.message
    assert pic.canister_status(cid)["module_hash"] is None


@spec("IC Management Canister: Code installation")
def test_install_init_cannot_reply(pic):
    cid = pic.create_canister()
    r = reject_of(pic.install_code, cid, W, reply)
    assert r.reject_code == 5
    assert pic.canister_status(cid)["module_hash"] is None


@spec("IC Management Canister: Code installation")
def test_install_invalid_module(pic):
    cid = pic.create_canister()
    r = reject_of(pic.install_code, cid, b"not a module", b"")
    assert r.reject_code == 5 and r.error_code == "IC0505"


@spec("IC Management Canister: Code installation")
def test_install_sets_certified_data_and_timer_from_init(pic):
    cid = pic.create_canister()
    pic.install_code(cid, W, set_certified_data(bytes_(b"c0"))
                     >> ignore(api_global_timer_set(int64(123))))
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
    pic.universal_update(uc, on_pre_upgrade(callback(trap(bytes_(b"pre")))) >> reply)
    pic.reinstall_code(uc, W, set_global(bytes_(b"re")))
    assert global_of(pic, uc) == b"re"


@spec("IC Management Canister: Code installation")
def test_reinstall_trap_keeps_old_state(pic, uc):
    prepare(pic, uc)
    reject_of(pic.reinstall_code, uc, W, set_global(bytes_(b"new")) >> trap(bytes_(b"no")))
    assert global_of(pic, uc) == b"heap" and stable(pic, uc) == b"stable"


@spec("IC Management Canister: Code installation")
def test_reinstall_keeps_balance_controllers_settings(pic, uc):
    pic.update_canister_settings(uc, {"freezing_threshold": 99})
    pic.add_cycles(uc, 7 * 10**12)           # a balance no fresh canister has
    b = pic.get_cycles_balance(uc)
    pic.reinstall_code(uc, W, b"")
    assert pic.canister_status(uc)["settings"]["freezing_threshold"] == 99
    assert pic.get_controllers(uc) == [Principal(USER)]
    # ``New_balance = S.balances[A] - Cycles_used``: only the init's execution is charged,
    # and it cannot cost more than the install instruction limit allows
    cfg = pic.ic.cfg
    assert 0 <= b - pic.get_cycles_balance(uc) \
        <= cfg.execution_cost(cfg.max_instructions_per_install_code)


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
    pic.upgrade_canister(uc, W, ignore(api_global_timer_set(int64(555))))
    assert pic.ic.state.canisters[uc].global_timer == 555


@spec("IC Management Canister: Code upgrade")
def test_pre_upgrade_writes_stable_before_upgrade(pic, uc):
    pic.universal_update(uc, set_global(bytes_(b"save me")) >> ignore(stable64_grow(int64(1)))
                         >> on_pre_upgrade(callback(stable64_write(int64(0), bytes_(b"saved"))))
                         >> reply)
    pic.upgrade_canister(uc, W, b"")
    assert stable(pic, uc, 5) == b"saved"


@spec("IC Management Canister: Code upgrade")
def test_post_upgrade_reads_stable(pic, uc):
    pic.universal_update(uc, grow_stable_and_write(0, b"abc") >> reply)
    pic.upgrade_canister(uc, W, set_global(cat(bytes_(b"restored:"),
                                               stable64_read(int64(0), int64(3)))))
    assert global_of(pic, uc) == b"restored:abc"
    assert stable(pic, uc, 3) == b"abc"


@spec("IC Management Canister: Code upgrade")
def test_trapping_pre_upgrade_aborts_upgrade(pic, uc):
    prepare(pic, uc)
    pic.universal_update(uc, on_pre_upgrade(callback(stable64_write(int64(0), bytes_(b"XXXXXX"))
                                                     >> trap(bytes_(b"pre no")))) >> reply)
    v = pic.canister_status(uc)["version"]
    r = reject_of(pic.upgrade_canister, uc, W, set_global(bytes_(b"new")))
    assert r.reject_code == 5 and "pre no" in r.message
    assert global_of(pic, uc) == b"heap"
    assert stable(pic, uc) == b"stable"
    assert pic.canister_status(uc)["version"] == v


@spec("IC Management Canister: Code upgrade")
def test_skip_pre_upgrade(pic, uc):
    prepare(pic, uc)
    pic.universal_update(uc, on_pre_upgrade(callback(trap(bytes_(b"pre no")))) >> reply)
    pic.upgrade_canister(uc, W, b"", skip_pre_upgrade=True)
    assert stable(pic, uc) == b"stable"


@spec("IC Management Canister: Code upgrade")
def test_trapping_post_upgrade_aborts_upgrade(pic, uc):
    prepare(pic, uc)
    pic.universal_update(uc, on_pre_upgrade(callback(stable64_write(int64(0), bytes_(b"PREPRE"))))
                         >> reply)
    r = reject_of(pic.upgrade_canister, uc, W, trap(bytes_(b"post no")))
    assert r.reject_code == 5 and "post no" in r.message
    assert stable(pic, uc) == b"stable"       # pre_upgrade's write rolled back too
    assert global_of(pic, uc) == b"heap"


# The universal canister keeps its data structures' roots in Wasm globals, which an
# upgrade resets to the module's initial values even when the memory is kept; what
# "the WebAssembly memory is preserved" leaves observable is the memory itself: its size.

@spec("IC Management Canister: Code upgrade")
def test_upgrade_keep_wasm_memory(pic, uc):
    prepare(pic, uc)
    pic.universal_update(uc, memory_size_is_at_least(int64(4 * MIB)) >> reply)
    assert wasm_memory_size(pic, uc) >= 4 * MIB
    pic.upgrade_canister(uc, with_custom_section(W, EOP), b"", wasm_memory_persistence="keep")
    assert wasm_memory_size(pic, uc) >= 4 * MIB
    # ``globals = Mod.initial_globals``: the canister starts over from its roots, and runs
    assert global_of(pic, uc) == b""
    assert stable(pic, uc) == b"stable"


@spec("IC Management Canister: Code upgrade")
def test_upgrade_keep_needs_eop_module(pic, uc):
    prepare(pic, uc)
    r = reject_of(pic.upgrade_canister, uc, W, b"", wasm_memory_persistence="keep")
    assert r.reject_code == 5
    assert global_of(pic, uc) == b"heap"


@spec("IC Management Canister: Code upgrade")
def test_upgrade_replace_wasm_memory(pic, uc):
    prepare(pic, uc)
    pic.universal_update(uc, memory_size_is_at_least(int64(4 * MIB)) >> reply)
    pic.upgrade_canister(uc, with_custom_section(W, EOP), b"", wasm_memory_persistence="replace")
    assert global_of(pic, uc) == b""
    assert wasm_memory_size(pic, uc) < 4 * MIB


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
    # ``Old_module.pre_upgrade(Old_State, M.caller, Env1)``: the controller upgrading it
    pic.universal_update(uc, ignore(stable64_grow(int64(1)))
                         >> on_pre_upgrade(callback(stable64_write(int64(0), caller))) >> reply)
    pic.upgrade_canister(uc, W, b"")
    assert stable(pic, uc, len(USER)) == USER


@spec("IC Management Canister: Code upgrade")
def test_upgrade_trapping_pre_upgrade_names_it(pic, uc):
    pic.universal_update(uc, on_pre_upgrade(callback(trap(bytes_(b"x")))) >> reply)
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
    out = pic.universal_update(uc, update_call(
        uc2, "update", arg=update_call(b"", "uninstall_code", arg=arg).bytes(), cycles=44,
        on_reply=reply_data(bytes_(b"replied")),
        on_reject=reply_data_append(i2b(reject_code)) >> reply_data_append(bytes_(b"/"))
        >> reply_data(i64tob(get_refund))))
    assert out == le32(4) + b"/" + le64(44)
    assert pic.ic.state.canisters[uc2].can_state is None


@spec("IC Management Canister: Code uninstallation")
def test_uninstall_keeps_balance_and_controllers(pic, uc):
    b = pic.get_cycles_balance(uc)
    pic.uninstall_code(uc)
    assert pic.get_cycles_balance(uc) == b
    assert pic.get_controllers(uc) == [Principal(USER)]


@spec("IC Management Canister: Code uninstallation")
def test_install_after_uninstall(pic, uc):
    pic.uninstall_code(uc)
    pic.install_code(uc, W, set_global(bytes_(b"again")))
    assert global_of(pic, uc) == b"again"


@spec("IC Management Canister: Code installation")
def test_install_by_canister_controller(pic, uc):
    from pyic.candid import Principal, Record, Variant, encode
    from pyic.ic.management.args import interface, method_types
    child = pic.create_canister(settings={"controllers": [uc]})
    arg = encode((Record.of(mode=Variant.of("install"), canister_id=child, wasm_module=W,
                            arg=set_global(bytes_(b"by canister")).bytes(),
                            sender_canister_version=None),),
                 method_types("install_code")[0], interface().env)
    out = pic.universal_update(uc, update_call(b"", "install_code", arg=arg,
                                               on_reply=reply_data(bytes_(b"ok")),
                                               on_reject=reply_data(reject_msg)))
    assert out == b"ok"
    assert global_of(pic, child) == b"by canister"
    origin = pic.canister_info(child, 1)["recent_changes"][0]["origin"]
    assert origin["from_canister"]["canister_id"] == Principal(uc)


@spec("IC Management Canister: Code installation")
def test_wasm_memory_limit_enforced_on_update(pic, uc):
    # ``(Wasm_memory_limit = 0) or |res.new_state.wasm_memory| <= Wasm_memory_limit``
    pic.update_canister_settings(uc, {"wasm_memory_limit": 4 * MIB})
    r = reject_of(pic.universal_update, uc, memory_size_is_at_least(int64(8 * MIB)) >> reply)
    assert r.reject_code == 5 and "limit" in r.message
    assert wasm_memory_size(pic, uc) <= 4 * MIB
