"""BLS signatures as certificates use them (certification.md "Certificate"):
ciphersuite ``BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_`` of the IETF BLS
draft, the "minimal-signature-size" variant: signatures are points of G1
(48 bytes compressed), public keys points of G2 (96 bytes compressed), both in
the ZCash serialization.  Public keys travel DER-wrapped (133 bytes, RFC 5480
with DFINITY's algorithm and curve OIDs).

Arithmetic, hashing to G1 and pairings come from ``py_ecc`` (pure Python).
Signing costs about 20 ms; verifying needs two pairings (about a second), so
the replica never verifies its own signatures (tests and clients do), and
verifications are cached.
"""

from __future__ import annotations

import functools
import hashlib

from py_ecc.bls.g2_primitives import (
    G1_to_pubkey,
    G2_to_signature,
    pubkey_to_G1,
    signature_to_G2,
)
from py_ecc.bls.hash_to_curve import hash_to_G1
from py_ecc.optimized_bls12_381 import (
    FQ12,
    G2,
    curve_order,
    final_exponentiate,
    is_inf,
    multiply,
    neg,
)
from py_ecc.optimized_bls12_381.optimized_pairing import miller_loop

DST = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"

# SEQUENCE { SEQUENCE { OID 1.3.6.1.4.1.44668.5.3.1.2.1 (BLS12-381 G2 key),
#                        OID 1.3.6.1.4.1.44668.5.3.2.1 (curve) },
#            BIT STRING (96 bytes) }
DER_PREFIX = bytes.fromhex(
    "308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100")
KEY_SIZE, SIGNATURE_SIZE = 96, 48


class BLSError(ValueError):
    pass


@functools.lru_cache(maxsize=8)
def public_key(secret_key: int) -> bytes:
    """The compressed G2 public key (96 bytes) of ``secret_key``."""
    return G2_to_signature(multiply(G2, secret_key))


def public_key_der(secret_key: int) -> bytes:
    return DER_PREFIX + public_key(secret_key)


def extract_der(der: bytes) -> bytes:
    """``extract_der``: the 96-byte key inside a DER-wrapped BLS public key."""
    if len(der) != len(DER_PREFIX) + KEY_SIZE or not der.startswith(DER_PREFIX):
        raise BLSError(f"not a DER-encoded BLS12-381 public key ({len(der)} bytes)")
    return der[len(DER_PREFIX):]


@functools.lru_cache(maxsize=1024)
def sign(secret_key: int, message: bytes) -> bytes:
    """The signature (48 bytes) on ``message``: ``sk · hash_to_G1(message)``
    (deterministic, so cached: an unchanged state tree is signed once)."""
    return G1_to_pubkey(multiply(hash_to_G1(message, DST, hashlib.sha256), secret_key))


@functools.lru_cache(maxsize=256)
def verify(key: bytes, signature: bytes, message: bytes) -> bool:
    """``verify_bls_signature`` (results cached: a check takes about a second):
    ``e(sig, g2) = e(H(m), pk)``, checked as ``e(H(m), pk) · e(sig, -g2) = 1``.
    ``key``: raw (96 bytes) or DER."""
    try:
        raw = extract_der(key) if len(key) != KEY_SIZE else key
        if len(signature) != SIGNATURE_SIZE:
            return False
        pk = signature_to_G2(raw)
        sig = pubkey_to_G1(signature)
    except (ValueError, BLSError):
        return False
    if is_inf(pk) or is_inf(sig) or not is_inf(multiply(sig, curve_order)) \
            or not is_inf(multiply(pk, curve_order)):
        return False
    h = hash_to_G1(message, DST, hashlib.sha256)
    return final_exponentiate(miller_loop(pk, h) * miller_loop(neg(G2), sig)) == FQ12.one()
