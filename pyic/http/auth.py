"""Authentication of requests (https-interface.md "Authentication", "Request ids",
"Request: Call", "Request: Query call", "Request: Read state").

An envelope ``{content, sender_pubkey?, sender_sig?, sender_delegation?}`` is
accepted when its ``content`` has the shape its ``request_type`` requires, its
sender is the anonymous principal with no signature fields, or the
self-authenticating id of ``sender_pubkey`` with ``sender_sig`` verifying
``"\\x0Aic-request" · request_id`` under the last key of the delegation chain,
and its ``ingress_expiry`` lies in the window the replica accepts.  A call or
query may carry ``sender_info = {info, signer, sig}`` ("Envelope
Authentication"): only when ``sender_pubkey`` is a canister-signature key,
``signer`` is that key's canister and ``sig`` is a canister signature of
``"\x0Eic-sender-info" · info`` under ``sender_pubkey``.  Failures are
`HTTPError` 400 with the replica's wording where agents look at it (the
``Invalid request expiry: `` prefix makes agent-js resynchronise its clock).
"""

from __future__ import annotations

import datetime

from attrs import frozen

from ..candid.principal import Principal
from ..ic.state import ANONYMOUS_ID
from . import canister_signatures, signatures, webauthn
from .request_id import hash_of_map, request_id

DOMAIN_REQUEST = b"\x0Aic-request"
DOMAIN_DELEGATION = b"\x1Aic-request-auth-delegation"
DOMAIN_SENDER_INFO = b"\x0Eic-sender-info"
SENDER_INFO_FIELDS = ("info", "signer", "sig")

# The replica's window: expiry at most 5 minutes ahead, plus 60 s for clock drift.
MAX_INGRESS_TTL = 5 * 60 * 10**9
PERMITTED_DRIFT = 60 * 10**9
MAX_DELEGATIONS = 20
MAX_TARGETS = 1000
MAX_PATHS, MAX_PATH_LENGTH = 1000, 127
MAX_NONCE = 32


class HTTPError(Exception):
    """A request refused at the HTTP level: status code and plain-text message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad(message: str) -> HTTPError:
    return HTTPError(400, message)


@frozen
class Authenticated:
    """What an accepted envelope establishes."""

    content: dict
    request_id: bytes
    sender: bytes
    targets: frozenset | None      # canisters the delegations allow (None: all)
    queries_only: bool             # a delegation carried permissions = "queries"
    sender_info: tuple | None = None   # the checked (info, signer, sig), if any


# ---------------------------------------------------------------- content shapes

_COMMON = {"request_type": str, "sender": bytes, "ingress_expiry": int}
SHAPES = {
    "call": {**_COMMON, "canister_id": bytes, "method_name": str, "arg": bytes},
    "query": {**_COMMON, "canister_id": bytes, "method_name": str, "arg": bytes},
    "read_state": {**_COMMON, "paths": list},
}
_TYPE_NAMES = {str: "text", bytes: "blob", int: "nat", list: "array", dict: "map"}


def check_content(content, request_type: str) -> None:
    """The fields ``request_type`` needs, with their types."""
    if not isinstance(content, dict):
        raise bad("the envelope's 'content' must be a map")
    got = content.get("request_type")
    if got != request_type:
        raise bad(f'Expected request_type to be "{request_type}", got "{got}"')
    for name, typ in SHAPES[request_type].items():
        value = content.get(name)
        if value is None:
            raise bad(f"Missing field '{name}' in the request content")
        if not isinstance(value, typ) or isinstance(value, bool) \
                or (typ is int and value < 0):
            raise bad(f"Field '{name}' must be a {_TYPE_NAMES[typ]}")
    nonce = content.get("nonce")
    if nonce is not None:
        if not isinstance(nonce, bytes):
            raise bad("Field 'nonce' must be a blob")
        if len(nonce) > MAX_NONCE:
            raise bad(f"Field 'nonce' is {len(nonce)} bytes long, at most {MAX_NONCE} allowed")
    if "sender_info" in content:
        check_sender_info_shape(content["sender_info"], request_type)
    if len(content["sender"]) > 29:
        raise bad("Field 'sender' is not a principal (more than 29 bytes)")
    if request_type == "read_state":
        paths = content["paths"]
        if len(paths) > MAX_PATHS:
            raise bad(f"Too many paths: {len(paths)} (at most {MAX_PATHS})")
        for p in paths:
            if not isinstance(p, list) or not all(isinstance(label, bytes) for label in p):
                raise bad("Every path in 'paths' must be an array of blobs")
            if len(p) > MAX_PATH_LENGTH:
                raise bad(f"A path has {len(p)} labels, at most {MAX_PATH_LENGTH} allowed")
    elif len(content["canister_id"]) > 29:
        raise bad("Field 'canister_id' is not a principal (more than 29 bytes)")


def check_sender_info_shape(value, request_type: str) -> None:
    """"Request: Call", "Request: Query call": ``sender_info`` is a map of three
    blobs, ``info``, ``signer`` (a principal) and ``sig``; "Request: Read state"
    has no such field."""
    if request_type == "read_state":
        raise bad("A read_state request has no field 'sender_info' (only calls and queries "
                  "carry it)")
    if not isinstance(value, dict) or set(value) != set(SENDER_INFO_FIELDS):
        raise bad("Invalid sender_info: it must be a map with exactly the fields 'info', "
                  "'signer' and 'sig'")
    for name in SENDER_INFO_FIELDS:
        if not isinstance(value[name], bytes):
            raise bad(f"Invalid sender_info: field '{name}' must be a blob")
    if len(value["signer"]) > 29:
        raise bad("Invalid sender_info: 'signer' is not a principal (more than 29 bytes)")


# ---------------------------------------------------------------- the envelope

def authenticate(envelope, request_type: str, now: int,
                 root_key: bytes | None = None) -> Authenticated:
    """Check ``envelope`` (decoded CBOR) for an endpoint taking ``request_type``
    at time ``now`` (ns); the `Authenticated` request, else `HTTPError`.
    ``root_key``: the instance's, to verify canister signatures (none: refused)."""
    if not isinstance(envelope, dict) or "content" not in envelope:
        raise bad("the request body must be a CBOR map with a 'content' field")
    content = envelope["content"]
    check_content(content, request_type)
    try:
        rid = request_id(content)
    except TypeError as e:
        raise bad(f"cannot hash the request content: {e}") from None
    sender = content["sender"]
    pubkey = envelope.get("sender_pubkey")
    sig = envelope.get("sender_sig")
    delegations = envelope.get("sender_delegation")
    for name, value in (("sender_pubkey", pubkey), ("sender_sig", sig)):
        if value is not None and not isinstance(value, bytes):
            raise bad(f"Field '{name}' must be a blob")
    anonymous = sender == ANONYMOUS_ID
    if not (anonymous and request_type != "call"):
        check_expiry(content["ingress_expiry"], now)
    if anonymous:
        if pubkey is not None or sig is not None or delegations is not None:
            raise bad("Anonymous requests must not carry sender_pubkey, sender_sig or "
                      "sender_delegation")
        if "sender_info" in content:
            raise bad("Invalid sender_info: an anonymous request cannot carry sender_info "
                      "(it needs a canister-signature sender_pubkey)")
        return Authenticated(content, rid, sender, None, False)
    if pubkey is None or sig is None:
        raise bad("Missing signature, but user is not the anonymous user: "
                  "sender_pubkey and sender_sig must both be set")
    if Principal.self_authenticating(pubkey).bytes != sender:
        raise bad(f"Sender {Principal(sender).to_text()} is not the self-authenticating id "
                  f"of the sender_pubkey ({Principal.self_authenticating(pubkey).to_text()})")
    key, targets, queries_only = check_delegations(pubkey, delegations, now, root_key)
    if not _verifies(key, sig, DOMAIN_REQUEST + rid, root_key, "Invalid signature"):
        raise bad(f"Invalid signature: the signature does not verify for request id "
                  f"0x{rid.hex()} under the {'delegated ' if delegations else ''}public key")
    info = content.get("sender_info")
    if info is not None:
        check_sender_info(info, pubkey, root_key)
        info = tuple(info[name] for name in SENDER_INFO_FIELDS)
    return Authenticated(content, rid, sender, targets, queries_only, info)


def check_sender_info(info: dict, pubkey: bytes, root_key: bytes | None) -> None:
    """``verify_envelope``'s condition on ``C.sender_info``: ``sender_pubkey`` (not
    a delegated key) is ``canister_signature_pk Signing_canister_id _``, ``signer``
    is ``Signing_canister_id`` and ``sig`` verifies ``"\x0Eic-sender-info" · info``
    under it.  Checked last: verifying a canister signature costs a BLS pairing."""
    key = canister_signatures.parse_key(pubkey)
    if key is None:
        raise bad("Invalid sender_info: only a sender whose sender_pubkey is a canister "
                  "signature public key may carry sender_info")
    if info["signer"] != key.canister_id:
        raise bad(f"Invalid sender_info: signer {Principal(info['signer']).to_text()} is not "
                  f"the canister {Principal(key.canister_id).to_text()} of the sender_pubkey")
    if not _verifies(pubkey, info["sig"], DOMAIN_SENDER_INFO + info["info"], root_key,
                     "Invalid sender_info"):
        raise bad("Invalid sender_info: its signature does not verify as a canister signature "
                  "of the info under the sender_pubkey")


def _verifies(key: bytes, sig: bytes, payload: bytes, root_key: bytes | None,
              refusal: str) -> bool:
    """Whether ``sig`` signs ``payload`` under ``key``, by the scheme the key's
    algorithm OID names (index.md "Signatures"); a key of no scheme, or a
    malformed WebAuthn signature, is `HTTPError` 400 (``refusal``: its prefix)."""
    canister_key = canister_signatures.parse_key(key)
    if canister_key is not None:
        if root_key is None:
            raise bad("Invalid public key: canister signatures cannot be checked here")
        return canister_signatures.verify(canister_key, sig, payload, root_key)
    try:
        webauthn_key = webauthn.parse_key(key)
        if webauthn_key is not None:
            return webauthn.verify(webauthn_key, sig, payload)
        return signatures.verify(key, sig, payload)
    except signatures.KeyError_ as e:
        raise bad(f"Invalid public key: {e}") from None
    except webauthn.SignatureError as e:
        raise bad(f"{refusal}: {e}") from None


def check_expiry(expiry: int, now: int) -> None:
    lo, hi = now, now + MAX_INGRESS_TTL + PERMITTED_DRIFT
    if not lo <= expiry <= hi:
        raise bad("Invalid request expiry: Specified ingress_expiry not within expected "
                  f"range: Minimum allowed expiry: {_iso(lo)}, Maximum allowed expiry: "
                  f"{_iso(hi)}, Provided expiry: {_iso(expiry)}")


def _iso(t: int) -> str:
    try:
        d = datetime.datetime.fromtimestamp(t // 10**9, datetime.UTC)
    except (OverflowError, ValueError, OSError):
        return f"{t} ns"
    return d.strftime("%Y-%m-%d %H:%M:%S") + f".{t % 10**9:09d} UTC"


def check_delegations(pubkey: bytes, delegations, now: int, root_key: bytes | None = None):
    """Follow ``sender_delegation``: the key that must sign the request, the
    targets all delegations allow together, and whether one restricts to queries."""
    if delegations is None:
        return pubkey, None, False
    if not isinstance(delegations, list):
        raise bad("Field 'sender_delegation' must be an array")
    if len(delegations) > MAX_DELEGATIONS:
        raise bad(f"Invalid delegation: the chain has {len(delegations)} delegations, "
                  f"at most {MAX_DELEGATIONS} allowed")
    seen = [pubkey]
    key, targets, queries_only = pubkey, None, False
    for i, signed in enumerate(delegations):
        d = signed.get("delegation") if isinstance(signed, dict) else None
        sig = signed.get("signature") if isinstance(signed, dict) else None
        if not isinstance(d, dict) or not isinstance(sig, bytes) \
                or not isinstance(d.get("pubkey"), bytes) \
                or not isinstance(d.get("expiration"), int) or isinstance(d["expiration"], bool):
            raise bad(f"Invalid delegation {i}: a delegation is {{delegation: {{pubkey: blob, "
                      "expiration: nat, targets?: [blob]}, signature: blob}")
        try:
            payload = DOMAIN_DELEGATION + hash_of_map(d)
        except TypeError as e:
            raise bad(f"Invalid delegation {i}: {e}") from None
        if not _verifies(key, sig, payload, root_key, f"Invalid delegation {i}"):
            raise bad(f"Invalid delegation {i}: its signature does not verify")
        if d["pubkey"] in seen:
            raise bad("Invalid delegation: Every public key in the chain of delegations must "
                      "appear exactly once (no cycles, no self-signed delegations)")
        if d["expiration"] < now:
            raise bad(f"Invalid delegation {i}: Delegation has expired: expiration "
                      f"{_iso(d['expiration'])}, current time {_iso(now)}")
        t = d.get("targets")
        if t is not None:
            if not isinstance(t, list) or not all(isinstance(x, bytes) for x in t):
                raise bad(f"Invalid delegation {i}: 'targets' must be an array of principals")
            if len(t) > MAX_TARGETS:
                raise bad(f"Invalid delegation {i}: more than {MAX_TARGETS} targets")
            targets = frozenset(t) if targets is None else targets & frozenset(t)
        perms = d.get("permissions")
        if perms is not None:
            if perms not in ("queries", "all"):
                raise bad(f"Invalid delegation {i}: unknown permissions {perms!r}")
            queries_only = queries_only or perms == "queries"
        seen.append(d["pubkey"])
        key = d["pubkey"]
    return key, targets, queries_only
