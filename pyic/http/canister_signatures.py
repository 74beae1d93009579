"""Canister signatures (index.md "Canister signatures"): a canister signs a
payload by certifying a hash tree that holds ``/sig/<H(seed)>/<H(payload)>``.

    public key  SubjectPublicKeyInfo, algorithm OID 1.3.6.1.4.1.56387.1.2,
                key bits |canister_id| · canister_id · seed
    signature   CBOR #6.55799({certificate: blob, tree: hash-tree})

It verifies when the certificate verifies under the root key, its
``/canister/<canister_id>/certified_data`` is the root hash of ``tree``, and
``tree`` is well formed with ``lookup_path(["sig", H(seed), H(payload)]) =
Found ""``.  Internet Identity's delegations are signed this way.  pyic's
certificates have no delegation, so one with a delegation is refused.
"""

from __future__ import annotations

import hashlib

from attrs import frozen
from ecdsa import der

from . import cbor, certificate
from .hash_tree import Found, from_cbor, lookup_path, reconstruct, well_formed

OID = (1, 3, 6, 1, 4, 1, 56387, 1, 2)


@frozen
class CanisterKey:
    canister_id: bytes
    seed: bytes


def parse_key(data: bytes) -> CanisterKey | None:
    """The canister and seed of a canister-signature public key; None if
    ``data`` is not one (another scheme, or malformed)."""
    try:
        body, rest = der.remove_sequence(data)
        algorithm, body = der.remove_sequence(body)
        oid, params = der.remove_object(algorithm)
        if oid != OID or params or rest:
            return None
        bits, rest = der.remove_bitstring(body, expect_unused=0)
    except (der.UnexpectedDER, ValueError, IndexError):
        return None
    if rest or not bits or len(bits) < 1 + bits[0] or bits[0] > 29:
        return None
    return CanisterKey(bytes(bits[1:1 + bits[0]]), bytes(bits[1 + bits[0]:]))


def key_der(canister_id: bytes, seed: bytes) -> bytes:
    """The public key of ``canister_id`` with ``seed`` (for clients and tests)."""
    bits = bytes([len(canister_id)]) + canister_id + seed
    return der.encode_sequence(der.encode_sequence(der.encode_oid(*OID)),
                               der.encode_bitstring(bits, unused=0))


def verify(key: CanisterKey, signature: bytes, payload: bytes, root_key: bytes) -> bool:
    try:
        m = cbor.decode(signature)
        if not isinstance(m, dict) or not isinstance(m.get("certificate"), bytes):
            return False
        cert = certificate.decode(m["certificate"])
        tree = from_cbor(m.get("tree"))
    except (cbor.CBORError, certificate.CertificateError, ValueError):
        return False
    if cert.delegation is not None or not well_formed(tree):
        return False
    certified = lookup_path([b"canister", key.canister_id, b"certified_data"], cert.tree)
    if certified != Found(reconstruct(tree)):
        return False
    path = [b"sig", hashlib.sha256(key.seed).digest(), hashlib.sha256(payload).digest()]
    if lookup_path(path, tree) != Found(b""):
        return False
    return certificate.verify_cert(cert, root_key)    # last: a pairing takes a second
