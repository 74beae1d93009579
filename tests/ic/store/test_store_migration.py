"""A store of an older schema version is migrated when opened (docs/state-format.md,
"Policy"): in one transaction, after the file is checked to be exactly a store of that
version; its contents come through unchanged."""

from __future__ import annotations

import sqlite3

import attrs
import pytest
from store_helpers import EMPTY_ARGS, counter_value, counter_wasm

from pyic.errors import ICError
from pyic.ic import scheduler
from pyic.ic.store import SCHEMA_VERSION, schema
from pyic.testing import PocketIC

spec = pytest.mark.spec


def _rewrite(path: str, *statements: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        for sql in statements:
            conn.execute(sql)
        conn.execute("COMMIT")
    finally:
        conn.close()


def _as_version_2(path: str) -> None:
    """Rewrite a store of this version as version 2 wrote it: no
    ``call_contexts.instructions_executed``."""
    _rewrite(path,
             "ALTER TABLE call_contexts RENAME TO call_contexts_v3",
             schema._V2_TABLES["call_contexts"],
             "INSERT INTO call_contexts SELECT id, canister, origin, needs_to_respond, deleted, "
             "available_cycles FROM call_contexts_v3",
             "DROP TABLE call_contexts_v3",
             "UPDATE meta SET value = '2' WHERE key = 'schema_version'")


def _as_version_1(path: str) -> None:
    """Rewrite a store of this version as version 1 wrote it: version 2 without
    ``snapshots.source``."""
    _as_version_2(path)
    v1 = schema.TABLES["snapshots"].replace("    source TEXT NOT NULL,\n", "")
    _rewrite(path,
             "ALTER TABLE snapshots RENAME TO snapshots_v2",
             v1,
             "INSERT INTO snapshots SELECT canister, id, position, taken_at_timestamp, "
             "module_hash, canister_version, certified_data, global_timer, "
             "on_low_wasm_memory_hook_status, size FROM snapshots_v2",
             "DROP TABLE snapshots_v2",
             "UPDATE meta SET value = '1' WHERE key = 'schema_version'")


def _version(path: str) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def v1_store(tmp_path):
    """A version-1 store: a counter at 2 with a snapshot taken at 1."""
    pic = PocketIC()
    cid = pic.create_canister()
    pic.install_code(cid, counter_wasm(classic=True), EMPTY_ARGS)
    pic.update_call(cid, "inc", EMPTY_ARGS)
    snap = pic.take_canister_snapshot(cid)
    pic.update_call(cid, "inc", EMPTY_ARGS)
    path = str(tmp_path / "v1.db")
    pic.save(path)
    _as_version_1(path)
    return path, cid, snap


@spec("The system state")
def test_a_version_1_store_is_migrated_and_keeps_its_contents(v1_store):
    path, cid, snap = v1_store
    assert _version(path) == "1"
    pic = PocketIC.load(path)
    assert _version(path) == str(SCHEMA_VERSION)
    assert counter_value(pic, cid) == 2
    (listed,) = pic.list_canister_snapshots(cid)
    snap_id = snap["id"] if isinstance(snap, dict) else snap
    assert (listed["id"] if isinstance(listed, dict) else listed) == snap_id
    snapshot = pic.ic.state.canisters[bytes(cid.bytes)].snapshots[bytes(snap_id)]
    assert snapshot.source == "taken_from_canister"  # what every version-1 snapshot was
    pic.stop_canister(cid)
    pic.load_canister_snapshot(cid, snap_id)
    pic.start_canister(cid)
    assert counter_value(pic, cid) == 1


@spec("The system state")
def test_a_version_1_store_with_other_tables_is_refused_unchanged(v1_store):
    path = v1_store[0]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE extra (x)")
    conn.close()
    with open(path, "rb") as f:
        before = f.read()
    with pytest.raises(ICError) as info:
        PocketIC.load(path)
    assert "version 1" in str(info.value)
    with open(path, "rb") as f:
        assert f.read() == before
    assert _version(path) == "1"


@spec("The system state")
def test_a_version_2_store_is_migrated_and_its_open_contexts_count_from_0(rich, tmp_path):
    pic = rich[0]
    path = str(tmp_path / "v2.db")
    pic.save(path)
    _as_version_2(path)
    assert _version(path) == "2"
    contexts = pic.ic.state.call_contexts
    assert any(c.instructions_executed for c in contexts.values())
    loaded = PocketIC.load(path)
    assert _version(path) == str(SCHEMA_VERSION)
    migrated = loaded.ic.state.call_contexts
    assert list(migrated) == list(contexts)
    for ctxt_id, ctxt in contexts.items():
        assert migrated[ctxt_id] == attrs.evolve(ctxt, instructions_executed=0)
    # The call in flight finishes.
    (open_id,) = [i for i, c in migrated.items() if c.needs_to_respond]
    loaded.ic.state = scheduler.run_until_idle(loaded.ic.state, loaded.ic.cfg)
    assert open_id not in loaded.ic.state.call_contexts
