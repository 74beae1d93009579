"""Certificates and signatures: BLS12-381 (min-sig) checked against a real IC
mainnet certificate, the instance's own certificates verified by a pairing
equation, Ed25519 / ECDSA round trips, keys derived from the state's seed."""

from __future__ import annotations

import pathlib

import ecdsa
import pytest

from pyic.candid.principal import Principal
from pyic.http import bls, certificate, hash_tree, signatures
from pyic.http.keys import derive

spec = pytest.mark.spec

# A certificate the IC mainnet issued (2022-02-23, with a delegation from the
# root subnet), as published with agent-js's and agent-rs's certificate tests,
# and the mainnet's root key.  Verifying it checks the BLS ciphersuite, the
# point encodings and the DER prefix against the real IC, independently of pyic.
MAINNET_CERTIFICATE = bytes.fromhex(
    (pathlib.Path(__file__).parent / "data" / "mainnet_certificate.hex").read_text().strip())
MAINNET_ROOT_KEY = bytes.fromhex(
    "308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100814c0e6ec71fab"
    "583b08bd81373c255c3c371b2e84863c98a4f1e08b74235d14fb5d9c0cd546d9685f913a0c0b2cc5341583bf"
    "4b4392e467db96d65b9bb4cb717112f8472e0d5a4d14505ffd7484b01291091c5f87b98883463f98091a0baaae")


@spec("certification.md: Delegation")
def test_a_mainnet_certificate_verifies_under_the_mainnet_root_key():
    cert = certificate.decode(MAINNET_CERTIFICATE)
    assert cert.delegation is not None
    assert certificate.verify_cert(cert, MAINNET_ROOT_KEY)
    wrong_key = bytearray(MAINNET_ROOT_KEY)
    wrong_key[-5] ^= 1
    assert not certificate.verify_cert(cert, bytes(wrong_key))


@spec("certification.md: Certificate")
def test_a_changed_tree_no_longer_verifies():
    cert = certificate.decode(MAINNET_CERTIFICATE)
    tampered = certificate.Certificate(
        hash_tree.Fork(cert.tree, hash_tree.Empty()), cert.signature, cert.delegation)
    assert not certificate.verify_cert(tampered, MAINNET_ROOT_KEY)


@spec("certification.md: Certificate")
def test_the_instance_signs_certificates_its_root_key_verifies():
    keys = derive(b"test seed")
    tree = hash_tree.construct({b"time": b"\x01", b"x": {b"y": b"z"}})
    cert = certificate.decode(certificate.certify(tree, keys.root_secret))
    assert cert.delegation is None and len(cert.signature) == 48
    assert certificate.verify_cert(cert, keys.root_key)
    assert not certificate.verify_cert(cert, derive(b"other seed").root_key)
    # the signed message is domain_sep("ic-state-root") · root hash
    assert bls.verify(keys.root_key, cert.signature,
                      b"\x0dic-state-root" + hash_tree.reconstruct(tree))


@spec("index.md: Subnet information")
def test_keys_follow_the_seed():
    a, b = derive(b"seed-1"), derive(b"seed-1")
    assert a.root_key == b.root_key and a.node_id == b.node_id
    assert derive(b"seed-2").root_key != a.root_key
    assert len(a.root_key) == 133 and a.root_key.startswith(bls.DER_PREFIX)
    assert a.subnet_id == Principal.self_authenticating(a.root_key).bytes
    assert a.node_id == Principal.self_authenticating(a.node_key_der).bytes
    assert signatures.parse_public_key(a.node_key_der)[0] == "Ed25519"


@spec("index.md: Ed25519 and ECDSA signatures")
@pytest.mark.parametrize("scheme", ["Ed25519", "secp256k1", "P-256"])
def test_signature_round_trip(scheme):
    sk = signatures.signing_key(scheme, b"k")
    der = signatures.public_key_der(sk)
    sig = signatures.sign(sk, b"\x0Aic-request" + bytes(32))
    assert len(sig) == 64
    assert signatures.verify(der, sig, b"\x0Aic-request" + bytes(32))
    assert not signatures.verify(der, sig, b"\x0Aic-request" + bytes(31) + b"\x01")
    assert not signatures.verify(der, sig[:63], b"\x0Aic-request" + bytes(32))


@spec("index.md: Ed25519 and ECDSA signatures")
def test_keys_outside_the_accepted_encodings_are_refused():
    sk = ecdsa.SigningKey.from_secret_exponent(7, curve=ecdsa.SECP256k1)
    compressed = sk.verifying_key.to_der(point_encoding="compressed")
    with pytest.raises(signatures.KeyError_, match="uncompressed"):
        signatures.parse_public_key(compressed)
    other_curve = ecdsa.SigningKey.from_secret_exponent(7, curve=ecdsa.NIST384p)
    with pytest.raises(signatures.KeyError_):
        signatures.parse_public_key(other_curve.verifying_key.to_der())
    with pytest.raises(signatures.KeyError_):
        signatures.parse_public_key(b"\x30\x03\x02\x01\x00")


@spec("index.md: Canister signatures")
def test_canister_signature_keys():
    from pyic.http.canister_signatures import CanisterKey, key_der, parse_key
    der = key_der(b"\x00\x01\x01", b"seed")
    assert der.startswith(bytes.fromhex("3019300c060a2b0601040183b8430102030900"))
    assert parse_key(der) == CanisterKey(b"\x00\x01\x01", b"seed")
    assert parse_key(signatures.public_key_der(signatures.signing_key("Ed25519", b"x"))) is None
    assert parse_key(der[:-1]) is None
