"""Canister signatures (index.md "Canister signatures"): a canister signs a
payload by certifying a hash tree that holds ``/sig/<H(seed)>/<H(payload)>``.

    public key  SubjectPublicKeyInfo, algorithm OID 1.3.6.1.4.1.56387.1.2,
                key bits |canister_id| · canister_id · seed
    signature   CBOR #6.55799({certificate: blob, tree: hash-tree})

It verifies when the certificate verifies under the root key, its
``/canister/<canister_id>/certified_data`` is the root hash of ``tree``, and
``tree`` is well formed with ``lookup_path(["sig", H(seed), H(payload)]) =
Found ""``.  Internet Identity's delegations are signed this way.

A canister on a subnet other than the root subnet (a non-root subnet of a PocketIC
instance) signs with a certificate carrying the root subnet's delegation
(certification.md "Delegation").  Then the signing canister must lie in the
delegation's canister ranges, and the delegated subnet's ``/subnet/<id>/type``
must be revealed and not ``cloud_engine``; a delegation whose certificate has a
delegation again is refused.
"""

from __future__ import annotations

import hashlib

from attrs import frozen
from ecdsa import der

from . import cbor, certificate
from .hash_tree import (
    Found,
    HashTree,
    Labeled,
    flatten_forks,
    from_cbor,
    lookup_path,
    lookup_subtree,
    reconstruct,
    well_formed,
)

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
    """Whether ``signature`` is a canister signature of ``payload`` under ``key``,
    the certificate checked against ``root_key``."""
    try:
        m = cbor.decode(signature)
        if not isinstance(m, dict) or not isinstance(m.get("certificate"), bytes):
            return False
        cert = certificate.decode(m["certificate"])
        tree = from_cbor(m.get("tree"))
    except (cbor.CBORError, certificate.CertificateError, ValueError):
        return False
    if not well_formed(tree):
        return False
    certified = lookup_path([b"canister", key.canister_id, b"certified_data"], cert.tree)
    if certified != Found(reconstruct(tree)):
        return False
    path = [b"sig", hashlib.sha256(key.seed).digest(), hashlib.sha256(payload).digest()]
    if lookup_path(path, tree) != Found(b""):
        return False
    if cert.delegation is not None and not delegation_allows(cert.delegation, key.canister_id):
        return False
    return certificate.verify_cert(cert, root_key)    # last: each pairing takes a second


def delegation_allows(delegation: certificate.Delegation, canister_id: bytes) -> bool:
    """The conditions on a delegated certificate that its signatures do not cover
    (those `certificate.verify_cert` checks next): the delegation's certificate has
    no delegation itself, covers ``canister_id`` in its canister ranges, and reveals
    the subnet's type, which is not ``cloud_engine``."""
    try:
        inner = certificate.decode(delegation.certificate)
    except certificate.CertificateError:
        return False
    if inner.delegation is not None:
        return False
    subnet = delegation.subnet_id
    subnet_type = lookup_path([b"subnet", subnet, b"type"], inner.tree)
    if not isinstance(subnet_type, Found) or subnet_type.value == b"cloud_engine":
        return False
    return in_canister_ranges(inner.tree, subnet, canister_id)


def in_canister_ranges(tree: HashTree, subnet_id: bytes, canister_id: bytes) -> bool:
    """Whether ``canister_id`` is among the canister ids ``tree`` assigns to
    ``subnet_id``.  The tree may state them in two forms (index.md "Subnet
    information", "Canister ranges"): all ranges in one blob at
    ``/subnet/<id>/canister_ranges``, and shards at ``/canister_ranges/<id>/<lo>``
    (``lookup*``, the scope certification.md "Delegation" defines).  Every form the
    tree reveals must hold the id, and it must reveal at least one: the two describe
    the same set, so a delegation on which they disagree, or with a malformed
    range list, is not trusted."""
    forms = []
    whole = lookup_path([b"subnet", subnet_id, b"canister_ranges"], tree)
    if isinstance(whole, Found):
        forms.append([whole.value])
    shards = lookup_subtree([b"canister_ranges", subnet_id], tree)
    if not isinstance(shards, str):
        found = [lookup_path([], node.tree) for node in flatten_forks(shards)
                 if isinstance(node, Labeled)]
        values = [f.value for f in found if isinstance(f, Found)]
        if values:
            forms.append(values)
    if not forms:
        return False
    for blobs in forms:
        ranges = [_ranges(blob) for blob in blobs]
        if any(r is None for r in ranges):
            return False
        if not any(lo <= canister_id <= hi for rs in ranges for lo, hi in rs):
            return False
    return True


def _ranges(blob: bytes) -> list[tuple[bytes, bytes]] | None:
    """The ``[lo, hi]`` ranges of a CBOR range list (``canister_ranges`` of index.md),
    or None if ``blob`` is not one."""
    try:
        value = cbor.decode(blob)
    except (cbor.CBORError, ValueError):
        return None
    if not isinstance(value, list) or not all(
            isinstance(r, list) and len(r) == 2 and all(isinstance(x, bytes) for x in r)
            for r in value):
        return None
    return [(lo, hi) for lo, hi in value]
