"""Web Authentication signatures (index.md "Signatures" > "Web Authentication"):
a browser's authenticator signs a payload by taking it as the challenge of a
WebAuthn assertion.

    public key  SubjectPublicKeyInfo, algorithm OID 1.3.6.1.4.1.56387.1.1
                (der-wrapped-cose, no parameters), key bits a COSE key
    signature   CBOR #6.55799({authenticator_data: blob,
                               client_data_json: text, signature: blob})

It verifies when the ``challenge`` of ``client_data_json`` is the base64url
encoding of the payload and ``signature`` verifies under the COSE key on
``authenticator_data · SHA-256(utf8(client_data_json))``.  The COSE keys
(RFC 8152 section 7, RFC 8230, RFC 8812) and their signatures:

    kty      alg            curve          scheme                       signature
    2 (EC2)  -7 (ES256)     1 (P-256)      ECDSA with SHA-256           DER SEQUENCE {r, s}
    3 (RSA)  -257 (RS256)   -              RSASSA-PKCS1-v1_5, SHA-256   k bytes (k = |n| in bytes)
    1 (OKP)  -8 (EdDSA)     6 (Ed25519)    Ed25519                      R · S, 64 bytes

RSASSA-PKCS1-v1_5 is written out here (RFC 8017 sections 8.2.2 and 9.2): one
modular exponentiation, then the whole encoded message compared with the one
expected, so no padding variant can pass.  Neither the authenticator data's
flags nor the client data's ``type`` and ``origin`` are checked: the spec
checks only the challenge and the signature.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Mapping

import cbor2
import ecdsa
from attrs import frozen
from ecdsa import der
from ecdsa.util import sigdecode_der

from .signatures import KeyError_

OID = (1, 3, 6, 1, 4, 1, 56387, 1, 1)

# COSE labels and values (RFC 8152 sections 7.1, 8.1, 13.1 and 13.2; RFC 8230 section 4;
# RFC 8812 section 2)
KTY, ALG, KEY_OPS = 1, 3, 4
CRV, X, Y = -1, -2, -3               # EC2 and OKP key parameters
N, E = -1, -2                        # RSA key parameters
KTY_OKP, KTY_EC2, KTY_RSA = 1, 2, 3
ALG_ES256, ALG_EDDSA, ALG_RS256 = -7, -8, -257
CRV_P256, CRV_ED25519 = 1, 6
KEY_OP_VERIFY = 2

# The replica's bounds on RSA moduli (the spec gives none): smaller keys are
# breakable, larger ones make one verification arbitrarily expensive.
RSA_MIN_BITS, RSA_MAX_BITS = 2048, 8192

# CBOR's self-describe tag 55799 in its one shortest encoding (RFC 8949 section 3.4.6).
SELF_DESCRIBE_BYTES = b"\xd9\xd9\xf7"

# DER of DigestInfo {AlgorithmIdentifier {id-sha256, NULL}, OCTET STRING (32 bytes)}
# up to the digest (RFC 8017 section 9.2, note 1).
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


class SignatureError(ValueError):
    """A WebAuthn signature that is not the CBOR map the spec describes, or
    whose challenge is not the signed payload."""


@frozen
class EcdsaP256Key:
    point: bytes                     # x · y, 32 bytes each


@frozen
class RsaKey:
    n: int
    e: int


@frozen
class Ed25519Key:
    point: bytes                     # the 32-byte encoding of RFC 8032


WebAuthnKey = EcdsaP256Key | RsaKey | Ed25519Key


# ---------------------------------------------------------------- public keys

def parse_key(data: bytes) -> WebAuthnKey | None:
    """The COSE key in a WebAuthn public key; None if ``data`` is not a
    SubjectPublicKeyInfo with the der-wrapped-cose OID (another scheme);
    `KeyError_` if it has that OID but is not a key the IC accepts."""
    try:
        body, rest = der.remove_sequence(data)
        algorithm, body = der.remove_sequence(body)
        oid, params = der.remove_object(algorithm)
    except (der.UnexpectedDER, ValueError, IndexError):
        return None
    if oid != OID:
        return None
    try:
        if params or rest:
            raise der.UnexpectedDER("parameters or trailing bytes")
        cose, body = der.remove_bitstring(body, expect_unused=0)
        if body:
            raise der.UnexpectedDER("trailing bytes")
    except (der.UnexpectedDER, ValueError, IndexError):
        raise KeyError_("the WebAuthn public key is not SEQUENCE {SEQUENCE {OID "
                        "1.3.6.1.4.1.56387.1.1}, BIT STRING} in DER") from None
    return cose_key(bytes(cose))


def cose_key(data: bytes) -> WebAuthnKey:
    """The key in the CBOR-encoded COSE key ``data``, else `KeyError_`."""
    try:
        m = _cbor(data)
    except ValueError as e:
        raise KeyError_(f"the WebAuthn public key's COSE key is not CBOR: {e}") from None
    if not isinstance(m, Mapping) or not all(type(k) in (int, str) for k in m):
        raise KeyError_("the WebAuthn public key's COSE key is not a map with integer "
                        "or text labels")
    kty, alg = m.get(KTY), m.get(ALG)
    if type(kty) is not int or type(alg) is not int:
        raise KeyError_("the COSE key needs integer 'kty' (1) and 'alg' (3) parameters")
    # key_ops, when present, lists what the key may do (RFC 8152 section 7.1).
    ops = m.get(KEY_OPS)
    if ops is not None and not (isinstance(ops, (list, tuple)) and any(
            (type(op) is int and op == KEY_OP_VERIFY) or op == "verify" for op in ops)):
        raise KeyError_("the COSE key's key_ops do not include 'verify' (2)")
    if (kty, alg) == (KTY_EC2, ALG_ES256):
        return _ecdsa_p256_key(m)
    if (kty, alg) == (KTY_RSA, ALG_RS256):
        return _rsa_key(m)
    if (kty, alg) == (KTY_OKP, ALG_EDDSA):
        return _ed25519_key(m)
    raise KeyError_(f"unsupported COSE key (kty {kty}, alg {alg}): WebAuthn keys are ECDSA "
                    "P-256 (kty 2, alg -7), RSA PKCS#1 v1.5 (kty 3, alg -257) or Ed25519 "
                    "(kty 1, alg -8)")


def _ecdsa_p256_key(m: Mapping) -> EcdsaP256Key:
    if type(m.get(CRV)) is not int or m[CRV] != CRV_P256:
        raise KeyError_(f"unsupported COSE curve {m.get(CRV)!r} for ES256 (only 1, P-256)")
    x, y = m.get(X), m.get(Y)
    # RFC 8152 section 13.1.1: x and y keep their leading zeros; a boolean y
    # (a compressed point) is not something WebAuthn authenticators produce.
    if not (isinstance(x, bytes) and isinstance(y, bytes) and len(x) == len(y) == 32):
        raise KeyError_("the COSE EC2 key needs 'x' (-2) and 'y' (-3) as 32-byte strings")
    try:
        ecdsa.VerifyingKey.from_string(x + y, curve=ecdsa.NIST256p)
    except (ecdsa.errors.MalformedPointError, ValueError):
        raise KeyError_("the COSE EC2 key's (x, y) is not a point of P-256") from None
    return EcdsaP256Key(x + y)


def _rsa_key(m: Mapping) -> RsaKey:
    n, e = m.get(N), m.get(E)
    # RFC 8230 section 4: unsigned big-endian in the fewest octets.
    for name, label, v in (("n", N, n), ("e", E, e)):
        if not isinstance(v, bytes) or not v or v[0] == 0:
            raise KeyError_(f"the COSE RSA key needs '{name}' ({label}) as a non-empty byte "
                            "string without leading zeros")
    n_, e_ = int.from_bytes(n, "big"), int.from_bytes(e, "big")
    if not RSA_MIN_BITS <= n_.bit_length() <= RSA_MAX_BITS or n_ % 2 == 0:
        raise KeyError_(f"the COSE RSA modulus has {n_.bit_length()} bits: it must be odd and "
                        f"have {RSA_MIN_BITS} to {RSA_MAX_BITS} bits")
    if e_ < 3 or e_ % 2 == 0 or e_ >= n_:
        raise KeyError_(f"the COSE RSA exponent {e_} is not an odd number in [3, n)")
    return RsaKey(n_, e_)


def _ed25519_key(m: Mapping) -> Ed25519Key:
    if type(m.get(CRV)) is not int or m[CRV] != CRV_ED25519:
        raise KeyError_(f"unsupported COSE curve {m.get(CRV)!r} for EdDSA (only 6, Ed25519)")
    x = m.get(X)
    if not isinstance(x, bytes) or len(x) != 32:
        raise KeyError_("the COSE OKP key needs 'x' (-2) as a 32-byte string")
    # RFC 8032 section 5.1.3, step 1: a y of p or more is no encoding (the
    # ecdsa library would reduce it, giving one key several encodings).
    if int.from_bytes(x, "little") & (2**255 - 1) >= 2**255 - 19:
        raise KeyError_("the COSE OKP key's 'x' is not an Ed25519 point (y >= p)")
    try:
        ecdsa.VerifyingKey.from_string(x, curve=ecdsa.Ed25519)
    except (ecdsa.errors.MalformedPointError, ValueError):
        raise KeyError_("the COSE OKP key's 'x' is not an Ed25519 point") from None
    return Ed25519Key(x)


def key_der(cose: Mapping) -> bytes:
    """The WebAuthn public key wrapping the COSE key ``cose`` (for clients and tests)."""
    return der.encode_sequence(der.encode_sequence(der.encode_oid(*OID)),
                               der.encode_bitstring(cbor2.dumps(dict(cose)), unused=0))


# ---------------------------------------------------------------- signatures

@frozen
class Assertion:
    """The three fields of a WebAuthn signature."""

    authenticator_data: bytes
    client_data_json: str
    signature: bytes


def challenge(payload: bytes) -> str:
    """The challenge that signs ``payload``: its base64url encoding (RFC 4648
    section 5), unpadded as WebAuthn clients write it."""
    return base64.urlsafe_b64encode(payload).rstrip(b"=").decode()


def parse_signature(data: bytes) -> Assertion:
    """The assertion in a WebAuthn signature, else `SignatureError`."""
    # The tag is read from the bytes: cbor2 drops tag 55799 while decoding.
    if data[:3] != SELF_DESCRIBE_BYTES:
        raise SignatureError("the WebAuthn signature does not begin with the CBOR "
                             "self-describe tag 55799 (d9 d9 f7)")
    try:
        m = _cbor(data[3:])
    except ValueError as e:
        raise SignatureError(f"the WebAuthn signature is not CBOR: {e}") from None
    if not isinstance(m, Mapping):
        raise SignatureError("the WebAuthn signature is not a CBOR map")
    fields = (("authenticator_data", bytes, "blob"), ("client_data_json", str, "text"),
              ("signature", bytes, "blob"))
    for name, typ, what in fields:
        if not isinstance(m.get(name), typ):
            raise SignatureError(f"the WebAuthn signature needs '{name}' as a {what}")
    return Assertion(m["authenticator_data"], m["client_data_json"], m["signature"])


def verify(key: WebAuthnKey, signature: bytes, payload: bytes) -> bool:
    """Whether ``signature`` is a WebAuthn assertion of ``payload`` under ``key``;
    `SignatureError` if it is malformed or asserts another challenge."""
    a = parse_signature(signature)
    try:
        client_data = json.loads(a.client_data_json)
    except ValueError:
        raise SignatureError("the WebAuthn client_data_json is not JSON") from None
    if not isinstance(client_data, dict) or not isinstance(client_data.get("challenge"), str):
        raise SignatureError("the WebAuthn client_data_json has no 'challenge' string")
    if client_data["challenge"] != challenge(payload):
        raise SignatureError(f"the WebAuthn challenge {client_data['challenge']!r} is not the "
                             f"base64url of the signed payload ({challenge(payload)!r})")
    signed = a.authenticator_data + hashlib.sha256(a.client_data_json.encode()).digest()
    match key:
        case EcdsaP256Key(point):
            vk = ecdsa.VerifyingKey.from_string(point, curve=ecdsa.NIST256p)
            try:
                return vk.verify(a.signature, signed, hashfunc=hashlib.sha256,
                                 sigdecode=sigdecode_der)
            except (ecdsa.BadSignatureError, der.UnexpectedDER, ValueError):
                return False
        case RsaKey():
            return rsassa_pkcs1_v1_5_verify(key, signed, a.signature)
        case Ed25519Key(point):
            if len(a.signature) != 64:
                return False
            vk = ecdsa.VerifyingKey.from_string(point, curve=ecdsa.Ed25519)
            try:
                return vk.verify(a.signature, signed)
            except (ecdsa.BadSignatureError, ecdsa.errors.MalformedPointError, ValueError):
                return False
    raise TypeError(f"not a WebAuthn key: {key!r}")


# ---------------------------------------------------------------- RSASSA-PKCS1-v1_5 (RFC 8017)

def rsassa_pkcs1_v1_5_verify(key: RsaKey, message: bytes, s: bytes) -> bool:
    """RFC 8017 section 8.2.2 with SHA-256."""
    k = (key.n.bit_length() + 7) // 8
    if len(s) != k:                                       # 1. length checking
        return False
    s_ = int.from_bytes(s, "big")                         # 2a. OS2IP
    if s_ >= key.n:                                       # 2b. RSAVP1: s in [0, n-1]
        return False
    em = pow(s_, key.e, key.n).to_bytes(k, "big")         # 2b, 2c. RSAVP1, I2OSP
    return em == emsa_pkcs1_v1_5_encode(message, k)       # 3, 4. encode and compare


def emsa_pkcs1_v1_5_encode(message: bytes, em_len: int) -> bytes:
    """RFC 8017 section 9.2 with SHA-256: ``0x00 0x01 PS 0x00 T``, PS all 0xFF."""
    t = SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
    if em_len < len(t) + 11:
        raise ValueError("intended encoded message length too short")
    return b"\x00\x01" + b"\xff" * (em_len - len(t) - 3) + b"\x00" + t


# ---------------------------------------------------------------- CBOR

def _cbor(data: bytes):
    """The one CBOR data item that is all of ``data`` (``cbor2.loads`` would
    ignore bytes after it, giving one key or signature many encodings)."""
    fp = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(fp).decode()
    except (cbor2.CBORDecodeError, ValueError, TypeError, EOFError, RecursionError) as e:
        raise ValueError(str(e) or type(e).__name__) from None
    if fp.tell() != len(data):
        raise ValueError(f"{len(data) - fp.tell()} bytes after the CBOR data item")
    return value
