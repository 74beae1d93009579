"""Canister snapshots: take, load, list, delete."""

from __future__ import annotations

from ic_helpers import global_of, reject_of, spec

from pyic.universal import (
    bytes_, ignore, int64, reply, set_certified_data, set_global, stable64_grow, stable64_write,
    universal_canister_wasm,
)

from principals import OTHER

UNIVERSAL_WASM = universal_canister_wasm()


def setup(pic, uc):
    pic.universal_update(uc, set_global(bytes_(b"v1")) >> ignore(stable64_grow(int64(1)))
                         >> stable64_write(int64(0), bytes_(b"s1"))
                         >> set_certified_data(bytes_(b"c1")) >> reply)


@spec("IC Management Canister: Take canister snapshot")
def test_take_snapshot_returns_record(pic, uc):
    setup(pic, uc)
    snap = pic.take_canister_snapshot(uc)
    assert set(snap) == {"id", "taken_at_timestamp", "total_size"}
    assert snap["total_size"] > 0
    assert snap["taken_at_timestamp"] <= pic.get_time()["nanos_since_epoch"] + 10**9


@spec("IC Management Canister: Load canister snapshot")
def test_load_snapshot_restores_state(pic, uc):
    setup(pic, uc)
    snap = pic.take_canister_snapshot(uc)
    pic.universal_update(uc, set_global(bytes_(b"v2")) >> stable64_write(int64(0), bytes_(b"s2"))
                         >> set_certified_data(bytes_(b"c2")) >> reply)
    assert global_of(pic, uc) == b"v2" and pic.get_stable_memory(uc)[:2] == b"s2"
    pic.load_canister_snapshot(uc, snap["id"])
    assert global_of(pic, uc) == b"v1"
    assert pic.get_stable_memory(uc)[:2] == b"s1"
    assert pic.ic.state.canisters[uc].certified_data == b"c1"


@spec("IC Management Canister: Load canister snapshot")
def test_load_snapshot_after_reinstall(pic, uc):
    setup(pic, uc)
    snap = pic.take_canister_snapshot(uc)
    pic.reinstall_code(uc, UNIVERSAL_WASM, b"")
    assert global_of(pic, uc) == b"" and pic.get_stable_memory(uc) == b""
    pic.load_canister_snapshot(uc, snap["id"])
    assert global_of(pic, uc) == b"v1"
    assert pic.get_stable_memory(uc)[:2] == b"s1"


@spec("IC Management Canister: Load canister snapshot")
def test_load_snapshot_bumps_version_and_history(pic, uc):
    snap = pic.take_canister_snapshot(uc)
    v = pic.canister_status(uc)["version"]
    pic.load_canister_snapshot(uc, snap["id"])
    assert pic.canister_status(uc)["version"] == v + 1
    change = pic.canister_info(uc, 1)["recent_changes"][0]
    assert "load_snapshot" in change["details"]
    assert change["details"]["load_snapshot"]["snapshot_id"] == snap["id"]


@spec("IC Management Canister: List canister snapshots")
def test_list_snapshots(pic, uc):
    assert pic.list_canister_snapshots(uc) == []
    a = pic.take_canister_snapshot(uc)
    b = pic.take_canister_snapshot(uc)
    ids = [s["id"] for s in pic.list_canister_snapshots(uc)]
    assert sorted(ids) == sorted([a["id"], b["id"]]) and a["id"] != b["id"]


@spec("IC Management Canister: Take canister snapshot")
def test_replace_snapshot(pic, uc):
    a = pic.take_canister_snapshot(uc)
    b = pic.take_canister_snapshot(uc, replace_snapshot=a["id"])
    assert [s["id"] for s in pic.list_canister_snapshots(uc)] == [b["id"]]


@spec("IC Management Canister: Take canister snapshot")
def test_replace_missing_snapshot_rejected(pic, uc):
    r = reject_of(pic.take_canister_snapshot, uc, replace_snapshot=b"\x00" * 18)
    assert r.reject_code == 3 and r.error_code == "IC0305"


@spec("IC Management Canister: Take canister snapshot")
def test_snapshot_limit(pic, uc):
    for _ in range(pic.ic.cfg.max_snapshots_per_canister):
        pic.take_canister_snapshot(uc)
    r = reject_of(pic.take_canister_snapshot, uc)
    assert r.reject_code == 5


@spec("IC Management Canister: Take canister snapshot")
def test_snapshot_of_empty_canister_rejected(pic):
    cid = pic.create_canister()
    r = reject_of(pic.take_canister_snapshot, cid)
    assert r.reject_code == 5


@spec("IC Management Canister: Delete canister snapshot")
def test_delete_snapshot(pic, uc):
    a = pic.take_canister_snapshot(uc)
    pic.delete_canister_snapshot(uc, a["id"])
    assert pic.list_canister_snapshots(uc) == []
    r = reject_of(pic.load_canister_snapshot, uc, a["id"])
    assert r.reject_code == 3 and r.error_code == "IC0305"


@spec("IC Management Canister: Delete canister snapshot")
def test_delete_missing_snapshot_rejected(pic, uc):
    r = reject_of(pic.delete_canister_snapshot, uc, b"\x01" * 18)
    assert r.reject_code == 3


@spec("IC Management Canister: Take canister snapshot")
def test_snapshots_controllers_only(pic, uc):
    r = reject_of(pic.take_canister_snapshot, uc, sender=OTHER)
    assert r.error_code == "IC0512"
    snap = pic.take_canister_snapshot(uc)
    r = reject_of(pic.load_canister_snapshot, uc, snap["id"], sender=OTHER)
    assert r.error_code == "IC0512"


@spec("IC Management Canister: Take canister snapshot")
def test_snapshot_counts_in_memory(pic, uc):
    before = pic.canister_status(uc)["memory_metrics"]["snapshots_size"]
    pic.take_canister_snapshot(uc)
    assert pic.canister_status(uc)["memory_metrics"]["snapshots_size"] > before


@spec("IC Management Canister: Load canister snapshot")
def test_snapshot_survives_upgrade(pic, uc):
    setup(pic, uc)
    snap = pic.take_canister_snapshot(uc)
    pic.upgrade_canister(uc, UNIVERSAL_WASM, b"")
    assert [s["id"] for s in pic.list_canister_snapshots(uc)] == [snap["id"]]
