"""Certificates (certification.md "Certificate", "Delegation", "Encoding of
certificates"): a hash tree, a BLS signature on its root hash, and (on other
subnets than the root subnet) a delegation.  A lone pyic IC is one root subnet,
so its certificates carry no delegation; the non-root subnets of a PocketIC
instance (`pyic.pocketic`) delegate to the root subnet's certificate.
`verify_cert` checks delegated ones as agents do, and their scope when asked.

    Certificate = { tree: HashTree, signature: blob, delegation?: { subnet_id, certificate } }
"""

from __future__ import annotations

from attrs import frozen

from . import bls, cbor
from .hash_tree import (
    Found,
    Labeled,
    HashTree,
    domain_sep,
    from_cbor,
    flatten_forks,
    lookup_path,
    lookup_subtree,
    reconstruct,
    to_cbor,
)


@frozen
class Delegation:
    subnet_id: bytes
    certificate: bytes


@frozen
class Certificate:
    tree: HashTree
    signature: bytes
    delegation: Delegation | None = None


class CertificateError(ValueError):
    pass


def signed_payload(tree: HashTree) -> bytes:
    """``domain_sep("ic-state-root") · reconstruct(tree)``."""
    return domain_sep(b"ic-state-root") + reconstruct(tree)


def certify(tree: HashTree, secret_key: int, delegation: Delegation | None = None) -> bytes:
    """The CBOR certificate of ``tree``, signed with ``secret_key``: the root key's,
    or the subnet's that ``delegation`` vouches for."""
    cert = {"tree": to_cbor(tree), "signature": bls.sign(secret_key, signed_payload(tree))}
    if delegation is not None:
        cert["delegation"] = {"subnet_id": delegation.subnet_id,
                              "certificate": delegation.certificate}
    return cbor.encode(cert)


def decode(data: bytes) -> Certificate:
    """The certificate in ``data``; `CertificateError` if it is not one."""
    try:
        m = cbor.decode(data)
        if not isinstance(m, dict) or not isinstance(m.get("signature"), bytes):
            raise CertificateError("a certificate is a map with 'tree' and 'signature'")
        tree = from_cbor(m.get("tree"))
        d = m.get("delegation")
        delegation = None
        if d is not None:
            if not isinstance(d, dict) or not isinstance(d.get("subnet_id"), bytes) \
                    or not isinstance(d.get("certificate"), bytes):
                raise CertificateError("a delegation is a map with 'subnet_id' and 'certificate'")
            delegation = Delegation(d["subnet_id"], d["certificate"])
    except (cbor.CBORError, ValueError) as e:
        raise CertificateError(f"invalid certificate: {e}") from None
    return Certificate(tree, m["signature"], delegation)


def verify_cert(cert: Certificate, root_key_der: bytes, canister_id: bytes | None = None) -> bool:
    """``verify_cert``: the delegation (if any) checks out and the signature on
    the tree's root hash verifies under ``delegation_key``.  With ``canister_id``,
    also that a delegated subnet may certify for that canister: the id lies in
    ``lookup*(["canister_ranges", subnet_id])`` of the delegation's certificate."""
    key = root_key_der
    if cert.delegation is not None:
        try:
            inner = decode(cert.delegation.certificate)
        except CertificateError:
            return False
        if inner.delegation is not None or not verify_cert(inner, root_key_der):
            return False
        found = lookup_path([b"subnet", cert.delegation.subnet_id, b"public_key"], inner.tree)
        if not isinstance(found, Found):
            return False
        if canister_id is not None \
                and not in_scope(inner.tree, cert.delegation.subnet_id, canister_id):
            return False
        key = found.value
    return bls.verify(key, cert.signature, signed_payload(cert.tree))


def in_scope(tree: HashTree, subnet_id: bytes, canister_id: bytes) -> bool:
    """Whether ``canister_id`` lies in a range of a shard of ``/canister_ranges/<subnet_id>``
    in ``tree`` (index.md "Canister ranges": CBOR lists of ``[lo, hi]``)."""
    shards = lookup_subtree([b"canister_ranges", subnet_id], tree)
    if isinstance(shards, str):
        return False
    for node in flatten_forks(shards):
        found = lookup_path([], node.tree) if isinstance(node, Labeled) else None
        if not isinstance(found, Found):
            continue
        try:
            ranges = cbor.decode(found.value)
        except (cbor.CBORError, ValueError):
            return False
        if not isinstance(ranges, list):
            return False
        for r in ranges:
            if isinstance(r, list) and len(r) == 2 and all(isinstance(x, bytes) for x in r) \
                    and r[0] <= canister_id <= r[1]:
                return True
    return False
