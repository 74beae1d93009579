"""User signature schemes (index.md "Signatures" > "Ed25519 and ECDSA signatures"):
DER-encoded public keys (RFC 8410 for Ed25519, RFC 5480 for ECDSA on P-256 and
secp256k1, points uncompressed), signatures as 64 bytes (``R · S`` for
Ed25519, ``r · s`` big-endian for ECDSA over SHA-256).  The signed payload is
always ``domain separator · message``.

Canister signatures are `canister_signatures`, WebAuthn signatures `webauthn`
(`auth` picks the scheme by the key's algorithm OID).
"""

from __future__ import annotations

import hashlib

import ecdsa
from ecdsa.util import sigdecode_string, sigencode_string

SCHEMES = {"Ed25519": ecdsa.Ed25519, "secp256k1": ecdsa.SECP256k1, "P-256": ecdsa.NIST256p}


class KeyError_(ValueError):
    """A public key the IC does not accept."""


def parse_public_key(der: bytes):
    """``(scheme name, verifying key)`` of a DER public key, else `KeyError_`.

    Only the canonical encodings are accepted (the one each RFC gives, ECDSA
    points uncompressed), so one key has one DER form and one principal."""
    try:
        vk = ecdsa.VerifyingKey.from_der(der)
    except (ecdsa.der.UnexpectedDER, ecdsa.errors.MalformedPointError, ValueError,
            AssertionError, IndexError):
        raise KeyError_("the public key is not a DER-encoded Ed25519, ECDSA P-256 or "
                        "ECDSA secp256k1 key") from None
    for name, curve in SCHEMES.items():
        if vk.curve == curve:
            break
    else:
        raise KeyError_(f"unsupported curve {vk.curve.name}")
    if vk.to_der() != der:
        raise KeyError_(f"the {name} public key is not in its canonical DER form "
                        "(ECDSA points must be uncompressed)")
    return name, vk


def verify(der: bytes, signature: bytes, payload: bytes) -> bool:
    """Whether ``signature`` is valid for ``payload`` under the key ``der``."""
    name, vk = parse_public_key(der)
    if len(signature) != 64:
        return False
    try:
        if name == "Ed25519":
            return vk.verify(signature, payload)
        return vk.verify(signature, payload, hashfunc=hashlib.sha256, sigdecode=sigdecode_string)
    except (ecdsa.BadSignatureError, ecdsa.errors.MalformedPointError, ValueError):
        return False


# ---------------------------------------------------------------- signing (node keys, tests)

def signing_key(scheme: str, seed: bytes) -> ecdsa.SigningKey:
    """A signing key for ``scheme`` derived from 32 bytes of ``seed``."""
    curve = SCHEMES[scheme]
    if scheme == "Ed25519":
        return ecdsa.SigningKey.from_string(hashlib.sha256(seed).digest(), curve=curve)
    secexp = int.from_bytes(hashlib.sha256(seed).digest(), "big") % (curve.order - 1) + 1
    return ecdsa.SigningKey.from_secret_exponent(secexp, curve=curve)


def sign(sk: ecdsa.SigningKey, payload: bytes) -> bytes:
    if sk.curve == ecdsa.Ed25519:
        return bytes(sk.sign(payload))
    return bytes(sk.sign_deterministic(payload, hashfunc=hashlib.sha256,
                                       sigencode=sigencode_string))


def public_key_der(sk: ecdsa.SigningKey) -> bytes:
    return bytes(sk.verifying_key.to_der())
