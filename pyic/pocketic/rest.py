"""The protocol's JSON, route by route: request bodies in, `Instance` operations, bodies out.

Shapes are the PocketIC server's (version 9, ``pocket_ic::common::rest``), which
the ``pocket-ic`` 3.1 client speaks.  Blobs and principals are base64 strings;
an effective principal is ``"None"``, ``{"CanisterId": b64}`` or ``{"SubnetId": b64}``;
a canister call (``RawCanisterCall``) is ``{sender, canister_id, effective_principal,
method, payload}``; its result (``RawCanisterResult``) is ``{"Ok": b64 reply}`` or
``{"Err": {reject_code, reject_message, error_code, certified}}`` with the codes as
the server's variant names.  Every operation answers at once (the server's 202
Started / 409 Busy never happen: one operation runs at a time, to its end).

Each handler takes the instance and the parsed body and returns the JSON to send;
a malformed body raises `InstanceError` (HTTP 400).
"""

from __future__ import annotations

import base64
import binascii

from ..candid import Principal
from ..ic.canister import RejectResponse
from .codes import error_code_name, reject_code_name
from .errors import InstanceError
from .instance import Instance

# ------------------------------------------------------------------ reading bodies


def _obj(body, what: str = "body") -> dict:
    if not isinstance(body, dict):
        raise InstanceError(f"the {what} must be a JSON object")
    return body


def _field(body: dict, name: str, kind, what: str = "body"):
    if name not in body:
        raise InstanceError(f"the {what} has no field {name!r}")
    value = body[name]
    if kind is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise InstanceError(f"{what}.{name} must be an integer")
    elif not isinstance(value, kind):
        raise InstanceError(f"{what}.{name} must be a {kind.__name__}")
    return value


def _b64(body: dict, name: str, what: str = "body") -> bytes:
    text = _field(body, name, str, what)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InstanceError(f"{what}.{name} is not base64") from None


def effective_principal(value) -> tuple:
    if value == "None" or value is None:
        return ("None", b"")
    if isinstance(value, dict) and len(value) == 1:
        (kind, b64), = value.items()
        if kind in ("CanisterId", "SubnetId") and isinstance(b64, str):
            return (kind, _b64(value, kind, "effective_principal"))
    raise InstanceError('effective_principal must be "None", {"CanisterId": b64} or '
                        '{"SubnetId": b64}')


def effective_principal_json(effective: tuple):
    kind, principal = effective
    return "None" if kind == "None" else {kind: base64.b64encode(principal).decode()}


def _canister_call(body) -> tuple:
    body = _obj(body)
    return (_b64(body, "sender"), _b64(body, "canister_id"), _field(body, "method", str),
            _b64(body, "payload"), effective_principal(body.get("effective_principal", "None")))


def _message_id(body) -> bytes:
    return _b64(_obj(body, "raw_message_id"), "message_id", "raw_message_id")


# ------------------------------------------------------------------ writing bodies


def _enc(data: bytes) -> str:
    return base64.b64encode(data).decode()


def canister_result(answer, certified: bool = True) -> dict:
    if isinstance(answer, RejectResponse):
        return {"Err": reject_json(answer, certified)}
    return {"Ok": _enc(answer.data)}


def reject_json(r: RejectResponse, certified: bool = True) -> dict:
    """A reject; ``certified``: it comes from replicated execution (not a query)."""
    return {"reject_code": reject_code_name(r.code), "reject_message": r.message,
            "error_code": error_code_name(r.error_code, r.code), "certified": certified}


def topology_json(instance: Instance) -> dict:
    configs = {}
    for s in instance.subnets:
        configs[Principal(s.subnet_id).to_text()] = {
            "subnet_kind": s.kind.value,
            "subnet_seed": list(s.layout.seed),
            "size": len(s.nodes),
            "node_ids": [{"node_id": _enc(node_id)} for node_id, _ in s.nodes],
            "canister_ranges": [r.to_json() for r in s.layout.all_ranges],
            "instruction_config": "Production",
        }
    return {"subnet_configs": configs,
            "default_effective_canister_id": {
                "canister_id": _enc(instance.default_effective_canister_id())}}


# ------------------------------------------------------------------ the routes


def get_topology(instance: Instance, body) -> dict:
    return topology_json(instance)


def get_time(instance: Instance, body) -> dict:
    return {"nanos_since_epoch": instance.time}


def set_time(instance: Instance, body) -> None:
    instance.set_time(_field(_obj(body), "nanos_since_epoch", int))


def get_controllers(instance: Instance, body) -> list:
    _, c = instance.canister(_b64(_obj(body), "canister_id"))
    return [{"principal_id": _enc(p)} for p in sorted(c.controllers)]


def get_canister_http(instance: Instance, body) -> list:
    """Pending HTTPS outcalls: none ever, pyic's management canister refuses
    ``http_request`` (docs/ic-rules.md)."""
    return []


def tick(instance: Instance, body) -> None:
    instance.tick()


def get_subnet(instance: Instance, body):
    subnet = instance.get_subnet(_b64(_obj(body), "canister_id"))
    return None if subnet is None else {"subnet_id": _enc(subnet)}


def get_cycles(instance: Instance, body) -> dict:
    return {"cycles": instance.get_cycles(_b64(_obj(body), "canister_id"))}


def add_cycles(instance: Instance, body) -> dict:
    body = _obj(body)
    return {"cycles": instance.add_cycles(_b64(body, "canister_id"),
                                          _field(body, "amount", int))}


def get_stable_memory(instance: Instance, body) -> dict:
    return {"blob": _enc(instance.get_stable_memory(_b64(_obj(body), "canister_id")))}


def set_stable_memory(instance: Instance, body, blobs) -> None:
    body = _obj(body)
    instance.set_stable_memory(_b64(body, "canister_id"), blobs.get(_b64(body, "blob_id")))


def pub_key(instance: Instance, body) -> list:
    return list(instance.public_key(_b64(_obj(body), "subnet_id")))


def query(instance: Instance, body) -> dict:
    sender, canister_id, method, payload, effective = _canister_call(body)
    return canister_result(instance.query(sender, canister_id, method, payload, effective),
                           certified=False)


def submit_ingress_message(instance: Instance, body) -> dict:
    sender, canister_id, method, payload, effective = _canister_call(body)
    submitted = instance.submit(sender, canister_id, method, payload, effective)
    if isinstance(submitted, RejectResponse):
        return {"Err": reject_json(submitted)}
    return {"Ok": {"effective_principal": effective_principal_json(effective),
                   "message_id": _enc(submitted)}}


def ingress_status(instance: Instance, body):
    body = _obj(body)
    if "raw_message_id" not in body:
        raise InstanceError("the body has no field 'raw_message_id'")
    answer = instance.ingress_status(_message_id(body["raw_message_id"]))
    return None if answer is None else canister_result(answer)


def await_ingress_message(instance: Instance, body) -> dict:
    return canister_result(instance.await_ingress(_message_id(body)))


def execute_ingress_message(instance: Instance, body) -> dict:
    sender, canister_id, method, payload, effective = _canister_call(body)
    return canister_result(instance.execute_ingress(sender, canister_id, method, payload,
                                                    effective))


# (method, path under /instances/<id>/) -> handler; set_stable_memory also reads blobs.
INSTANCE_ROUTES = {
    ("GET", "read/topology"): get_topology,
    ("GET", "_/topology"): get_topology,
    ("POST", "read/get_controllers"): get_controllers,
    ("GET", "read/get_canister_http"): get_canister_http,
    ("GET", "read/get_time"): get_time,
    ("POST", "read/get_subnet"): get_subnet,
    ("POST", "read/get_cycles"): get_cycles,
    ("POST", "read/get_stable_memory"): get_stable_memory,
    ("POST", "read/pub_key"): pub_key,
    ("POST", "read/query"): query,
    ("POST", "read/ingress_status"): ingress_status,
    ("POST", "update/set_time"): set_time,
    # pyic certifies the current state, so the certified time is the time
    ("POST", "update/set_certified_time"): set_time,
    ("POST", "update/tick"): tick,
    ("POST", "update/add_cycles"): add_cycles,
    ("POST", "update/set_stable_memory"): set_stable_memory,
    ("POST", "update/submit_ingress_message"): submit_ingress_message,
    ("POST", "update/await_ingress_message"): await_ingress_message,
    ("POST", "update/execute_ingress_message"): execute_ingress_message,
}
NEEDS_BLOBS = frozenset({set_stable_memory})


__all__ = [
    "INSTANCE_ROUTES",
    "NEEDS_BLOBS",
    "canister_result",
    "effective_principal",
    "reject_json",
    "topology_json",
]
