"""Canister snapshots (interface spec, "Abstract behavior"): "Take canister
snapshot", "Load canister snapshot", "List canister snapshots", "Delete canister
snapshot".  Reading and uploading snapshot data: `pyic.ic.management.snapshot_data`.
"""

from __future__ import annotations

from ...candid import Record
from ...errors import ICError
from ..canister import CANISTER_ERROR, Reply
from ..principal_text import principal_text
from ..rules.common import wasm_state_size
from ..rules.cycles import uninstall_canister
from ..state import CONTROLLERS, PUBLIC, CanState, S, Snapshot, delete_from, replace_in, evolve
from . import MgmtReject, Outcome, method, only_controllers, target
from .args import encode_result, field
from .canisters import change_origin, record_change


def _snapshot_value(s: Snapshot) -> Record:
    return Record.of(id=s.snapshot_id, taken_at_timestamp=s.taken_at_timestamp,
                     total_size=s.size)


def check_snapshot_visibility(state: S, cid: bytes, caller: bytes) -> None:
    """``canister_snapshot_visibility``: Public, Controllers, or AllowedViewers
    (those and the controllers) may list a canister's snapshots and read them."""
    c = state.canisters[cid]
    vis = c.canister_snapshot_visibility
    if vis == PUBLIC or caller in c.controllers:
        return
    if vis != CONTROLLERS and isinstance(vis, tuple) and caller in vis[1]:
        return
    raise only_controllers(cid, caller, c.controllers)


def _not_found(cid: bytes, snapshot_id: bytes) -> MgmtReject:
    return MgmtReject(3, f"Could not find the snapshot ID {snapshot_id.hex()} for canister "
                      f"{principal_text(cid)}", "IC0305")


def room_for_snapshot(c, cid: bytes, replace: bytes | None, cfg) -> dict:
    """The canister's snapshots with room for a new one: without ``replace`` (which must
    exist), or, with none to replace, under the per-canister limit (else a reject)."""
    snapshots = dict(c.snapshots)
    if replace is not None:
        if replace not in snapshots:
            raise _not_found(cid, replace)
        del snapshots[replace]
    elif len(snapshots) >= cfg.max_snapshots_per_canister:
        raise MgmtReject(CANISTER_ERROR, f"Canister {principal_text(cid)} has reached the "
                         f"maximum number of snapshots ({cfg.max_snapshots_per_canister})",
                         "IC0408")
    return snapshots


@method("take_canister_snapshot", "controllers")
def take_canister_snapshot(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Take canister snapshot" (optionally uninstalling)."""
    cid = target(state, args)
    c = state.canisters[cid]
    if c.can_state is None:
        raise MgmtReject(CANISTER_ERROR, f"Canister {principal_text(cid)} is empty: there is "
                         "nothing to snapshot", "IC0537")
    snapshots = room_for_snapshot(c, cid, field(args, "replace_snapshot"), cfg)
    # Snapshot ids: the canister id and a per-IC counter, so they are unique and stable.
    snapshot_id = cid + state.next_snapshot_index.to_bytes(8, "big")
    state = evolve(state, next_snapshot_index=state.next_snapshot_index + 1)
    cs = c.can_state
    snap = Snapshot(snapshot_id=snapshot_id, taken_at_timestamp=c.time, raw_module=cs.raw_module,
                    wasm_state=cs.wasm_state, chunk_store=dict(c.chunk_store),
                    canister_version=c.canister_version, certified_data=c.certified_data,
                    global_timer=c.global_timer,
                    on_low_wasm_memory_hook_status=c.on_low_wasm_memory_hook_status,
                    size=wasm_state_size(cs.wasm_state) + len(cs.raw_module))
    snapshots[snapshot_id] = snap
    new = evolve(c, snapshots=snapshots)
    uninstall = bool(field(args, "uninstall_code", False))
    if uninstall:
        # The history entry carries the version after the change (spec: version + 1).
        new = evolve(new, can_state=None, last_install_timestamp=None, certified_data=b"",
                     chunk_store={}, canister_logs=(), global_timer=0,
                     canister_version=c.canister_version + 1)
        new = record_change(new, c.time, change_origin(cm, state), ("code_uninstall",), cfg)
    state = evolve(state, canisters=replace_in(state.canisters, cid, new))
    if uninstall:
        state = uninstall_canister(state, cid, f"Canister {principal_text(cid)} has been "
                                   "uninstalled")
    return Outcome(state, Reply(encode_result("take_canister_snapshot", _snapshot_value(snap))),
                   cm.transferred_cycles)


@method("load_canister_snapshot", "controllers")
def load_canister_snapshot(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Load canister snapshot": the canister's module,
    state, chunk store, certified data and timer become the snapshot's.  pyic loads
    only a canister's own snapshots (``Canister_id = A.canister_id``)."""
    cid = target(state, args)
    c = state.canisters[cid]
    snapshot_id = field(args, "snapshot_id")
    snap = c.snapshots.get(snapshot_id)
    if snap is None:
        raise _not_found(cid, snapshot_id)
    from .code import parse_for_subnet
    from .snapshot_data import UPLOADED, check_uploaded
    try:
        parsed = parse_for_subnet(snap.raw_module, cfg)
    except ICError as e:
        raise MgmtReject(CANISTER_ERROR, f"The snapshot's module is not a valid canister "
                         f"module: {e}", "IC0505") from None
    wasm_state = snap.wasm_state
    timer, hook = c.global_timer, c.on_low_wasm_memory_hook_status
    if snap.source == UPLOADED:
        # The globals' types, the memory's size and the hook condition are checked
        # against the module only now; timer and hook status replace the canister's
        # only if the upload gave them.
        wasm_state = check_uploaded(snap, c)
        timer = timer if snap.global_timer is None else snap.global_timer
        hook = hook if snap.on_low_wasm_memory_hook_status is None \
            else snap.on_low_wasm_memory_hook_status
    new = evolve(c, can_state=CanState(wasm_state, parsed.module, snap.raw_module,
                                       parsed.public_custom_sections,
                                       parsed.private_custom_sections),
                 chunk_store=dict(snap.chunk_store), certified_data=snap.certified_data,
                 global_timer=timer, on_low_wasm_memory_hook_status=hook,
                 last_install_timestamp=c.time)
    new = evolve(new, canister_version=c.canister_version + 1)
    # ``From_canister_id = null``: the snapshot is the canister's own.
    new = record_change(new, c.time, change_origin(cm, state),
                        ("load_snapshot", None, snapshot_id, snap.canister_version,
                         snap.taken_at_timestamp, snap.source), cfg)
    state = evolve(state, canisters=replace_in(state.canisters, cid, new))
    return Outcome(state, Reply(encode_result("load_canister_snapshot")), cm.transferred_cycles)


@method("list_canister_snapshots", "any")
def list_canister_snapshots(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: List canister snapshots": whoever
    ``canister_snapshot_visibility`` lets (by ingress, controllers only: submission)."""
    cid = target(state, args)
    check_snapshot_visibility(state, cid, cm.caller)
    c = state.canisters[cid]
    values = tuple(_snapshot_value(s) for _, s in sorted(c.snapshots.items()))
    return Outcome(state, Reply(encode_result("list_canister_snapshots", values)),
                   cm.transferred_cycles)


@method("delete_canister_snapshot", "controllers")
def delete_canister_snapshot(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Delete canister snapshot"."""
    cid = target(state, args)
    c = state.canisters[cid]
    snapshot_id = field(args, "snapshot_id")
    if snapshot_id not in c.snapshots:
        raise _not_found(cid, snapshot_id)
    new = evolve(c, snapshots=delete_from(c.snapshots, snapshot_id))
    state = evolve(state, canisters=replace_in(state.canisters, cid, new))
    return Outcome(state, Reply(encode_result("delete_canister_snapshot")),
                   cm.transferred_cycles)
