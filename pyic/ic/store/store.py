"""The state store: an IC's state in an SQLite database, saved transactionally.

    with Store.transaction(path) as ic:     # BEGIN IMMEDIATE; load
        ic.update_call(...)                 # on success: save what changed; COMMIT
                                            # on an exception: ROLLBACK

A command is one transaction.  ``BEGIN IMMEDIATE`` takes the database's write
lock before the state is read, so concurrent commands run one after the other
(each waits up to ``timeout`` seconds) and none loses another's update.  The
database runs in WAL mode with ``synchronous = FULL``: a process killed at any
moment leaves the last committed state.

Saving compares the new state with what the store holds and writes only the
rows that differ.  What the store holds is known without reading it when this
`Store` loaded or saved it last (the ``generation`` in ``meta``, a random token
each save writes, still matches); otherwise it is read back first.  States are
immutable, so an unchanged canister, image or page is the very object that was
loaded, and comparing is mostly comparing identities.

The layout of the tables is `pyic.ic.store.schema`, their rows
`pyic.ic.store.rows` and `pyic.ic.store.memories`; docs/state-format.md
documents them.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
from collections import Counter
from contextlib import contextmanager
from typing import Iterator

from attrs import evolve, frozen

from ...errors import ICError
from ..costs import SubnetConfig
from ..machine import IC
from ..state import (
    CallMessage, CanisterLog, Change, Done, FuncMessage, Processing, Received, Rejected, Replied,
    Request, ResponseMessage, S,
)
from . import memories, rows, schema
from .codec import CorruptStore, dumps
from .columns import BLOB, INT, OPTIONAL, TEXT, VALUE, expect, from_sql, to_sql
from .lazy import LazyModule, check_facts, facts_of

DEFAULT_TIMEOUT = 60.0     # seconds a command waits for another one's write lock

_HUSH = "PRAGMA trusted_schema = OFF"     # a crafted schema's functions never run
MESSAGES = (CallMessage, FuncMessage, ResponseMessage)
STATUSES = (Received, Processing, Rejected, Replied, Done)


@frozen
class _Stored:
    """What the store holds, as of save ``generation``: the state to compare with."""

    generation: str
    cfg: SubnetConfig | None       # None: an empty store (nothing saved yet)
    nonce: int
    state: S


class Store:
    """An open state store (one SQLite connection)."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self._conn = conn
        self.path = path
        self._stored: _Stored | None = None
        # Rows written per table since the store was opened (for tests and reports).
        self.written: Counter = Counter()
        # The Wasm tier the loaded IC runs its canisters on (`SubnetConfig.wasm_tier`): a
        # choice of the command, not state (None: the default).
        self.tier: str | None = None

    # ---------------------------------------------------------------- opening

    @classmethod
    def open(cls, path: str, *, create: bool = False,
             timeout: float = DEFAULT_TIMEOUT) -> "Store":
        """The store at ``path``; ``create``: make an empty one if there is none.
        `ICError` (one line) if the file is not a pyic state store of this version."""
        path = os.fspath(path)
        if not create and not os.path.isfile(path):
            raise ICError(f"{path}: no such state store")
        with _errors(path):
            try:
                conn = sqlite3.connect(path, timeout=timeout, isolation_level=None,
                                       check_same_thread=False)
            except sqlite3.Error as e:
                raise ICError(f"{path}: cannot open the state store: {e}") from None
            store = cls(conn, path)
            try:
                conn.execute(_HUSH)
                if create:
                    conn.execute("BEGIN IMMEDIATE")
                    if schema.is_empty(conn):
                        schema.create(conn)
                    conn.execute("COMMIT")
                schema.migrate(conn, path)
                schema.check(conn, path)
                try:
                    conn.execute("PRAGMA journal_mode = WAL")    # already so, unless new
                except sqlite3.OperationalError:
                    pass            # a read-only file: it can still be read
                conn.execute("PRAGMA synchronous = FULL")
            except BaseException:
                conn.close()
                raise
        return store

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---------------------------------------------------------------- transactions

    def begin(self, write: bool = True) -> None:
        """Start a transaction; a writing one waits for the write lock (``timeout``)."""
        with _errors(self.path):
            self._conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")

    def commit(self) -> None:
        with _errors(self.path):
            self._conn.execute("COMMIT")

    def rollback(self) -> None:
        self._stored = None          # a save that is rolled back is not what is stored
        if self._conn.in_transaction:
            with _errors(self.path):
                self._conn.execute("ROLLBACK")

    @contextmanager
    def _within(self, write: bool) -> Iterator[None]:
        """Inside the caller's transaction, or one of its own."""
        if self._conn.in_transaction:
            yield
            return
        self.begin(write)
        try:
            yield
        except BaseException:
            self.rollback()
            raise
        self.commit()

    @classmethod
    @contextmanager
    def transaction(cls, path: str, *, create: bool = False,
                    timeout: float = DEFAULT_TIMEOUT, tier: str | None = None) -> Iterator[IC]:
        """One command: the IC as stored (its canisters run on ``tier``); what it became
        is saved and committed when the block ends normally, nothing when it raises."""
        store = cls.open(path, create=create, timeout=timeout)
        store.tier = tier
        try:
            store.begin(write=True)
            try:
                ic = store.load_ic()
                yield ic
                store.save_ic(ic)
            except BaseException:
                store.rollback()
                raise
            store.commit()
        finally:
            store.close()

    # ---------------------------------------------------------------- loading

    def load_ic(self) -> IC:
        """The stored IC (an empty store: a new IC); each canister's module is parsed
        when a command first needs it (`LazyModule`)."""
        with _errors(self.path), self._within(write=False):
            stored = self._read(with_modules=True)
        self._stored = stored
        if stored.cfg is None:
            return IC(tier=self.tier)
        ic = IC(stored.cfg)
        ic._nonce = stored.nonce
        ic.state = stored.state
        return ic

    def _read(self, with_modules: bool) -> _Stored:
        """What the store holds; ``with_modules``: canisters get their (lazy) modules,
        else ``None`` (a state to compare with)."""
        conn = self._conn
        generation = schema.generation(conn)
        system = conn.execute(f"SELECT {', '.join(rows.SYSTEM_COLUMNS)} FROM system").fetchall()
        if not system:
            # Only a store nothing was saved to yet has no system row.
            if any(conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone()
                   for table in schema.TABLES if table != "meta"):
                raise CorruptStore("no system row")
            return _Stored(generation, None, 0, S())
        if len(system) != 1:
            raise CorruptStore("more than one system row")
        values = rows.system_of(system[0])
        cfg = rows.config_of(conn.execute("SELECT name, value FROM subnet_config"))
        if self.tier is not None:
            cfg = evolve(cfg, wasm_tier=self.tier)
        modules = _Modules(conn, cfg if with_modules else None)
        states = memories.read_states(conn, "1", ())
        canisters = self._read_canisters(modules, states)
        contexts = {}
        for row in conn.execute(f"SELECT id, {', '.join(rows.CALL_CONTEXT_COLUMNS)} "
                                "FROM call_contexts ORDER BY id"):
            contexts[from_sql(INT, row[0], "call context id")] = rows.call_context_of(row[1:])
        last_trap = {from_sql(INT, i, "last_traps call_id"): from_sql(TEXT, m, "last_traps")
                     for i, m in conn.execute("SELECT call_id, message FROM last_traps")}
        messages = tuple(expect(from_sql(VALUE, m, "message"), MESSAGES, "a message")
                         for m in _dense(conn.execute("SELECT position, message FROM messages "
                                                      "ORDER BY position"), "messages"))
        requests = {}
        for request, status, effective in _dense(conn.execute(
                "SELECT position, request, status, effective_canister_id FROM requests "
                "ORDER BY position"), "requests"):
            requests[expect(from_sql(VALUE, request, "request"), Request, "a request")] = (
                expect(from_sql(VALUE, status, "request status"), STATUSES, "a request status"),
                from_sql(BLOB, effective, "effective_canister_id"))
        state = S(requests=requests, canisters=canisters, call_contexts=contexts,
                  messages=messages, system_time=values["time"],
                  subnet_admins=values["subnet_admins"],
                  next_canister_index=values["next_canister_index"],
                  next_call_id=values["next_call_id"],
                  next_snapshot_index=values["next_snapshot_index"],
                  rand_counter=values["rand_counter"], last_trap=last_trap, seed=values["seed"])
        return _Stored(generation, cfg, values["nonce"], state)

    def _read_canisters(self, modules: "_Modules", states: dict) -> dict:
        conn = self._conn
        chunks: dict = {}
        for canister, snapshot, position, hash_, data in conn.execute(
                "SELECT canister, snapshot, position, hash, data FROM chunks "
                "ORDER BY canister, snapshot, position"):
            chunks.setdefault((canister, snapshot), []).append(
                (position, (from_sql(BLOB, hash_, "chunk hash"), from_sql(BLOB, data, "chunk"))))
        chunks = {k: dict(_dense(v, "chunks")) for k, v in chunks.items()}
        snapshots: dict = {}
        for row in conn.execute(f"SELECT canister, id, position, "
                                f"{', '.join(rows.SNAPSHOT_COLUMNS)} FROM snapshots "
                                "ORDER BY canister, position"):
            cid, sid = from_sql(BLOB, row[0], "snapshot canister"), from_sql(BLOB, row[1], "id")
            snap = rows.snapshot_of(sid, row[3:], modules.raw(row[3]),
                                    _pop(states, (cid, sid), "snapshot"),
                                    chunks.pop((cid, sid), {}))
            snapshots.setdefault(cid, []).append((row[2], (sid, snap)))
        history: dict = {}
        for cid, position, change in conn.execute(
                "SELECT canister, position, change FROM history ORDER BY canister, position"):
            history.setdefault(cid, []).append(
                (position, expect(from_sql(VALUE, change, "history"), Change, "a history entry")))
        logs: dict = {}
        for cid, idx, timestamp, content in conn.execute(
                "SELECT canister, idx, timestamp_nanos, content FROM logs ORDER BY canister, idx"):
            logs.setdefault(cid, []).append(CanisterLog(
                from_sql(INT, idx, "log idx"), from_sql(INT, timestamp, "log timestamp"),
                from_sql(BLOB, content, "log content")))
        canisters = {}
        for row in _dense(conn.execute(f"SELECT position, id, {', '.join(rows.CANISTER_COLUMNS)} "
                                       "FROM canisters ORDER BY position"), "canisters"):
            cid = from_sql(BLOB, row[0], "canister id")
            wasm_state = states.pop((cid, b""), None)
            can_state = None
            if row[1] is not None:
                can_state = rows.can_state_of(row[1:], modules.raw(row[1]),
                                              _need(wasm_state, cid), modules.module(row[1]))
            elif wasm_state is not None:
                raise CorruptStore(f"empty canister {cid.hex()} has a Wasm state")
            canisters[cid] = rows.canister_of(cid, row[1:], dict(
                can_state=can_state, canister_logs=tuple(logs.pop(cid, ())),
                recent_changes=tuple(_dense(history.pop(cid, []), "history")),
                chunk_store=chunks.pop((cid, b""), {}),
                snapshots=dict(_dense(snapshots.pop(cid, []), "snapshots"))))
        if states or chunks or snapshots or history or logs:
            raise CorruptStore("rows belong to no canister")
        return canisters

    # ---------------------------------------------------------------- saving

    def save_ic(self, ic: IC) -> None:
        """Make the store hold ``ic``'s state, writing only the rows that differ."""
        with _errors(self.path), self._within(write=True):
            conn = self._conn
            generation = schema.generation(conn)
            stored = self._stored
            if stored is None or stored.generation != generation:
                stored = self._read(with_modules=False)
            self._write(stored, ic)
            generation = schema.new_generation(conn)
        self._stored = _Stored(generation, ic.cfg, ic._nonce, ic.state)

    def _write(self, stored: _Stored, ic: IC) -> None:
        conn, written = self._conn, self.written
        old, new = stored.state, ic.state
        if stored.cfg != ic.cfg:
            conn.execute("DELETE FROM subnet_config")
            conn.executemany("INSERT INTO subnet_config (name, value) VALUES (?, ?)",
                             rows.config_rows(ic.cfg))
            written["subnet_config"] += 1
        system = rows.system_row(new, ic._nonce)
        if stored.cfg is None or system != rows.system_row(old, stored.nonce):
            conn.execute(f"INSERT OR REPLACE INTO system (id, {', '.join(rows.SYSTEM_COLUMNS)}) "
                         f"VALUES (1, {', '.join('?' * len(system))})", system)
            written["system"] += 1
        self._write_canisters(old.canisters, new.canisters)
        for ctxt_id, ctxt in _changed(old.call_contexts, new.call_contexts):
            if ctxt is None:
                conn.execute("DELETE FROM call_contexts WHERE id = ?", (ctxt_id,))
            else:
                conn.execute(f"INSERT OR REPLACE INTO call_contexts (id, "
                             f"{', '.join(rows.CALL_CONTEXT_COLUMNS)}) "
                             f"VALUES (?{', ?' * len(rows.CALL_CONTEXT_COLUMNS)})",
                             (to_sql(INT, ctxt_id, "call context id"),)
                             + rows.call_context_row(ctxt))
            written["call_contexts"] += 1
        for call_id, message in _changed(old.last_trap, new.last_trap):
            if message is None:
                conn.execute("DELETE FROM last_traps WHERE call_id = ?", (call_id,))
            else:
                conn.execute("INSERT OR REPLACE INTO last_traps (call_id, message) VALUES (?, ?)",
                             (to_sql(INT, call_id, "call id"), to_sql(TEXT, message, "last trap")))
            written["last_traps"] += 1
        if old.messages is not new.messages and old.messages != new.messages:
            conn.execute("DELETE FROM messages")
            conn.executemany("INSERT INTO messages (position, message) VALUES (?, ?)",
                             [(i, dumps(m)) for i, m in enumerate(new.messages)])
            written["messages"] += len(new.messages) + 1
        self._write_requests(old.requests, new.requests)
        # Modules no canister or snapshot uses any more.
        conn.execute("DELETE FROM modules WHERE hash NOT IN (SELECT module_hash FROM canisters "
                     "WHERE module_hash IS NOT NULL UNION SELECT module_hash FROM snapshots)")

    def _write_requests(self, old: dict, new: dict) -> None:
        if old is new:
            return
        conn, written = self._conn, self.written
        position = {r: i for i, r in enumerate(old)}
        for request in old:
            if request not in new:
                conn.execute("DELETE FROM requests WHERE key = ?", (_request_key(request),))
                written["requests"] += 1
        for i, (request, entry) in enumerate(new.items()):
            if request not in old:
                text = dumps(request)
                conn.execute("INSERT INTO requests (key, position, request, status, "
                             "effective_canister_id) VALUES (?, ?, ?, ?, ?)",
                             (_key(text), i, text, dumps(entry[0]), to_sql(BLOB, entry[1], "id")))
            elif old[request] != entry:
                conn.execute("UPDATE requests SET position = ?, status = ?, "
                             "effective_canister_id = ? WHERE key = ?",
                             (i, dumps(entry[0]), to_sql(BLOB, entry[1], "id"),
                              _request_key(request)))
            elif position[request] != i:
                conn.execute("UPDATE requests SET position = ? WHERE key = ?",
                             (i, _request_key(request)))
            else:
                continue
            written["requests"] += 1

    def _write_canisters(self, old: dict, new: dict) -> None:
        if old is new:
            return
        position = {cid: i for i, cid in enumerate(old)}
        for cid in old:
            if cid not in new:
                for table in ("canisters", "wasm_states", "pages", "history", "logs", "chunks",
                              "snapshots"):
                    self._conn.execute(f"DELETE FROM {table} WHERE "
                                       f"{'id' if table == 'canisters' else 'canister'} = ?",
                                       (cid,))
                self.written["canisters"] += 1
        for i, (cid, c) in enumerate(new.items()):
            o = old.get(cid)
            if o is not c or position[cid] != i:
                self._write_canister(cid, i, o, position.get(cid), c)

    def _write_canister(self, cid: bytes, i: int, o, old_position, c) -> None:
        conn, written = self._conn, self.written
        row = rows.canister_row(c)
        if o is None or old_position != i or rows.canister_row(o) != row:
            conn.execute(f"INSERT OR REPLACE INTO canisters (id, position, "
                         f"{', '.join(rows.CANISTER_COLUMNS)}) "
                         f"VALUES ({', '.join('?' * (len(row) + 2))})", (cid, i) + row)
            written["canisters"] += 1
        old_cs = o.can_state if o is not None else None
        if c.can_state is not None and (old_cs is None
                                        or old_cs.raw_module is not c.can_state.raw_module):
            self._put_module(c.can_state.raw_module, c.can_state.module)
        memories.write_state(conn, written, cid, b"",
                             old_cs.wasm_state if old_cs is not None else None,
                             c.can_state.wasm_state if c.can_state is not None else None)
        old_changes = o.canister_history.recent_changes if o is not None else ()
        changes = c.canister_history.recent_changes
        if old_changes is not changes and old_changes != changes:
            conn.execute("DELETE FROM history WHERE canister = ?", (cid,))
            conn.executemany("INSERT INTO history (canister, position, change) VALUES (?, ?, ?)",
                             [(cid, n, dumps(change)) for n, change in enumerate(changes)])
            written["history"] += len(changes) + 1
        self._write_logs(cid, o.canister_logs if o is not None else (), c.canister_logs)
        self._write_chunks(cid, b"", o.chunk_store if o is not None else {}, c.chunk_store)
        self._write_snapshots(cid, o.snapshots if o is not None else {}, c.snapshots)

    def _write_logs(self, cid: bytes, old: tuple, new: tuple) -> None:
        if old is new:
            return
        before = {log.idx: log for log in old}
        after = {log.idx: log for log in new}
        for idx, log in _changed(before, after):
            if log is None:
                self._conn.execute("DELETE FROM logs WHERE canister = ? AND idx = ?", (cid, idx))
            else:
                self._conn.execute(
                    "INSERT OR REPLACE INTO logs (canister, idx, timestamp_nanos, content) "
                    "VALUES (?, ?, ?, ?)", (cid, to_sql(INT, idx, "log idx"),
                                            to_sql(INT, log.timestamp_nanos, "log timestamp"),
                                            to_sql(BLOB, log.content, "log content")))
            self.written["logs"] += 1

    def _write_chunks(self, cid: bytes, sid: bytes, old: dict, new: dict) -> None:
        if old is new:
            return
        conn = self._conn
        position = {h: i for i, h in enumerate(old)}
        for h in old:
            if h not in new:
                conn.execute("DELETE FROM chunks WHERE canister = ? AND snapshot = ? AND hash = ?",
                             (cid, sid, h))
                self.written["chunks"] += 1
        for i, (h, data) in enumerate(new.items()):
            if h not in old or old[h] != data:
                conn.execute("INSERT OR REPLACE INTO chunks (canister, snapshot, hash, position, "
                             "data) VALUES (?, ?, ?, ?, ?)",
                             (cid, sid, to_sql(BLOB, h, "chunk hash"), i,
                              to_sql(BLOB, data, "chunk")))
            elif position[h] != i:
                conn.execute("UPDATE chunks SET position = ? WHERE canister = ? AND snapshot = ? "
                             "AND hash = ?", (i, cid, sid, h))
            else:
                continue
            self.written["chunks"] += 1

    def _write_snapshots(self, cid: bytes, old: dict, new: dict) -> None:
        if old is new:
            return
        conn = self._conn
        position = {sid: i for i, sid in enumerate(old)}
        for sid, snap in old.items():
            if sid not in new:
                conn.execute("DELETE FROM snapshots WHERE canister = ? AND id = ?", (cid, sid))
                conn.execute("DELETE FROM chunks WHERE canister = ? AND snapshot = ?", (cid, sid))
                memories.write_state(conn, self.written, cid, sid, snap.wasm_state, None)
                self.written["snapshots"] += 1
        for i, (sid, snap) in enumerate(new.items()):
            o = old.get(sid)
            if o is snap and position[sid] == i:
                continue
            if o is not snap:
                self._put_module(snap.raw_module)
            row = rows.snapshot_row(snap)
            conn.execute(f"INSERT OR REPLACE INTO snapshots (canister, id, position, "
                         f"{', '.join(rows.SNAPSHOT_COLUMNS)}) "
                         f"VALUES ({', '.join('?' * (len(row) + 3))})",
                         (cid, to_sql(BLOB, sid, "snapshot id"), i) + row)
            self.written["snapshots"] += 1
            memories.write_state(conn, self.written, cid, sid,
                                 o.wasm_state if o is not None else None, snap.wasm_state)
            self._write_chunks(cid, sid, o.chunk_store if o is not None else {}, snap.chunk_store)

    def _put_module(self, raw: bytes, module=None) -> None:
        """Store a module once, under its hash (canisters and snapshots share it), with
        the facts a `LazyModule` answers unparsed when a canister runs it (``module``)."""
        facts = None if module is None else to_sql(VALUE, facts_of(module), "module facts")
        cursor = self._conn.execute(
            "INSERT INTO modules (hash, raw, facts) VALUES (?, ?, ?) ON CONFLICT (hash) "
            "DO UPDATE SET facts = excluded.facts WHERE modules.facts IS NULL "
            "AND excluded.facts IS NOT NULL",
            (rows.module_hash(raw), to_sql(BLOB, raw, "module"), facts))
        self.written["modules"] += cursor.rowcount


# ------------------------------------------------------------------ helpers


class _Modules:
    """The stored modules, each read (and checked against its hash) once per load."""

    def __init__(self, conn: sqlite3.Connection, cfg: SubnetConfig | None) -> None:
        self._conn = conn
        self._cfg = cfg          # None: no modules (a state to compare with)
        self._rows: dict = {}

    def _row(self, hash_) -> tuple:
        hash_ = from_sql(BLOB, hash_, "module_hash")
        row = self._rows.get(hash_)
        if row is None:
            row = self._conn.execute("SELECT raw, facts FROM modules WHERE hash = ?",
                                     (hash_,)).fetchone()
            if row is None or not isinstance(row[0], bytes) \
                    or rows.module_hash(row[0]) != hash_:
                raise CorruptStore(f"module {hash_.hex()[:16]}... is missing or damaged")
            facts = from_sql(VALUE + OPTIONAL, row[1], "module facts")
            row = self._rows[hash_] = (row[0], None if facts is None else check_facts(facts))
        return row

    def raw(self, hash_) -> bytes:
        return self._row(hash_)[0]

    def module(self, hash_):
        """The canister module of a stored hash, parsed when first used (`LazyModule`)."""
        if self._cfg is None:
            return None
        raw, facts = self._row(hash_)
        return LazyModule(raw, self._cfg, facts)


def _dense(rows_, what: str) -> list:
    """The values of (position, value) rows, checking the positions are 0, 1, 2 ..."""
    out = []
    for position, *value in rows_:
        if position != len(out):
            raise CorruptStore(f"{what}: positions are not 0, 1, 2 ...")
        out.append(value[0] if len(value) == 1 else tuple(value))
    return out


def _pop(states: dict, key: tuple, what: str):
    state = states.pop(key, None)
    if state is None:
        raise CorruptStore(f"a {what} has no Wasm state")
    return state


def _need(state, cid: bytes):
    if state is None:
        raise CorruptStore(f"canister {cid.hex()} has a module but no Wasm state")
    return state


def _changed(old: dict, new: dict):
    """(key, new value or None if removed) for every entry that differs."""
    if old is new:
        return
    for key in old:
        if key not in new:
            yield key, None
    for key, value in new.items():
        before = old.get(key)
        if before is not value and before != value:
            yield key, value


def _key(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def _request_key(request) -> bytes:
    return _key(dumps(request))


@contextmanager
def _errors(path: str) -> Iterator[None]:
    """SQLite's and the decoder's complaints as one line naming the file."""
    try:
        yield
    except CorruptStore as e:
        if e.message.startswith(f"{path}: "):
            raise
        raise CorruptStore(f"{path}: corrupt pyic state store: {e.message}") from None
    except sqlite3.OperationalError as e:
        text = str(e)
        if "locked" in text or "busy" in text:
            raise ICError(f"{path}: the state store is busy (another command holds it)") from None
        if "not a database" in text:
            raise ICError(f"{path}: not a pyic state store") from None
        raise ICError(f"{path}: cannot use the state store: {text}") from None
    except sqlite3.DatabaseError as e:
        if "not a database" in str(e):
            raise ICError(f"{path}: not a pyic state store") from None
        raise CorruptStore(f"{path}: corrupt pyic state store: {e}") from None
    except UnicodeDecodeError as e:
        # SQLite hands back text it stored unchecked: a damaged byte shows here.
        raise CorruptStore(f"{path}: corrupt pyic state store: text that is not UTF-8 "
                           f"({e.reason} at byte {e.start})") from None


# ------------------------------------------------------------------ whole-file saves


def write_new(ic: IC, path: str) -> None:
    """Replace the store at ``path`` (if any) with a new one holding ``ic``'s state,
    atomically: it is built beside ``path``, flushed to disk and renamed over it.

    For `IC.save`: a state saved as a whole, by one process.  Commands that share
    a store use `Store.transaction`; a store in use must not be replaced this way
    (a process holding it open would keep writing to the old file)."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.exists(path):
        # Refuse to overwrite anything but a store, and fold its write-ahead log
        # back into it so no log of the old file is left beside the new one.
        with Store.open(path) as old, _errors(path):
            old._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    fd, tmp = tempfile.mkstemp(prefix=".pyic-state-", dir=directory)
    os.close(fd)
    try:
        with Store.open(tmp, create=True) as store:
            store.save_ic(ic)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        for leftover in (tmp, tmp + "-wal", tmp + "-shm", tmp + "-journal"):
            if os.path.exists(leftover):
                os.unlink(leftover)
        raise


__all__ = ["Store", "write_new", "DEFAULT_TIMEOUT"]
