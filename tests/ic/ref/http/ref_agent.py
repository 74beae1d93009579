"""The HTTP vocabulary of ic-hs's ``src/IC/Test/Agent.hs`` and
``Spec/Utils.hs`` (keys, envelopes, ``postCallCBOR``, ``getStateCert``,
``awaitCall``, ``code4xx``), written for Python over a running
``pyic replica``.  Requests are built here from the interface spec; only CBOR,
request ids, hash-tree lookup and certificate decoding come from `pyic.http`
(the client-side helpers), and signing keys from `ecdsa` via
`pyic.http.signatures`.

Naming follows ``harness.py``: a Haskell ``f'`` is ``f_`` here.  A response
of the HTTP layer is `Resp` (status, decoded body); a canister's answer is
`Reply` / `Rejected` from ``harness``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import random
import time
import urllib.error
import urllib.request

import cbor2
import leb128
import pytest
from attrs import frozen
from ecdsa import der as ecdsa_der
from ecdsa.util import sigencode_der
from harness import Rejected, Reply

import pyic.universal as U
from pyic.candid import Opt, Principal, Record, Variant, decode, encode
from pyic.http import cbor, certificate, signatures
from pyic.http.hash_tree import ABSENT, Found, domain_sep, lookup_path
from pyic.http.request_id import request_id
from pyic.ic.management.args import interface, method_types
from pyic.testing import to_python

# ------------------------------------------------------------------ keys and users


class Key:
    """A user's secret key (``createSecretKey*`` of ic-hs), derived from a seed."""

    def __init__(self, scheme: str, seed: bytes) -> None:
        self.scheme = scheme
        self.sk = signatures.signing_key(scheme, seed)
        self.der = signatures.public_key_der(self.sk)
        self.principal = Principal.self_authenticating(self.der).bytes

    def sign(self, domain: bytes, msg: bytes) -> bytes:
        """``sign domain sk msg``: a signature on ``domain_sep(domain) · msg``
        (an empty domain gives no separator at all, as ``noDomainSepEnv`` wants)."""
        prefix = domain_sep(domain) if domain else b""
        return signatures.sign(self.sk, prefix + msg)


DEFAULT_SK = Key("Ed25519", b"fixed32byteseedfortesting")
OTHER_SK = Key("Ed25519", b"anotherfixed32byteseedfortesting")
ECDSA_SK = Key("P-256", b"ecdsaseed")
SECP256K1_SK = Key("secp256k1", b"secp256k1seed")

DEFAULT_USER = DEFAULT_SK.principal
OTHER_USER = OTHER_SK.principal
ECDSA_USER = ECDSA_SK.principal
SECP256K1_USER = SECP256K1_SK.principal
ANONYMOUS_USER = b"\x04"
DOESNT_EXIST = b"\xde\xad\xbe\xef"
MANAGEMENT = b""

_KEYS = {k.principal: k for k in (DEFAULT_SK, OTHER_SK, ECDSA_SK, SECP256K1_SK)}


def ed25519(n: int) -> Key:
    """``createSecretKeyEd25519 (BS.singleton n)``."""
    return Key("Ed25519", bytes([n]))


# ------------------------------------------------------------------ request contents

def add_expiry(req: dict, minutes: float = 5) -> dict:
    """``addExpiry``: ``ingress_expiry`` five minutes from now, unless present."""
    req.setdefault("ingress_expiry", time.time_ns() + int(minutes * 60e9))
    return req


def add_nonce(req: dict) -> dict:
    req.setdefault("nonce", os.urandom(8))
    return req


def delegation(signer: Key, pubkey: bytes, targets=None, expiration: int | None = None) -> dict:
    """A signed delegation from ``signer`` to ``pubkey``."""
    d: dict = {"pubkey": pubkey,
               "expiration": expiration if expiration is not None
               else time.time_ns() + int(300e9)}
    if targets is not None:
        d["targets"] = list(targets)
    return {"delegation": d, "signature": signer.sign(b"ic-request-auth-delegation", request_id(d))}


def delegation_env(sk: Key, dels: list[tuple[Key, list | None]], content: dict) -> dict:
    """``delegationEnv``: ``sk`` delegates to the first key of ``dels``, which
    delegates to the next, ...; the last one signs the request."""
    keys = [sk] + [k for k, _ in dels]
    chain = [delegation(keys[i], k.der, targets) for i, (k, targets) in enumerate(dels)]
    env = {"sender_pubkey": sk.der,
           "sender_sig": keys[-1].sign(b"ic-request", request_id(content)),
           "content": content}
    if dels:
        env["sender_delegation"] = chain
    return env


def envelope(sk: Key, content: dict) -> dict:
    return delegation_env(sk, [], content)


def envelope_for(user: bytes, content: dict) -> dict:
    """``envelopeFor``: no signature for the anonymous user, else the user's key."""
    if user == ANONYMOUS_USER:
        return {"content": content}
    return envelope(_KEYS[user], content)


def add_nonce_expiry_env(req: dict) -> dict:
    """``addNonceExpiryEnv``."""
    add_expiry(add_nonce(req))
    return envelope_for(req["sender"], req)


def bad_envelope(content: dict) -> dict:
    """``badEnvelope``: the default user's key with a signature of 64 bytes 0x42."""
    return {"sender_pubkey": DEFAULT_SK.der, "sender_sig": b"\x42" * 64, "content": content}


def no_domain_sep_env(sk: Key, content: dict) -> dict:
    """``noDomainSepEnv``: signed over the bare request id."""
    return {"sender_pubkey": sk.der, "sender_sig": sk.sign(b"", request_id(content)),
            "content": content}


def read_state_empty() -> dict:
    """``readStateEmpty``."""
    return {"request_type": "read_state", "sender": DEFAULT_USER, "paths": []}


def call_req(cid: bytes, prog=None, sender: bytes = DEFAULT_USER, method: str = "update") -> dict:
    return {"request_type": "call", "sender": sender, "canister_id": cid,
            "method_name": method, "arg": U.run(prog if prog is not None else U.reply)}


def query_req(cid: bytes, prog=None, sender: bytes = DEFAULT_USER) -> dict:
    return {"request_type": "query", "sender": sender, "canister_id": cid,
            "method_name": "query", "arg": U.run(prog if prog is not None else U.reply)}


def mgmt_arg(method: str, **fields) -> bytes:
    """The Candid argument of a management method: a record of ``fields``
    (None fields left out)."""
    arg_types, _ = method_types(method)
    record = Record.of({k: v for k, v in fields.items() if v is not None})
    return encode((record,), arg_types, interface().env)


# ------------------------------------------------------------------ HTTP


@frozen
class Resp:
    status: int
    body: object

    @property
    def is_2xx(self) -> bool:
        return 200 <= self.status < 300


def code4xx(r: Resp) -> Resp:
    if not 400 <= r.status < 500:
        pytest.fail(f"status {r.status} is not 4xx: {r.body!r:.1000}")
    return r


def code2xx(r: Resp) -> Resp:
    if not r.is_2xx:
        pytest.fail(f"status {r.status} is not 2xx: {r.body!r:.1000}")
    return r


def code202(r: Resp) -> Resp:
    if r.status != 202:
        pytest.fail(f"status {r.status} is not 202: {r.body!r:.1000}")
    return r


def code202_or_4xx(r: Resp) -> Resp:
    if not (r.status == 202 or 400 <= r.status < 500):
        pytest.fail(f"status {r.status} is not 202 or 4xx: {r.body!r:.1000}")
    return r


def text_id(cid: bytes) -> str:
    return Principal(cid).to_text()


def query_response(body: dict):
    """``queryResponse``: a query's CBOR body as `Reply` / `Rejected`."""
    if body.get("status") == "replied":
        return Reply(body["reply"]["arg"])
    if body.get("status") == "rejected":
        return Rejected(body["reject_code"], body["reject_message"], body.get("error_code"))
    pytest.fail(f"not a query response: {body!r}")


class Agent:
    """The replica at ``base`` (``http://127.0.0.1:<port>``) and its root key."""

    def __init__(self, base: str, root_key: bytes) -> None:
        self.base = base
        self.root_key = root_key

    # -- raw posts

    def post_cbor(self, path: str, env) -> Resp:
        """``postCBOR``: ``env`` as a CBOR body (bytes are sent as they are)."""
        data = env if isinstance(env, bytes) else cbor.encode(env)
        req = urllib.request.Request(self.base + path, data=data, method="POST",
                                     headers={"Content-Type": "application/cbor"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                status, body, ctype = r.status, r.read(), r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            status, body, ctype = e.code, e.read(), e.headers.get("Content-Type", "")
        if body and ctype.startswith("application/cbor"):
            return Resp(status, cbor.decode(body))
        return Resp(status, body.decode("utf-8", "replace") if body else None)

    def _path(self, ecid, verb: str, version: str) -> str:
        target = ecid if isinstance(ecid, str) else text_id(ecid)
        return f"/api/{version}/canister/{target}/{verb}"

    def post_call(self, ecid, env, version: str = "v2") -> Resp:
        return self.post_cbor(self._path(ecid, "call", version), env)

    def post_query(self, ecid, env, version: str = "v2") -> Resp:
        return self.post_cbor(self._path(ecid, "query", version), env)

    def post_read_state(self, ecid, env, version: str = "v2") -> Resp:
        return self.post_cbor(self._path(ecid, "read_state", version), env)

    # -- read_state

    def get_state_cert_(self, sender: bytes, ecid, paths, validate: bool = False):
        """``getStateCert'``: a `Resp` whose body is the decoded `Certificate`
        when the status is 2xx.  ic-hs validates every certificate it gets;
        here ``validate`` asks for it (a BLS verification in pure Python
        takes over a second, so the scenarios about validity ask)."""
        req = add_expiry({"request_type": "read_state", "sender": sender,
                          "paths": [list(p) for p in paths]})
        r = self.post_read_state(ecid, envelope_for(sender, req))
        if not r.is_2xx:
            return r
        cert = certificate.decode(r.body["certificate"])
        if validate:
            self.validate_state_cert(cert)
        return Resp(r.status, cert)

    def get_state_cert(self, sender: bytes, ecid, paths, validate: bool = False):
        return code2xx(self.get_state_cert_(sender, ecid, paths, validate)).body

    def validate_state_cert(self, cert) -> None:
        """``validateStateCert``: the BLS signature under the root key from
        ``/api/v2/status``."""
        if not certificate.verify_cert(cert, self.root_key):
            pytest.fail("the certificate does not validate under the root key")

    def get_request_status_(self, sender: bytes, ecid, rid: bytes):
        """``getRequestStatus'``: a `Resp` (not 2xx) or "unknown", "received",
        "processing", `Reply`, `Rejected`."""
        r = self.get_state_cert_(sender, ecid, [[b"request_status", rid]])
        if not r.is_2xx:
            return r
        return self.status_in(r.body, rid)

    @staticmethod
    def status_in(cert, rid: bytes):
        """The request status ``cert`` shows: "unknown" (absent), "received",
        "processing", `Reply`, `Rejected`."""
        tree = cert.tree
        status = lookup_path([b"request_status", rid, b"status"], tree)
        if status == ABSENT:
            return "unknown"
        if status == Found(b"replied"):
            reply = lookup_path([b"request_status", rid, b"reply"], tree)
            assert isinstance(reply, Found), reply
            return Reply(reply.value)
        if status == Found(b"rejected"):
            code = lookup_path([b"request_status", rid, b"reject_code"], tree)
            msg = lookup_path([b"request_status", rid, b"reject_message"], tree)
            err = lookup_path([b"request_status", rid, b"error_code"], tree)
            assert isinstance(code, Found) and isinstance(msg, Found), (code, msg)
            return Rejected(leb128.u.decode(code.value), msg.value.decode(),
                            err.value.decode() if isinstance(err, Found) else None)
        if isinstance(status, Found):
            return status.value.decode()
        pytest.fail(f"request status lookup gave {status!r}")

    def get_request_status(self, sender: bytes, ecid, rid: bytes):
        r = self.get_request_status_(sender, ecid, rid)
        if isinstance(r, Resp):
            pytest.fail(f"read_state of the request status failed: {r.status} {r.body!r:.500}")
        return r

    def await_status(self, sender: bytes, ecid, rid: bytes):
        """``awaitStatus``: poll until the request is answered."""
        for _ in range(500):
            r = self.get_request_status(sender, ecid, rid)
            if isinstance(r, (Reply, Rejected)):
                return r
            time.sleep(0.02)
        pytest.fail("the request was not answered")

    def await_call(self, ecid, req: dict, version: str = "v3"):
        """``awaitCall``: submit, then the answer.  ic-hs submits to the
        asynchronous ``/api/v2/.../call`` (202) and polls; by default this
        uses the synchronous ``/api/v3`` endpoint, whose certificate holds
        the answer (pyic's round loop idles 0.5 s between rounds when
        nothing is pending, so polling a v2 call costs that much); it still
        polls when the v3 call answers 202.  ``version="v2"`` does what ic-hs does."""
        add_expiry(add_nonce(req))
        env = envelope_for(req["sender"], req)
        rid = request_id(req)
        if version == "v2":
            code202(self.post_call(ecid, env))
            return self.await_status(req["sender"], ecid, rid)
        r = code2xx(self.post_call(ecid, env, version))
        if r.status == 202:
            return self.await_status(req["sender"], ecid, rid)
        if r.body.get("status") == "non_replicated_rejection":
            return Rejected(r.body["reject_code"], r.body["reject_message"],
                            r.body.get("error_code"))
        cert = certificate.decode(r.body["certificate"])
        return self.status_in(cert, rid)

    # -- the universal canister and the management canister

    def call_(self, cid: bytes, prog, sender: bytes = DEFAULT_USER):
        return self.await_call(cid, call_req(cid, prog, sender))

    def call(self, cid: bytes, prog, sender: bytes = DEFAULT_USER) -> bytes:
        r = self.call_(cid, prog, sender)
        if not isinstance(r, Reply):
            pytest.fail(f"expected a reply, got {r!r}")
        return r.data

    def query_cbor(self, ecid, req: dict) -> dict:
        """``queryCBOR``: a query as its sender, the 2xx CBOR body."""
        add_expiry(add_nonce(req))
        return code2xx(self.post_query(ecid, envelope_for(req["sender"], req))).body

    def query_(self, cid: bytes, prog, sender: bytes = DEFAULT_USER):
        return query_response(self.query_cbor(cid, query_req(cid, prog, sender)))

    def query(self, cid: bytes, prog, sender: bytes = DEFAULT_USER) -> bytes:
        r = self.query_(cid, prog, sender)
        if not isinstance(r, Reply):
            pytest.fail(f"expected a reply, got {r!r}")
        return r.data

    def ic00_(self, ecid: bytes, method: str, arg: bytes, sender: bytes = DEFAULT_USER):
        """A management call as ``sender`` through ``/call`` with effective canister id ``ecid``."""
        req = {"request_type": "call", "sender": sender, "canister_id": MANAGEMENT,
               "method_name": method, "arg": arg}
        return self.await_call(ecid, req)

    def ic00(self, ecid: bytes, method: str, sender: bytes = DEFAULT_USER, **fields):
        r = self.ic00_(ecid, method, mgmt_arg(method, **fields), sender)
        if not isinstance(r, Reply):
            pytest.fail(f"{method}: expected a reply, got {r!r}")
        _, result_types = method_types(method)
        values = decode(r.data, result_types, interface().env)
        return to_python(values[0]) if values else None

    def create(self, ecid: bytes, controllers: list[bytes] | None = None) -> bytes:
        """``create ecid`` (``ic_provisional_create``), optionally with controllers."""
        settings = None
        if controllers is not None:
            settings = Opt(
                Record.of({"controllers": Opt(tuple(Principal(c) for c in controllers))})
            )
        return self.ic00(ecid, "provisional_create_canister_with_cycles",
                         amount=Opt(2 ** 60), settings=settings)["canister_id"].bytes

    def install_module(self, cid: bytes, wasm: bytes, arg: bytes = b"", mode: str = "install"):
        """``ic_install'``: the management canister's answer."""
        return self.ic00_(cid, "install_code", mgmt_arg(
            "install_code", mode=Variant.of(mode, None), canister_id=Principal(cid),
            wasm_module=wasm, arg=arg))

    def install(self, ecid: bytes, prog=None) -> bytes:
        """``install ecid prog``: a new universal canister, ``prog`` run in init."""
        cid = self.create(ecid)
        r = self.install_module(cid, U.universal_canister_wasm(),
                                U.run(prog if prog is not None else U.noop))
        if not isinstance(r, Reply):
            pytest.fail(f"install_code: {r!r}")
        return cid


# -------------------------------------------------- WebAuthn keys (index.md "Web Authentication")

WEBAUTHN_OID = (1, 3, 6, 1, 4, 1, 56387, 1, 1)
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def _probable_prime(rng: random.Random, bits: int) -> int:
    while True:
        n = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if all(n % p for p in (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)) and _miller_rabin(n, rng):
            return n


def _miller_rabin(n: int, rng: random.Random, rounds: int = 8) -> bool:
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(rounds):
        x = pow(rng.randrange(2, n - 2), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


class WebAuthnKey:
    """A WebAuthn credential (``createSecretKeyWebAuthnECDSA`` / ``...RSA``):
    a COSE key in DER (OID 1.3.6.1.4.1.56387.1.1); a signature is the CBOR map
    ``{authenticator_data, client_data_json, signature}`` where the client
    data's ``challenge`` is the signed message (base64url, unpadded) and the
    key signs ``authenticator_data · SHA-256(client_data_json)`` (ECDSA P-256
    with SHA-256, DER-encoded; or RSA PKCS#1 v1.5 with SHA-256)."""

    def __init__(self, kind: str, seed: bytes) -> None:
        self.kind = kind
        if kind == "ECDSA":
            self.sk = signatures.signing_key("P-256", seed)
            point = self.sk.verifying_key.to_string()          # x · y, 32 bytes each
            cose = {1: 2, 3: -7, -1: 1, -2: point[:32], -3: point[32:]}
        else:
            rng = random.Random(seed)
            e = 65537
            while True:
                p, q = _probable_prime(rng, 1024), _probable_prime(rng, 1024)
                phi = (p - 1) * (q - 1)
                if p != q and phi % e:
                    break
            self.n, self.d = p * q, pow(e, -1, phi)
            cose = {1: 3, 3: -257, -1: self.n.to_bytes(256, "big"), -2: e.to_bytes(3, "big")}
        self.der = ecdsa_der.encode_sequence(
            ecdsa_der.encode_sequence(ecdsa_der.encode_oid(*WEBAUTHN_OID)),
            ecdsa_der.encode_bitstring(cbor2.dumps(cose), unused=0))
        self.principal = Principal.self_authenticating(self.der).bytes

    def sign(self, domain: bytes, msg: bytes) -> bytes:
        challenge = base64.urlsafe_b64encode(domain_sep(domain) + msg).rstrip(b"=").decode()
        client_data = json.dumps({"challenge": challenge, "type": "webauthn.get",
                                  "origin": "ic-ref-test"})
        auth_data = hashlib.sha256(b"ic-ref-test").digest() + b"\x01\x00\x00\x00\x01"
        signed = auth_data + hashlib.sha256(client_data.encode()).digest()
        if self.kind == "ECDSA":
            sig = self.sk.sign_deterministic(signed, hashfunc=hashlib.sha256,
                                             sigencode=sigencode_der)
        else:
            t = _SHA256_DIGEST_INFO + hashlib.sha256(signed).digest()
            em = b"\x00\x01" + b"\xff" * (256 - len(t) - 3) + b"\x00" + t
            sig = pow(int.from_bytes(em, "big"), self.d, self.n).to_bytes(256, "big")
        return cbor.encode({"authenticator_data": auth_data, "client_data_json": client_data,
                            "signature": bytes(sig)})


@functools.cache
def webauthn_ecdsa_sk() -> WebAuthnKey:
    return WebAuthnKey("ECDSA", b"webauthnseed")


@functools.cache
def webauthn_rsa_sk() -> WebAuthnKey:
    """Made on first use: finding two 1024-bit primes takes about a second."""
    return WebAuthnKey("RSA", b"webauthnseed")


def register_key(key) -> None:
    """Let `envelope_for` sign for ``key``'s principal."""
    _KEYS[key.principal] = key
