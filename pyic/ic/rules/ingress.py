"""Ingress: "API Request submission" and "Initiating canister calls" (interface
spec, "Abstract behavior").  "Request rejection" is not applied: pyic never
rejects a request it has received (the spec allows, never requires it).

A `Request` reaches these rules already authenticated: ``verify_envelope`` is
the HTTP layer's (`pyic.http.auth`, used by ``pyic replica``), which also checks
the request's ``sender_info``; in process the given sender is taken as
authenticated.  The effective canister id of a call to the management canister
is the ``canister_id`` in its argument.  Subnet admins (``S.subnet_admins``,
set with `pyic.ic.machine.IC.set_subnet_admins`) may create canisters by
ingress and start, stop, uninstall, delete and read the status of any canister
of their subnet.
"""

from __future__ import annotations

from ..canister import CallerInfo, Trapped
from ..certification import subnet_id as own_subnet_id
from ..costs import DEFAULT, SubnetConfig
from ..state import (
    IC_PRINCIPAL, RUNNING, UNORDERED, CallMessage, Done, FromUser, Processing, Received,
    Rejected, Replied, Request, S, replace_in, evolve,
)
from ..principal_text import principal_text
from .common import (
    SUBNET_ADMIN_METHODS, caller_info, env_of, liquid_balance, subnet_admins, trap_reject,
)

# "API Request submission": management methods a controller may call by ingress.
INGRESS_CONTROLLER_METHODS = frozenset({
    "install_code", "install_chunked_code", "update_settings", "upload_chunk", "stored_chunks",
    "clear_chunk_store", "take_canister_snapshot", "load_canister_snapshot",
    "list_canister_snapshots", "delete_canister_snapshot", "read_canister_snapshot_metadata",
    "read_canister_snapshot_data", "upload_canister_snapshot_metadata",
    "upload_canister_snapshot_data", "provisional_top_up_canister",
    "start_canister", "stop_canister", "uninstall_code", "delete_canister", "canister_metrics",
})
INGRESS_OPEN_METHODS = frozenset({"provisional_create_canister_with_cycles"})
# The methods "Submitted request to /api/<VERSION>/subnet/<ESID>/call" allows.
CREATE_METHODS = frozenset({"create_canister", "provisional_create_canister_with_cycles"})


class RequestRefused(Exception):
    """Raised by `submit_request` when the IC would not accept the request (the
    HTTP call would fail): carries reject code, message and error code."""

    def __init__(self, code: int, message: str, error_code: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.error_code = error_code


def _check_request(state: S, request: Request) -> None:
    """The conditions both submission rules share: ``|E.content.nonce| <= 32``,
    ``E.content ∉ dom(S.requests)``, ``S.system_time <= E.content.ingress_expiry``."""
    from ..canister import CANISTER_ERROR, SYS_TRANSIENT
    if len(request.nonce) > 32:
        raise RequestRefused(CANISTER_ERROR, "nonce longer than 32 bytes", "IC0408")
    if request in state.requests:
        raise RequestRefused(CANISTER_ERROR, "duplicate request", "IC0205")
    if state.system_time > request.ingress_expiry:
        raise RequestRefused(SYS_TRANSIENT, "request expired", "IC0202")


def submit_request(state: S, request: Request, effective_canister_id: bytes,
                   cfg: SubnetConfig = DEFAULT) -> S:
    """"API Request submission" to ``/api/<VERSION>/canister/<ECID>/call``: the
    request enters the state as ``Received``, or `RequestRefused` says why it does not."""
    from ..canister import CANISTER_ERROR, CANISTER_REJECT, DESTINATION_INVALID, SYS_TRANSIENT
    _check_request(state, request)
    target = request.canister_id
    if target == IC_PRINCIPAL:
        c = state.canisters.get(effective_canister_id)
        name = request.method_name
        sender = request.sender
        if name in INGRESS_OPEN_METHODS:
            pass
        elif name == "create_canister":
            # ``E.content.sender ∈ S.subnet_admins[S.canister_subnet[ECID]]``
            if sender not in subnet_admins(state, _subnet_of(state, effective_canister_id)):
                raise RequestRefused(CANISTER_REJECT, "Management canister method "
                                     "'create_canister' can be called by ingress messages "
                                     "of subnet admins only", "IC0406")
        elif name == "canister_status":
            if c is None:
                raise RequestRefused(DESTINATION_INVALID, _not_found(effective_canister_id),
                                     "IC0301")
            if not _may_read_status(state, c, sender):
                raise RequestRefused(CANISTER_ERROR, _only_controllers(c, sender), "IC0512")
        elif name in INGRESS_CONTROLLER_METHODS:
            if c is None:
                raise RequestRefused(DESTINATION_INVALID, _not_found(effective_canister_id),
                                     "IC0301")
            allowed = c.controllers
            if name in SUBNET_ADMIN_METHODS:
                allowed = allowed | subnet_admins(state, c.canister_subnet.subnet_id)
            if sender not in allowed:
                raise RequestRefused(CANISTER_ERROR, _only_controllers(c, sender), "IC0512")
        else:
            raise RequestRefused(CANISTER_REJECT,
                                 f"Management canister method '{name}' cannot be called by "
                                 "ingress messages", "IC0406")
        if c is not None and liquid_balance(c, cfg) < 0:
            raise RequestRefused(SYS_TRANSIENT, _frozen(effective_canister_id), "IC0207")
    else:
        c = state.canisters.get(target)
        if c is None:
            raise RequestRefused(DESTINATION_INVALID, _not_found(target), "IC0301")
        if c.can_state is None:
            raise RequestRefused(CANISTER_ERROR,
                                 f"Canister {principal_text(target)} is empty: it has no Wasm "
                                 "module", "IC0537")
        if c.canister_status != RUNNING:
            stopped = c.canister_status == "stopped"
            raise RequestRefused(CANISTER_ERROR,
                                 f"Canister {principal_text(target)} is "
                                 f"{'stopped' if stopped else 'stopping'}",
                                 "IC0508" if stopped else "IC0509")
        if liquid_balance(c, cfg) < 0:
            raise RequestRefused(SYS_TRANSIENT, _frozen(target), "IC0207")
        module = c.can_state.module
        if request.method_name not in module.update_methods \
                and request.method_name not in module.query_methods:
            raise RequestRefused(CANISTER_ERROR,
                                 f"Canister {principal_text(target)} has no update method "
                                 f"'{request.method_name}'", "IC0536")
        if module.has_inspect_message():
            caller = CallerInfo(request.sender, *caller_info(request.sender_info))
            r = module.inspect_message(c.can_state.wasm_state, request.method_name, request.arg,
                                       caller, env_of(state, c))
            if isinstance(r, Trapped):
                # A trap is CANISTER_ERROR ("Reject codes"), reported as any
                # trap is (IC0503 for ic0.trap, IC0502 otherwise), as the replica does.
                t = trap_reject(target, r.message)
                raise RequestRefused(t.code, t.message, t.error_code)
            if not r.accept:
                raise RequestRefused(CANISTER_REJECT,
                                     f"Canister {principal_text(target)} rejected the message",
                                     "IC0406")
    return evolve(state, requests=replace_in(state.requests, request,
                                             (Received(), effective_canister_id)))


def submit_subnet_request(state: S, request: Request, effective_subnet_id: bytes) -> S:
    """"API Request submission", "Submitted request to
    /api/<VERSION>/subnet/<ESID>/call": a canister creation by a subnet admin of
    ``ESID`` enters the state as ``Received``; anything else is `RequestRefused`."""
    from ..canister import CANISTER_REJECT
    _check_request(state, request)
    if request.canister_id != IC_PRINCIPAL or request.method_name not in CREATE_METHODS:
        raise RequestRefused(CANISTER_REJECT, "Only create_canister and "
                             "provisional_create_canister_with_cycles of the management "
                             "canister may be called at a subnet's call endpoint", "IC0406")
    if request.sender not in subnet_admins(state, effective_subnet_id):
        raise RequestRefused(CANISTER_REJECT, f"{principal_text(request.sender)} is not a subnet "
                             f"admin of subnet {principal_text(effective_subnet_id)}: only "
                             "subnet admins may create canisters at its call endpoint", "IC0406")
    return evolve(state, requests=replace_in(state.requests, request,
                                             (Received(), effective_subnet_id)))


def _subnet_of(state: S, canister_id: bytes) -> bytes:
    """``S.canister_subnet[canister_id]``; an id no canister has yet lies in this
    IC's one subnet's range (the HTTPS layer routes only those here)."""
    c = state.canisters.get(canister_id)
    return c.canister_subnet.subnet_id if c is not None else own_subnet_id(state.seed)


def _may_read_status(state: S, c, sender: bytes) -> bool:
    """The ``canister_status`` condition: a subnet admin, or as the status visibility says."""
    if sender in subnet_admins(state, c.canister_subnet.subnet_id):
        return True
    vis = c.canister_status_visibility
    if vis == "public":
        return True
    if isinstance(vis, tuple) and vis and vis[0] == "allowed_viewers":
        return sender in c.controllers or sender in vis[1]
    return sender in c.controllers


def _not_found(canister_id: bytes) -> str:
    return f"Canister {principal_text(canister_id)} not found"


def _frozen(canister_id: bytes) -> str:
    return f"Canister {principal_text(canister_id)} is out of cycles"


def _only_controllers(c, sender: bytes) -> str:
    """CanisterInvalidController (IC0512, so CANISTER_ERROR): the same words the
    management canister uses when it rejects a call from a non-controller."""
    from ..management import only_controllers_message
    return only_controllers_message(c.canister_id, sender, c.controllers)


def initiate_canister_call(state: S, request: Request) -> S | None:
    """"Initiating canister calls": a received request becomes a `CallMessage`.

    The rule puts it at the front of ``S.messages``; its queue is ``Unordered``, so
    its position only decides when pyic's scheduler picks it: pyic appends it,
    so ingress messages run in the order they were submitted."""
    entry = state.requests.get(request)
    if entry is None or not isinstance(entry[0], Received):
        return None
    if state.system_time > request.ingress_expiry:
        return None
    data, signer = caller_info(request.sender_info)
    cm = CallMessage(origin=FromUser(request), caller=request.sender, callee=request.canister_id,
                     method_name=request.method_name, arg=request.arg, transferred_cycles=0,
                     queue=UNORDERED, caller_info_data=data, caller_info_signer=signer)
    return evolve(state, messages=state.messages + (cm,),
                  requests=replace_in(state.requests, request, (Processing(), entry[1])))


def request_clean_up(state: S) -> S:
    """"Update call request clean up", both rules at once for every answered request
    whose ``ingress_expiry`` has passed: its data is dropped (``Done``) and the request
    removed, "no earlier than the ingress expiry time set in the request".  Until
    then the reply stays readable, as pocket-ic and the replica keep it."""
    expired = [r for r, (status, _) in state.requests.items()
               if isinstance(status, (Replied, Rejected, Done))
               and r.ingress_expiry < state.system_time]
    if not expired:
        return state
    requests = dict(state.requests)
    for r in expired:
        del requests[r]
    return evolve(state, requests=requests)
