"""Saving writes only what changed: modules once by hash, pages that differ,
canisters that changed; a command is one transaction."""

from __future__ import annotations

import sqlite3

import pytest
from store_helpers import EMPTY_ARGS, counter_value, counter_wasm

from pyic.errors import ICError
from pyic.ic.store import Store
from pyic.testing import PocketIC

spec = pytest.mark.spec


def _count(path, table: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def counters(tmp_path):
    """Three canisters running the same counter module, one snapshot of it; saved."""
    pic = PocketIC()
    ids = []
    for _ in range(3):
        cid = pic.create_canister()
        pic.install_code(cid, counter_wasm(), EMPTY_ARGS)
        ids.append(cid)
    pic.take_canister_snapshot(ids[0])
    path = tmp_path / "s.db"
    with Store.open(path, create=True) as store:
        store.save_ic(pic.ic)
        first = dict(store.written)
    return pic, ids, path, first


@spec("The system state")
def test_a_module_is_stored_once(counters):
    pic, ids, path, first = counters
    assert first["modules"] == 1
    assert _count(path, "modules") == 1
    assert _count(path, "canisters") == 3 and _count(path, "snapshots") == 1


@spec("The system state")
def test_unused_modules_are_dropped(counters):
    pic, ids, path, _ = counters
    with Store.transaction(path) as ic:
        other = PocketIC(ic=ic)
        for cid in ids:
            other.uninstall_code(cid)
        assert _count(path, "modules") == 1           # not committed yet
    assert _count(path, "modules") == 1               # the snapshot still uses it
    with Store.transaction(path) as ic:
        other = PocketIC(ic=ic)
        snapshot = other.list_canister_snapshots(ids[0])[0]["id"]
        other.delete_canister_snapshot(ids[0], snapshot)
    assert _count(path, "modules") == 0


@spec("The system state")
@pytest.mark.parametrize("known", [True, False], ids=["same-store", "fresh-store"])
def test_an_update_rewrites_few_pages(counters, known):
    """After one ``inc`` only the pages the call wrote are written, and only the
    canister that ran; the same whether the store remembers what it saved
    (``same-store``) or compares with what it reads back (``fresh-store``)."""
    pic, ids, path, first = counters
    assert first["pages"] == _count(path, "pages") >= 8
    store = Store.open(path)
    try:
        if known:
            store.load_ic()
        pic.update_call(ids[1], "inc", EMPTY_ARGS)
        before = store._conn.total_changes
        store.save_ic(pic.ic)
        assert 1 <= store.written["pages"] <= 4
        assert store.written["canisters"] == 1 and store.written["modules"] == 0
        assert store.written["wasm_states"] <= 1
        # SQLite's own count agrees: those rows, the request, the system row, meta.
        assert store._conn.total_changes - before == sum(store.written.values()) + 1
    finally:
        store.close()
    with Store.open(path) as reader:
        assert counter_value(PocketIC(ic=reader.load_ic()), ids[1]) == 1


@spec("The system state")
def test_saving_an_unchanged_state_writes_nothing(counters):
    pic, ids, path, _ = counters
    with Store.open(path) as store:
        ic = store.load_ic()
        before = store._conn.total_changes
        store.save_ic(ic)
        assert sum(store.written.values()) == 0
        assert store._conn.total_changes - before == 1     # the save's generation token


@spec("The system state")
def test_transaction_commits_on_success(counters):
    pic, ids, path, _ = counters
    for _ in range(3):
        with Store.transaction(path) as ic:
            ic.update_call(b"\x04", ids[2].bytes, "inc", EMPTY_ARGS)
    with Store.open(path) as store:
        assert counter_value(PocketIC(ic=store.load_ic()), ids[2]) == 3


@spec("The system state")
def test_transaction_rolls_back_on_exception(counters):
    pic, ids, path, _ = counters
    with pytest.raises(KeyError):
        with Store.transaction(path) as ic:
            ic.update_call(b"\x04", ids[2].bytes, "inc", EMPTY_ARGS)
            raise KeyError("the command failed")
    with Store.open(path) as store:
        assert counter_value(PocketIC(ic=store.load_ic()), ids[2]) == 0


@spec("The system state")
def test_a_busy_store_is_an_ic_error(counters):
    pic, ids, path, _ = counters
    holder = Store.open(path)
    try:
        holder.begin(write=True)
        with pytest.raises(ICError) as info:
            with Store.transaction(path, timeout=0.2):
                pass
        assert "busy" in info.value.message and "\n" not in str(info.value)
        # Readers are not blocked by a writer (WAL).
        with Store.open(path) as reader:
            assert len(reader.load_ic().state.canisters) == 3
    finally:
        holder.rollback()
        holder.close()
