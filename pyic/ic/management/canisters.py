"""Management methods on canisters as a whole (interface spec, "Abstract behavior"):
"Canister creation", "Canister creation with cycles", "Top up canister",
"Changing settings", "Canister status", "Canister information", "Canister
metadata", "Depositing cycles", "Random numbers", "Canister logs", "List canisters".
"""

from __future__ import annotations

import hashlib

from ...candid import Opt, Principal, Record, Variant
from ..canister import CANISTER_ERROR, CANISTER_REJECT, Reply
from ..certification import subnet_id
from ..costs import DEFAULT, saturating_add
from ..principal_text import principal_text
from ..rules.common import liquid_balance, memory_usage
from ..state import (
    FromCanister, FromSystemTask, FromUser, Canister, CanisterHistory, Change, S, Subnet,
    replace_in, with_canister, evolve,
)
from . import MgmtReject, Outcome, method, target
from .args import encode_result, field, principal_bytes



# ------------------------------------------------------------------ helpers


def change_origin(cm, state: S) -> tuple:
    """``change_origin(principal, sender_canister_version, origin)``: who made a
    change, for the canister history.  A canister's change carries the
    ``sender_canister_version`` of the call's argument (``None`` if absent)."""
    if isinstance(cm.origin, FromUser):
        return ("user", cm.caller)
    from .args import sender_canister_version
    return ("canister", cm.caller, sender_canister_version(cm.arg))


def record_change(c: Canister, time: int, origin: tuple, details: tuple,
                  cfg=DEFAULT) -> Canister:
    """Append a `Change` to the canister history (keeping the newest ones)."""
    h = c.canister_history
    recent = (h.recent_changes + (Change(time, c.canister_version, origin, details),))
    recent = recent[-cfg.max_canister_history_changes:]
    return evolve(c, canister_history=CanisterHistory(h.total_num_changes + 1, recent))


def _visibility(v):
    if not isinstance(v, Variant):
        return "controllers"
    name = _variant_name(v, ("controllers", "public", "allowed_viewers"))
    if name == "allowed_viewers":
        viewers = tuple(principal_bytes(p) for p in v.value)
        if len(viewers) > 10:
            raise MgmtReject(CANISTER_ERROR, "at most 10 allowed viewers", "IC0408")
        return ("allowed_viewers", viewers)
    return name


def _variant_name(v: Variant, names) -> str:
    from ...candid.types import idl_hash
    for n in names:
        if idl_hash(n) == v.id:
            return n
    raise MgmtReject(CANISTER_ERROR, "unknown variant in the argument", "IC0408")


def apply_settings(c: Canister, settings, cfg=DEFAULT) -> Canister:
    """The ``canister_settings`` record on a canister: absent fields stay."""
    if settings is None:
        return c
    changes = {}
    controllers = field(settings, "controllers")
    if controllers is not None:
        if len(controllers) > cfg.max_controllers:
            raise MgmtReject(CANISTER_ERROR, f"Invalid settings: at most {cfg.max_controllers} "
                             "controllers are allowed", "IC0408")
        changes["controllers"] = frozenset(principal_bytes(p) for p in controllers)
    compute = field(settings, "compute_allocation")
    if compute is not None:
        if compute > 100:
            raise MgmtReject(CANISTER_ERROR, "Invalid settings: compute_allocation must be "
                             "between 0 and 100", "IC0408")
        changes["compute_allocation"] = compute
    for name, limit in (("memory_allocation", 1 << 64), ("freezing_threshold", 1 << 64),
                        ("reserved_cycles_limit", 1 << 128),
                        ("minimum_incoming_canister_call_cycles", 1 << 128),
                        ("wasm_memory_limit", 1 << 48), ("wasm_memory_threshold", 1 << 48)):
        v = field(settings, name)
        if v is not None:
            if v >= limit:
                raise MgmtReject(CANISTER_ERROR, f"Invalid settings: {name} out of range",
                                 "IC0408")
            if name == "memory_allocation" and v > cfg.subnet_memory_capacity:
                # management-canister.md, memory_allocation: "If the IC cannot
                # guarantee the requested memory allocation ... the call is rejected".
                raise MgmtReject(CANISTER_ERROR, f"Invalid settings: memory_allocation {v} "
                                 "exceeds what the subnet can guarantee "
                                 f"({cfg.subnet_memory_capacity} bytes)", "IC0408")
            changes["reserved_balance_limit" if name == "reserved_cycles_limit" else name] = v
    for name, attr in (("log_visibility", "canister_log_visibility"),
                       ("snapshot_visibility", "canister_snapshot_visibility"),
                       ("status_visibility", "canister_status_visibility")):
        v = field(settings, name)
        if v is not None:
            changes[attr] = _visibility(v)
    env = field(settings, "environment_variables")
    if env is not None:
        pairs = tuple((r["name"], r["value"]) for r in env)
        if len(pairs) > 20 or len({n for n, _ in pairs}) != len(pairs):
            raise MgmtReject(CANISTER_ERROR, "Invalid settings: at most 20 environment "
                             "variables with unique names", "IC0408")
        changes["environment_variables"] = pairs
    return evolve(c, **changes)


def _new_canister(state: S, cm, canister_id: bytes, settings, cycles: int, cfg) -> S:
    """A new empty canister, running, version 0, caller its controller; its subnet is
    the one this IC's certificates name (`pyic.ic.certification.subnet_id`)."""
    c = Canister(canister_id=canister_id, controllers=frozenset({cm.caller}),
                 canister_subnet=Subnet(subnet_id(state.seed), cfg.subnet_size),
                 time=state.system_time,
                 balance=cycles, canister_creation_timestamp=state.system_time,
                 freezing_threshold=cfg.default_freezing_threshold,
                 reserved_balance_limit=cfg.default_reserved_balance_limit)
    c = apply_settings(c, settings, cfg)
    # "Canister creation": ``if New_compute_allocation > 0 or New_memory_allocation > 0
    # ...: liquid_balance(S', Canister_id) ≥ 0`` (``Cycles_reserved`` is not modelled).
    if c.compute_allocation > 0 or c.memory_allocation > 0:
        _check_affordable(c, cfg)
    c = record_change(c, state.system_time, change_origin(cm, state),
                      ("creation", tuple(sorted(c.controllers))), cfg)
    return evolve(state, canisters=replace_in(state.canisters, canister_id, c))


def _check_affordable(c: Canister, cfg) -> None:
    """``liquid_balance(S', A.canister_id) ≥ 0`` once allocations are granted: the
    canister must hold the cycles its freezing threshold asks for them."""
    liquid = liquid_balance(c, cfg)
    if liquid < 0:
        raise MgmtReject(CANISTER_ERROR, f"Canister {principal_text(c.canister_id)} cannot "
                         f"afford its allocations: it would need {-liquid} more cycles to "
                         "stay above its freezing threshold", "IC0408")


def in_canister_ranges(canister_id: bytes) -> bool:
    """Whether ``canister_id`` is in the canister ranges of pyic's one subnet: the ids
    ``Principal.from_canister_id(n)`` gives, for every u64 ``n`` (the ids it assigns)."""
    return Principal(canister_id).canister_counter() is not None


def fresh_canister_id(state: S) -> tuple[bytes, S]:
    """The next canister id from pyic's counter (skipping ids in use)."""
    n = state.next_canister_index
    while Principal.from_canister_id(n).bytes in state.canisters:
        n += 1
    return Principal.from_canister_id(n).bytes, evolve(state, next_canister_index=n + 1)


def _created(state: S, canister_id: bytes) -> Reply:
    return Reply(encode_result("create_canister", Record.of(canister_id=Principal(canister_id))))


# ------------------------------------------------------------------ creation


@method("create_canister", "any")
def create_canister(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Canister creation": the attached cycles, less the
    creation fee, become the new canister's balance."""
    fee = cfg.scale(cfg.canister_creation_fee)
    if cm.transferred_cycles < fee:
        raise MgmtReject(CANISTER_REJECT,
                         f"Creating a canister requires {fee} cycles but "
                         f"{cm.transferred_cycles} were attached", "IC0403")
    canister_id, state = fresh_canister_id(state)
    state = _new_canister(state, cm, canister_id, field(args, "settings"),
                          cm.transferred_cycles - fee, cfg)
    return Outcome(state, _created(state, canister_id), 0)


@method("provisional_create_canister_with_cycles", "any")
def provisional_create_canister_with_cycles(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Canister creation with cycles" (development instances)."""
    amount = field(args, "amount", 100_000_000_000_000)
    specified = field(args, "specified_id")
    if specified is not None:
        canister_id = principal_bytes(specified)
        # ``is_system_assigned Canister_id`` (with ``Canister_id = A.specified_id``): the id
        # must be one of the subnet's canister ids, never ``aaaaa-aa``, the anonymous or a
        # user's principal.  Rejected as ic-hs and the replica reject it (CANISTER_REJECT).
        if not in_canister_ranges(canister_id):
            raise MgmtReject(CANISTER_REJECT, f"The specified_id {principal_text(canister_id)} "
                             "does not belong to the subnet's canister ranges", "IC0405")
        if canister_id in state.canisters:
            raise MgmtReject(CANISTER_ERROR, f"Canister {principal_text(canister_id)} already "
                             "exists", "IC0205")
    else:
        canister_id, state = fresh_canister_id(state)
    state = _new_canister(state, cm, canister_id, field(args, "settings"),
                          min(amount, (1 << 128) - 1), cfg)
    return Outcome(state, _created(state, canister_id), cm.transferred_cycles)


@method("provisional_top_up_canister", "any")
def provisional_top_up_canister(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Top up canister"."""
    cid = target(state, args)
    c = state.canisters[cid]
    state = with_canister(state, cid, balance=saturating_add(c.balance, field(args, "amount")))
    return Outcome(state, Reply(encode_result("provisional_top_up_canister")),
                   cm.transferred_cycles)


@method("deposit_cycles", "any")
def deposit_cycles(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Depositing cycles": all attached cycles."""
    cid = target(state, args)
    c = state.canisters[cid]
    state = with_canister(state, cid, balance=saturating_add(c.balance, cm.transferred_cycles))
    return Outcome(state, Reply(encode_result("deposit_cycles")), 0)


# ------------------------------------------------------------------ settings and status


@method("update_settings", "controllers")
def update_settings(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Changing settings"."""
    cid = target(state, args)
    c = state.canisters[cid]
    settings = field(args, "settings")
    new = apply_settings(c, settings, cfg)
    if new.wasm_memory_limit and c.can_state is not None:
        size = c.can_state.module.wasm_memory_size(c.can_state.wasm_state)
        if size > new.wasm_memory_limit:
            raise MgmtReject(CANISTER_ERROR, f"Invalid settings: wasm_memory_limit "
                             f"{new.wasm_memory_limit} is below the current Wasm memory size "
                             f"{size}", "IC0408")
    # ``if New_compute_allocation > S.compute_allocation or New_memory_allocation >
    # S.memory_allocation ...: liquid_balance(S', A.canister_id) ≥ 0``.
    if new.compute_allocation > c.compute_allocation \
            or new.memory_allocation > c.memory_allocation:
        _check_affordable(new, cfg)
    new = evolve(new, canister_version=c.canister_version + 1)
    if field(settings, "controllers") is not None:
        new = record_change(new, state.system_time, change_origin(cm, state),
                            ("controllers_change", tuple(sorted(new.controllers))), cfg)
    state = evolve(state, canisters=replace_in(state.canisters, cid, new))
    from ..rules.execution import schedule_on_low_wasm_memory
    state = schedule_on_low_wasm_memory(state, cid)
    return Outcome(state, Reply(encode_result("update_settings")), cm.transferred_cycles)


def _visibility_value(v):
    if isinstance(v, tuple):
        return Variant.of("allowed_viewers", tuple(Principal(p) for p in v[1]))
    return Variant.of(v, None)


def module_hash(c: Canister):
    if c.can_state is None:
        return None
    return Opt(hashlib.sha256(c.can_state.raw_module).digest())


def status_record(c: Canister, cfg=DEFAULT) -> Record:
    """``canister_status_result`` of a canister."""
    from ..state import simple_status
    cs = c.can_state
    wasm = cs.module.wasm_memory_size(cs.wasm_state) if cs else 0
    stable = len(cs.wasm_state.stable_memory) if cs else 0
    binary = len(cs.raw_module) if cs else 0
    chunks = sum(len(v) for v in c.chunk_store.values())
    snaps = sum(s.size for s in c.snapshots.values())
    history = 100 * len(c.canister_history.recent_changes)
    settings = Record.of(
        controllers=tuple(Principal(p) for p in sorted(c.controllers)),
        compute_allocation=c.compute_allocation, memory_allocation=c.memory_allocation,
        freezing_threshold=c.freezing_threshold, reserved_cycles_limit=c.reserved_balance_limit,
        minimum_incoming_canister_call_cycles=c.minimum_incoming_canister_call_cycles,
        log_visibility=_visibility_value(c.canister_log_visibility),
        snapshot_visibility=_visibility_value(c.canister_snapshot_visibility),
        status_visibility=_visibility_value(c.canister_status_visibility),
        wasm_memory_limit=c.wasm_memory_limit, wasm_memory_threshold=c.wasm_memory_threshold,
        environment_variables=tuple(Record.of(name=n, value=v)
                                    for n, v in c.environment_variables))
    stats = c.query_stats
    return Record.of(
        status=Variant.of(simple_status(c.canister_status), None),
        ready_for_migration=False,
        version=c.canister_version,
        settings=settings,
        module_hash=module_hash(c),
        memory_size=memory_usage(c),
        memory_metrics=Record.of(
            wasm_memory_size=wasm, stable_memory_size=stable, global_memory_size=0,
            wasm_binary_size=binary, custom_sections_size=0, canister_history_size=history,
            wasm_chunk_store_size=chunks, snapshots_size=snaps),
        cycles=c.balance,
        reserved_cycles=c.reserved_balance,
        idle_cycles_burned_per_day=cfg.idle_cycles_burned_rate(
            c.compute_allocation, c.memory_allocation, memory_usage(c)),
        query_stats=Record.of(
            num_calls_total=len(stats), num_instructions_total=sum(s[1] for s in stats),
            request_payload_bytes_total=sum(s[2] for s in stats),
            response_payload_bytes_total=sum(s[3] for s in stats)))


@method("canister_status", "status")
def canister_status(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Canister status" (no state change)."""
    c = state.canisters[target(state, args)]
    return Outcome(state, Reply(encode_result("canister_status", status_record(c, cfg))),
                   cm.transferred_cycles)


def _change_value(ch: Change, owner: bytes) -> Record:
    """One ``change`` of canister ``owner``'s history, as ``canister_info`` returns it."""
    origin = ch.origin
    if origin[0] == "user":
        o = Variant.of("from_user", Record.of(user_id=Principal(origin[1])))
    else:
        o = Variant.of("from_canister", Record.of(
            canister_id=Principal(origin[1]),
            canister_version=Opt(origin[2]) if origin[2] is not None else None))
    kind = ch.details[0]
    if kind == "creation":
        d = Variant.of("creation", Record.of(
            controllers=tuple(Principal(p) for p in ch.details[1]),
            environment_variables_hash=None))
    elif kind == "code_uninstall":
        d = Variant.of("code_uninstall", None)
    elif kind == "code_deployment":
        d = Variant.of("code_deployment", Record.of(mode=Variant.of(ch.details[1], None),
                                                    module_hash=ch.details[2]))
    elif kind == "load_snapshot":
        _, from_id, snapshot_id, version, taken_at = ch.details[:5]
        source = ch.details[5] if len(ch.details) > 5 else "taken_from_canister"
        # ``From_canister_id = null`` for a canister's own snapshot (stores written
        # before pyic recorded null hold the canister's own id there).
        d = Variant.of("load_snapshot", Record.of(
            from_canister_id=None if from_id in (None, owner) else Opt(Principal(from_id)),
            snapshot_id=snapshot_id,
            canister_version=version, taken_at_timestamp=taken_at,
            source=Variant.of(source, None)))
    else:
        d = Variant.of("controllers_change", Record.of(
            controllers=tuple(Principal(p) for p in ch.details[1])))
    return Record.of(timestamp_nanos=ch.timestamp_nanos, canister_version=ch.canister_version,
                     origin=o, details=d)


@method("canister_info", "any")
def canister_info(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Canister information" (canisters only)."""
    cid = target(state, args)
    c = state.canisters[cid]
    n = field(args, "num_requested_changes", 0)
    recent = c.canister_history.recent_changes[-n:] if n else ()
    result = Record.of(total_num_changes=c.canister_history.total_num_changes,
                       recent_changes=tuple(_change_value(ch, cid) for ch in recent),
                       module_hash=module_hash(c),
                       controllers=tuple(Principal(p) for p in sorted(c.controllers)))
    return Outcome(state, Reply(encode_result("canister_info", result)), cm.transferred_cycles)


@method("canister_metadata", "any")
def canister_metadata(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Canister metadata": a public custom section
    ``icp:public <name>``, or a private one for controllers."""
    cid = target(state, args)
    c = state.canisters[cid]
    name = field(args, "name")
    cs = c.can_state
    if cs is None:
        raise MgmtReject(CANISTER_ERROR, f"Canister {principal_text(cid)} has no module",
                         "IC0537")
    if name in cs.public_custom_sections:
        value = cs.public_custom_sections[name]
    elif name in cs.private_custom_sections:
        if cm.caller not in c.controllers:
            raise MgmtReject(CANISTER_ERROR, f"Custom section {name} of canister "
                             f"{principal_text(cid)} is private", "IC0512")
        value = cs.private_custom_sections[name]
    else:
        raise MgmtReject(CANISTER_ERROR, f"Canister {principal_text(cid)} has no metadata "
                         f"section '{name}'", "IC0536")
    return Outcome(state, Reply(encode_result("canister_metadata", Record.of(value=value))),
                   cm.transferred_cycles)


@method("raw_rand", "any")
def raw_rand(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Random numbers": 32 bytes, deterministic from the
    IC's seed and the number of draws so far (pyic's choice of "random")."""
    data = hashlib.sha256(state.seed + state.rand_counter.to_bytes(8, "big")).digest()
    state = evolve(state, rand_counter=state.rand_counter + 1)
    return Outcome(state, Reply(encode_result("raw_rand", data)), cm.transferred_cycles)


@method("fetch_canister_logs", "logs")
def fetch_canister_logs(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Canister logs" (a query)."""
    c = state.canisters[target(state, args)]
    records = tuple(Record.of(idx=log.idx, timestamp_nanos=log.timestamp_nanos,
                              content=log.content) for log in c.canister_logs)
    result = Record.of(canister_log_records=records)
    return Outcome(state, Reply(encode_result("fetch_canister_logs", result)),
                   cm.transferred_cycles)


@method("list_canisters", "subnet_admins")
def list_canisters(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: List canisters" (a query; subnet admins only, which
    `_check_access` checks): every canister of the subnet -- of this IC, pyic's one
    subnet -- as ranges of consecutive canister ids, in order.  Deleted canisters have
    left ``S.canisters``, so they are not listed."""
    result = Record.of(canisters=tuple(
        Record.of(start=Principal(lo), end=Principal(hi))
        for lo, hi in consecutive_ranges(state.canisters)))
    return Outcome(state, Reply(encode_result("list_canisters", result)), cm.transferred_cycles)


def consecutive_ranges(canister_ids) -> list[tuple[bytes, bytes]]:
    """``canister_ids`` in order (by bytes, which is by number for the ids
    ``Principal.from_canister_id`` makes), each run of consecutive numbers one
    ``(first, last)`` range; an id of another form is a range of its own."""
    ranges: list[list] = []          # [first, last, number of last]
    for cid in sorted(canister_ids):
        n = Principal(cid).canister_counter()
        if ranges and n is not None and ranges[-1][2] is not None and n == ranges[-1][2] + 1:
            ranges[-1][1:] = [cid, n]
        else:
            ranges.append([cid, cid, n])
    return [(first, last) for first, last, _ in ranges]


__all__ = ["FromCanister", "FromSystemTask", "apply_settings", "consecutive_ranges",
           "record_change", "status_record"]
