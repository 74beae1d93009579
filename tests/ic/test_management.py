"""The management canister: access control, settings, status, information,
history, randomness, chunked code, logs, unsupported methods."""

from __future__ import annotations

import hashlib

import pytest
from ic_helpers import global_of, reject_of, spec

from pyic.candid import Principal, Record, decode, encode
from pyic.ic.management.args import interface, method_types
from pyic.testing import to_python
from pyic.universal import (
    arg_data, bytes_, debug_print, i2b, ignore, int64, is_controller, reject_code, reject_msg,
    reply, reply_data, reply_data_append, set_global, stable64_grow, universal_canister_wasm,
    update_call,
)

from principals import OTHER, USER

UNIVERSAL_WASM = universal_canister_wasm()


def arg(method, **fields):
    return encode((Record.of(**fields),), method_types(method)[0], interface().env)


def result(method, data):
    return to_python(decode(data, method_types(method)[1], interface().env)[0])


def via_canister(pic, caller, method, argument, cycles=0):
    """Call aaaaa-aa from canister ``caller``; (reply bytes, None) or (None, (code, message))."""
    out = pic.universal_update(caller, update_call(
        b"", method, arg=argument, cycles=cycles,
        on_reply=reply_data_append(bytes_(b"OK")) >> reply_data(arg_data),
        on_reject=reply_data_append(bytes_(b"NO")) >> reply_data_append(i2b(reject_code))
        >> reply_data(reject_msg)))
    if out.startswith(b"OK"):
        return out[2:], None
    assert out.startswith(b"NO")
    return None, (int.from_bytes(out[2:6], "little"), out[6:].decode())


CONTROLLER_ONLY = [
    ("update_settings", lambda c: dict(canister_id=c, settings=Record.of())),
    ("install_code", lambda c: dict(mode=__import__("pyic.candid", fromlist=["Variant"])
                                    .Variant.of("reinstall"), canister_id=c,
                                    wasm_module=UNIVERSAL_WASM, arg=b"")),
    ("uninstall_code", lambda c: dict(canister_id=c)),
    ("stop_canister", lambda c: dict(canister_id=c)),
    ("start_canister", lambda c: dict(canister_id=c)),
    ("delete_canister", lambda c: dict(canister_id=c)),
    ("upload_chunk", lambda c: dict(canister_id=c, chunk=b"x")),
    ("stored_chunks", lambda c: dict(canister_id=c)),
    ("clear_chunk_store", lambda c: dict(canister_id=c)),
    ("take_canister_snapshot", lambda c: dict(canister_id=c)),
    ("list_canister_snapshots", lambda c: dict(canister_id=c)),
    ("canister_status", lambda c: dict(canister_id=c)),
]


@spec("API Request submission")
@pytest.mark.parametrize("method,fields", CONTROLLER_ONLY, ids=[m for m, _ in CONTROLLER_ONLY])
def test_controllers_only_by_ingress(pic, uc, method, fields):
    r = reject_of(pic.update_call, None, method, arg(method, **fields(Principal(uc))),
                  sender=OTHER)
    assert r.reject_code == 5 and r.error_code == "IC0512"
    assert Principal(uc).to_text() in r.message
    assert Principal(OTHER).to_text() in r.message
    assert Principal(USER).to_text() in r.message          # the controllers are listed


@spec("IC Management Canister: Changing settings")
@pytest.mark.parametrize("method,fields", CONTROLLER_ONLY, ids=[m for m, _ in CONTROLLER_ONLY])
def test_controllers_only_by_canister(pic, uc, uc2, method, fields):
    _, rejected = via_canister(pic, uc2, method, arg(method, **fields(Principal(uc))))
    assert rejected is not None
    code, message = rejected
    assert code == 5
    assert Principal(uc).to_text() in message and Principal(uc2).to_text() in message


@spec("IC Management Canister: Changing settings")
def test_controller_canister_may_manage(pic, uc):
    child = pic.create_canister(settings={"controllers": [uc]})
    data, rejected = via_canister(pic, uc, "canister_status",
                                  arg("canister_status", canister_id=child))
    assert rejected is None
    assert result("canister_status", data)["status"] == "running"


@spec("IC Management Canister: Canister creation")
def test_create_canister_from_canister(pic, uc):
    fee = pic.ic.cfg.canister_creation_fee
    data, rejected = via_canister(pic, uc, "create_canister",
                                  arg("create_canister", settings=None,
                                      sender_canister_version=None), cycles=fee + 1000)
    assert rejected is None
    child = result("create_canister", data)["canister_id"]
    assert pic.get_cycles_balance(child) == 1000
    assert pic.get_controllers(child) == [Principal(uc)]


@spec("IC Management Canister: Canister creation")
def test_create_canister_needs_fee(pic, uc):
    _, rejected = via_canister(pic, uc, "create_canister",
                               arg("create_canister", settings=None,
                                   sender_canister_version=None), cycles=10)
    assert rejected is not None and rejected[0] == 4


@spec("IC Management Canister: Canister creation")
def test_create_canister_not_by_ingress(pic):
    r = reject_of(pic.update_call, None, "create_canister",
                  arg("create_canister", settings=None, sender_canister_version=None))
    assert r.reject_code in (4, 5)


@spec("IC Management Canister: Canister creation with cycles")
def test_provisional_create_defaults(pic):
    cid = pic.create_canister()
    st = pic.canister_status(cid)
    assert st["status"] == "running"
    assert st["module_hash"] is None
    assert st["settings"]["controllers"] == [Principal(USER)]
    assert st["settings"]["freezing_threshold"] == 2_592_000
    assert st["version"] == 0


@spec("IC Management Canister: Canister creation with cycles")
def test_provisional_create_with_amount(pic):
    cid = pic.create_canister(cycles=12345)
    assert pic.get_cycles_balance(cid) == 12345


@spec("IC Management Canister: Canister creation with cycles")
def test_provisional_create_specified_id(pic):
    want = Principal.from_canister_id(77)
    assert pic.create_canister(specified_id=want) == want
    r = reject_of(pic.create_canister, specified_id=want)
    assert r.reject_code == 5 and r.error_code == "IC0205"


@spec("IC Management Canister: Canister creation with cycles")
def test_fresh_ids_are_distinct(pic):
    ids = {pic.create_canister() for _ in range(5)}
    assert len(ids) == 5


@spec("IC Management Canister: Canister creation with cycles")
def test_create_with_settings(pic):
    cid = pic.create_canister(settings={"controllers": [OTHER, USER], "freezing_threshold": 7,
                                        "compute_allocation": 3})
    s = pic.canister_status(cid)["settings"]
    assert s["freezing_threshold"] == 7 and s["compute_allocation"] == 3
    assert set(s["controllers"]) == {Principal(OTHER), Principal(USER)}


@spec("IC Management Canister: Changing settings")
def test_update_every_setting(pic, uc):
    settings = {"controllers": [USER, OTHER], "compute_allocation": 5,
                "memory_allocation": 1 << 20, "freezing_threshold": 1000,
                "reserved_cycles_limit": 10**12, "minimum_incoming_canister_call_cycles": 9,
                "log_visibility": "public", "snapshot_visibility": "public",
                "status_visibility": {"allowed_viewers": [OTHER]},
                "wasm_memory_limit": 1 << 30, "wasm_memory_threshold": 1 << 10,
                "environment_variables": {"A": "1", "B": "2"}}
    pic.update_canister_settings(uc, settings)
    s = pic.canister_status(uc)["settings"]
    assert s["compute_allocation"] == 5 and s["memory_allocation"] == 1 << 20
    assert s["freezing_threshold"] == 1000 and s["reserved_cycles_limit"] == 10**12
    assert s["minimum_incoming_canister_call_cycles"] == 9
    assert s["log_visibility"] == "public" and s["snapshot_visibility"] == "public"
    assert s["status_visibility"] == {"allowed_viewers": [Principal(OTHER)]}
    assert s["wasm_memory_limit"] == 1 << 30 and s["wasm_memory_threshold"] == 1 << 10
    assert s["environment_variables"] == [{"name": "A", "value": "1"},
                                          {"name": "B", "value": "2"}]


@spec("IC Management Canister: Changing settings")
def test_absent_settings_unchanged(pic, uc):
    pic.update_canister_settings(uc, {"freezing_threshold": 11})
    pic.update_canister_settings(uc, {"compute_allocation": 1})
    assert pic.canister_status(uc)["settings"]["freezing_threshold"] == 11


@spec("IC Management Canister: Changing settings")
def test_set_controllers_hands_over_control(pic, uc):
    pic.set_controllers(uc, [OTHER])
    assert pic.get_controllers(uc) == [Principal(OTHER)]
    r = reject_of(pic.canister_status, uc)
    assert r.error_code == "IC0512"
    assert pic.canister_status(uc, sender=OTHER)["status"] == "running"


@spec("IC Management Canister: Changing settings")
def test_too_many_controllers_rejected(pic, uc):
    many = [Principal.from_canister_id(1000 + i) for i in range(11)]
    r = reject_of(pic.set_controllers, uc, many)
    assert r.reject_code == 5


@spec("IC Management Canister: Changing settings")
def test_compute_allocation_over_100_rejected(pic, uc):
    r = reject_of(pic.update_canister_settings, uc, {"compute_allocation": 101})
    assert r.reject_code == 5


@spec("IC Management Canister: Changing settings")
def test_update_settings_bumps_version(pic, uc):
    v0 = pic.canister_status(uc)["version"]
    pic.update_canister_settings(uc, {"freezing_threshold": 5})
    assert pic.canister_status(uc)["version"] == v0 + 1


@spec("IC Management Canister: Changing settings")
def test_controllers_visible_to_canister(pic, uc):
    def sees_as_controller(who) -> bool:
        out = pic.universal_update(uc, reply_data(i2b(is_controller(bytes_(who)))))
        return int.from_bytes(out, "little") == 1
    assert sees_as_controller(USER) and not sees_as_controller(OTHER)
    pic.set_controllers(uc, [USER, OTHER])
    assert sees_as_controller(USER) and sees_as_controller(OTHER)
    data, rejected = via_canister(pic, uc, "canister_status",
                                  arg("canister_status", canister_id=Principal(uc)))
    assert rejected is None
    assert set(result("canister_status", data)["settings"]["controllers"]) == \
        {Principal(USER), Principal(OTHER)}


@spec("IC Management Canister: Canister status")
def test_status_public_visibility(pic, uc):
    pic.update_canister_settings(uc, {"status_visibility": "public"})
    assert pic.canister_status(uc, sender=OTHER)["status"] == "running"


@spec("IC Management Canister: Canister status")
def test_status_allowed_viewers(pic, uc):
    pic.update_canister_settings(uc, {"status_visibility": {"allowed_viewers": [OTHER]}})
    assert pic.canister_status(uc, sender=OTHER)["status"] == "running"
    r = reject_of(pic.canister_status, uc, sender=b"\x55\x02")
    assert r.error_code == "IC0512"


@spec("IC Management Canister: Canister status")
def test_status_fields(pic, uc):
    pic.universal_update(uc, ignore(stable64_grow(int64(2))) >> reply)
    st = pic.canister_status(uc)
    assert st["module_hash"] == hashlib.sha256(UNIVERSAL_WASM).digest()
    assert st["memory_metrics"]["stable_memory_size"] == 2 * 65536
    assert st["memory_size"] >= 2 * 65536
    assert st["reserved_cycles"] == 0


@spec("IC Management Canister: Canister status")
def test_canister_may_read_own_status(pic, uc):
    data, rejected = via_canister(pic, uc, "canister_status", arg("canister_status",
                                                                  canister_id=Principal(uc)))
    assert rejected is None
    assert result("canister_status", data)["status"] == "running"


@spec("IC Management Canister: Canister status")
def test_status_of_missing_canister(pic):
    r = reject_of(pic.canister_status, Principal.from_canister_id(999))
    assert r.reject_code == 3 and r.error_code == "IC0301"


@spec("IC Management Canister: Canister information")
def test_canister_info_history(pic, uc):
    pic.set_controllers(uc, [USER, OTHER])
    info = pic.canister_info(uc, 10)
    kinds = [next(iter(ch["details"])) if isinstance(ch["details"], dict) else ch["details"]
             for ch in info["recent_changes"]]
    assert kinds == ["creation", "code_deployment", "controllers_change"]
    assert info["total_num_changes"] == 3
    assert info["module_hash"] == hashlib.sha256(UNIVERSAL_WASM).digest()


@spec("IC Management Canister: Canister information")
def test_canister_info_change_versions(pic, uc):
    info = pic.canister_info(uc, 10)
    versions = [ch["canister_version"] for ch in info["recent_changes"]]
    # a change records the canister version it produced (0 at creation, 1 after install)
    assert versions == [0, 1]


@spec("IC Management Canister: Canister information")
def test_canister_info_from_canister(pic, uc, uc2):
    data, rejected = via_canister(pic, uc2, "canister_info",
                                  arg("canister_info", canister_id=Principal(uc),
                                      num_requested_changes=None))
    assert rejected is None
    info = result("canister_info", data)
    assert info["recent_changes"] == [] and info["total_num_changes"] == 2
    assert info["controllers"] == [Principal(USER)]


@spec("IC Management Canister: Canister information")
def test_canister_info_not_by_ingress(pic, uc):
    r = reject_of(pic.update_call, None, "canister_info",
                  arg("canister_info", canister_id=Principal(uc), num_requested_changes=None))
    assert r.reject_code in (4, 5)


@spec("IC Management Canister: Canister information")
def test_canister_info_origin_of_canister_change(pic, uc):
    child = pic.create_canister(settings={"controllers": [uc, USER]})
    via_canister(pic, uc, "update_settings",
                 arg("update_settings", canister_id=child, settings=Record.of(),
                     sender_canister_version=None))
    pic.set_controllers(child, [USER])
    info = pic.canister_info(child, 1)
    assert info["recent_changes"][0]["origin"] == {"from_user": {"user_id": Principal(USER)}}


@spec("IC Management Canister: Random numbers")
def test_raw_rand_32_bytes_and_fresh(pic, uc):
    a, _ = via_canister(pic, uc, "raw_rand", encode(()))
    b, _ = via_canister(pic, uc, "raw_rand", encode(()))
    ra, rb = result("raw_rand", a), result("raw_rand", b)
    assert len(ra) == 32 and len(rb) == 32 and ra != rb


@spec("IC Management Canister: Random numbers")
def test_raw_rand_deterministic(pic, uc):
    from pyic.testing import PocketIC
    other = PocketIC()
    other.set_sender(USER)
    uc_b = other.install_universal_canister().bytes
    a, _ = via_canister(pic, uc, "raw_rand", encode(()))
    b, _ = via_canister(other, uc_b, "raw_rand", encode(()))
    assert a == b


@spec("IC Management Canister: Random numbers")
def test_raw_rand_depends_on_seed(uc):
    from pyic.testing import PocketIC
    p1, p2 = PocketIC(seed=b"one"), PocketIC(seed=b"two")
    c1, c2 = p1.install_universal_canister().bytes, p2.install_universal_canister().bytes
    assert via_canister(p1, c1, "raw_rand", encode(()))[0] != \
        via_canister(p2, c2, "raw_rand", encode(()))[0]


@spec("IC Management Canister: Random numbers")
def test_raw_rand_not_by_ingress(pic):
    r = reject_of(pic.update_call, None, "raw_rand", encode(()))
    assert r.reject_code in (4, 5)


@spec("IC Management Canister: Canister metadata")
def test_metadata_missing_section(pic, uc, uc2):
    _, rejected = via_canister(pic, uc2, "canister_metadata",
                               arg("canister_metadata", canister_id=Principal(uc), name="x"))
    assert rejected is not None and rejected[0] == 5


@pytest.mark.parametrize("method", ["http_request", "vetkd_derive_key", "bitcoin_get_balance"])
@spec("management-canister.md: methods pyic does not implement")
def test_unsupported_methods_say_so(pic, uc, method):
    _, rejected = via_canister(pic, uc, method, encode(()))
    assert rejected is not None and "not supported by pyic" in rejected[1]


@spec("IC Management Canister: Changing settings")
def test_unknown_management_method(pic, uc):
    _, rejected = via_canister(pic, uc, "no_such_method", encode(()))
    assert rejected is not None and rejected[0] == 4


@spec("IC Management Canister: Changing settings")
def test_bad_candid_argument(pic, uc):
    _, rejected = via_canister(pic, uc, "update_settings", b"not candid")
    assert rejected is not None and rejected[0] == 5


@spec("Message execution")
def test_sender_canister_version_checked(pic, uc):
    child = pic.create_canister(settings={"controllers": [uc]})
    wrong = arg("update_settings", canister_id=child, settings=Record.of(),
                sender_canister_version=__import__("pyic.candid", fromlist=["Opt"]).Opt(999))
    r = reject_of(pic.universal_update, uc,
                  update_call(b"", "update_settings", arg=wrong) >> reply)
    assert r.reject_code == 5 and "sender_canister_version" in r.message


# ------------------------------------------------------------------ chunked code


@spec("IC Management Canister: Upload Chunk")
def test_upload_chunk_returns_hash(pic, uc):
    h = pic.upload_chunk(uc, b"chunk-1")
    assert h == hashlib.sha256(b"chunk-1").digest()
    assert pic.stored_chunks(uc) == [h]


@spec("IC Management Canister: List stored chunks")
def test_stored_chunks_sorted_and_deduplicated(pic, uc):
    hs = {pic.upload_chunk(uc, bytes([i])) for i in range(3)}
    pic.upload_chunk(uc, bytes([0]))
    assert pic.stored_chunks(uc) == sorted(hs)


@spec("IC Management Canister: Clear chunk store")
def test_clear_chunk_store(pic, uc):
    pic.upload_chunk(uc, b"a")
    pic.clear_chunk_store(uc)
    assert pic.stored_chunks(uc) == []


@spec("IC Management Canister: Upload Chunk")
def test_chunk_too_large_rejected(pic, uc):
    r = reject_of(pic.upload_chunk, uc, bytes(1024 * 1024 + 1))
    assert r.reject_code == 5


@spec("IC Management Canister: Install chunked code")
def test_install_chunked_code(pic):
    cid = pic.create_canister()
    parts = [UNIVERSAL_WASM[:10], UNIVERSAL_WASM[10:]]
    hashes = [pic.upload_chunk(cid, p) for p in parts]
    pic.install_chunked_code(cid, "install", hashes, hashlib.sha256(UNIVERSAL_WASM).digest(),
                             set_global(bytes_(b"chunked")).bytes())
    assert global_of(pic, cid) == b"chunked"


@spec("IC Management Canister: Install chunked code")
def test_install_chunked_code_from_store_canister(pic):
    store = pic.create_canister()
    cid = pic.create_canister()
    hashes = [pic.upload_chunk(store, UNIVERSAL_WASM)]
    pic.install_chunked_code(cid, "install", hashes, hashlib.sha256(UNIVERSAL_WASM).digest(),
                             store_canister=store)
    assert pic.canister_status(cid)["module_hash"] == hashlib.sha256(UNIVERSAL_WASM).digest()


@spec("IC Management Canister: Install chunked code")
def test_install_chunked_code_hash_mismatch(pic):
    cid = pic.create_canister()
    hashes = [pic.upload_chunk(cid, UNIVERSAL_WASM)]
    r = reject_of(pic.install_chunked_code, cid, "install", hashes, bytes(32))
    assert r.reject_code == 5
    assert pic.canister_status(cid)["module_hash"] is None


@spec("IC Management Canister: Install chunked code")
def test_install_chunked_code_missing_chunk(pic):
    cid = pic.create_canister()
    r = reject_of(pic.install_chunked_code, cid, "install", [bytes(32)],
                  hashlib.sha256(UNIVERSAL_WASM).digest())
    assert r.reject_code == 5


# ------------------------------------------------------------------ logs


@spec("IC Management Canister: Canister logs (query call)")
def test_logs_indices_and_timestamps(pic, uc):
    pic.universal_update(uc, debug_print(bytes_(b"one")) >> debug_print(bytes_(b"two")) >> reply)
    logs = pic.fetch_canister_logs(uc)
    assert [r["content"] for r in logs] == [b"one", b"two"]
    assert logs[1]["idx"] == logs[0]["idx"] + 1
    assert logs[0]["timestamp_nanos"] > 0


@spec("IC Management Canister: Canister logs (query call)")
def test_logs_controllers_only_by_default(pic, uc):
    r = reject_of(pic.fetch_canister_logs, uc, sender=OTHER)
    assert r.error_code == "IC0512"


@spec("IC Management Canister: Canister logs (query call)")
def test_logs_public_visibility(pic, uc):
    pic.update_canister_settings(uc, {"log_visibility": "public"})
    pic.universal_update(uc, debug_print(bytes_(b"pub")) >> reply)
    assert pic.fetch_canister_logs(uc, sender=OTHER)[-1]["content"] == b"pub"


@spec("IC Management Canister: Canister logs (query call)")
def test_logs_allowed_viewers(pic, uc):
    pic.update_canister_settings(uc, {"log_visibility": {"allowed_viewers": [OTHER]}})
    assert pic.fetch_canister_logs(uc, sender=OTHER) == []


@spec("IC Management Canister: Canister logs (query call)")
def test_logs_not_an_update(pic, uc):
    r = reject_of(pic.update_call, None, "fetch_canister_logs",
                  arg("fetch_canister_logs", canister_id=Principal(uc)))
    assert r.reject_code in (4, 5)


@spec("IC Management Canister: Canister logs (query call)")
def test_logs_not_by_a_replicated_call_of_a_canister(pic, uc):
    """management-canister.md "IC method fetch_canister_logs": "it cannot be called via
    replicated calls"; a composite query of the same canister may."""
    pic.update_canister_settings(uc, {"log_visibility": "public"})
    pic.universal_update(uc, debug_print(bytes_(b"seen")) >> reply)
    argument = arg("fetch_canister_logs", canister_id=Principal(uc))
    out, rejected = via_canister(pic, uc, "fetch_canister_logs", argument)
    assert out is None and rejected[0] == 4
    assert "can only be called by non-replicated (query) calls" in rejected[1]
    out = pic.universal_composite_query(uc, update_call(
        b"", "fetch_canister_logs", arg=argument,
        on_reply=reply_data_append(bytes_(b"OK")) >> reply_data(arg_data),
        on_reject=reply_data_append(bytes_(b"NO")) >> reply_data(reject_msg)))
    assert out.startswith(b"OK")
    assert [r["content"] for r in result("fetch_canister_logs", out[2:])["canister_log_records"]] \
        == [b"seen"]


@spec("Trimming canister logs")
def test_logs_trimmed_to_limit(pic, uc):
    for i in range(60):
        pic.universal_update(uc, debug_print(bytes_(b"x" * 100)) >> reply)
    logs = pic.fetch_canister_logs(uc)
    assert sum(len(r["content"]) for r in logs) <= pic.ic.cfg.max_canister_log_bytes
    assert len(logs) == 40 and logs[-1]["idx"] == 59 and logs[0]["idx"] == 20


@spec("IC Management Canister: Canister information")
def test_change_origin_carries_sender_canister_version(pic, uc):
    from pyic.candid import Opt
    child = pic.create_canister(settings={"controllers": [uc, USER]})
    version = pic.ic.state.canisters[uc].canister_version
    via_canister(pic, uc, "update_settings",
                 arg("update_settings", canister_id=child,
                     settings=Record.of(controllers=Opt((Principal(uc),))),
                     sender_canister_version=Opt(version)))
    change = pic.canister_info(child, 1)["recent_changes"][0]
    assert change["origin"] == {"from_canister": {"canister_id": Principal(uc),
                                                  "canister_version": version}}
    assert change["details"] == {"controllers_change": {"controllers": [Principal(uc)]}}
