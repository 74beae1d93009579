"""Certificates (certification.md "Certificate", "Delegation", "Encoding of
certificates"): a hash tree, a BLS signature on its root hash, and (on other
subnets than the root subnet) a delegation.  A pyic instance is one root
subnet, so the certificates it issues carry no delegation; `verify_cert`
checks delegated ones too, as agents do.

    Certificate = { tree: HashTree, signature: blob, delegation?: { subnet_id, certificate } }
"""

from __future__ import annotations

from attrs import frozen

from . import bls, cbor
from .hash_tree import (
    Found,
    HashTree,
    domain_sep,
    from_cbor,
    lookup_path,
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


def certify(tree: HashTree, secret_key: int) -> bytes:
    """The CBOR certificate of ``tree``, signed with the root key (no delegation)."""
    return cbor.encode({"tree": to_cbor(tree),
                        "signature": bls.sign(secret_key, signed_payload(tree))})


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


def verify_cert(cert: Certificate, root_key_der: bytes) -> bool:
    """``verify_cert``: the delegation (if any) checks out and the signature on
    the tree's root hash verifies under ``delegation_key``."""
    key = root_key_der
    if cert.delegation is not None:
        inner = decode(cert.delegation.certificate)
        if inner.delegation is not None or not verify_cert(inner, root_key_der):
            return False
        found = lookup_path([b"subnet", cert.delegation.subnet_id, b"public_key"], inner.tree)
        if not isinstance(found, Found):
            return False
        key = found.value
    return bls.verify(key, cert.signature, signed_payload(cert.tree))
