"""A state saved in the store and loaded back is the same state, and runs on."""

from __future__ import annotations

import pytest
from store_helpers import EMPTY_ARGS, counter_value, differences

from pyic.ic import scheduler
from pyic.ic.state import Processing
from pyic.ic.store import Store
from pyic.testing import PocketIC
from pyic.universal import bytes_, get_global, reply, reply_data, set_global

spec = pytest.mark.spec


def _loaded(pic: PocketIC, path) -> PocketIC:
    with Store.open(path, create=True) as store:
        store.save_ic(pic.ic)
    with Store.open(path) as store:
        return PocketIC(ic=store.load_ic())


@spec("The system state")
def test_rich_state_is_what_was_saved(rich, tmp_path):
    pic, ids = rich
    state = pic.ic.state
    # The state really has the parts this test is about.
    assert len(state.canisters) == 5 and state.call_contexts and state.messages
    assert any(isinstance(s, Processing) for s, _ in state.requests.values())
    a = state.canisters[ids["a"].bytes]
    assert a.snapshots and len(a.chunk_store) == 2 and len(a.canister_logs) >= 2
    other = _loaded(pic, tmp_path / "s.db")
    assert differences(state, other.ic.state) == []
    assert other.ic.cfg == pic.ic.cfg and other.ic._nonce == pic.ic._nonce


@spec("The system state")
def test_differences_sees_a_change(rich, tmp_path):
    """The comparison the round trip relies on is not blind."""
    pic, ids = rich
    other = _loaded(pic, tmp_path / "s.db")
    other.update_call(ids["eop"], "inc", EMPTY_ARGS)
    found = differences(pic.ic.state, other.ic.state)
    assert any("wasm_memory" in d for d in found), found


@spec("The system state")
def test_loaded_state_finishes_the_call_in_flight(rich, tmp_path):
    pic, ids = rich
    other = _loaded(pic, tmp_path / "s.db")
    for p in (pic, other):
        p.ic.state = scheduler.run_until_idle(p.ic.state, p.ic.cfg)
    assert differences(pic.ic.state, other.ic.state) == []
    assert not other.ic.state.messages
    assert any(b"Hello " in getattr(s, "data", b"") for s, _ in other.ic.state.requests.values())


@spec("The system state")
def test_loaded_canisters_keep_running(rich, tmp_path):
    pic, ids = rich
    other = _loaded(pic, tmp_path / "s.db")
    other.set_sender(pic.sender)
    assert counter_value(other, ids["eop"]) == 2 and counter_value(other, ids["classic"]) == 1
    other.update_call(ids["classic"], "inc", EMPTY_ARGS)
    assert counter_value(other, ids["classic"]) == 2
    assert other.universal_query(ids["a"], reply_data(get_global)) == b"after the snapshot"
    logs = [entry["content"] for entry in other.fetch_canister_logs(ids["a"])]
    assert b"a log line" in logs and b"before the trap" in logs
    assert any(b"boom" in line for line in logs)
    snapshot = other.list_canister_snapshots(ids["a"])[0]
    other.load_canister_snapshot(ids["a"], snapshot["id"])
    assert other.universal_query(ids["a"], reply_data(get_global)) == b"global of a"
    assert other.get_stable_memory(ids["a"])[70_000:70_012] == b"stable bytes"
    assert sorted(other.stored_chunks(ids["a"])) == sorted(pic.stored_chunks(ids["a"]))


@spec("The system state")
def test_each_save_round_trips(rich, tmp_path):
    """Saving again and again into one store (only changes written) keeps it equal."""
    pic, ids = rich
    path = tmp_path / "s.db"
    with Store.open(path, create=True) as store:
        store.save_ic(pic.ic)
        for n in range(3):
            pic.update_call(ids["eop"], "inc", EMPTY_ARGS)
            pic.universal_update(ids["b"], set_global(bytes_(b"b%d" % n)) >> reply)
            if n == 1:
                snapshot = pic.list_canister_snapshots(ids["a"])[0]["id"]
                pic.delete_canister_snapshot(ids["a"], snapshot)
                pic.clear_chunk_store(ids["a"])
            store.save_ic(pic.ic)
            with Store.open(path) as reader:
                assert differences(pic.ic.state, reader.load_ic().state) == []
