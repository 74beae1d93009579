"""WebAuthn senders (pyic/http/webauthn.py; index.md "Signatures" > "Web
Authentication"): assertions that verify, tampered ones that do not, malformed
keys and signatures refused with a message that says what is wrong.

The three assertions below were signed by OpenSSL (through the `cryptography`
package, once, when this file was written) over ``PAYLOAD``, so the verifier is
checked against a signer other than the library it verifies with; the ECDSA
one has a high ``s``, which WebAuthn authenticators produce and the IC accepts.
Their secrets are written here too, so the tests sign variants themselves
(the RSA variants by a textbook ``EM^d mod n``, to build wrong paddings).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time

import cbor2
import ecdsa
import pytest
from ecdsa import der
from ecdsa.util import sigdecode_der, sigencode_der, sigencode_string
from http_agent import Identity, envelope

from pyic.candid.principal import Principal
from pyic.http import webauthn
from pyic.http.auth import HTTPError, authenticate
from pyic.http.request_id import hash_of_map, request_id
from pyic.http.signatures import KeyError_

spec = pytest.mark.spec
WA = "index.md: Web Authentication"

# ---------------------------------------------------------------- vectors (OpenSSL)

PAYLOAD = b"\x0Aic-request" + bytes(range(32))
CLIENT_DATA_JSON = ('{"type":"webauthn.get","challenge":"CmljLXJlcXVlc3QAAQIDBAUGBwgJCgsMDQ4P'
                    'EBESExQVFhcYGRobHB0eHw","origin":"https://example.org","crossOrigin":false}')
AUTH_DATA = bytes.fromhex(         # SHA-256("example.org") · flags UP|UV · counter 7
    "bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b50500000007")

RSA_P = int(
    "f10f361621587d8cb95d46e56e3718c61ff52f0c88dbb2460e5d5c8c23ef67a4757ba9bc9d8711dd5717dea29d6f"
    "358b49d66aadb49cc8c48d2b9ee3db0ca072e1c2f6052bc09e6c22cb1659ad8ce3dc0eb45326ec63acd856863159"
    "b1a3df77428ad71dd4c1b11af927f5be67c8e3e3dba393cd837ea52e308c64cb9f901d35", 16)
RSA_Q = int(
    "e81b1804c0afec55c92d9612a496caeeefc3eb9928eaf9c9e39c5167490cc50c38f4f046356e82ecbfce3fb40c6c"
    "a5700704248d2823f6377c1d4b435527d25404419b556eb9b41084efe0e32cf0ce5233f3f15189ecd5fcf6fbb6ca"
    "06888f42ee48c2c7a2a2bbe01a91f367636194cd36dbb92c4fe34aa628c9048c90cf779f", 16)
RSA_N, RSA_E = RSA_P * RSA_Q, 65537
RSA_D = pow(RSA_E, -1, (RSA_P - 1) * (RSA_Q - 1))
RSA_SIG = bytes.fromhex(
    "4647eda8884c657aa62c4619730c358b83a3528be2f10d449a489b20c407a9385a9eb5d73d37ae1f128e5f8361bc"
    "c0849ef36ddeddeffdc1d618499f560b4d0724443722faaf5aa0083c1827caf38fc67f0de0ecc2a36f57931c5b5a"
    "5f28ae9fe856951cd933395b3b08808d8bb5b66fd1c7bb86de2f69598bc70a816a9c4d87dd71dabc638a72d7d2bf"
    "026ef39e50fe5186e17576b0f3b6d7d1473f1591b901fc8091a95d7f83429e2cb86b9cd8be68dd5ecf25cb67970d"
    "7119f5f1ab625593c4688393c252fafe9cd80e21af03517fb568aaabf3f023986b811bb4531578c82170431cb1c3"
    "d86ce1cf181a35323764c9170b07650206a150d13dea74282b12")

EC_SECRET = int.from_bytes(hashlib.sha256(b"ec").digest(), "big")
EC_X = bytes.fromhex("74aadfbf4ff6f8a018b5bb297f092a2b717e100bf8e9d1d054b8b139b5534404")
EC_Y = bytes.fromhex("ebcaa33136a63ab0126c4dfd55b435d531794d0cc78326bc8be6c779f8ca914d")
EC_SIG = bytes.fromhex(
    "3046022100b5edad4ddb3315e4e0450bad996efe12ddf9c0140545970f6202d6f6d60f10f8022100d059a756fb61"
    "539d888dacf7b764d6ff14c641e46c02e29209a0523eec2b021d")

ED_SECRET = hashlib.sha256(b"ed").digest()
ED_X = bytes.fromhex("119c4d9c5e5d3ae173bfab934a058068abfc3d23a5bee3aaef705f1c0ac00f8d")
ED_SIG = bytes.fromhex(
    "e4b75c332dd9bf3d75a35579bddf9d94c18eecc46d7a490fc88c8fcf1c859fb5374d5045c04046af3b80357ac28f"
    "62a63a6bff4c6a86f07aa24a9a89dd0ebb01")

EC_COSE = {1: 2, 3: -7, -1: 1, -2: EC_X, -3: EC_Y}
RSA_COSE = {1: 3, 3: -257, -1: RSA_N.to_bytes(256, "big"), -2: RSA_E.to_bytes(3, "big")}
ED_COSE = {1: 1, 3: -8, -1: 6, -2: ED_X}

# DigestInfo prefixes (RFC 8017 section 9.2, note 1)
SHA256_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
SHA256_INFO_NO_NULL = bytes.fromhex("302f300b0609608648016503040201" "0420")
SHA1_INFO = bytes.fromhex("3021300906052b0e03021a05000414")


def assertion(auth_data: bytes, client_data_json: str, sig: bytes) -> bytes:
    return b"\xd9\xd9\xf7" + cbor2.dumps({"authenticator_data": auth_data,
                                           "client_data_json": client_data_json,
                                           "signature": sig})


def client_data(challenge: str, **extra) -> str:
    return json.dumps({"type": "webauthn.get", "challenge": challenge,
                       "origin": "https://example.org", **extra})


def signed(auth_data: bytes, client_data_json: str) -> bytes:
    return auth_data + hashlib.sha256(client_data_json.encode()).digest()


# ---------------------------------------------------------------- signers

def rsa_raw(em: bytes) -> bytes:
    return pow(int.from_bytes(em, "big"), RSA_D, RSA_N).to_bytes(256, "big")


def rsa_em(message: bytes, info: bytes = SHA256_INFO, head: bytes = b"\x00\x01",
           pad: int = 0xFF, tail: bytes = b"", hashfunc=hashlib.sha256) -> bytes:
    """An encoded message, by default the one of RFC 8017 section 9.2."""
    t = info + hashfunc(message).digest() + tail
    return head + bytes([pad]) * (256 - len(head) - 1 - len(t)) + b"\x00" + t


EC_SK = ecdsa.SigningKey.from_secret_exponent(EC_SECRET, curve=ecdsa.NIST256p)
ED_SK = ecdsa.SigningKey.from_string(ED_SECRET, curve=ecdsa.Ed25519)
SIGNERS = {
    "ECDSA": lambda m: EC_SK.sign_deterministic(m, hashfunc=hashlib.sha256,
                                                sigencode=sigencode_der),
    "RSA": lambda m: rsa_raw(rsa_em(m)),
    "Ed25519": lambda m: bytes(ED_SK.sign(m)),
}
COSE = {"ECDSA": EC_COSE, "RSA": RSA_COSE, "Ed25519": ED_COSE}


class WebAuthnUser:
    """An authenticator holding one key: signs a payload as a WebAuthn
    assertion (the interface of `http_agent.Identity`)."""

    def __init__(self, scheme: str) -> None:
        self.scheme = scheme
        self.der = webauthn.key_der(COSE[scheme])
        self.principal = Principal.self_authenticating(self.der).bytes

    def sign(self, payload: bytes) -> bytes:
        cdj = client_data(webauthn.challenge(payload))
        return assertion(AUTH_DATA, cdj, SIGNERS[self.scheme](signed(AUTH_DATA, cdj)))

    def delegate(self, to, expiration: int) -> dict:
        d = {"pubkey": to.der, "expiration": expiration}
        return {"delegation": d,
                "signature": self.sign(b"\x1Aic-request-auth-delegation" + hash_of_map(d))}


def key(scheme: str):
    return webauthn.parse_key(webauthn.key_der(COSE[scheme]))


# ---------------------------------------------------------------- keys

@spec(WA)
def test_the_specs_example_key_is_an_ecdsa_p256_key():
    example = bytes.fromhex(     # index.md, "Web Authentication", the tip's DER
        "305E300C060A2B0601040183B8430101034E00A50102032620012158207FFD83632072FD1BFEAF3FBAA4"
        "3146E0EF95C3F55E3994A41BBF2B5174D771DA22582032497EED0A7F6F000928765B8318162CFD80A94E"
        "525A6A368C2363063D04E6ED")
    assert webauthn.parse_key(example) == webauthn.EcdsaP256Key(bytes.fromhex(
        "7FFD83632072FD1BFEAF3FBAA43146E0EF95C3F55E3994A41BBF2B5174D771DA"
        "32497EED0A7F6F000928765B8318162CFD80A94E525A6A368C2363063D04E6ED"))


@spec(WA)
def test_keys_of_the_three_schemes_parse_and_others_are_not_webauthn():
    assert key("ECDSA") == webauthn.EcdsaP256Key(EC_X + EC_Y)
    assert key("RSA") == webauthn.RsaKey(RSA_N, RSA_E)
    assert key("Ed25519") == webauthn.Ed25519Key(ED_X)
    # another OID (a plain P-256 key, a canister signature key) or no DER at all:
    # not a WebAuthn key, left to the other schemes
    assert webauthn.parse_key(Identity("P-256", b"x").der) is None
    assert webauthn.parse_key(der.encode_sequence(
        der.encode_sequence(der.encode_oid(1, 3, 6, 1, 4, 1, 56387, 1, 2)),
        der.encode_bitstring(b"\x01\x01", unused=0))) is None
    assert webauthn.parse_key(b"\x01\x02") is None


def _der(cose_bytes: bytes, params: bytes = b"", trailing: bytes = b"") -> bytes:
    return der.encode_sequence(der.encode_sequence(der.encode_oid(*webauthn.OID) + params),
                               der.encode_bitstring(cose_bytes, unused=0) + trailing)


DROP = object()


def _with(cose: dict, changes: dict) -> bytes:
    """``cose`` with the parameters ``changes`` gives (`DROP`: removed), as CBOR."""
    m = {**cose, **changes}
    return cbor2.dumps({label: v for label, v in m.items() if v is not DROP})


BAD_KEYS = {
    "NULL parameters": (_der(cbor2.dumps(EC_COSE), params=b"\x05\x00"), "not SEQUENCE"),
    "bytes after the BIT STRING": (_der(cbor2.dumps(EC_COSE), trailing=b"\x00"), "not SEQUENCE"),
    "not CBOR": (_der(b"\xff\x00"), "not CBOR"),
    "bytes after the COSE key": (_der(cbor2.dumps(EC_COSE) + b"\x00"), "1 bytes after"),
    "an array": (_der(cbor2.dumps([1, 2])), "not a map"),
    "a boolean label": (_der(cbor2.dumps({True: 2, 3: -7})), "not a map"),
    "no kty": (_der(_with(EC_COSE, {1: DROP})), "'kty' \\(1\\) and 'alg' \\(3\\)"),
    "text alg": (_der(_with(EC_COSE, {3: "ES256"})), "'kty' \\(1\\) and 'alg' \\(3\\)"),
    "ES384": (_der(_with(EC_COSE, {3: -35})), "unsupported COSE key \\(kty 2, alg -35\\)"),
    "PS256": (_der(_with(RSA_COSE, {3: -37})), "unsupported COSE key \\(kty 3, alg -37\\)"),
    "P-384": (_der(_with(EC_COSE, {-1: 2})), "unsupported COSE curve 2"),
    "curve true": (_der(_with(EC_COSE, {-1: True})), "unsupported COSE curve True"),
    "short x": (_der(_with(EC_COSE, {-2: EC_X[1:]})), "32-byte strings"),
    "compressed point": (_der(_with(EC_COSE, {-3: True})), "32-byte strings"),
    "not on the curve": (_der(_with(EC_COSE, {-3: EC_X})), "not a point of P-256"),
    "sign-only key_ops": (_der(_with(EC_COSE, {4: [1]})), "key_ops"),
    "key_ops verify as true": (_der(_with(EC_COSE, {4: [True]})), "key_ops"),
    "key_ops not an array": (_der(_with(EC_COSE, {4: "verify"})), "key_ops"),
    "1024-bit modulus": (_der(_with(RSA_COSE, {-1: RSA_N.to_bytes(256, "big")[:128]})),
                         "1024 bits"),
    "even modulus": (_der(_with(RSA_COSE, {-1: (RSA_N + 1).to_bytes(256, "big")})),
                     "must be odd"),
    "modulus with a leading zero": (_der(_with(RSA_COSE, {-1: RSA_N.to_bytes(257, "big")})),
                                    "'n' \\(-1\\) as a non-empty byte string without leading"),
    "exponent as an integer": (_der(_with(RSA_COSE, {-2: 65537})), "'e' \\(-2\\)"),
    "even exponent": (_der(_with(RSA_COSE, {-2: b"\x01\x00\x00"})), "exponent 65536"),
    "exponent 1": (_der(_with(RSA_COSE, {-2: b"\x01"})), "exponent 1 "),
    "X25519": (_der(_with(ED_COSE, {-1: 4})), "unsupported COSE curve 4 for EdDSA"),
    "short Ed25519 key": (_der(_with(ED_COSE, {-2: ED_X[:31]})), "32-byte string"),
    "Ed25519 y with no x": (_der(_with(ED_COSE, {-2: (2).to_bytes(32, "little")})),
                            "not an Ed25519 point"),
    "Ed25519 y = p": (_der(_with(ED_COSE, {-2: (2**255 - 19).to_bytes(32, "little")})),
                      "y >= p"),
}


@spec(WA)
@pytest.mark.parametrize("case", BAD_KEYS)
def test_malformed_keys_are_refused_with_a_reason(case):
    data, message = BAD_KEYS[case]
    with pytest.raises(KeyError_, match=message):
        webauthn.parse_key(data)


@spec(WA)
def test_key_ops_that_allow_verifying_are_accepted():
    for ops in ([2], ["verify"], [1, 2]):
        assert webauthn.parse_key(_der(_with(EC_COSE, {4: ops}))) == key("ECDSA")


# ---------------------------------------------------------------- signatures

@spec(WA)
def test_the_challenge_is_unpadded_base64url():
    # RFC 4648 section 10 vectors without their padding; '-' and '_' for 62 and 63
    assert [webauthn.challenge(s) for s in (b"", b"f", b"fo", b"foo", b"foobar")] == \
        ["", "Zg", "Zm8", "Zm9v", "Zm9vYmFy"]
    assert webauthn.challenge(b"\xfb\xff") == "-_8"
    assert json.loads(CLIENT_DATA_JSON)["challenge"] == webauthn.challenge(PAYLOAD)


OPENSSL = {"ECDSA": EC_SIG, "RSA": RSA_SIG, "Ed25519": ED_SIG}


@spec(WA)
@pytest.mark.parametrize("scheme", OPENSSL)
def test_assertions_signed_by_openssl_verify(scheme):
    sig = assertion(AUTH_DATA, CLIENT_DATA_JSON, OPENSSL[scheme])
    assert webauthn.verify(key(scheme), sig, PAYLOAD)
    # the same assertion is no signature of another payload
    with pytest.raises(webauthn.SignatureError, match="is not the base64url of the signed"):
        webauthn.verify(key(scheme), sig, PAYLOAD[:-1] + b"\x00")


@spec(WA)
def test_the_openssl_rsa_signature_is_the_encoding_of_rfc_8017():
    # what the textbook signer here builds, OpenSSL built too
    assert rsa_raw(rsa_em(signed(AUTH_DATA, CLIENT_DATA_JSON))) == RSA_SIG
    assert webauthn.rsassa_pkcs1_v1_5_verify(key("RSA"), signed(AUTH_DATA, CLIENT_DATA_JSON),
                                             RSA_SIG)


@spec(WA)
@pytest.mark.parametrize("scheme", SIGNERS)
def test_tampered_assertions_do_not_verify(scheme):
    cdj = client_data(webauthn.challenge(PAYLOAD))
    good = SIGNERS[scheme](signed(AUTH_DATA, cdj))
    k = key(scheme)
    assert webauthn.verify(k, assertion(AUTH_DATA, cdj, good), PAYLOAD)
    # authenticator data: a flag changed (user verification dropped)
    ad = AUTH_DATA[:32] + b"\x01" + AUTH_DATA[33:]
    assert not webauthn.verify(k, assertion(ad, cdj, good), PAYLOAD)
    # client data: same challenge, another origin
    other = client_data(webauthn.challenge(PAYLOAD)).replace("example.org", "example.com")
    assert not webauthn.verify(k, assertion(AUTH_DATA, other, good), PAYLOAD)
    # the signature: each of a few bits flipped
    for i in (0, len(good) // 2, len(good) - 1):
        bad = bytearray(good)
        bad[i] ^= 0x01
        assert not webauthn.verify(k, assertion(AUTH_DATA, cdj, bytes(bad)), PAYLOAD)
    # a correct signature over another challenge, put in front of this payload
    other_cdj = client_data(webauthn.challenge(b"\x0Aic-request" + bytes(32)))
    other_sig = SIGNERS[scheme](signed(AUTH_DATA, other_cdj))
    with pytest.raises(webauthn.SignatureError, match="challenge"):
        webauthn.verify(k, assertion(AUTH_DATA, other_cdj, other_sig), PAYLOAD)
    # another key of the same scheme
    if scheme == "ECDSA":
        stranger = webauthn.EcdsaP256Key(ecdsa.SigningKey.from_secret_exponent(
            7, curve=ecdsa.NIST256p).verifying_key.to_string())
        assert not webauthn.verify(stranger, assertion(AUTH_DATA, cdj, good), PAYLOAD)


RSA_MESSAGE = signed(AUTH_DATA, CLIENT_DATA_JSON)
BAD_PADDINGS = {
    "block type 2": rsa_em(RSA_MESSAGE, head=b"\x00\x02"),
    "no leading zero": rsa_em(RSA_MESSAGE, head=b"\x01"),
    "padding of 0xFE": rsa_em(RSA_MESSAGE, pad=0xFE),
    "padding of zeros": rsa_em(RSA_MESSAGE, pad=0x00),
    # DigestInfo without the NULL parameters (RFC 8017 9.2 note 2): another encoding
    "DigestInfo without NULL": rsa_em(RSA_MESSAGE, info=SHA256_INFO_NO_NULL),
    "SHA-1": rsa_em(RSA_MESSAGE, info=SHA1_INFO, hashfunc=hashlib.sha1),
    # bytes after the digest, shortening the padding (the forgery of Bleichenbacher, 2006)
    "garbage after the digest": rsa_em(RSA_MESSAGE, tail=b"\x13" * 40),
}


@spec(WA)
@pytest.mark.parametrize("case", BAD_PADDINGS)
def test_rsa_encoded_messages_other_than_the_one_expected_are_refused(case):
    em = BAD_PADDINGS[case]
    assert len(em) == 256 and em != rsa_em(RSA_MESSAGE)
    assert not webauthn.rsassa_pkcs1_v1_5_verify(key("RSA"), RSA_MESSAGE, rsa_raw(em))
    assert not webauthn.verify(key("RSA"), assertion(AUTH_DATA, CLIENT_DATA_JSON, rsa_raw(em)),
                               PAYLOAD)


@spec(WA)
def test_rsa_signatures_must_be_k_bytes_below_the_modulus():
    k = key("RSA")
    assert not webauthn.rsassa_pkcs1_v1_5_verify(k, RSA_MESSAGE, RSA_SIG[1:])
    assert not webauthn.rsassa_pkcs1_v1_5_verify(k, RSA_MESSAGE, b"\x00" + RSA_SIG)
    # s + n is congruent to s, but not a signature representative (RFC 8017 5.2.2)
    s_plus_n = int.from_bytes(RSA_SIG, "big") + RSA_N
    if s_plus_n < 2 ** 2048:
        assert not webauthn.rsassa_pkcs1_v1_5_verify(k, RSA_MESSAGE, s_plus_n.to_bytes(256, "big"))
    assert not webauthn.rsassa_pkcs1_v1_5_verify(k, RSA_MESSAGE, RSA_N.to_bytes(256, "big"))


@spec(WA)
def test_the_openssl_ecdsa_signature_has_a_high_s():
    # so the vector shows that high-s signatures verify (authenticators do not normalise s)
    order = ecdsa.NIST256p.order
    _r, s = sigdecode_der(EC_SIG, order)
    assert s > order // 2


@spec(WA)
def test_ecdsa_signatures_are_der_only():
    m = signed(AUTH_DATA, CLIENT_DATA_JSON)
    r_s = EC_SK.sign_deterministic(m, hashfunc=hashlib.sha256, sigencode=sigencode_string)
    r, s = int.from_bytes(r_s[:32], "big"), int.from_bytes(r_s[32:], "big")
    good = der.encode_sequence(der.encode_integer(r), der.encode_integer(s))
    assert webauthn.verify(key("ECDSA"), assertion(AUTH_DATA, CLIENT_DATA_JSON, good), PAYLOAD)
    padded_r = b"\x02" + bytes([len(der.encode_integer(r)) - 1]) + b"\x00" + \
        der.encode_integer(r)[2:]
    for bad in (r_s,                                                   # the plain r · s form
                good + b"\x00",                                        # bytes after the DER
                der.encode_sequence(padded_r, der.encode_integer(s))):  # a non-minimal integer
        assert not webauthn.verify(key("ECDSA"), assertion(AUTH_DATA, CLIENT_DATA_JSON, bad),
                                   PAYLOAD)


def _map(**fields) -> dict:
    m = {"authenticator_data": AUTH_DATA, "client_data_json": CLIENT_DATA_JSON,
         "signature": EC_SIG}
    for name, value in fields.items():
        if value is None:
            del m[name]
        else:
            m[name] = value
    return m


TAG = b"\xd9\xd9\xf7"
BAD_SIGNATURES = {
    "empty": (b"", "does not begin with the CBOR self-describe tag"),
    "no tag": (cbor2.dumps(_map()), "does not begin with the CBOR self-describe tag"),
    "not CBOR after the tag": (TAG + b"\xff", "is not CBOR"),
    "bytes after the map": (TAG + cbor2.dumps(_map()) + b"\x00", "1 bytes after"),
    "an array": (TAG + cbor2.dumps([AUTH_DATA, CLIENT_DATA_JSON, EC_SIG]), "not a CBOR map"),
    "no authenticator_data": (TAG + cbor2.dumps(_map(authenticator_data=None)),
                              "'authenticator_data' as a blob"),
    "client_data_json as a blob": (TAG + cbor2.dumps(_map(
        client_data_json=CLIENT_DATA_JSON.encode())), "'client_data_json' as a text"),
    "signature as text": (TAG + cbor2.dumps(_map(signature="sig")), "'signature' as a blob"),
    "client data not JSON": (TAG + cbor2.dumps(_map(client_data_json="{challenge:")),
                             "client_data_json is not JSON"),
    "client data without a challenge": (TAG + cbor2.dumps(_map(client_data_json='{"a": 1}')),
                                        "no 'challenge' string"),
    "client data an array": (TAG + cbor2.dumps(_map(client_data_json='["x"]')),
                             "no 'challenge' string"),
    "padded challenge": (TAG + cbor2.dumps(_map(client_data_json=client_data(
        webauthn.challenge(PAYLOAD) + "=="))), "is not the base64url of the signed payload"),
    "standard base64 challenge": (TAG + cbor2.dumps(_map(client_data_json=client_data(
        base64.b64encode(PAYLOAD).decode()))), "is not the base64url of the signed payload"),
}


@spec(WA)
@pytest.mark.parametrize("case", BAD_SIGNATURES)
def test_malformed_signatures_are_refused_with_a_reason(case):
    data, message = BAD_SIGNATURES[case]
    with pytest.raises(webauthn.SignatureError, match=message):
        webauthn.verify(key("ECDSA"), data, PAYLOAD)


# ---------------------------------------------------------------- as senders (auth.py)

NOW = time.time_ns()


def call(sender: bytes) -> dict:
    return {"request_type": "call", "sender": sender, "ingress_expiry": NOW + 60 * 10**9,
            "canister_id": b"\x01", "method_name": "m", "arg": b""}


def refused(env, match: str) -> str:
    with pytest.raises(HTTPError, match=match) as e:
        authenticate(env, "call", NOW)
    assert e.value.status == 400
    return e.value.message


@spec(WA)
@pytest.mark.parametrize("scheme", SIGNERS)
def test_webauthn_senders_are_authenticated(scheme):
    user = WebAuthnUser(scheme)
    c = call(user.principal)
    a = authenticate(envelope(c, user), "call", NOW)
    assert (a.sender, a.request_id) == (user.principal, request_id(c))
    # signed for another request: the challenge says so
    other = envelope(dict(c, nonce=b"x"), user)
    refused(dict(other, content=c), "Invalid signature: the WebAuthn challenge")


@spec(WA)
def test_webauthn_keys_inside_delegation_chains():
    rsa, ec, ed = WebAuthnUser("RSA"), WebAuthnUser("ECDSA"), Identity("Ed25519", b"e")
    c = call(rsa.principal)
    chain = [rsa.delegate(ec, NOW + 10**12), ec.delegate(ed, NOW + 10**12)]
    assert authenticate(envelope(c, rsa, signer=ed, delegations=chain), "call", NOW).sender \
        == rsa.principal
    # an Ed25519 user delegating to a WebAuthn key that signs the request
    c2 = call(ed.principal)
    assert authenticate(envelope(c2, ed, signer=ec, delegations=[ed.delegate(ec, NOW + 10**12)]),
                        "call", NOW).sender == ed.principal
    # a delegation whose WebAuthn signature is malformed names the delegation
    broken = [dict(chain[0], signature=chain[0]["signature"][3:]), chain[1]]
    refused(envelope(c, rsa, signer=ed, delegations=broken),
            "Invalid delegation 0: the WebAuthn signature does not begin with")
    # one that is well formed but does not verify
    tampered = bytearray(chain[1]["signature"])
    tampered[-1] ^= 1
    bad = [chain[0], dict(chain[1], signature=bytes(tampered))]
    refused(envelope(c, rsa, signer=ed, delegations=bad),
            "Invalid delegation 1: its signature does not verify")


@spec(WA)
def test_malformed_webauthn_senders_get_400_with_the_reason():
    user = WebAuthnUser("ECDSA")
    c = call(user.principal)
    env = envelope(c, user)
    refused(dict(env, sender_sig=env["sender_sig"][3:]),
            "Invalid signature: the WebAuthn signature does not begin with")
    bad_key = webauthn.key_der({**EC_COSE, 3: -35})
    c = call(Principal.self_authenticating(bad_key).bytes)
    refused({"content": c, "sender_pubkey": bad_key, "sender_sig": env["sender_sig"]},
            "Invalid public key: unsupported COSE key \\(kty 2, alg -35\\)")
    tampered = bytearray(env["sender_sig"])       # the last byte of the ECDSA signature
    tampered[-1] ^= 1
    refused(dict(env, sender_sig=bytes(tampered)),
            "Invalid signature: the signature does not verify")
