"""Management methods on a canister's code (interface spec, "Abstract behavior"):
"Upload Chunk", "Clear chunk store", "List stored chunks", "Code installation",
"Code upgrade", "Install chunked code", "Code uninstallation".

Installation is atomic: the new state is committed only if every entry point
returned and every condition of the rule holds; otherwise the call is rejected
and has no effect, so nothing is charged, not even the cycles the entry points
used (``install_code``: "If the response to this request is a reject, then this
call had no effect"; the replica charges them: see docs/ic-rules.md).
"""

from __future__ import annotations

import hashlib

from ...candid import Record
from ...errors import ICError
from ..canister import (
    CANISTER_ERROR, SYS_TRANSIENT, CallerInfo, InitReturn, ParsedModule, PreUpgradeReturn, Reply,
    WasmState,
)
from ..loader import for_subnet, parse_wasm_mod
from ..principal_text import principal_text
from ..rules.common import append_logs, env_of, liquid_balance
from ..rules.cycles import uninstall_canister
from ..rules.execution import schedule_on_low_wasm_memory
from ..state import CanState, S, replace_in, with_canister, evolve
from . import MgmtReject, Outcome, method, target
from .args import encode_result, field, principal_bytes
from .canisters import _variant_name, change_origin, record_change

MAX_CHUNKS_IN_STORE = 100


# ------------------------------------------------------------------ chunk store


@method("upload_chunk", "controllers_or_self")
def upload_chunk(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Upload Chunk"."""
    cid = target(state, args)
    c = state.canisters[cid]
    chunk = field(args, "chunk")
    if len(chunk) > cfg.max_chunk_size:
        raise MgmtReject(CANISTER_ERROR, f"Chunk of {len(chunk)} bytes is larger than the "
                         f"maximum of {cfg.max_chunk_size}", "IC0408")
    h = hashlib.sha256(chunk).digest()
    if h not in c.chunk_store and len(c.chunk_store) >= MAX_CHUNKS_IN_STORE:
        raise MgmtReject(CANISTER_ERROR, f"The chunk store of canister {principal_text(cid)} "
                         "is full", "IC0408")
    state = with_canister(state, cid, chunk_store=replace_in(c.chunk_store, h, chunk))
    return Outcome(state, Reply(encode_result("upload_chunk", Record.of(hash=h))),
                   cm.transferred_cycles)


@method("clear_chunk_store", "controllers_or_self")
def clear_chunk_store(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Clear chunk store"."""
    cid = target(state, args)
    state = with_canister(state, cid, chunk_store={})
    return Outcome(state, Reply(encode_result("clear_chunk_store")), cm.transferred_cycles)


@method("stored_chunks", "controllers_or_self")
def stored_chunks(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: List stored chunks"."""
    c = state.canisters[target(state, args)]
    result = tuple(Record.of(hash=h) for h in sorted(c.chunk_store))
    return Outcome(state, Reply(encode_result("stored_chunks", result)), cm.transferred_cycles)


# ------------------------------------------------------------------ installation


EOP_SECTION = "enhanced-orthogonal-persistence"


def _mode(mode) -> tuple[str, bool, str | None]:
    """(mode, skip_pre_upgrade, wasm_memory_persistence: "keep" | "replace" | None)
    from ``canister_install_mode``."""
    name = _variant_name(mode, ("install", "reinstall", "upgrade"))
    skip, persistence = False, None
    if name == "upgrade" and mode.value is not None:
        options = mode.value.value if hasattr(mode.value, "value") else mode.value
        if options is not None:
            skip = bool(field(options, "skip_pre_upgrade", False))
            p = field(options, "wasm_memory_persistence")
            if p is not None:
                persistence = _variant_name(p, ("keep", "replace"))
    return name, skip, persistence


def _check_persistence(cid: bytes, old, parsed, persistence: str | None) -> None:
    """Management canister, ``install_code`` upgrade options: a canister whose module
    uses enhanced orthogonal persistence must be upgraded with an explicit
    ``wasm_memory_persistence``; ``keep`` needs the new module to use it too."""
    old_eop = EOP_SECTION in old.private_custom_sections \
        or EOP_SECTION in old.public_custom_sections
    new_eop = EOP_SECTION in parsed.private_custom_sections \
        or EOP_SECTION in parsed.public_custom_sections
    if old_eop and persistence is None:
        raise MgmtReject(CANISTER_ERROR, "Missing upgrade option: Enhanced orthogonal "
                         "persistence requires the `wasm_memory_persistence` upgrade option.",
                         "IC0504")
    if persistence == "keep" and not new_eop:
        raise MgmtReject(CANISTER_ERROR, f"Canister {principal_text(cid)}: the "
                         "`wasm_memory_persistence: opt keep` upgrade option requires that the "
                         "new canister module supports enhanced orthogonal persistence.",
                         "IC0504")


def parse_for_subnet(raw: bytes, cfg) -> ParsedModule:
    """``parse_wasm_mod``, the module then bound to this subnet's configuration, so
    that a Wasm canister's instruction limits and fees are the ``SubnetConfig`` ones."""
    parsed = parse_wasm_mod(raw)
    configure = getattr(parsed.module, "configure", None)
    if configure is not None:
        configure(cfg)
    return for_subnet(raw, parsed, cfg)


def _trapped(cid: bytes, where: str, r) -> MgmtReject:
    """The reject of an install whose entry point failed, with the error code an
    execution failing the same way gets (IC0503 ``ic0.trap``, IC0522 instruction
    limit, IC0504 contract violation, IC0521 an internal error of pyic, else IC0502)."""
    msg = getattr(r, "message", "trapped")
    if "`ic0.trap`" in msg:
        code = "IC0503"
    elif msg.startswith("Canister exceeded the limit of"):
        code = "IC0522"
    elif msg.startswith("Canister violated contract"):
        code = "IC0504"
    elif msg.startswith("Canister encountered a Wasm engine error"):
        code = "IC0521"
    else:
        code = "IC0502"
    return MgmtReject(CANISTER_ERROR, f"Error from Canister {principal_text(cid)}: Canister "
                      f"trapped during {where}: {msg}", code)


def install(state: S, cm, cid: bytes, mode_value, raw: bytes, arg: bytes, cfg) -> Outcome:
    """``install_code`` after its argument is decoded (shared with chunked code)."""
    c = state.canisters[cid]
    mode, skip_pre_upgrade, persistence = _mode(mode_value)
    keep_memory = persistence == "keep"
    if mode == "install" and c.can_state is not None:
        raise MgmtReject(CANISTER_ERROR, f"Canister {principal_text(cid)} cannot be installed "
                         "because the canister is not empty. Try installing with "
                         "mode='reinstall' instead.", "IC0538")
    if mode == "upgrade" and c.can_state is None:
        raise MgmtReject(CANISTER_ERROR, f"Canister {principal_text(cid)} is empty: there is "
                         "no code to upgrade", "IC0537")
    # "Code installation" / "Code upgrade": ``liquid_balance(S, A.canister_id) ≥
    # MAX_CYCLES_PER_MESSAGE``.  Rejected as the replica rejects it (CanisterOutOfCycles).
    liquid = liquid_balance(c, cfg)
    if liquid < cfg.max_cycles_per_message:
        raise MgmtReject(SYS_TRANSIENT, f"Canister {principal_text(cid)} is out of cycles: "
                         "please top up the canister with at least "
                         f"{cfg.max_cycles_per_message - liquid} additional cycles", "IC0207")
    try:
        parsed = parse_for_subnet(raw, cfg)
    except ICError as e:
        raise MgmtReject(CANISTER_ERROR, f"Error from Canister {principal_text(cid)}: Canister's "
                         f"Wasm module is not valid: {e.message}", "IC0505") from None
    env = env_of(state, c)
    # ``Env`` of "Code installation" and ``Env2`` of "Code upgrade": the new module, the
    # history with this change, the timer deactivated and the version after the install.
    # (pre_upgrade runs in ``Env1``: the old timer and version, i.e. ``env``.)
    history = min(len(c.canister_history.recent_changes) + 1, cfg.max_canister_history_changes)
    new_env = evolve(env, memory_usage_raw_module=len(raw),
                     memory_usage_canister_history=100 * history,
                     global_timer=0, canister_version=c.canister_version + 1)
    caller = CallerInfo(cm.caller)
    logs: tuple = ()
    used = 0
    certified = None
    if mode in ("install", "reinstall"):
        r = parsed.module.init(cid, arg, caller, new_env)
        if not isinstance(r, InitReturn):
            raise _trapped(cid, "install" if mode == "install" else "reinstall", r)
        new_state, used, logs = r.new_state, r.cycles_used, r.logs
        certified = r.new_certified_data if r.new_certified_data is not None else b""
        timer = r.new_global_timer or 0
    else:
        old = c.can_state
        _check_persistence(cid, old, parsed, persistence)
        ws = old.wasm_state
        if not skip_pre_upgrade:
            pr = old.module.pre_upgrade(ws, cm.caller, env)
            if not isinstance(pr, PreUpgradeReturn):
                raise _trapped(cid, "pre_upgrade", pr)
            ws, used, logs = pr.new_state, pr.cycles_used, pr.logs
            certified = pr.new_certified_data
        fresh = WasmState(wasm_memory=ws.wasm_memory if keep_memory else b"",
                          stable_memory=ws.stable_memory,
                          globals=tuple(getattr(parsed.module, "initial_globals", ())),
                          self_id=cid)
        r = parsed.module.post_upgrade(fresh, arg, caller, new_env)
        if not isinstance(r, InitReturn):
            raise _trapped(cid, "post_upgrade", r)
        new_state = r.new_state
        used += r.cycles_used
        logs = tuple(logs) + tuple(r.logs)
        if r.new_certified_data is not None:
            certified = r.new_certified_data
        timer = r.new_global_timer or 0
    if c.wasm_memory_limit:
        size = parsed.module.wasm_memory_size(new_state)
        if size > c.wasm_memory_limit:
            raise MgmtReject(CANISTER_ERROR, f"Canister {principal_text(cid)} exceeded its "
                             f"wasm memory limit {c.wasm_memory_limit}: {size} bytes", "IC0539")
    new = evolve(
        c,
        can_state=CanState(new_state, parsed.module, raw, parsed.public_custom_sections,
                           parsed.private_custom_sections),
        certified_data=certified if certified is not None else c.certified_data,
        global_timer=timer, last_install_timestamp=c.time,
        # ``New_balance = S.balances[A] - Cycles_used - Cycles_reserved``, with
        # ``cycles_to_reserve`` taken as 0 (see docs/ic-rules.md).
        balance=c.balance - used)
    if mode in ("install", "reinstall"):
        new = evolve(new, canister_logs=(), next_log_idx=c.next_log_idx)
    new = evolve(new, **append_logs(new, logs, new.time, cfg))
    # "Code installation": the change records the new version (``canister_version[A] + 1``)
    new = evolve(new, canister_version=c.canister_version + 1)
    new = record_change(new, c.time, change_origin(cm, state),
                        ("code_deployment", mode, hashlib.sha256(raw).digest()), cfg)
    # ``liquid_balance(S', A.canister_id) ≥ 0``: otherwise the install has no effect.
    if liquid_balance(new, cfg) < 0:
        raise MgmtReject(SYS_TRANSIENT, f"Canister {principal_text(cid)} is out of cycles: "
                         f"installing used {used} cycles and would leave it frozen", "IC0207")
    state = evolve(state, canisters=replace_in(state.canisters, cid, new))
    state = schedule_on_low_wasm_memory(state, cid)
    return Outcome(state, Reply(encode_result("install_code")), cm.transferred_cycles)


@method("install_code", "controllers")
def install_code(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Code installation" and "Code upgrade"."""
    cid = target(state, args)
    return install(state, cm, cid, field(args, "mode"), field(args, "wasm_module"),
                   field(args, "arg"), cfg)


@method("install_chunked_code", "controllers")
def install_chunked_code(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Install chunked code"."""
    cid = target(state, args, "target_canister")
    store = field(args, "store_canister")
    store_id = principal_bytes(store) if store is not None else cid
    if store_id not in state.canisters:
        raise MgmtReject(3, f"Canister {principal_text(store_id)} not found", "IC0301")
    sc = state.canisters[store_id]
    if store_id != cid and cm.caller not in sc.controllers and cm.caller != store_id:
        raise MgmtReject(CANISTER_ERROR, f"Only the controllers of the store canister "
                         f"{principal_text(store_id)} can use its chunks", "IC0512")
    parts = []
    for entry in field(args, "chunk_hashes_list"):
        h = entry["hash"]
        if h not in sc.chunk_store:
            raise MgmtReject(CANISTER_ERROR, f"Chunk {h.hex()} is not in the chunk store of "
                             f"canister {principal_text(store_id)}", "IC0408")
        parts.append(sc.chunk_store[h])
    raw = b"".join(parts)
    if hashlib.sha256(raw).digest() != field(args, "wasm_module_hash"):
        raise MgmtReject(CANISTER_ERROR, "The hash of the assembled chunks does not match "
                         "wasm_module_hash", "IC0408")
    return install(state, cm, cid, field(args, "mode"), raw, field(args, "arg"), cfg)


@method("uninstall_code", "controllers")
def uninstall_code(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Code uninstallation"."""
    cid = target(state, args)
    c = state.canisters[cid]
    new = evolve(c, can_state=None, chunk_store={}, certified_data=b"", canister_logs=(),
                 global_timer=0, canister_version=c.canister_version + 1)
    new = record_change(new, c.time, change_origin(cm, state), ("code_uninstall",), cfg)
    state = evolve(state, canisters=replace_in(state.canisters, cid, new))
    state = uninstall_canister(state, cid, f"Canister {principal_text(cid)} has been "
                               "uninstalled")
    return Outcome(state, Reply(encode_result("uninstall_code")), cm.transferred_cycles)
