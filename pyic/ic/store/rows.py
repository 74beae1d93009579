"""The records of the state as table rows: which field goes to which column, how.

Each table is a tuple of (column, field, kind); ``kind`` says how the value is
kept (`pyic.ic.store.columns`).  A record's row is its stored columns in that
order, so "has this record changed?" is "is its row different?".  The parts of
a canister that have tables of their own (its module, Wasm state, logs,
history, chunks and snapshots) are not here but in `pyic.ic.store.store`.
"""

from __future__ import annotations

import hashlib

import attrs

from ..costs import SubnetConfig
from ..state import (
    CallCtxt, Canister, CanisterHistory, CanState, FromCanister, FromSystemTask, FromUser, Snapshot,
    Stopping, Subnet,
)
from .codec import CorruptStore
from .columns import BLOB, BOOL, INT, NAT, OPTIONAL, TEXT, VALUE, expect, from_sql, to_sql

# ------------------------------------------------------------------ canisters

# Canister fields kept as columns of ``canisters`` (column name = field name).
CANISTER = (
    ("controllers", VALUE), ("compute_allocation", INT), ("memory_allocation", NAT),
    ("freezing_threshold", NAT), ("canister_status", VALUE), ("canister_version", INT),
    ("canister_subnet", VALUE), ("time", INT), ("global_timer", NAT), ("balance", NAT),
    ("reserved_balance", NAT), ("reserved_balance_limit", NAT),
    ("minimum_incoming_canister_call_cycles", NAT), ("wasm_memory_limit", NAT),
    ("wasm_memory_threshold", NAT), ("environment_variables", VALUE),
    ("on_low_wasm_memory_hook_status", TEXT), ("certified_data", BLOB),
    ("canister_creation_timestamp", INT), ("last_install_timestamp", INT + OPTIONAL),
    ("canister_log_visibility", VALUE), ("canister_snapshot_visibility", VALUE),
    ("canister_status_visibility", VALUE), ("next_log_idx", INT), ("query_stats", VALUE),
)
# Canister fields with tables of their own, or split into several columns.
CANISTER_ELSEWHERE = ("canister_id", "can_state", "canister_history", "canister_logs",
                      "chunk_store", "snapshots")
# What the VALUE columns decode to (a crafted file gets CorruptStore, not a strange state).
CANISTER_TYPES = {"controllers": frozenset, "canister_status": (str, Stopping),
                  "canister_subnet": Subnet, "environment_variables": tuple,
                  "canister_log_visibility": (str, tuple),
                  "canister_snapshot_visibility": (str, tuple),
                  "canister_status_visibility": (str, tuple), "query_stats": tuple}
CANISTER_COLUMNS = ("module_hash", "public_custom_sections", "private_custom_sections",
                    "history_total_num_changes") + tuple(name for name, _ in CANISTER)


def module_hash(raw: bytes) -> bytes:
    return hashlib.sha256(raw).digest()


def canister_row(c: Canister) -> tuple:
    """The ``canisters`` columns of ``c`` (after id and position), as `CANISTER_COLUMNS`."""
    cs = c.can_state
    code = (None, None, None) if cs is None else (
        module_hash(cs.raw_module), to_sql(VALUE, cs.public_custom_sections, "custom sections"),
        to_sql(VALUE, cs.private_custom_sections, "custom sections"))
    return code + (to_sql(INT, c.canister_history.total_num_changes, "total_num_changes"),) + \
        tuple(to_sql(kind, getattr(c, name), name) for name, kind in CANISTER)


def canister_of(cid: bytes, row: tuple, parts: dict) -> Canister:
    """A `Canister` from its row; ``parts``: the fields kept elsewhere (can_state built)."""
    fields = {name: from_sql(kind, value, f"canister {cid.hex()}: {name}")
              for (name, kind), value in zip(CANISTER, row[4:])}
    for name, types in CANISTER_TYPES.items():
        expect(fields[name], types, f"canister {cid.hex()}: {name}")
    total = from_sql(INT, row[3], "history_total_num_changes")
    history = CanisterHistory(total, parts.pop("recent_changes"))
    return Canister(canister_id=cid, canister_history=history, **parts, **fields)


def can_state_of(row: tuple, raw: bytes, wasm_state, module) -> CanState:
    """``S.canisters[A]`` from the custom-section columns of a row, the raw module,
    the stored Wasm state and the (parsed, or None) module."""
    public = from_sql(VALUE, row[1], "public_custom_sections")
    private = from_sql(VALUE, row[2], "private_custom_sections")
    if type(public) is not dict or type(private) is not dict:
        raise CorruptStore("stored custom sections are not maps")
    return CanState(wasm_state, module, raw, public, private)


# ------------------------------------------------------------------ snapshots

SNAPSHOT = (
    ("taken_at_timestamp", INT), ("canister_version", INT), ("certified_data", BLOB),
    ("global_timer", NAT + OPTIONAL), ("on_low_wasm_memory_hook_status", TEXT + OPTIONAL),
    ("size", INT), ("source", TEXT),
)
SNAPSHOT_ELSEWHERE = ("snapshot_id", "raw_module", "wasm_state", "chunk_store")
SNAPSHOT_COLUMNS = ("module_hash",) + tuple(name for name, _ in SNAPSHOT)


def snapshot_row(s: Snapshot) -> tuple:
    return (module_hash(s.raw_module),) + \
        tuple(to_sql(kind, getattr(s, name), f"snapshot {name}") for name, kind in SNAPSHOT)


def snapshot_of(sid: bytes, row: tuple, raw: bytes, wasm_state, chunk_store: dict) -> Snapshot:
    fields = {name: from_sql(kind, value, f"snapshot {sid.hex()}: {name}")
              for (name, kind), value in zip(SNAPSHOT, row[1:])}
    if fields["source"] not in ("taken_from_canister", "metadata_upload"):
        raise CorruptStore(f"snapshot {sid.hex()}: unknown source {fields['source']!r}")
    return Snapshot(snapshot_id=sid, raw_module=raw, wasm_state=wasm_state,
                    chunk_store=chunk_store, **fields)


# ------------------------------------------------------------------ call contexts

CALL_CONTEXT = (("canister", BLOB), ("origin", VALUE), ("needs_to_respond", BOOL),
                ("deleted", BOOL), ("available_cycles", NAT), ("instructions_executed", NAT))
CALL_CONTEXT_COLUMNS = tuple(name for name, _ in CALL_CONTEXT)


def call_context_row(ctxt: CallCtxt) -> tuple:
    return tuple(to_sql(kind, getattr(ctxt, name), f"call context {name}")
                 for name, kind in CALL_CONTEXT)


def call_context_of(row: tuple) -> CallCtxt:
    fields = {name: from_sql(kind, value, f"call context {name}")
              for (name, kind), value in zip(CALL_CONTEXT, row)}
    expect(fields["origin"], (FromUser, FromCanister, FromSystemTask), "call context origin")
    return CallCtxt(**fields)


# ------------------------------------------------------------------ the system row

# (column, kind); ``nonce`` is the IC's, the others are fields of S.
SYSTEM = (("time", INT), ("nonce", INT), ("seed", BLOB), ("next_canister_index", INT),
          ("next_call_id", INT), ("next_snapshot_index", INT), ("rand_counter", INT),
          ("subnet_admins", VALUE))
SYSTEM_COLUMNS = tuple(name for name, _ in SYSTEM)


def system_row(state, nonce: int) -> tuple:
    values = dict(time=state.system_time, nonce=nonce, seed=state.seed,
                  next_canister_index=state.next_canister_index,
                  next_call_id=state.next_call_id, next_snapshot_index=state.next_snapshot_index,
                  rand_counter=state.rand_counter, subnet_admins=state.subnet_admins)
    return tuple(to_sql(kind, values[name], name) for name, kind in SYSTEM)


def system_of(row: tuple) -> dict:
    values = {name: from_sql(kind, value, f"system {name}")
              for (name, kind), value in zip(SYSTEM, row)}
    if type(values["subnet_admins"]) is not dict:
        raise CorruptStore("system subnet_admins is not a map")
    return values


# ------------------------------------------------------------------ the subnet configuration

# The fields that are state (`SubnetConfig.wasm_tier` is how a run executes, not state).
CONFIG_FIELDS = tuple(f.name for f in attrs.fields(SubnetConfig)
                      if f.metadata.get("state", True))
# Every field is a count or a fee (NAT) but the cost schedule's name.
_CONFIG_KIND = {name: TEXT if name == "cost_schedule" else NAT for name in CONFIG_FIELDS}


def config_rows(cfg: SubnetConfig) -> list:
    return [(name, to_sql(_CONFIG_KIND[name], getattr(cfg, name), name))
            for name in CONFIG_FIELDS]


def config_of(rows) -> SubnetConfig:
    """The stored configuration; a field a store lacks keeps its default."""
    values = {}
    for name, value in rows:
        if name not in CONFIG_FIELDS:
            raise CorruptStore(f"unknown subnet configuration field {name!r:.60}")
        values[name] = from_sql(_CONFIG_KIND[name], value, f"subnet_config {name}")
    return SubnetConfig(**values)


__all__ = ["CANISTER_COLUMNS", "canister_row", "canister_of", "snapshot_row", "snapshot_of",
           "call_context_row", "call_context_of", "system_row", "system_of", "config_rows",
           "config_of", "module_hash"]
