"""The management canister ``aaaaa-aa`` (interface spec, "Abstract behavior" >
"IC Management Canister: ..." sections; ``management-canister.md``).

A call to ``aaaaa-aa`` is a `CallMessage`; `execute_call` takes it from the
queue, decodes its Candid argument, runs the method's transition, and enqueues
the `ResponseMessage` (for ``stop_canister``, later: see `stopping_to_stopped`).

Each method is a function ``(state, call, args, cfg) -> Outcome`` in one of the
modules beside this one, registered in `METHODS` with who may call it.
"""

from __future__ import annotations

from attrs import frozen

from ...errors import CandidError
from ..canister import CANISTER_ERROR, CANISTER_REJECT, DESTINATION_INVALID, RejectResponse, Reply
from ..certification import subnet_id as own_subnet_id
from ..costs import DEFAULT, SubnetConfig
from ..principal_text import principal_text
from ..rules.common import SUBNET_ADMIN_METHODS, at_queue_head, subnet_admins, without
from ..rules.queries import MANAGEMENT_QUERY_METHODS
from ..state import IC_PRINCIPAL, CallMessage, FromCanister, FromUser, ResponseMessage, S, evolve
from .args import decode_args, field, principal_bytes


@frozen
class Outcome:
    """What a management method did: the state after, the response (``None``: not
    yet, e.g. ``stop_canister``) and the cycles refunded with it."""

    state: S
    response: object = None
    refund: int = 0


class MgmtReject(Exception):
    """Raised inside a method to reject the call (no state change)."""

    def __init__(self, code: int, message: str, error_code: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.error_code = error_code


# Who may call a method: "controllers" of the canister named in the argument,
# "controllers_or_self" (chunk store), "status" (status visibility), "logs" (log
# visibility), "subnet_admins" (of this IC's subnet), "any".
METHODS: dict = {}

# Methods of the spec that pyic does not implement (listed in docs/ic-rules.md).
UNSUPPORTED = frozenset({
    "http_request", "vetkd_public_key", "vetkd_derive_key", "bitcoin_get_balance",
    "bitcoin_get_utxos", "bitcoin_send_transaction", "bitcoin_get_current_fee_percentiles",
    "bitcoin_get_block_headers",
})

# Methods only non-replicated (query) calls may call (management-canister.md "IC method
# list_canisters", "IC method fetch_canister_logs": "it cannot be called via replicated calls").
QUERY_ONLY = frozenset({"list_canisters", "fetch_canister_logs"})

# Methods only canisters may call (management-canister.md: "cannot be called by ingress
# messages" / "can only be called by canisters"); submission refuses them too, this covers
# a user's `CallMessage` made by other means.
CANISTERS_ONLY = frozenset({
    "canister_info", "canister_metadata", "deposit_cycles", "raw_rand", "subnet_info",
    "node_metrics_history", "ecdsa_public_key", "schnorr_public_key", "sign_with_ecdsa",
    "sign_with_schnorr",
})


def method(name: str, access: str):
    def register(f):
        METHODS[name] = (f, access)
        return f
    return register


def not_found(canister_id: bytes) -> MgmtReject:
    return MgmtReject(DESTINATION_INVALID, f"Canister {principal_text(canister_id)} not found",
                      "IC0301")


def only_controllers_message(canister_id: bytes, caller: bytes, controllers) -> str:
    """The replica's CanisterInvalidController (IC0512) message: it names the
    canister, its controllers and the caller."""
    names = " ".join(principal_text(p) for p in sorted(controllers))
    return (f"Only the controllers of the canister {principal_text(canister_id)} can control "
            f"it.\nCanister's controllers: {names}\nSender's ID: {principal_text(caller)}")


def only_controllers(canister_id: bytes, caller: bytes, controllers=()) -> MgmtReject:
    return MgmtReject(CANISTER_ERROR, only_controllers_message(canister_id, caller, controllers),
                      "IC0512")


def target(state: S, args, name: str = "canister_id") -> bytes:
    cid = principal_bytes(field(args, name))
    if cid not in state.canisters:
        raise not_found(cid)
    return cid


def _check_access(state: S, access: str, caller: bytes, args, method_name: str) -> None:
    if access == "any":
        return
    if access == "subnet_admins":
        # ``Caller ∈ S.subnet_admins[S.canister_subnet[ECID]]`` (a user) or
        # ``[S.canister_subnet[Caller]]`` (a composite query): this IC's one subnet either way.
        sid = own_subnet_id(state.seed)
        if caller not in subnet_admins(state, sid):
            raise MgmtReject(CANISTER_REJECT, f"{principal_text(caller)} is not a subnet admin "
                             f"of subnet {principal_text(sid)}: only subnet admins may call "
                             f"{method_name}", "IC0406")
        return
    name = "target_canister" if method_name == "install_chunked_code" else "canister_id"
    cid = target(state, args, name)
    c = state.canisters[cid]
    if access == "controllers_or_self" and caller == cid:
        return
    # ``M.caller ∈ S.controllers[A] ∪ S.subnet_admins[S.canister_subnet[A]]`` (start, stop,
    # uninstall, delete); subnet admins may also always read a canister's status.
    if (access == "status" or method_name in SUBNET_ADMIN_METHODS) \
            and caller in subnet_admins(state, c.canister_subnet.subnet_id):
        return
    if access == "status":
        vis = c.canister_status_visibility
        if caller == cid or vis == "public" or caller in c.controllers:
            return
        if isinstance(vis, tuple) and caller in vis[1]:
            return
    elif access == "logs":
        vis = c.canister_log_visibility
        if vis == "public" or caller in c.controllers:
            return
        if isinstance(vis, tuple) and caller in vis[1]:
            return
    elif caller in c.controllers:
        return
    raise only_controllers(cid, caller, c.controllers)


def execute_call(state: S, index: int, cfg: SubnetConfig = DEFAULT) -> S | None:
    """One management call: "IC Management Canister: <method>" for the
    `CallMessage` at ``index``."""
    cm = state.messages[index]
    if not isinstance(cm, CallMessage) or cm.callee != IC_PRINCIPAL \
            or not at_queue_head(state, index):
        return None
    _load_methods()
    rest = evolve(state, messages=without(state.messages, index))
    try:
        outcome = _dispatch(rest, cm, cfg, replicated=True)
    except MgmtReject as r:
        outcome = Outcome(rest, RejectResponse(r.code, r.message, r.error_code),
                          cm.transferred_cycles)
    if outcome.response is None:
        return outcome.state
    response = ResponseMessage(cm.origin, outcome.response, outcome.refund)
    return evolve(outcome.state, messages=outcome.state.messages + (response,))


def _dispatch(state: S, cm: CallMessage, cfg: SubnetConfig, replicated: bool) -> Outcome:
    name = cm.method_name
    if name in UNSUPPORTED:
        raise MgmtReject(CANISTER_REJECT, f"management canister method '{name}' is not "
                         "supported by pyic", "IC0407")
    if replicated and name in QUERY_ONLY:
        raise MgmtReject(CANISTER_REJECT, f"management canister method '{name}' can only be "
                         "called by non-replicated (query) calls", "IC0406")
    entry = METHODS.get(name)
    if entry is None:
        raise MgmtReject(CANISTER_REJECT, f"management canister has no method '{name}'",
                         "IC0407")
    f, access = entry
    # (``create_canister`` by ingress: subnet admins only, which submission checks)
    if isinstance(cm.origin, FromUser) and name in CANISTERS_ONLY:
        raise MgmtReject(CANISTER_REJECT, f"management canister method '{name}' cannot be "
                         "called by ingress messages", "IC0406")
    try:
        args = decode_args(name, cm.arg)
    except CandidError as e:
        raise MgmtReject(CANISTER_ERROR, f"Error decoding the argument of {name}: {e.message}",
                         "IC0408") from None
    _check_access(state, access, cm.caller, args, name)
    return f(state, cm, args, cfg)


def query(state: S, sender: bytes, method_name: str, arg: bytes, cfg: SubnetConfig = DEFAULT):
    """A query call to the management canister (``canister_status``, ``canister_metrics``,
    ``fetch_canister_logs``, ``list_canisters``): the response; the state does not change."""
    _load_methods()
    if method_name not in MANAGEMENT_QUERY_METHODS:
        return RejectResponse(CANISTER_REJECT, f"management canister method '{method_name}' "
                              "cannot be called as a query", "IC0406")
    cm = CallMessage(origin=FromCanister(-1, None), caller=sender, callee=IC_PRINCIPAL,
                     method_name=method_name, arg=arg, transferred_cycles=0, queue="unordered")
    try:
        return _dispatch(state, cm, cfg, replicated=False).response
    except MgmtReject as r:
        return RejectResponse(r.code, r.message, r.error_code)


def management_canister_query(state: S, caller: bytes, method_name: str, arg: bytes):
    """``management_canister_query``: a composite query's call to ``aaaaa-aa``."""
    return query(state, caller, method_name, arg)


def stopping_to_stopped(state: S, canister_id: bytes) -> S | None:
    """"IC Management Canister: Stopping a canister", second part: a stopping
    canister with no call contexts left becomes stopped, and every pending
    ``stop_canister`` call is answered."""
    from .lifecycle import stopping_to_stopped as rule
    return rule(state, canister_id)


_loaded = False


def _load_methods() -> None:
    global _loaded
    if not _loaded:
        # (each registers its methods)
        from . import (  # noqa: F401 (they register)
            canisters, code, info, lifecycle, snapshot_data, snapshots, threshold,
        )
        _loaded = True


__all__ = ["execute_call", "query", "management_canister_query", "stopping_to_stopped",
           "Outcome", "MgmtReject", "method", "target", "Reply"]
