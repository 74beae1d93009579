"""Snapshot rules of abstract-behavior.md checked to the letter: who may list a
canister's snapshots, and what loading one records (``last_install_timestamp``, the
history's ``from_canister_id``)."""

from __future__ import annotations

from ic_helpers import spec

from pyic.candid import Principal, Record, Variant, decode, encode
from pyic.ic.management.args import interface, method_types
from pyic.ic.state import evolve, replace_in
from pyic.testing import to_python
from pyic.universal import update_call

SECOND = 10**9


def _canister_lists(pic, lister, cid):
    """``list_canister_snapshots`` of ``cid`` called by canister ``lister``: the ids
    listed, or the reject (code and message) the universal canister relays."""
    types, results = method_types("list_canister_snapshots")
    arg = encode((Record.of(canister_id=Principal(bytes(cid))),), types, interface().env)
    data = pic.universal_update(lister, update_call(b"", "list_canister_snapshots", arg=arg))
    if data[:4] != bytes(4):
        return int.from_bytes(data[:4], "little"), data[4:]
    return [s["id"] for s in to_python(decode(data[4:], results, interface().env)[0])]


@spec("IC Management Canister: List canister snapshots")
def test_listing_follows_snapshot_visibility(pic, uc, uc2):
    snap = pic.take_canister_snapshot(uc)
    code, message = _canister_lists(pic, uc2, uc)          # Controllers: uc2 is not one
    assert code == 5 and b"Only the controllers" in message
    pic.update_canister_settings(uc, {"snapshot_visibility": Variant.of(
        "allowed_viewers", (Principal(uc2),))})
    assert _canister_lists(pic, uc2, uc) == [snap["id"]]
    pic.update_canister_settings(uc, {"snapshot_visibility": Variant.of("public", None)})
    assert _canister_lists(pic, uc2, uc) == [snap["id"]]
    # the canister's controllers may list under any visibility; other viewers may not
    pic.update_canister_settings(uc, {"snapshot_visibility": Variant.of(
        "allowed_viewers", ())})
    assert [s["id"] for s in pic.list_canister_snapshots(uc)] == [snap["id"]]
    assert _canister_lists(pic, uc2, uc)[0] == 5


@spec("IC Management Canister: Load canister snapshot")
def test_loading_sets_last_install_timestamp(pic, uc):
    installed = pic.ic.state.canisters[uc].last_install_timestamp
    snap = pic.take_canister_snapshot(uc)
    pic.advance_time(5 * SECOND)
    pic.load_canister_snapshot(uc, snap["id"])
    change = pic.canister_info(uc, 1)["recent_changes"][0]
    c = pic.ic.state.canisters[uc]
    # ``last_install_timestamp[A.canister_id] = S.time[A.canister_id]``, the time the
    # history entry carries too
    assert c.last_install_timestamp == change["timestamp_nanos"]
    assert c.last_install_timestamp >= installed + 5 * SECOND


@spec("IC Management Canister: Load canister snapshot")
def test_loading_a_canisters_own_snapshot_has_no_from_canister_id(pic, uc):
    snap = pic.take_canister_snapshot(uc)
    pic.load_canister_snapshot(uc, snap["id"])
    details = pic.canister_info(uc, 1)["recent_changes"][0]["details"]["load_snapshot"]
    # ``if Canister_id = A.canister_id: From_canister_id = null``
    assert details["from_canister_id"] is None
    assert details["snapshot_id"] == snap["id"] and details["source"] == "taken_from_canister"


@spec("IC Management Canister: Canister information")
def test_a_stored_own_id_reads_as_null(pic, uc):
    """A history entry recorded before pyic stored null names the canister itself;
    ``canister_info`` reports it as the rule's null."""
    snap = pic.take_canister_snapshot(uc)
    pic.load_canister_snapshot(uc, snap["id"])
    c = pic.ic.state.canisters[uc]
    h = c.canister_history
    last = h.recent_changes[-1]
    old = evolve(last, details=(last.details[0], uc) + last.details[2:])
    history = evolve(h, recent_changes=h.recent_changes[:-1] + (old,))
    pic.ic.state = evolve(pic.ic.state, canisters=replace_in(
        pic.ic.state.canisters, uc, evolve(c, canister_history=history)))
    details = pic.canister_info(uc, 1)["recent_changes"][0]["details"]["load_snapshot"]
    assert details["from_canister_id"] is None and details["snapshot_id"] == snap["id"]
