"""What is not a state store of this version is refused with one clear line, and
nothing in a file can make pyic import or call code."""

from __future__ import annotations

import json
import os
import sqlite3
import sys

import pytest
from store_helpers import EMPTY_ARGS, counter_wasm

from pyic.errors import ICError
from pyic.ic.machine import IC
from pyic.ic.store import SCHEMA_VERSION, Store
from pyic.testing import PocketIC

spec = pytest.mark.spec


@pytest.fixture
def saved(tmp_path):
    """A store holding a counter canister, one call made (a request with its status)."""
    pic = PocketIC()
    cid = pic.create_canister()
    pic.install_code(cid, counter_wasm(classic=True), EMPTY_ARGS)
    pic.update_call(cid, "inc", EMPTY_ARGS)
    path = str(tmp_path / "s.db")
    pic.save(path)
    return path


def refusal(path, *, load=True) -> str:
    """The one-line message loading ``path`` gives (through `IC.load`)."""
    with pytest.raises(ICError) as info:
        IC.load(path) if load else Store.open(path)
    text = str(info.value)
    assert "\n" not in text and text
    return text


def edit(path, *statements) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for sql in statements:
            conn.execute(*sql) if isinstance(sql, tuple) else conn.execute(sql)
    finally:
        conn.close()


@spec("The system state")
def test_missing_file(tmp_path):
    assert "no such state store" in refusal(str(tmp_path / "none.db"))


@spec("The system state")
@pytest.mark.parametrize("content", [b"", b"not a database at all\n" * 10, os.urandom(8192),
                                     b"SQLite format 3\x00" + bytes(200)],
                         ids=["empty", "text", "random", "bad-header"])
def test_garbage_file(tmp_path, content):
    path = tmp_path / "garbage.db"
    path.write_bytes(content)
    assert "not a pyic state store" in refusal(str(path))
    assert path.read_bytes() == content            # looked at, not changed


@spec("The system state")
def test_foreign_sqlite_database_is_left_alone(tmp_path):
    path = str(tmp_path / "other.db")
    edit(path, "CREATE TABLE meta (key TEXT, value TEXT)",
         "INSERT INTO meta VALUES ('format', 'something else')")
    with open(path, "rb") as f:
        before = f.read()
    assert "not a pyic state store" in refusal(path)
    with open(path, "rb") as f:
        assert f.read() == before                  # not even switched to WAL


@spec("The system state")
@pytest.mark.parametrize("keep", [0.5, 0.2, 0.05])
def test_truncated_store(saved, keep):
    size = os.path.getsize(saved)
    with open(saved, "r+b") as f:
        f.truncate(int(size * keep))
    text = refusal(saved)
    assert "corrupt pyic state store" in text or "not a pyic state store" in text


@spec("The system state")
@pytest.mark.parametrize("version", [0, SCHEMA_VERSION + 1])   # (1, 2: test_store_migration.py)
def test_other_schema_version_is_refused(saved, version):
    edit(saved, ("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),)))
    text = refusal(saved)
    assert f"schema version {version}" in text and f"schema version {SCHEMA_VERSION}" in text


@spec("The system state")
@pytest.mark.parametrize("version", [1, 2])
def test_an_older_version_with_other_tables_is_refused_unchanged(saved, version):
    """A store naming an older version whose tables are this version's: not migrated."""
    edit(saved, ("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),)))
    with open(saved, "rb") as f:
        before = f.read()
    text = refusal(saved)
    assert f"a schema version {version} store whose tables are not version {version}'s" in text
    with open(saved, "rb") as f:
        assert f.read() == before


@spec("The system state")
def test_unknown_record_type_is_refused_not_imported(saved):
    """A record naming a class outside the registry: refused, the name never imported."""
    assert "this" not in sys.modules and "antigravity" not in sys.modules
    for name in ("this.Zen", "antigravity", "os.system", "builtins.eval"):
        status = json.dumps({"record": name, "fields": {"command": "touch /tmp/pwned"}})
        edit(saved, ("UPDATE requests SET status = ?", (status,)))
        assert "unknown record type" in refusal(saved)
    assert "this" not in sys.modules and "antigravity" not in sys.modules


@spec("The system state")
@pytest.mark.parametrize("status", [
    {"record": "Replied", "fields": {"data": {"bytes": "AA=="}, "__class__": 1}},
    {"record": "Replied", "fields": {}},
    {"record": "Replied", "fields": {"data": {"bytes": "not base64!"}}},
    {"pickle": "gASVAAAA"},
    [1, 2.5],
    {"record": ["Replied"], "fields": {}},
], ids=["extra-field", "missing-field", "bad-bytes", "unknown-tag", "float", "bad-name"])
def test_malformed_values_are_refused(saved, status):
    edit(saved, ("UPDATE requests SET status = ?", (json.dumps(status),)))
    assert "corrupt pyic state store" in refusal(saved)


@spec("The system state")
def test_deep_nesting_is_refused(saved):
    edit(saved, ("UPDATE requests SET status = ?", ("[" * 5000 + "]" * 5000,)))
    assert "corrupt pyic state store" in refusal(saved)


@spec("The system state")
@pytest.mark.parametrize("sql", [
    "CREATE TRIGGER t AFTER UPDATE ON meta BEGIN DELETE FROM canisters; END",
    "CREATE VIEW v AS SELECT * FROM canisters",
    "CREATE TABLE extra (x)",
    "DROP TABLE logs",
], ids=["trigger", "view", "table", "missing"])
def test_other_schema_objects_are_refused(saved, sql):
    edit(saved, sql)
    assert "corrupt pyic state store" in refusal(saved)


@spec("The system state")
@pytest.mark.parametrize("sql,args", [
    ("UPDATE canisters SET balance = ?", (b"\x01",)),
    ("UPDATE canisters SET balance = ?", ("1e30",)),
    ("UPDATE canisters SET balance = ?", ("9" * 5000,)),
    ("UPDATE canisters SET time = ?", ("soon",)),
    ("UPDATE modules SET raw = ?", (b"\x00asm\x01\x00\x00\x00",)),
    ("DELETE FROM wasm_states", ()),
    ("UPDATE pages SET page = 100000 WHERE page = (SELECT max(page) FROM pages)", ()),
    ("UPDATE canisters SET position = 7", ()),
    ("DELETE FROM system", ()),
    ("UPDATE canisters SET controllers = ?", ('{"bytes": "BA=="}',)),
    ("UPDATE requests SET status = ?", ('"running"',)),
    ("UPDATE requests SET request = ?", ('{"record": "Received", "fields": {}}',)),
], ids=["blob-for-nat", "float-text", "huge-nat", "text-for-int", "module-hash",
        "no-wasm-state", "page-beyond", "positions", "no-system", "controllers-type",
        "status-type", "request-type"])
def test_tampered_rows_are_refused(saved, sql, args):
    edit(saved, (sql, args))
    assert "corrupt pyic state store" in refusal(saved)


@spec("The system state")
def test_an_empty_store_is_a_new_ic(tmp_path):
    """A store with no system row and nothing else (just created) holds the initial IC."""
    path = str(tmp_path / "new.db")
    Store.open(path, create=True).close()
    ic = IC.load(path)
    assert ic.state.canisters == {} and ic.time == IC().time


@spec("The system state")
def test_save_will_not_overwrite_a_file_that_is_not_a_store(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"my notes")
    with pytest.raises(ICError) as info:
        PocketIC().save(str(path))
    assert "not a pyic state store" in str(info.value)
    assert path.read_bytes() == b"my notes"
