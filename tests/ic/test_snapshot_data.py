"""Canister snapshots downloaded and uploaded: read_canister_snapshot_metadata,
read_canister_snapshot_data, upload_canister_snapshot_metadata,
upload_canister_snapshot_data, and a round trip through load_canister_snapshot."""

from __future__ import annotations

import hashlib
import os

import pytest
from ic_helpers import global_of, reject_of, spec

from pyic.candid import Opt, Principal, Record, Variant, decode, encode
from pyic.candid.types import NAT
from pyic.ic.management.args import interface, method_types
from pyic.ic.state import evolve, replace_in
from pyic.testing import PocketIC, to_python
from pyic.universal import (
    bytes_, ignore, int64, reply, set_certified_data, set_global, stable64_grow, stable64_write,
    universal_canister_wasm, update_call,
)

from principals import OTHER

MIB = 1 << 20


def call(pic, method: str, cid, sender=None, **fields):
    return pic._management(method, Record.of(canister_id=Principal(bytes(cid)), **fields),
                           sender=sender)


def metadata(pic, cid, sid, sender=None) -> dict:
    return call(pic, "read_canister_snapshot_metadata", cid, sender, snapshot_id=sid)


def read(pic, cid, sid, kind: str, sender=None, **where) -> bytes:
    return call(pic, "read_canister_snapshot_data", cid, sender, snapshot_id=sid,
                kind=Variant.of(kind, Record.of(**where)))["chunk"]


def upload_metadata(pic, cid, md: dict, replace=None, **changes) -> bytes:
    fields = dict(wasm_module_size=md["wasm_module_size"], globals=tuple(
        Variant.of(*next(iter(g.items()))) for g in md["globals"]),
        wasm_memory_size=md["wasm_memory_size"], stable_memory_size=md["stable_memory_size"],
        certified_data=md["certified_data"], global_timer=None,
        on_low_wasm_memory_hook_status=None)
    fields.update(changes)
    return call(pic, "upload_canister_snapshot_metadata", cid,
                replace_snapshot=Opt(replace) if replace is not None else None,
                **fields)["snapshot_id"]


def upload(pic, cid, sid, kind: str, chunk: bytes, **where) -> None:
    call(pic, "upload_canister_snapshot_data", cid, snapshot_id=sid,
         kind=Variant.of(kind, Record.of(**where) if where else None), chunk=chunk)


def setup(pic, uc):
    pic.universal_update(uc, set_global(bytes_(b"v1")) >> ignore(stable64_grow(int64(1)))
                         >> stable64_write(int64(0), bytes_(b"s1"))
                         >> set_certified_data(bytes_(b"c1")) >> reply)


def download(pic, cid, sid) -> dict:
    """Everything of a snapshot, read in slices of at most 1 MiB."""
    md = metadata(pic, cid, sid)
    out = {"metadata": md}
    for kind, size in (("wasm_module", md["wasm_module_size"]),
                       ("wasm_memory", md["wasm_memory_size"]),
                       ("stable_memory", md["stable_memory_size"])):
        out[kind] = b"".join(read(pic, cid, sid, kind, offset=o, size=min(MIB, size - o))
                             for o in range(0, size, MIB))
    out["chunks"] = [read(pic, cid, sid, "wasm_chunk", hash=h["hash"])
                     for h in md["wasm_chunk_store"]]
    return out


def upload_all(pic, cid, data: dict) -> bytes:
    sid = upload_metadata(pic, cid, data["metadata"])
    for kind in ("wasm_module", "wasm_memory", "stable_memory"):
        blob = data[kind]
        for o in range(0, len(blob), MIB):
            upload(pic, cid, sid, kind, blob[o:o + MIB], offset=o)
    for chunk in data["chunks"]:
        upload(pic, cid, sid, "wasm_chunk", chunk)
    return sid


@spec("IC Management Canister: Read snapshot metadata")
def test_metadata_of_a_taken_snapshot(pic, uc):
    setup(pic, uc)
    pic.upload_chunk(uc, b"chunk")
    snap = pic.take_canister_snapshot(uc)
    md = metadata(pic, uc, snap["id"])
    assert md["source"] == "taken_from_canister"
    assert md["taken_at_timestamp"] == snap["taken_at_timestamp"]
    assert md["wasm_module_size"] == len(universal_canister_wasm())
    assert md["stable_memory_size"] == 65536
    assert md["wasm_memory_size"] > 0 and md["wasm_memory_size"] % 65536 == 0
    assert md["wasm_chunk_store"] == [{"hash": hashlib.sha256(b"chunk").digest()}]
    assert md["certified_data"] == b"c1"
    assert md["canister_version"] == pic.canister_status(uc)["version"]
    assert md["global_timer"] == "inactive"
    assert md["on_low_wasm_memory_hook_status"] == "condition_not_satisfied"
    assert all(set(g) <= {"i32", "i64", "f32", "f64", "v128"} for g in md["globals"])


@spec("IC Management Canister: Read snapshot data")
def test_data_slices_are_the_snapshots_bytes(pic, uc):
    setup(pic, uc)
    snap = pic.take_canister_snapshot(uc)
    wasm = universal_canister_wasm()
    assert read(pic, uc, snap["id"], "wasm_module", offset=0, size=8) == wasm[:8]
    assert read(pic, uc, snap["id"], "wasm_module", offset=len(wasm) - 3, size=3) == wasm[-3:]
    assert read(pic, uc, snap["id"], "stable_memory", offset=0, size=4) == b"s1\0\0"
    # the snapshot does not follow the canister
    pic.universal_update(uc, stable64_write(int64(0), bytes_(b"s2")) >> reply)
    assert read(pic, uc, snap["id"], "stable_memory", offset=0, size=2) == b"s1"


@spec("IC Management Canister: Read snapshot data")
def test_out_of_bounds_and_unknown_reads_are_rejected(pic, uc):
    snap = pic.take_canister_snapshot(uc)
    size = metadata(pic, uc, snap["id"])["wasm_module_size"]
    r = reject_of(read, pic, uc, snap["id"], "wasm_module", offset=size - 1, size=2)
    assert r.reject_code == 5 and r.error_code == "IC0408"
    r = reject_of(read, pic, uc, snap["id"], "wasm_chunk", hash=bytes(32))
    assert r.reject_code == 5
    r = reject_of(read, pic, uc, snap["id"], "wasm_module", offset=0, size=2_000_001)
    assert r.reject_code == 5
    r = reject_of(metadata, pic, uc, b"no such snapshot")
    assert r.reject_code == 3 and r.error_code == "IC0305"


@spec("IC Management Canister: Read snapshot metadata")
def test_reading_follows_snapshot_visibility(pic, uc):
    snap = pic.take_canister_snapshot(uc)
    r = reject_of(metadata, pic, uc, snap["id"], sender=OTHER)
    assert r.error_code == "IC0512"
    r = reject_of(read, pic, uc, snap["id"], "wasm_module", sender=OTHER, offset=0, size=1)
    assert r.error_code == "IC0512"


@spec("IC Management Canister: Upload canister snapshot metadata")
def test_uploaded_metadata_makes_a_snapshot_of_zeros(pic, uc):
    sid = upload_metadata(pic, uc, {"wasm_module_size": 10, "globals": [{"i32": -1}],
                                    "wasm_memory_size": 65536, "stable_memory_size": 0,
                                    "certified_data": b"cd"},
                          global_timer=Opt(Variant.of("active", 7)))
    assert sid in [s["id"] for s in pic.list_canister_snapshots(uc)]
    md = metadata(pic, uc, sid)
    assert md["source"] == "metadata_upload"
    assert md["globals"] == [{"i32": -1}] and md["certified_data"] == b"cd"
    assert md["global_timer"] == {"active": 7} and md["on_low_wasm_memory_hook_status"] is None
    assert read(pic, uc, sid, "wasm_module", offset=0, size=10) == bytes(10)
    assert read(pic, uc, sid, "wasm_memory", offset=65530, size=6) == bytes(6)


@spec("IC Management Canister: Upload canister snapshot metadata")
def test_upload_metadata_checks(pic, uc):
    md = {"wasm_module_size": 1, "globals": [], "wasm_memory_size": 100,
          "stable_memory_size": 0, "certified_data": b""}
    assert reject_of(upload_metadata, pic, uc, md).error_code == "IC0408"
    md["wasm_memory_size"] = 0
    r = reject_of(upload_metadata, pic, uc, md, replace=b"nope")
    assert r.error_code == "IC0305"
    r = reject_of(call, pic, "upload_canister_snapshot_metadata", uc, OTHER,
                  replace_snapshot=None, wasm_module_size=1, globals=(), wasm_memory_size=0,
                  stable_memory_size=0, certified_data=b"", global_timer=None,
                  on_low_wasm_memory_hook_status=None)
    assert r.error_code == "IC0512"
    for _ in range(10):
        upload_metadata(pic, uc, md)
    r = reject_of(upload_metadata, pic, uc, md)
    assert r.error_code == "IC0408" and "maximum number of snapshots" in r.message
    first = pic.list_canister_snapshots(uc)[0]["id"]
    new = upload_metadata(pic, uc, md, replace=first)
    ids = [s["id"] for s in pic.list_canister_snapshots(uc)]
    assert first not in ids and new in ids and len(ids) == 10


@spec("IC Management Canister: Upload canister snapshot data")
def test_upload_data_writes_at_offsets(pic, uc):
    sid = upload_metadata(pic, uc, {"wasm_module_size": 6, "globals": [],
                                    "wasm_memory_size": 2 * 65536,
                                    "stable_memory_size": 65536, "certified_data": b""})
    upload(pic, uc, sid, "wasm_module", b"abc", offset=2)
    upload(pic, uc, sid, "wasm_memory", b"xyz", offset=65535)   # across a page boundary
    upload(pic, uc, sid, "stable_memory", b"st", offset=0)
    upload(pic, uc, sid, "wasm_chunk", b"piece")
    assert read(pic, uc, sid, "wasm_module", offset=0, size=6) == b"\0\0abc\0"
    assert read(pic, uc, sid, "wasm_memory", offset=65534, size=5) == b"\0xyz\0"
    assert read(pic, uc, sid, "stable_memory", offset=0, size=3) == b"st\0"
    assert read(pic, uc, sid, "wasm_chunk", hash=hashlib.sha256(b"piece").digest()) == b"piece"
    r = reject_of(upload, pic, uc, sid, "stable_memory", b"ab", offset=65535)
    assert r.reject_code == 5 and r.error_code == "IC0408"


@spec("IC Management Canister: Upload canister snapshot data")
def test_upload_data_only_to_uploaded_snapshots(pic, uc):
    snap = pic.take_canister_snapshot(uc)
    r = reject_of(upload, pic, uc, snap["id"], "wasm_module", b"x", offset=0)
    assert r.reject_code == 5 and "taken from the canister" in r.message
    sid = upload_metadata(pic, uc, {"wasm_module_size": 1, "globals": [],
                                    "wasm_memory_size": 0, "stable_memory_size": 0,
                                    "certified_data": b""})
    r = reject_of(call, pic, "upload_canister_snapshot_data", uc, OTHER, snapshot_id=sid,
                  kind=Variant.of("wasm_chunk", None), chunk=b"x")
    assert r.error_code == "IC0512"


@spec("IC Management Canister: Load canister snapshot")
def test_round_trip_to_another_canister(pic, uc, uc2):
    setup(pic, uc)
    pic.upload_chunk(uc, b"chunk")
    data = download(pic, uc, pic.take_canister_snapshot(uc)["id"])
    sid = upload_all(pic, uc2, data)
    assert download(pic, uc2, sid)["wasm_memory"] == data["wasm_memory"]
    pic.load_canister_snapshot(uc2, sid)
    assert global_of(pic, uc2) == b"v1"
    assert pic.get_stable_memory(uc2)[:2] == b"s1"
    assert pic.ic.state.canisters[uc2].certified_data == b"c1"
    assert pic.ic.state.canisters[uc2].chunk_store == {hashlib.sha256(b"chunk").digest():
                                                      b"chunk"}
    change = pic.canister_info(uc2, 1)["recent_changes"][0]["details"]["load_snapshot"]
    assert change["snapshot_id"] == sid and change["source"] == "metadata_upload"
    # the loaded canister keeps working from the uploaded state
    pic.universal_update(uc2, set_global(bytes_(b"v2")) >> reply)
    assert global_of(pic, uc2) == b"v2" and global_of(pic, uc) == b"v1"


def _canister_reads(pic, reader, cid, sid) -> dict:
    """``read_canister_snapshot_metadata`` called by canister ``reader``."""
    types, results = method_types("read_canister_snapshot_metadata")
    arg = encode((Record.of(canister_id=Principal(bytes(cid)), snapshot_id=sid),), types,
                 interface().env)
    data = pic.universal_update(reader, update_call(b"", "read_canister_snapshot_metadata",
                                                    arg=arg))
    if data[:4] != bytes(4):
        return data          # relay_reject: the reject code (4 bytes) and message
    return to_python(decode(data[4:], results, interface().env)[0])


@spec("IC Management Canister: Read snapshot metadata")
def test_allowed_viewers_may_read(pic, uc, uc2):
    snap = pic.take_canister_snapshot(uc)
    refused = _canister_reads(pic, uc2, uc, snap["id"])
    assert refused[:4] == (5).to_bytes(4, "little") and b"Only the controllers" in refused
    pic.update_canister_settings(uc, {"snapshot_visibility": Variant.of(
        "allowed_viewers", (Principal(uc2),))})
    assert _canister_reads(pic, uc2, uc, snap["id"])["source"] == "taken_from_canister"
    pic.update_canister_settings(uc, {"snapshot_visibility": Variant.of("public", None)})
    assert _canister_reads(pic, uc2, uc, snap["id"])["certified_data"] == b""


@spec("The system state")
def test_an_uploaded_snapshot_persists(pic, uc, uc2, tmp_path):
    setup(pic, uc)
    data = download(pic, uc, pic.take_canister_snapshot(uc)["id"])
    sid = upload_metadata(pic, uc2, data["metadata"])
    upload(pic, uc2, sid, "wasm_memory", data["wasm_memory"], offset=0)
    path = str(tmp_path / "ic.state")
    pic.save(path)
    other = PocketIC.load(path)
    other.set_sender(pic.sender)
    md = metadata(other, uc2, sid)
    assert md["source"] == "metadata_upload" and md["globals"] == data["metadata"]["globals"]
    assert download(other, uc2, sid)["wasm_memory"] == data["wasm_memory"]
    upload(other, uc2, sid, "wasm_module", data["wasm_module"], offset=0)
    upload(other, uc2, sid, "stable_memory", data["stable_memory"], offset=0)
    other.load_canister_snapshot(uc2, sid)
    assert global_of(other, uc2) == b"v1" and other.get_stable_memory(uc2)[:2] == b"s1"


COUNTER = os.path.join(os.environ["PYIC_SHARED"], "canisters", "counter")


@spec("IC Management Canister: Load canister snapshot")
@pytest.mark.parametrize("build", ["counter.wasm", "counter.classic.wasm"])
def test_round_trip_of_a_motoko_canister(pic, build):
    """A Motoko counter (EOP, wasm64; classic, wasm32) downloaded and uploaded to an
    empty canister answers as the original, its globals and memory restored."""
    with open(os.path.join(COUNTER, build), "rb") as f:
        wasm = f.read()
    src = pic.create_canister().bytes
    pic.install_code(src, wasm, b"")
    nat = encode((5,), [NAT])
    assert decode(pic.update_call(src, "add", nat)) == (5,)
    data = download(pic, src, pic.take_canister_snapshot(src)["id"])
    assert data["wasm_module"] == wasm and data["metadata"]["globals"]
    dst = pic.create_canister().bytes
    pic.load_canister_snapshot(dst, upload_all(pic, dst, data))
    assert decode(pic.query_call(dst, "get", encode(()))) == (5,)
    assert decode(pic.update_call(dst, "add", nat)) == (10,)
    assert decode(pic.query_call(src, "get", encode(()))) == (5,)


@spec("IC Management Canister: Load canister snapshot")
def test_loading_an_upload_checks_it_against_its_module(pic, uc, uc2):
    data = download(pic, uc, pic.take_canister_snapshot(uc)["id"])
    md = data["metadata"]
    # the module still all zeros: not a module
    sid = upload_metadata(pic, uc2, md)
    r = reject_of(pic.load_canister_snapshot, uc2, sid)
    assert r.reject_code == 5 and r.error_code == "IC0505"
    # one global too many, then one of another type
    for globals_ in (md["globals"] + [{"i32": 0}],
                     [{"i64": 0}] + md["globals"][1:]):
        sid = upload_metadata(pic, uc2, md, replace=sid, globals=tuple(
            Variant.of(*next(iter(g.items()))) for g in globals_))
        upload(pic, uc2, sid, "wasm_module", data["wasm_module"], offset=0)
        r = reject_of(pic.load_canister_snapshot, uc2, sid)
        assert r.reject_code == 5 and "lobal" in r.message
    # a Wasm memory below the module's minimum
    sid = upload_metadata(pic, uc2, md, replace=sid, wasm_memory_size=0)
    upload(pic, uc2, sid, "wasm_module", data["wasm_module"], offset=0)
    r = reject_of(pic.load_canister_snapshot, uc2, sid)
    assert r.reject_code == 5 and "limits" in r.message
    # a hook said to be ready while the canister has no wasm_memory_limit
    sid = upload_metadata(pic, uc2, md, replace=sid,
                          on_low_wasm_memory_hook_status=Opt(Variant.of("ready", None)))
    upload(pic, uc2, sid, "wasm_module", data["wasm_module"], offset=0)
    r = reject_of(pic.load_canister_snapshot, uc2, sid)
    assert r.reject_code == 5 and "hook" in r.message


@spec("IC Management Canister: Load canister snapshot")
def test_timer_and_hook_status_come_only_from_uploads_that_give_them(pic, uc, uc2):
    taken = pic.take_canister_snapshot(uc)
    pic.ic.state = evolve(pic.ic.state, canisters=replace_in(
        pic.ic.state.canisters, uc, evolve(pic.ic.state.canisters[uc], global_timer=99)))
    pic.load_canister_snapshot(uc, taken["id"])
    assert pic.ic.state.canisters[uc].global_timer == 99     # a taken snapshot: kept
    data = download(pic, uc, taken["id"])
    for timer, expected in ((None, 0), (Variant.of("active", 7), 7),
                            (Variant.of("inactive", None), 0)):
        sid = upload_metadata(pic, uc2, data["metadata"],
                              global_timer=Opt(timer) if timer is not None else None)
        upload(pic, uc2, sid, "wasm_module", data["wasm_module"], offset=0)
        upload(pic, uc2, sid, "wasm_memory", data["wasm_memory"], offset=0)
        pic.load_canister_snapshot(uc2, sid)
        assert pic.ic.state.canisters[uc2].global_timer == expected
        pic.delete_canister_snapshot(uc2, sid)
