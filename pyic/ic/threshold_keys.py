"""Threshold keys: the IC's master keys, their derivation per canister, and signing
(management-canister.md "IC method ecdsa_public_key", "IC method sign_with_ecdsa",
"IC method schnorr_public_key" with "Ed25519 hierarchical key derivation", "IC method
sign_with_schnorr").

The IC holds each master key only as secret shares; pyic, one process, holds it whole:

- **Master keys.** The secret of key ``(scheme, name)`` is
  ``SHA-512("pyic threshold key" ‖ 0 ‖ scheme ‖ 0 ‖ name ‖ 0 ‖ S.seed) mod order`` (a 0 in
  the rare case of 0 ... 1), so an IC with the same seed has the same keys after a restart
  or a reload, and no key needs storing. The master chain code is 32 zero bytes, as the
  replica's (its ``derive_tweak`` starts from zeros).
- **Derivation.** A canister's key is the master key derived along
  ``[canister id] ++ derivation_path``. secp256k1 (ECDSA and BIP340) uses the generalized
  BIP32 of ia.cr/2021/1330 Appendix D: each index is a byte string of any length,
  non-hardened; Ed25519 uses the spec's CKDpub. Both only add an offset to the secret, so
  ``secret(path) = master secret + Σ offsets``.
- **Signing.** ECDSA: RFC 6979 (deterministic: replays give the same bytes), ``s``
  normalized to the lower half as the replica does; BIP340: its signing algorithm with
  32 zero bytes of auxiliary randomness; Ed25519: RFC 8032 with the derived scalar (no
  clamping, as the spec's derivation has none) and a nonce hashed from the secret and the
  message.
"""

from __future__ import annotations

import hashlib
import hmac

import ecdsa
from ecdsa.ellipticcurve import INFINITY
from ecdsa.util import sigencode_string

from ..errors import PyicError

SECP256K1 = ecdsa.SECP256k1
N = SECP256K1.order                          # secp256k1's group order
G = SECP256K1.generator
ED_B = ecdsa.eddsa.generator_ed25519
L = ED_B.order()                             # Ed25519's prime subgroup order
ZERO_CHAIN_CODE = bytes(32)

# The keys an IC offers, as PocketIC's: (scheme as the replica names it, key name). The
# vetKD ones are listed because the replica names every key it has in its rejects.
CURVES = {"ecdsa": "Secp256k1", "bip340secp256k1": "Bip340Secp256k1", "ed25519": "Ed25519",
          "vetkd": "Bls12_381_G2"}
KEY_NAMES = ("dfx_test_key", "key_1", "test_key_1")
ALL_KEYS = tuple(f"{kind}:{curve}:{name}" for kind, curve in
                 (("ecdsa", "Secp256k1"), ("schnorr", "Bip340Secp256k1"),
                  ("schnorr", "Ed25519"), ("vetkd", "Bls12_381_G2")) for name in KEY_NAMES)


class ThresholdKeyError(PyicError):
    """Bad key material given to the derivation (e.g. a point off the curve)."""


# ------------------------------------------------------------------ master keys


def master_secret(seed: bytes, scheme: str, key_name: str) -> int:
    """The master secret of ``(scheme, key_name)`` on an IC with this seed."""
    order = L if scheme == "ed25519" else N
    data = b"\0".join((b"pyic threshold key", scheme.encode(), key_name.encode(), seed))
    return int.from_bytes(hashlib.sha512(data).digest(), "big") % order or 1


# ------------------------------------------------------------------ secp256k1 derivation


def sec1_compressed(point) -> bytes:
    return bytes([2 + (point.y() & 1)]) + point.x().to_bytes(32, "big")


def point_from_sec1(data: bytes):
    try:
        return ecdsa.VerifyingKey.from_string(data, curve=SECP256K1).pubkey.point
    except (ecdsa.errors.MalformedPointError, ValueError) as e:
        raise ThresholdKeyError(f"not a secp256k1 point: {e}") from None


def ckd_secp256k1(point, chain_code: bytes, index: bytes):
    """One step of the generalized BIP32 (ia.cr/2021/1330 Appendix D): HMAC-SHA512 keyed
    by the chain code over ``ser_P(point) ‖ index``; the left half is the offset, the
    right half the child chain code. If the offset is not below the group order or the
    child is the point at infinity, the step is redone over ``0x01 ‖ child chain code ‖
    index`` (as SLIP-10 does) until it gives a key. Returns (offset, child, chain code)."""
    data = sec1_compressed(point)
    while True:
        out = hmac.new(chain_code, data + index, hashlib.sha512).digest()
        offset, child_code = int.from_bytes(out[:32], "big"), out[32:]
        if offset < N:
            child = point + G * offset
            if child != INFINITY:
                return offset, child, child_code
        data = b"\x01" + child_code


def derive_secp256k1(point, chain_code: bytes, path):
    """``path`` applied to ``(point, chain_code)``: (sum of offsets mod n, point, chain code)."""
    total = 0
    for index in path:
        offset, point, chain_code = ckd_secp256k1(point, chain_code, bytes(index))
        total = (total + offset) % N
    return total, point, chain_code


# ------------------------------------------------------------------ Ed25519 derivation


def hkdf_sha512(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    """HKDF (RFC 5869) with HMAC-SHA512: extract, then expand to ``length`` bytes."""
    prk = hmac.new(salt, ikm, hashlib.sha512).digest()
    okm, block, i = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([i]), hashlib.sha512).digest()
        okm += block
        i += 1
    return okm[:length]


def ed25519_encode(point) -> bytes:
    """ser_P: RFC 8032 5.1.2, y little-endian with the sign of x in the top bit."""
    return point.to_bytes()


def ed25519_point(data: bytes):
    try:
        return ecdsa.eddsa.PublicKey(ED_B, bytes(data)).public_point()
    except (ecdsa.errors.MalformedPointError, ValueError) as e:
        raise ThresholdKeyError(f"not an Ed25519 point: {e}") from None


def ckd_ed25519(point, chain_code: bytes, index: bytes):
    """CKDpub ("Ed25519 hierarchical key derivation"): OKM = HKDF(c_par, ser_P(K_par) ‖ i,
    "Ed25519", 96); tweak = parse_512(OKM[:64]) mod L; K_i = K_par + point(tweak)."""
    okm = hkdf_sha512(chain_code, ed25519_encode(point) + index, b"Ed25519", 96)
    tweak = int.from_bytes(okm[:64], "big") % L
    return tweak, point + ED_B * tweak, okm[64:]


def derive_ed25519(point, chain_code: bytes, path):
    """KTpub: CKDpub along ``path``: (sum of tweaks mod L, point, chain code)."""
    total = 0
    for index in path:
        tweak, point, chain_code = ckd_ed25519(point, chain_code, bytes(index))
        total = (total + tweak) % L
    return total, point, chain_code


# ------------------------------------------------------------------ a canister's keys


def canister_path(canister_id: bytes, derivation_path) -> list[bytes]:
    """The replica's path for a canister: its id, then the caller's derivation path."""
    return [bytes(canister_id)] + [bytes(p) for p in derivation_path]


def derived_key(seed: bytes, scheme: str, key_name: str, canister_id: bytes, derivation_path):
    """(secret, public key bytes, chain code) of a canister's key: ``scheme`` is
    ``ecdsa``, ``bip340secp256k1`` or ``ed25519``; the public key is SEC1 compressed
    for secp256k1, the 32-byte RFC 8032 encoding for Ed25519."""
    master = master_secret(seed, scheme, key_name)
    path = canister_path(canister_id, derivation_path)
    if scheme == "ed25519":
        offset, point, code = derive_ed25519(ED_B * master, ZERO_CHAIN_CODE, path)
        return (master + offset) % L, ed25519_encode(point), code
    offset, point, code = derive_secp256k1(G * master, ZERO_CHAIN_CODE, path)
    return (master + offset) % N, sec1_compressed(point), code


# ------------------------------------------------------------------ signatures


def sign_ecdsa(secret: int, message_hash: bytes) -> bytes:
    """ECDSA over the 32-byte hash (RFC 6979 nonce), ``r ‖ s`` with ``s ≤ n/2``."""
    sk = ecdsa.SigningKey.from_secret_exponent(secret, curve=SECP256K1, hashfunc=hashlib.sha256)
    sig = sk.sign_digest_deterministic(message_hash, hashfunc=hashlib.sha256,
                                       sigencode=sigencode_string)
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    if s > N // 2:
        s = N - s
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def tagged_hash(tag: str, data: bytes) -> bytes:
    """BIP340's ``hash_tag(x) = SHA256(SHA256(tag) ‖ SHA256(tag) ‖ x)``."""
    t = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(t + t + data).digest()


def sign_bip340(secret: int, message: bytes, aux_rand: bytes = bytes(32)) -> bytes:
    """BIP340 "Default Signing" with secret key ``secret``: 64 bytes ``x(R) ‖ s``."""
    p = G * secret
    d = secret if p.y() % 2 == 0 else N - secret
    px = p.x().to_bytes(32, "big")
    t = (d ^ int.from_bytes(tagged_hash("BIP0340/aux", aux_rand), "big")).to_bytes(32, "big")
    k0 = int.from_bytes(tagged_hash("BIP0340/nonce", t + px + message), "big") % N
    if k0 == 0:
        raise ThresholdKeyError("BIP340 nonce is zero")
    r = G * k0
    k = k0 if r.y() % 2 == 0 else N - k0
    rx = r.x().to_bytes(32, "big")
    e = int.from_bytes(tagged_hash("BIP0340/challenge", rx + px + message), "big") % N
    return rx + ((k + e * d) % N).to_bytes(32, "big")


def bip341_tweak_secret(secret: int, merkle_root_hash: bytes) -> int:
    """BIP341 ``taproot_tweak_seckey``: the secret of the output key
    ``P + hash_TapTweak(x(P) ‖ h)·G`` (with ``P`` taken with an even y)."""
    p = G * secret
    d = secret if p.y() % 2 == 0 else N - secret
    t = int.from_bytes(tagged_hash("TapTweak", p.x().to_bytes(32, "big") + merkle_root_hash),
                       "big")
    if t >= N:
        raise ThresholdKeyError("BIP341 tweak is not below the group order")
    return (d + t) % N


def sign_ed25519(secret: int, message: bytes) -> bytes:
    """RFC 8032 5.1.6 with the scalar ``secret`` itself as ``s``: ``R = r·B``,
    ``S = r + SHA512(R ‖ A ‖ M)·s mod L``; ``r`` hashed from the secret and message."""
    a = ed25519_encode(ED_B * secret)
    prefix = hashlib.sha512(b"pyic ed25519 nonce" + secret.to_bytes(32, "little")).digest()
    r = int.from_bytes(hashlib.sha512(prefix + message).digest(), "little") % L
    rb = ed25519_encode(ED_B * r)
    k = int.from_bytes(hashlib.sha512(rb + a + message).digest(), "little") % L
    return rb + ((r + k * secret) % L).to_bytes(32, "little")


__all__ = ["ALL_KEYS", "KEY_NAMES", "ThresholdKeyError", "master_secret", "derived_key",
           "derive_secp256k1", "derive_ed25519", "ckd_secp256k1", "ckd_ed25519",
           "point_from_sec1", "ed25519_point", "sec1_compressed", "ed25519_encode",
           "sign_ecdsa", "sign_bip340", "bip341_tweak_secret", "sign_ed25519", "tagged_hash"]
