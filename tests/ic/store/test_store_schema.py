"""The schema, the records and docs/state-format.md agree: a field added to the
state, or a column added to the schema, cannot go unstored or undocumented."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import attrs
import pytest

from pyic.ic.state import S, CallCtxt, Canister, Snapshot
from pyic.ic.store import rows, schema
from pyic.ic.store.codec import REGISTRY

spec = pytest.mark.spec
DOC = Path(__file__).resolve().parents[3] / "docs" / "state-format.md"


def _columns() -> dict:
    conn = sqlite3.connect(":memory:")
    for sql in schema.TABLES.values():
        conn.execute(sql)
    return {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in schema.TABLES}


@spec("The system state")
def test_every_table_and_column_is_documented():
    text = DOC.read_text()
    assert f"schema version {schema.SCHEMA_VERSION}" in text
    for table, columns in _columns().items():
        assert f"**{table}**" in text, table
        section = text.split(f"**{table}**", 1)[1].split("\n**", 1)[0]
        for column in columns:
            if column != "id" or table != "system":
                assert f"`{column}`" in section, f"{table}.{column} is not documented"


@spec("The system state")
def test_every_registered_record_is_documented():
    text = DOC.read_text()
    listed = set(re.findall(r"`(\w+)`", text.split("The registry is", 1)[1].split("\n\n", 1)[0]))
    assert set(REGISTRY) <= listed


@spec("The system state")
def test_every_field_of_the_state_is_stored():
    columns = _columns()
    canister = {name for name, _ in rows.CANISTER} | set(rows.CANISTER_ELSEWHERE)
    assert canister == {f.name for f in attrs.fields(Canister)}
    assert set(rows.CANISTER_COLUMNS) | {"id", "position"} == set(columns["canisters"])
    snapshot = {name for name, _ in rows.SNAPSHOT} | set(rows.SNAPSHOT_ELSEWHERE)
    assert snapshot == {f.name for f in attrs.fields(Snapshot)}
    assert {name for name, _ in rows.CALL_CONTEXT} == {f.name for f in attrs.fields(CallCtxt)}
    system = {"system_time" if n == "time" else n for n, _ in rows.SYSTEM} - {"nonce"}
    elsewhere = {"requests", "canisters", "call_contexts", "messages", "last_trap"}
    assert system | elsewhere == {f.name for f in attrs.fields(S)}
