"""Downloading and uploading canister snapshots (interface spec, "Abstract
behavior": "Read snapshot metadata", "Read snapshot data", "Upload canister
snapshot metadata", "Upload canister snapshot data"; management-canister.md
"IC method read_canister_snapshot_metadata" and the three after it).

A snapshot's globals are ``WasmState.globals``: for a snapshot taken from a
canister, the engine's values of the module's mutable globals (types from the
module); for an uploaded one, ``(type, value)`` pairs, since its module is not
known until ``load_canister_snapshot`` checks them against it (`load_globals`).
"""

from __future__ import annotations

import hashlib
import struct

from ...candid import Opt, Record, Variant
from ..canister import CANISTER_ERROR, Reply, WasmState
from ..principal_text import principal_text
from ..state import S, Snapshot, evolve, replace_in
from ..system_api.images import PAGE, HeapImage, PagedBlob, pages_of, read_pages
from ..system_api.stable import MAX_STABLE_PAGES
from ..wasm_module import MAX_MODULE_BYTES, decode_canister_module
from . import MgmtReject, Outcome, method, target
from .args import encode_result, field
from .canisters import _variant_name
from .code import MAX_CHUNKS_IN_STORE
from .snapshots import _not_found, check_snapshot_visibility, room_for_snapshot

# The largest slice one ``read_canister_snapshot_data`` returns: the replica's limit,
# which keeps the Candid reply under the 2 MiB response limit.
MAX_SLICE_SIZE = 2_000_000

TAKEN, UPLOADED = "taken_from_canister", "metadata_upload"
NUMBER_TYPES = ("i32", "i64", "f32", "f64", "v128")
_BITS = {"i32": 32, "i64": 64, "f32": 32, "f64": 64, "v128": 128}


def _invalid(message: str) -> MgmtReject:
    return MgmtReject(CANISTER_ERROR, message, "IC0408")


# ------------------------------------------------------------------ access and lookup


def _snapshot(state: S, cid: bytes, snapshot_id: bytes) -> Snapshot:
    snap = state.canisters[cid].snapshots.get(snapshot_id)
    if snap is None:
        raise _not_found(cid, snapshot_id)
    return snap


def _heap_size(mem) -> int:
    if isinstance(mem, HeapImage):
        return mem.size
    return len(mem) if isinstance(mem, (bytes, bytearray)) else 0


def _heap_slice(mem, offset: int, n: int) -> bytes:
    if isinstance(mem, HeapImage):
        return read_pages(mem.pages, mem.size, offset, n)
    return bytes(mem[offset:offset + n])


# ------------------------------------------------------------------ globals


def _typed_globals(snap: Snapshot) -> tuple:
    """``Snapshot.wasm_state.globals`` as ``(type, engine value)`` pairs."""
    ws = snap.wasm_state
    if snap.source == UPLOADED:
        return ws.globals
    if not ws.globals:
        return ()
    module = decode_canister_module(snap.raw_module)[0]
    types = [g.type.valtype for g in module.globals if g.type.mut]
    out = []
    for t, v in zip(types, ws.globals):
        if t not in NUMBER_TYPES:
            raise _invalid(f"The snapshot holds a global of type {t}, which snapshot metadata "
                           "cannot express")
        out.append((t, v))
    return tuple(out)


def _signed(v: int, bits: int) -> int:
    return v - (1 << bits) if v >> (bits - 1) else v


def global_value(t: str, v: int) -> Variant:
    """The ``globals`` entry of a global of type ``t`` whose engine value (unsigned
    ints; floats as their IEEE-754 bits) is ``v``."""
    if t in ("i32", "i64"):
        return Variant.of(t, _signed(v, _BITS[t]))
    if t == "f32":
        return Variant.of(t, struct.unpack("<f", struct.pack("<I", v))[0])
    if t == "f64":
        return Variant.of(t, struct.unpack("<d", struct.pack("<Q", v))[0])
    return Variant.of(t, v)


def engine_global(g: Variant) -> tuple:
    """An uploaded ``globals`` entry as a ``(type, engine value)`` pair."""
    t = _variant_name(g, NUMBER_TYPES)
    v = g.value
    if t in ("i32", "i64"):
        return t, v & ((1 << _BITS[t]) - 1)
    if t == "f32":
        return t, struct.unpack("<I", struct.pack("<f", v))[0]
    if t == "f64":
        return t, struct.unpack("<Q", struct.pack("<d", v))[0]
    if v >= 1 << 128:
        raise _invalid(f"A v128 global of {v} does not fit in 128 bits")
    return t, v


def load_globals(snap: Snapshot, module) -> tuple:
    """"Load canister snapshot": ``|Snapshot.wasm_state.globals| = |Mod.initial_globals|``
    and each of the same type; the engine values the canister's state holds."""
    if snap.source != UPLOADED:
        return snap.wasm_state.globals
    types = [g.type.valtype for g in module.globals if g.type.mut]
    given = snap.wasm_state.globals
    if len(types) != len(given):
        raise _invalid(f"The snapshot has {len(given)} globals but the module has "
                       f"{len(types)} mutable globals")
    for i, (t, (u, _)) in enumerate(zip(types, given)):
        if t != u:
            raise _invalid(f"Global {i} of the snapshot is {u} but the module's is {t}")
    return tuple(v for _, v in given)


def check_uploaded(snap: Snapshot, c) -> WasmState:
    """"Load canister snapshot" of a ``MetadataUpload`` snapshot (whose module
    parsed) onto canister ``c``: the globals match the module's, the Wasm memory
    fits its limits, and the hook status agrees with the memory; the ``WasmState``
    the canister gets."""
    # The module's syntax, read here rather than from the parsed canister module,
    # which may be a sandbox process's stand-in.
    syntax = decode_canister_module(snap.raw_module)[0]
    ws = snap.wasm_state
    size = _heap_size(ws.wasm_memory)
    if syntax.mems:
        limits = syntax.mems[0].type.limits
        top = limits.max if limits.max is not None else (
            1 << 16 if limits.addrtype == "i32" else MAX_STABLE_PAGES)
        if not limits.min <= size // PAGE <= top:
            raise _invalid(f"The snapshot's Wasm memory of {size // PAGE} pages is outside the "
                           f"module's limits ({limits.min} to {top} pages)")
    elif size:
        raise _invalid("The snapshot has a Wasm memory but the module has none")
    # HookConditionInSnapshotField = HookConditionInSnapshotState, for a status the upload
    # gave (a null one keeps the canister's); a limit of 0 is no limit, as when scheduling.
    in_field = snap.on_low_wasm_memory_hook_status != "condition_not_satisfied"
    in_state = bool(c.wasm_memory_limit) and c.wasm_memory_limit < size + c.wasm_memory_threshold
    if snap.on_low_wasm_memory_hook_status is not None and in_field != in_state:
        raise _invalid(f"The snapshot's on_low_wasm_memory hook status "
                       f"{snap.on_low_wasm_memory_hook_status} does not agree with its Wasm "
                       f"memory of {size} bytes and the canister's limit and threshold")
    return evolve(ws, globals=load_globals(snap, syntax), self_id=c.canister_id)


# ------------------------------------------------------------------ reading


@method("read_canister_snapshot_metadata", "any")
def read_canister_snapshot_metadata(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Read snapshot metadata"."""
    cid = target(state, args)
    check_snapshot_visibility(state, cid, cm.caller)
    snap = _snapshot(state, cid, field(args, "snapshot_id"))
    ws = snap.wasm_state
    timer = snap.global_timer
    metadata = Record.of(
        source=Variant.of(snap.source, None),
        taken_at_timestamp=snap.taken_at_timestamp,
        wasm_module_size=len(snap.raw_module),
        globals=tuple(global_value(t, v) for t, v in _typed_globals(snap)),
        wasm_memory_size=_heap_size(ws.wasm_memory),
        stable_memory_size=len(ws.stable_memory),
        wasm_chunk_store=tuple(Record.of(hash=h) for h in sorted(snap.chunk_store)),
        canister_version=snap.canister_version,
        certified_data=snap.certified_data,
        global_timer=None if timer is None else Opt(
            Variant.of("inactive", None) if timer == 0 else Variant.of("active", timer)),
        on_low_wasm_memory_hook_status=None if snap.on_low_wasm_memory_hook_status is None
        else Opt(Variant.of(snap.on_low_wasm_memory_hook_status, None)))
    return Outcome(state, Reply(encode_result("read_canister_snapshot_metadata", metadata)),
                   cm.transferred_cycles)


@method("read_canister_snapshot_data", "any")
def read_canister_snapshot_data(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Read snapshot data": a slice of the module, the
    Wasm or the stable memory (``offset + size`` within it), or a whole chunk."""
    cid = target(state, args)
    check_snapshot_visibility(state, cid, cm.caller)
    snap = _snapshot(state, cid, field(args, "snapshot_id"))
    kind = args["kind"]
    name = _variant_name(kind, ("wasm_module", "wasm_memory", "stable_memory", "wasm_chunk"))
    ws = snap.wasm_state
    if name == "wasm_chunk":
        h = bytes(kind.value["hash"])
        if h not in snap.chunk_store:
            raise _invalid(f"The snapshot has no chunk with hash {h.hex()}")
        chunk = snap.chunk_store[h]
    else:
        offset, size = kind.value["offset"], kind.value["size"]
        total = {"wasm_module": len(snap.raw_module), "wasm_memory": _heap_size(ws.wasm_memory),
                 "stable_memory": len(ws.stable_memory)}[name]
        if offset + size > total:
            raise _invalid(f"Invalid slice of the snapshot's {name}: offset {offset} + size "
                           f"{size} exceeds its {total} bytes")
        if size > MAX_SLICE_SIZE:
            raise _invalid(f"Invalid slice of the snapshot's {name}: size {size} exceeds the "
                           f"maximum of {MAX_SLICE_SIZE} bytes")
        if name == "wasm_module":
            chunk = snap.raw_module[offset:offset + size]
        elif name == "wasm_memory":
            chunk = _heap_slice(ws.wasm_memory, offset, size)
        else:
            chunk = bytes(ws.stable_memory[offset:offset + size])
    return Outcome(state, Reply(encode_result("read_canister_snapshot_data",
                                              Record.of(chunk=chunk))), cm.transferred_cycles)


# ------------------------------------------------------------------ uploading


def _snapshot_size(snap: Snapshot) -> int:
    """As ``take_canister_snapshot`` counts it: the module and both memories."""
    ws = snap.wasm_state
    return len(snap.raw_module) + _heap_size(ws.wasm_memory) + len(ws.stable_memory)


@method("upload_canister_snapshot_metadata", "controllers")
def upload_canister_snapshot_metadata(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Upload canister snapshot metadata": a new snapshot of
    zeros of the given sizes, with the given globals, certified data, timer and hook
    status, which ``upload_canister_snapshot_data`` fills."""
    cid = target(state, args)
    c = state.canisters[cid]
    replace = field(args, "replace_snapshot")
    snapshots = room_for_snapshot(c, cid, replace, cfg)
    module_size = args["wasm_module_size"]
    heap_size, stable_size = args["wasm_memory_size"], args["stable_memory_size"]
    # Both memories are whole 64 KiB Wasm pages (memory.grow, ic0.stable64_grow).
    for what, size in (("wasm memory", heap_size), ("stable memory", stable_size)):
        if size % PAGE:
            raise _invalid(f"Invalid snapshot metadata: the {what} size {size} is not a "
                           f"multiple of the Wasm page size {PAGE}")
        # (no canister memory grows past the stable memory's 500 GiB: the same bound here)
        if size > MAX_STABLE_PAGES * PAGE:
            raise _invalid(f"Invalid snapshot metadata: the {what} size {size} exceeds "
                           f"{MAX_STABLE_PAGES * PAGE} bytes")
    if module_size > MAX_MODULE_BYTES:
        raise _invalid(f"Invalid snapshot metadata: a module of {module_size} bytes exceeds "
                       f"{MAX_MODULE_BYTES} bytes")
    globals_ = tuple(engine_global(g) for g in args["globals"])
    timer = field(args, "global_timer")
    if timer is not None:
        timer = 0 if _variant_name(timer, ("inactive", "active")) == "inactive" else timer.value
    hook = field(args, "on_low_wasm_memory_hook_status")
    if hook is not None:
        hook = _variant_name(hook, ("condition_not_satisfied", "ready", "executed"))
    # Snapshot ids as take_canister_snapshot makes them: the canister id and a per-IC counter.
    snapshot_id = cid + state.next_snapshot_index.to_bytes(8, "big")
    state = evolve(state, next_snapshot_index=state.next_snapshot_index + 1)
    ws = WasmState(HeapImage(heap_size, (None,) * (heap_size // PAGE)),
                   PagedBlob(stable_size, (None,) * (stable_size // PAGE)), globals_, cid)
    snap = Snapshot(snapshot_id=snapshot_id, taken_at_timestamp=c.time,
                    raw_module=bytes(module_size), wasm_state=ws, chunk_store={},
                    canister_version=c.canister_version, certified_data=args["certified_data"],
                    global_timer=timer, on_low_wasm_memory_hook_status=hook, source=UPLOADED)
    snapshots[snapshot_id] = evolve(snap, size=_snapshot_size(snap))
    state = evolve(state, canisters=replace_in(state.canisters, cid,
                                               evolve(c, snapshots=snapshots)))
    return Outcome(state, Reply(encode_result("upload_canister_snapshot_metadata",
                                              Record.of(snapshot_id=snapshot_id))),
                   cm.transferred_cycles)


def _spliced_pages(pages: tuple, offset: int, chunk: bytes) -> tuple:
    """``pages`` with bytes ``[offset, offset + |chunk|)`` replaced by ``chunk``
    (the caller checked the bounds); untouched pages are shared."""
    out = list(pages)
    first, last = offset // PAGE, (offset + len(chunk) - 1) // PAGE
    for p in range(first, last + 1):
        page = bytearray(out[p] if out[p] is not None else bytes(PAGE))
        lo = max(offset, p * PAGE)
        hi = min(offset + len(chunk), (p + 1) * PAGE)
        page[lo - p * PAGE:hi - p * PAGE] = chunk[lo - offset:hi - offset]
        out[p] = pages_of(bytes(page))[0]
    return tuple(out)


@method("upload_canister_snapshot_data", "controllers")
def upload_canister_snapshot_data(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Upload canister snapshot data": a chunk written into
    the module, the Wasm or the stable memory of an uploaded snapshot at ``offset``
    (``offset + |chunk|`` within it), or added to its chunk store."""
    cid = target(state, args)
    c = state.canisters[cid]
    snapshot_id = field(args, "snapshot_id")
    snap = _snapshot(state, cid, snapshot_id)
    if snap.source != UPLOADED:
        raise _invalid(f"Snapshot {snapshot_id.hex()} of canister {principal_text(cid)} was "
                       "taken from the canister: only a snapshot made by "
                       "upload_canister_snapshot_metadata takes uploaded data")
    kind = args["kind"]
    name = _variant_name(kind, ("wasm_module", "wasm_memory", "stable_memory", "wasm_chunk"))
    chunk = bytes(args["chunk"])
    ws = snap.wasm_state
    if name == "wasm_chunk":
        if len(chunk) > cfg.max_chunk_size:
            raise _invalid(f"Chunk of {len(chunk)} bytes is larger than the maximum of "
                           f"{cfg.max_chunk_size}")
        h = hashlib.sha256(chunk).digest()
        if h not in snap.chunk_store and len(snap.chunk_store) >= MAX_CHUNKS_IN_STORE:
            raise _invalid(f"The chunk store of snapshot {snapshot_id.hex()} is full")
        new = evolve(snap, chunk_store=replace_in(snap.chunk_store, h, chunk))
    else:
        offset = kind.value["offset"]
        total = {"wasm_module": len(snap.raw_module), "wasm_memory": _heap_size(ws.wasm_memory),
                 "stable_memory": len(ws.stable_memory)}[name]
        if offset + len(chunk) > total:
            raise _invalid(f"Invalid slice of the snapshot's {name}: offset {offset} + "
                           f"{len(chunk)} bytes exceeds its {total} bytes")
        if not chunk:
            new = snap
        elif name == "wasm_module":
            raw = snap.raw_module
            new = evolve(snap, raw_module=raw[:offset] + chunk + raw[offset + len(chunk):])
        elif name == "wasm_memory":
            mem = ws.wasm_memory
            image = evolve(mem, pages=_spliced_pages(mem.pages, offset, chunk))
            new = evolve(snap, wasm_state=evolve(ws, wasm_memory=image))
        else:
            stable = PagedBlob.of(ws.stable_memory)
            blob = PagedBlob(stable.size, _spliced_pages(stable.pages, offset, chunk))
            new = evolve(snap, wasm_state=evolve(ws, stable_memory=blob))
    c = evolve(c, snapshots=replace_in(c.snapshots, snapshot_id, new))
    state = evolve(state, canisters=replace_in(state.canisters, cid, c))
    return Outcome(state, Reply(encode_result("upload_canister_snapshot_data")),
                   cm.transferred_cycles)
