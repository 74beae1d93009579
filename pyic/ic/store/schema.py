"""The state store's schema, version 3 (docs/state-format.md describes every column).

A store is an SQLite database whose header carries `APPLICATION_ID` and whose
``meta`` table names the format and its version.  Opening a store checks, in
order: SQLite can read it, the application id, the format name, the version,
and that the database holds exactly the tables below with exactly this SQL (no
views, no triggers, no other tables).  Anything else is refused with one line.
A store of an older version is migrated when opened (`migrate`: one transaction, only
after the file is checked to be exactly a store of that version; one function per step
from a version to the next); one of a newer version is refused, naming both versions.
Version 2 added ``snapshots.source``, version 3 ``call_contexts.instructions_executed``.
"""

from __future__ import annotations

import os
import sqlite3

from ...errors import ICError
from .codec import CorruptStore

FORMAT = "pyic-state"
SCHEMA_VERSION = 3
APPLICATION_ID = 0x70796963          # "pyic" in the SQLite header (offset 68)

TABLES = {
    "meta": """CREATE TABLE meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID""",
    "subnet_config": """CREATE TABLE subnet_config (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID""",
    "system": """CREATE TABLE system (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    time INTEGER NOT NULL,
    nonce INTEGER NOT NULL,
    seed BLOB NOT NULL,
    next_canister_index INTEGER NOT NULL,
    next_call_id INTEGER NOT NULL,
    next_snapshot_index INTEGER NOT NULL,
    rand_counter INTEGER NOT NULL,
    subnet_admins TEXT NOT NULL
)""",
    "modules": """CREATE TABLE modules (
    hash BLOB PRIMARY KEY NOT NULL,
    raw BLOB NOT NULL,
    facts TEXT
)""",
    "canisters": """CREATE TABLE canisters (
    id BLOB PRIMARY KEY NOT NULL,
    position INTEGER NOT NULL,
    module_hash BLOB,
    public_custom_sections TEXT,
    private_custom_sections TEXT,
    controllers TEXT NOT NULL,
    compute_allocation INTEGER NOT NULL,
    memory_allocation TEXT NOT NULL,
    freezing_threshold TEXT NOT NULL,
    canister_status TEXT NOT NULL,
    canister_version INTEGER NOT NULL,
    canister_subnet TEXT NOT NULL,
    time INTEGER NOT NULL,
    global_timer TEXT NOT NULL,
    balance TEXT NOT NULL,
    reserved_balance TEXT NOT NULL,
    reserved_balance_limit TEXT NOT NULL,
    minimum_incoming_canister_call_cycles TEXT NOT NULL,
    wasm_memory_limit TEXT NOT NULL,
    wasm_memory_threshold TEXT NOT NULL,
    environment_variables TEXT NOT NULL,
    on_low_wasm_memory_hook_status TEXT NOT NULL,
    certified_data BLOB NOT NULL,
    canister_creation_timestamp INTEGER NOT NULL,
    last_install_timestamp INTEGER,
    history_total_num_changes INTEGER NOT NULL,
    canister_log_visibility TEXT NOT NULL,
    canister_snapshot_visibility TEXT NOT NULL,
    canister_status_visibility TEXT NOT NULL,
    next_log_idx INTEGER NOT NULL,
    query_stats TEXT NOT NULL
) WITHOUT ROWID""",
    "wasm_states": """CREATE TABLE wasm_states (
    canister BLOB NOT NULL,
    snapshot BLOB NOT NULL,
    wasm_memory_kind TEXT NOT NULL,
    wasm_memory_size INTEGER NOT NULL,
    wasm_memory_value TEXT,
    tables TEXT NOT NULL,
    dropped_datas TEXT NOT NULL,
    dropped_elems TEXT NOT NULL,
    stable_memory_kind TEXT NOT NULL,
    stable_memory_size INTEGER NOT NULL,
    globals TEXT NOT NULL,
    self_id BLOB NOT NULL,
    PRIMARY KEY (canister, snapshot)
) WITHOUT ROWID""",
    "pages": """CREATE TABLE pages (
    canister BLOB NOT NULL,
    snapshot BLOB NOT NULL,
    memory TEXT NOT NULL CHECK (memory IN ('wasm', 'stable')),
    page INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (canister, snapshot, memory, page)
)""",
    "history": """CREATE TABLE history (
    canister BLOB NOT NULL,
    position INTEGER NOT NULL,
    change TEXT NOT NULL,
    PRIMARY KEY (canister, position)
) WITHOUT ROWID""",
    "logs": """CREATE TABLE logs (
    canister BLOB NOT NULL,
    idx INTEGER NOT NULL,
    timestamp_nanos INTEGER NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (canister, idx)
) WITHOUT ROWID""",
    "chunks": """CREATE TABLE chunks (
    canister BLOB NOT NULL,
    snapshot BLOB NOT NULL,
    hash BLOB NOT NULL,
    position INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (canister, snapshot, hash)
)""",
    "snapshots": """CREATE TABLE snapshots (
    canister BLOB NOT NULL,
    id BLOB NOT NULL,
    position INTEGER NOT NULL,
    taken_at_timestamp INTEGER NOT NULL,
    module_hash BLOB NOT NULL,
    canister_version INTEGER NOT NULL,
    certified_data BLOB NOT NULL,
    global_timer TEXT,
    on_low_wasm_memory_hook_status TEXT,
    size INTEGER NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (canister, id)
) WITHOUT ROWID""",
    "call_contexts": """CREATE TABLE call_contexts (
    id INTEGER PRIMARY KEY NOT NULL,
    canister BLOB NOT NULL,
    origin TEXT NOT NULL,
    needs_to_respond INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    available_cycles TEXT NOT NULL,
    instructions_executed TEXT NOT NULL
)""",
    "last_traps": """CREATE TABLE last_traps (
    call_id INTEGER PRIMARY KEY NOT NULL,
    message TEXT NOT NULL
)""",
    "messages": """CREATE TABLE messages (
    position INTEGER PRIMARY KEY NOT NULL,
    message TEXT NOT NULL
)""",
    "requests": """CREATE TABLE requests (
    key BLOB PRIMARY KEY NOT NULL,
    position INTEGER NOT NULL,
    request TEXT NOT NULL,
    status TEXT NOT NULL,
    effective_canister_id BLOB NOT NULL
)""",
}


def create(conn: sqlite3.Connection) -> None:
    """Lay out an empty store (inside the caller's transaction)."""
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    for sql in TABLES.values():
        conn.execute(sql)
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                     [("format", FORMAT), ("schema_version", str(SCHEMA_VERSION)),
                      ("generation", os.urandom(16).hex())])


def is_empty(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


def check(conn: sqlite3.Connection, path: str) -> None:
    """Refuse, with one line, anything but a store of this schema version."""
    meta = _meta(conn)
    if meta is None:
        raise ICError(f"{path}: not a pyic state store")
    objects = _objects(conn)
    version = meta.get("schema_version")
    if version != str(SCHEMA_VERSION):
        raise ICError(f"{path}: a pyic state store of schema version {version}; this pyic "
                      f"reads schema version {SCHEMA_VERSION} and migrates versions "
                      f"{_MIGRATED} (no migration from version {version})")
    expected = {name: ("table", sql) for name, sql in TABLES.items()}
    if objects != expected:
        extra = sorted(set(objects) - set(expected))
        missing = sorted(set(expected) - set(objects))
        changed = sorted(n for n in set(expected) & set(objects) if objects[n] != expected[n])
        what = (f"unexpected {objects[extra[0]][0]} {extra[0]!r}" if extra
                else f"no table {missing[0]!r}" if missing
                else f"table {changed[0]!r} has other columns than schema version "
                     f"{SCHEMA_VERSION}'s")
        raise CorruptStore(what)


# Version 2: version 3 without ``call_contexts.instructions_executed``.
_V2_TABLES = dict(TABLES, call_contexts=TABLES["call_contexts"].replace(
    "available_cycles TEXT NOT NULL,\n    instructions_executed TEXT NOT NULL\n",
    "available_cycles TEXT NOT NULL\n"))
# Version 1: version 2 without ``snapshots.source`` (every snapshot then was taken from
# its canister).
_V1_TABLES = dict(_V2_TABLES,
                  snapshots=TABLES["snapshots"].replace("    source TEXT NOT NULL,\n", ""))
_SNAPSHOT_COLUMNS_V1 = ("canister, id, position, taken_at_timestamp, module_hash, "
                        "canister_version, certified_data, global_timer, "
                        "on_low_wasm_memory_hook_status, size")


def _migrate_1_to_2(conn: sqlite3.Connection) -> None:
    """Version 2 added ``snapshots.source``: every version-1 snapshot was taken from its
    canister."""
    conn.execute("ALTER TABLE snapshots RENAME TO snapshots_v1")
    conn.execute(_V2_TABLES["snapshots"])
    conn.execute(f"INSERT INTO snapshots SELECT {_SNAPSHOT_COLUMNS_V1}, "
                 "'taken_from_canister' FROM snapshots_v1")
    conn.execute("DROP TABLE snapshots_v1")


def _migrate_2_to_3(conn: sqlite3.Connection) -> None:
    """Version 3 added ``call_contexts.instructions_executed``: an open context of an
    older store counts from 0 (its earlier executions were not counted).  The table is
    rebuilt, not altered, so its SQL is exactly `TABLES`'s."""
    conn.execute("ALTER TABLE call_contexts RENAME TO call_contexts_v2")
    conn.execute(TABLES["call_contexts"])
    conn.execute("INSERT INTO call_contexts SELECT id, canister, origin, needs_to_respond, "
                 "deleted, available_cycles, '0' FROM call_contexts_v2")
    conn.execute("DROP TABLE call_contexts_v2")


# Each older version: its tables, and the function that brings it to the next version.
_OLDER = {"1": (_V1_TABLES, _migrate_1_to_2), "2": (_V2_TABLES, _migrate_2_to_3)}
_MIGRATED = " and ".join(_OLDER)


def migrate(conn: sqlite3.Connection, path: str) -> None:
    """Bring a store of an older schema version to this version, step by step in one
    transaction, after checking that it is exactly a store of its version (anything
    else is left to `check`, which refuses it unchanged)."""
    if _version(conn) not in _OLDER:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _version(conn)         # another process may have migrated it meanwhile
        if version in _OLDER:
            tables = _OLDER[version][0]
            if _objects(conn) != {name: ("table", sql) for name, sql in tables.items()}:
                raise CorruptStore(f"a schema version {version} store whose tables are not "
                                   f"version {version}'s")
            while version in _OLDER:
                _OLDER[version][1](conn)
                version = str(int(version) + 1)
            conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                         (str(SCHEMA_VERSION),))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _meta(conn: sqlite3.Connection) -> dict | None:
    """The ``meta`` table of a pyic store (None: not recognisably one: another
    application id, no ``meta`` table, or another format)."""
    if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
        return None
    if "meta" not in _objects(conn):
        return None
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    return meta if meta.get("format") == FORMAT else None


def _version(conn: sqlite3.Connection) -> str | None:
    """The schema version a pyic store names (None: not recognisably a pyic store)."""
    meta = _meta(conn)
    return meta.get("schema_version") if meta is not None else None


def _objects(conn: sqlite3.Connection) -> dict:
    return {name: (kind, sql) for kind, name, sql in conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex_%'")}


def generation(conn: sqlite3.Connection) -> str:
    """The token the last save wrote: a cheap "has anyone saved since?" check."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    if row is None or not isinstance(row[0], str):
        raise CorruptStore("no save generation in meta")
    return row[0]


def new_generation(conn: sqlite3.Connection) -> str:
    """A fresh token (random, so a save that was rolled back never matches a later one)."""
    token = os.urandom(16).hex()
    conn.execute("UPDATE meta SET value = ? WHERE key = 'generation'", (token,))
    return token


__all__ = ["FORMAT", "SCHEMA_VERSION", "APPLICATION_ID", "TABLES", "create", "check",
           "migrate", "generation", "new_generation"]
