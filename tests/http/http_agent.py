"""A minimal agent for the tests: identities, envelopes, HTTP requests with
``urllib`` (what an IC agent does, written from the interface spec, apart from
`pyic.http`'s server code; it reuses only the CBOR and request-id helpers)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

from pyic.candid.principal import Principal
from pyic.http import cbor, signatures
from pyic.http.request_id import hash_of_map, request_id

ANONYMOUS = b"\x04"


class Identity:
    """A user key (``scheme``: Ed25519, secp256k1, P-256), or anonymous (None)."""

    def __init__(self, scheme: str | None = None, seed: bytes = b"user") -> None:
        self.scheme = scheme
        self.key = signatures.signing_key(scheme, seed) if scheme else None
        self.der = signatures.public_key_der(self.key) if self.key else None

    @property
    def principal(self) -> bytes:
        return Principal.self_authenticating(self.der).bytes if self.der else ANONYMOUS

    def sign(self, payload: bytes) -> bytes:
        return signatures.sign(self.key, payload)

    def delegate(self, to: Identity, expiration: int, targets=None, permissions=None) -> dict:
        d = {"pubkey": to.der, "expiration": expiration}
        if targets is not None:
            d["targets"] = list(targets)
        if permissions is not None:
            d["permissions"] = permissions
        return {"delegation": d,
                "signature": self.sign(b"\x1Aic-request-auth-delegation" + hash_of_map(d))}


def expiry(minutes: float = 3) -> int:
    return time.time_ns() + int(minutes * 60e9)


def content(request_type: str, sender: bytes, **fields) -> dict:
    c = {"request_type": request_type, "sender": sender, "ingress_expiry": expiry()}
    c.update(fields)
    return c


def envelope(c: dict, who: Identity, signer: Identity | None = None,
             delegations: list | None = None) -> dict:
    """The envelope of content ``c``: signed by ``signer`` (default ``who``),
    ``who``'s key as ``sender_pubkey``."""
    env: dict = {"content": c}
    if who.der is not None:
        env["sender_pubkey"] = who.der
        env["sender_sig"] = (signer or who).sign(b"\x0Aic-request" + request_id(c))
    if delegations is not None:
        env["sender_delegation"] = delegations
    return env


class HTTP:
    def __init__(self, base: str) -> None:
        self.base = base

    def get(self, path: str):
        return self._send(urllib.request.Request(self.base + path))

    def post(self, path: str, body, raw: bool = False, content_type="application/cbor"):
        data = body if raw else cbor.encode(body)
        req = urllib.request.Request(self.base + path, data=data, method="POST",
                                     headers={"Content-Type": content_type})
        return self._send(req)

    @staticmethod
    def _send(req):
        """(status, decoded CBOR body | text | None)."""
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                status, body, ctype = r.status, r.read(), r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            status, body, ctype = e.code, e.read(), e.headers.get("Content-Type", "")
        if not body:
            return status, None
        if ctype.startswith("application/cbor"):
            return status, cbor.decode(body)
        return status, body.decode("utf-8", "replace")
