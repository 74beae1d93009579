"""The HTTP endpoints (https-interface.md "HTTPS Interface"):

    GET  /api/v2/status
    POST /api/v2/canister/<ecid>/call                  asynchronous call: 202
    POST /api/v3/canister/<ecid>/call, /api/v4/...     synchronous call: 200 + certificate
    POST /api/v4/subnet/<esid>/call                    canister creation only
    POST /api/v2|v3/canister/<ecid>/query
    POST /api/v3/subnet/<esid>/query                   list_canisters only
    POST /api/v2|v3/canister/<ecid>/read_state
    POST /api/v2|v3/subnet/<esid>/read_state

Malformed or unauthenticated requests get 400 with a plain-text reason, paths
a sender may not read 403, unknown routes 404; a call the IC refuses before it
enters the state gets 200 with the reject (``non_replicated_rejection`` on the
synchronous endpoints), and so does a call to a management method users may
not call or whose argument names no canister ("Effective canister id": "the
call is rejected by the system independently of the effective canister id").
An unexpected failure is a 500 with one line, never a traceback and never a
hung connection.
"""

from __future__ import annotations

import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..candid.principal import Principal
from ..errors import CandidError
from ..ic.canister import CANISTER_REJECT, Reply
from ..ic.management.args import effective_canister_id
from ..ic.rules.ingress import (
    CREATE_METHODS, INGRESS_CONTROLLER_METHODS, INGRESS_OPEN_METHODS, RequestRefused,
)
from ..ic.state import IC_PRINCIPAL, Request
from . import cbor
from .auth import Authenticated, HTTPError, authenticate, bad
from .replica import Replica
from .request_id import hash_of_map
from .state_tree import in_ranges

MAX_BODY = 5 * 1024 * 1024          # the replica's limit on a request body (bytes)
DOMAIN_RESPONSE = b"\x0Bic-response"
# Management methods a user's update call may name ("API Request submission"):
# any other is refused at submission whatever its argument.
INGRESS_METHODS = INGRESS_CONTROLLER_METHODS | INGRESS_OPEN_METHODS | {"canister_status"}

_ROUTE = re.compile(r"^/api/(v2|v3|v4)/(canister|subnet)/([^/]+)/(call|query|read_state)$")
# The leaves "Request: Read state" lets a path name.
STATUS_FIELDS = (b"status", b"reply", b"reject_code", b"reject_message", b"error_code")
CANISTER_FIELDS = (b"module_hash", b"controllers", b"canister_creation_timestamp",
                   b"last_install_timestamp")
BOUNDARY_FIELDS = (b"domain", b"ipv4_address", b"ipv6_address")
# (version, kind, verb) the interface serves
_SERVED = {("v2", "canister", "call"), ("v3", "canister", "call"), ("v4", "canister", "call"),
           ("v4", "subnet", "call"),
           ("v2", "canister", "query"), ("v3", "canister", "query"), ("v3", "subnet", "query"),
           ("v2", "canister", "read_state"), ("v3", "canister", "read_state"),
           ("v2", "subnet", "read_state"), ("v3", "subnet", "read_state")}


class Response:
    def __init__(self, status: int, body: bytes = b"", content_type: str = "text/plain") -> None:
        self.status, self.body, self.content_type = status, body, content_type


def cbor_response(value, status: int = 200) -> Response:
    return Response(status, cbor.encode(value), "application/cbor")


def text(status: int, message: str) -> Response:
    return Response(status, message.encode("utf-8"))


class Endpoints:
    """The interface's endpoints over a `Replica`, free of HTTP plumbing."""

    def __init__(self, replica: Replica, sync_call_timeout: float = 10.0) -> None:
        self.replica = replica
        self.sync_call_timeout = sync_call_timeout

    # ---------------------------------------------------------------- dispatch

    def get(self, path: str) -> Response:
        if path == "/api/v2/status":
            return self.status()
        return text(404, f"pyic replica: no GET endpoint at {path}")

    def post(self, path: str, content_type: str | None, body: bytes) -> Response:
        m = _ROUTE.match(path)
        if m is None or m.groups()[:2] + (m.group(4),) not in _SERVED:
            return text(404, f"pyic replica: no POST endpoint at {path}")
        version, kind, ident, verb = m.groups()
        try:
            if (content_type or "").split(";")[0].strip().lower() != "application/cbor":
                raise bad("Expected a request body of Content-Type application/cbor")
            try:
                target = Principal.from_text(ident).bytes
            except CandidError as e:
                raise bad(f"cannot parse the effective {kind} id {ident!r}: {e}") from None
            if kind == "canister" and not in_ranges(target):
                raise bad(f"Cannot route request with effective canister id {ident}: it is not "
                          "in the canister ranges of the subnet")
            if kind == "subnet" and target != self.replica.keys.subnet_id:
                raise bad(f"Subnet {ident} not found: this instance's subnet is "
                          f"{Principal(self.replica.keys.subnet_id).to_text()}")
            try:
                envelope = cbor.decode(body)
            except cbor.CBORError as e:
                raise bad(f"Could not parse the body as a CBOR request: {e}") from None
            if verb == "call":
                return self.call(version, kind, target, envelope)
            if verb == "query":
                return self.query(kind, target, envelope)
            return self.read_state(version, kind, target, envelope)
        except HTTPError as e:
            return text(e.status, e.message)

    # ---------------------------------------------------------------- status

    def status(self) -> Response:
        """"Status endpoint": the root key (a development instance must give it)."""
        return cbor_response({
            "root_key": self.replica.keys.root_key,
            "impl_version": "pyic",
            "replica_health_status": "healthy",
        })

    # ---------------------------------------------------------------- calls

    def call(self, version: str, kind: str, target: bytes, envelope) -> Response:
        """"Request: Call" (v3, v4: synchronous) and "Request: Asynchronous Call" (v2)."""
        auth = authenticate(envelope, "call", self.replica.now(), self.replica.keys.root_key)
        c = auth.content
        if auth.queries_only:
            raise HTTPError(403, "The delegation chain restricts this sender to queries "
                                 "(permissions = \"queries\"): update calls are not accepted")
        check_targets(auth, c["canister_id"])
        if kind == "subnet":
            if c["canister_id"] != IC_PRINCIPAL or c["method_name"] not in CREATE_METHODS:
                raise bad("Only canister creation calls to the management canister may be "
                          "sent to /api/v4/subnet/<effective_subnet_id>/call")
        # The request is kept with the id it was sent to: a subnet call's status
        # is read at /api/v3/subnet/<effective_subnet_id>/read_state ("Request:
        # Read state"), so its effective id is the subnet's.
        ecid = target
        request = Request(nonce=c.get("nonce", b""), ingress_expiry=c["ingress_expiry"],
                          sender=auth.sender, canister_id=c["canister_id"],
                          method_name=c["method_name"], arg=c["arg"],
                          sender_info=auth.sender_info)
        try:
            if kind == "canister":
                check_effective_canister_id(target, c["canister_id"], c["method_name"],
                                            c["arg"], update=True)
            self.replica.submit(request, auth.request_id, ecid, subnet=kind == "subnet")
        except RequestRefused as r:
            body = {"reject_code": r.code, "reject_message": r.message, "error_code": r.error_code}
            if version != "v2":
                body = {"status": "non_replicated_rejection", **body}
            return cbor_response(body)
        if version == "v2":
            return Response(202)
        if not self.replica.await_final(request, self.sync_call_timeout):
            return Response(202)
        state = self.replica.snapshot()
        cert = self.replica.certify(state, [[b"request_status", auth.request_id]])
        return cbor_response({"status": "replied", "certificate": cert})

    # ---------------------------------------------------------------- queries

    def query(self, kind: str, target: bytes, envelope) -> Response:
        """"Request: Query call", the response signed by the node ("node-signature")."""
        auth = authenticate(envelope, "query", self.replica.now(), self.replica.keys.root_key)
        c = auth.content
        check_targets(auth, c["canister_id"])
        if kind == "subnet":
            if c["canister_id"] != IC_PRINCIPAL or c["method_name"] != "list_canisters":
                raise bad("Only list_canisters of the management canister may be queried at "
                          "/api/v3/subnet/<effective_subnet_id>/query")
        try:
            if kind == "canister":
                check_effective_canister_id(target, c["canister_id"], c["method_name"],
                                            c["arg"], update=False)
            response = self.replica.query(auth.sender, c["canister_id"], c["method_name"],
                                          c["arg"], auth.sender_info)
        except RequestRefused as r:
            response = r
        if isinstance(response, Reply):
            body = {"status": "replied", "reply": {"arg": response.data}}
        else:
            body = {"status": "rejected", "reject_code": response.code,
                    "reject_message": response.message,
                    "error_code": response.error_code or "IC0500"}
        if self.replica.sign_queries:
            body["signatures"] = [self.node_signature(body, auth.request_id)]
        return cbor_response(body)

    def node_signature(self, body: dict, rid: bytes) -> dict:
        keys = self.replica.keys
        timestamp = self.replica.now()
        signed = {k: v for k, v in body.items() if k != "signatures"}
        signed.update(timestamp=timestamp, request_id=rid)
        return {"timestamp": timestamp,
                "signature": keys.sign_as_node(DOMAIN_RESPONSE + hash_of_map(signed)),
                "identity": keys.node_id}

    # ---------------------------------------------------------------- read_state

    def read_state(self, version: str, kind: str, target: bytes, envelope) -> Response:
        """"Request: Read state": a certificate revealing the requested paths."""
        auth = authenticate(envelope, "read_state", self.replica.now(), self.replica.keys.root_key)
        paths = auth.content["paths"]
        state = self.replica.snapshot()
        for path in paths:
            self.check_path(version, kind, target, auth, state, path)
        rids = {p[1] for p in paths if len(p) >= 2 and p[0] == b"request_status"}
        if len(rids) > 1:
            raise bad("All request_status paths must refer to the same request id")
        ranges = {p[1] for p in paths if len(p) >= 2 and p[0] == b"canister_ranges"}
        if len(ranges) > 1:
            raise bad("All canister_ranges paths must refer to the same subnet id")
        return cbor_response({"certificate": self.replica.certify(state, paths)})

    def check_path(self, version, kind, target, auth: Authenticated, state, path) -> None:
        """Whether ``path`` may be requested: exactly the forms "Request: Read
        state" lists (``may_read_path_for_canister`` / ``may_read_path_for_subnet``
        of abstract-behavior.md, which end in ``_ = False``); another form is 404,
        a listed form this request may not read 403."""
        n = len(path)
        head = path[0] if path else None
        if path == [b"time"]:
            return
        if head == b"api_boundary_nodes" and (n <= 2 or (n == 3 and path[2] in BOUNDARY_FIELDS)):
            return
        if head == b"subnet" and (n <= 3 or (n in (4, 5) and path[2] == b"node")):
            if n <= 2 or path[2] in (b"public_key", b"type") \
                    or (path[2] == b"node" and (n <= 4 or path[4] == b"public_key")):
                return
            sid, field = path[1], path[2]
            if field == b"metrics":
                if kind == "subnet" and sid == target:
                    return
                raise HTTPError(403, "/subnet/<subnet_id>/metrics can only be read at "
                                     "/api/v3/subnet/<subnet_id>/read_state")
            if field == b"canister_ranges":
                # "where <subnet_id> is not the root subnet ID ... Cannot be
                # requested at /api/v3/..." (pyic's one subnet is the root subnet)
                if version == "v2" or sid == self.replica.keys.subnet_id:
                    return
                raise HTTPError(403, "/subnet/<subnet_id>/canister_ranges of a subnet other "
                                     "than the root subnet can only be read at /api/v2")
        if head == b"canister_ranges" and n == 2:
            if kind != "subnet":
                raise HTTPError(403, "/canister_ranges can only be read at "
                                     "/api/v3/subnet/<subnet_id>/read_state")
            return
        if head == b"request_status" and n >= 2:
            if len(path[1]) != 32:
                raise bad("Request IDs must be 32 bytes in length.")
            if n == 2 or (n == 3 and path[2] in STATUS_FIELDS):
                self.check_request_status(kind, target, auth, path[1])
                return
        if head == b"canister" and n >= 3 and path[2] == b"certified_data":
            raise HTTPError(403, "/canister/<canister_id>/certified_data cannot be read: only "
                                 "the canister itself sees it, through the System API")
        if head == b"canister" and ((n == 3 and path[2] in CANISTER_FIELDS)
                                    or (n == 4 and path[2] == b"metadata")):
            cid = path[1]
            if kind != "canister" or cid != target:
                raise HTTPError(403, "/canister/<canister_id>/... can only be read when "
                                     "<canister_id> is the effective canister id")
            if n == 4:
                self.check_metadata(auth, state, cid, path[3])
            return
        if head == b"canister" and n == 3 and path[2] == b"metadata":
            # only /metadata/<name>: the whole subtree would reveal private sections
            raise HTTPError(403, "/canister/<canister_id>/metadata can only be read one "
                                 "section at a time: /metadata/<name>")
        raise HTTPError(404, "Invalid path requested: /"
                             + "/".join(label.decode("utf-8", "replace") for label in path))

    def check_request_status(self, kind, target, auth: Authenticated, rid: bytes) -> None:
        """Readable if no request has id ``rid``, or it is the sender's and was
        sent to this effective canister (or subnet) id, to a canister the
        delegations allow."""
        found = self.replica.find_request(rid)
        if found is None:
            return
        request, (_, ecid) = found
        if request.sender != auth.sender:
            raise HTTPError(403, "User is not authorized to read this request status: "
                                 "it was sent by another principal")
        if ecid != target:
            raise HTTPError(403, f"The request's effective {kind} id does not match the "
                                 "one of this read_state request")
        check_targets(auth, request.canister_id, status=403)

    @staticmethod
    def check_metadata(auth: Authenticated, state, cid: bytes, label: bytes) -> None:
        """A private custom section only for the canister's controllers."""
        try:
            name = label.decode("utf-8")
        except UnicodeDecodeError:
            raise bad("Invalid utf8 in metadata path") from None
        c = state.canisters.get(cid)
        cs = c.can_state if c is not None else None
        if cs is not None and name in cs.private_custom_sections \
                and name not in cs.public_custom_sections \
                and auth.sender not in c.controllers:
            raise HTTPError(403, f"User is not authorized to read the private metadata "
                                 f"section {name!r} (only controllers are)")


def check_targets(auth: Authenticated, canister_id: bytes, status: int = 400) -> None:
    """A delegation with ``targets`` applies only to requests to those canisters."""
    if auth.targets is not None and canister_id not in auth.targets:
        raise HTTPError(status, f"Invalid delegation: canister {Principal(canister_id).to_text()} "
                                "is not one of the delegation's targets")


def check_effective_canister_id(ecid: bytes, canister_id: bytes, method: str, arg: bytes,
                                update: bool) -> None:
    """"Effective canister id": the callee itself, or for the management
    canister the ``canister_id`` (``target_canister``) in the argument; a
    mismatch is `HTTPError` 400.  A management call whose argument names no
    canister, or an update call to a method users may not call ("API Request
    submission"), "is rejected by the system independently of the effective
    canister id": `RequestRefused` with CANISTER_REJECT, what ic-hs and the
    replica answer (a reject, not an HTTP error)."""
    if canister_id != IC_PRINCIPAL:
        expected = canister_id
    elif (update and method in CREATE_METHODS) or (not update and method == "list_canisters"):
        return
    elif update and method not in INGRESS_METHODS:
        raise RequestRefused(CANISTER_REJECT, f"Management canister method '{method}' cannot "
                                              "be called by ingress messages", "IC0406")
    else:
        expected = effective_canister_id(method, arg)
        if not expected:
            raise RequestRefused(CANISTER_REJECT, f"The call to the management canister's "
                                 f"{method} is rejected: its argument is not a Candid record "
                                 "with a canister_id", "IC0406")
    if expected != ecid:
        raise bad(f"Specified CanisterId {Principal(expected).to_text()} does not match "
                  f"effective canister id in URL {Principal(ecid).to_text()}")


# ---------------------------------------------------------------- HTTP plumbing

class _Handler(BaseHTTPRequestHandler):
    server_version = "pyic-replica"
    protocol_version = "HTTP/1.1"
    timeout = 60                 # seconds a stalled client may hold a connection
    endpoints: Endpoints         # set on the subclass `serve` makes

    def do_GET(self) -> None:
        self._answer(lambda: self.endpoints.get(self.path.split("?")[0]))

    def do_POST(self) -> None:
        def handle() -> Response:
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                self.close_connection = True
                return text(411, "A request body needs a Content-Length")
            if length < 0 or length > MAX_BODY:
                self.close_connection = True
                return text(413, f"The request body is {length} bytes, at most {MAX_BODY}")
            body = self.rfile.read(length)
            return self.endpoints.post(self.path.split("?")[0],
                                       self.headers.get("Content-Type"), body)
        self._answer(handle)

    def _answer(self, handle) -> None:
        try:
            r = handle()
        except Exception as e:  # noqa: BLE001 - one line to the client, never a traceback
            print(f"pyic replica: {self.command} {self.path}: {type(e).__name__}: {e}",
                  file=sys.stderr)
            r = text(500, f"pyic replica: internal error: {type(e).__name__}: {e}")
        self.send_response(r.status)
        self.send_header("Content-Type", r.content_type)
        self.send_header("Content-Length", str(len(r.body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(r.body)

    def do_OPTIONS(self) -> None:  # CORS preflight from browser agents
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args) -> None:
        if self.server.verbose:  # type: ignore[attr-defined]
            super().log_message(format, *args)


def make_server(endpoints: Endpoints, host: str = "127.0.0.1", port: int = 0,
                verbose: bool = False) -> ThreadingHTTPServer:
    """An HTTP server for ``endpoints`` (not yet serving); port 0 picks a free one."""
    handler = type("Handler", (_Handler,), {"endpoints": endpoints})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.verbose = verbose  # type: ignore[attr-defined]
    return server
