"""Threshold signatures: ``ecdsa_public_key``, ``sign_with_ecdsa``, ``schnorr_public_key``,
``sign_with_schnorr`` (management-canister.md), called by the universal canister; the
signatures are checked with verifiers independent of pyic's signer (python-ecdsa's ECDSA
and Ed25519, and BIP340 verification written out below from the BIP)."""

from __future__ import annotations

import hashlib

import ecdsa
import pytest
from ecdsa.util import sigdecode_string
from ic_helpers import reject_of, spec

from pyic.candid import Opt, Principal, Record, Variant, decode, encode
from pyic.ic.management.args import interface, method_types
from pyic.ic.threshold_keys import (
    derive_ed25519, derive_secp256k1, ed25519_encode, ed25519_point, point_from_sec1,
    sec1_compressed, sign_bip340,
)
from pyic.testing import PocketIC
from pyic.universal import (
    arg_data, bytes_, get_refund, i2b, i64tob, reject_code, reject_msg, reply_data,
    reply_data_append, update_call,
)

from principals import USER

ECDSA_PK = "management-canister.md: IC method ecdsa_public_key"
ECDSA_SIGN = "management-canister.md: IC method sign_with_ecdsa"
SCHNORR_PK = "management-canister.md: IC method schnorr_public_key"
SCHNORR_SIGN = "management-canister.md: IC method sign_with_schnorr"
# limits-and-costs.md: 10 G cycles for a 13-node signing subnet, scaled to key_1's 34 nodes.
FEE = {"dfx_test_key": 10_000_000_000, "test_key_1": 10_000_000_000, "key_1": 26_153_846_153}
N = ecdsa.SECP256k1.order
G = ecdsa.SECP256k1.generator


def ecdsa_key(name="dfx_test_key"):
    return Record.of(curve=Variant.of("secp256k1"), name=name)


def schnorr_key(algorithm, name="dfx_test_key"):
    return Record.of(algorithm=Variant.of(algorithm), name=name)


def arg(method, **fields):
    return encode((Record.of(**fields),), method_types(method)[0], interface().env)


def call(pic, caller, method, argument, cycles=0):
    """``aaaaa-aa``.method from canister ``caller``: (result record or None, reject
    (code, message) or None, cycles refunded)."""
    out = pic.universal_update(caller, update_call(
        b"", method, arg=argument, cycles=cycles,
        on_reply=reply_data_append(bytes_(b"OK")) >> reply_data_append(i64tob(get_refund))
        >> reply_data(arg_data),
        on_reject=reply_data_append(bytes_(b"NO")) >> reply_data_append(i64tob(get_refund))
        >> reply_data_append(i2b(reject_code)) >> reply_data(reject_msg)))
    refund = int.from_bytes(out[2:10], "little")
    if out.startswith(b"OK"):
        rec = decode(out[10:], method_types(method)[1], interface().env)[0]
        return rec, None, refund
    return None, (int.from_bytes(out[10:14], "little"), out[14:].decode()), refund


def ecdsa_public_key(pic, caller, path=(), canister_id=None, key="dfx_test_key"):
    rec, rejected, _ = call(pic, caller, "ecdsa_public_key",
                            arg("ecdsa_public_key", canister_id=canister_id,
                                derivation_path=list(path), key_id=ecdsa_key(key)))
    assert rejected is None, rejected
    return bytes(rec["public_key"]), bytes(rec["chain_code"])


def sign_with_ecdsa(pic, caller, message_hash, path=(), key="dfx_test_key", cycles=None):
    return call(pic, caller, "sign_with_ecdsa",
                arg("sign_with_ecdsa", message_hash=message_hash, derivation_path=list(path),
                    key_id=ecdsa_key(key)), FEE.get(key, 0) if cycles is None else cycles)


def schnorr_public_key(pic, caller, algorithm, path=(), canister_id=None):
    rec, rejected, _ = call(pic, caller, "schnorr_public_key",
                            arg("schnorr_public_key", canister_id=canister_id,
                                derivation_path=list(path), key_id=schnorr_key(algorithm)))
    assert rejected is None, rejected
    return bytes(rec["public_key"]), bytes(rec["chain_code"])


def sign_with_schnorr(pic, caller, algorithm, message, path=(), aux=None, cycles=FEE["key_1"]):
    return call(pic, caller, "sign_with_schnorr",
                arg("sign_with_schnorr", message=message, derivation_path=list(path),
                    key_id=schnorr_key(algorithm), aux=aux), cycles)


def verify_ecdsa(public_key: bytes, message_hash: bytes, signature: bytes) -> bool:
    vk = ecdsa.VerifyingKey.from_string(public_key, curve=ecdsa.SECP256k1)
    try:
        return vk.verify_digest(signature, message_hash, sigdecode=sigdecode_string)
    except ecdsa.BadSignatureError:
        return False


def _tagged(tag: str, data: bytes) -> bytes:
    t = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(t + t + data).digest()


def _lift_x(x: int):
    p = ecdsa.SECP256k1.curve.p()
    y = pow((x * x * x + 7) % p, (p + 1) // 4, p)
    assert y * y % p == (x * x * x + 7) % p
    y = y if y % 2 == 0 else p - y
    return ecdsa.ellipticcurve.Point(ecdsa.SECP256k1.curve, x, y, N)


def verify_bip340(x_only: bytes, message: bytes, sig: bytes) -> bool:
    """BIP340 "Verification", from the BIP's steps."""
    p = _lift_x(int.from_bytes(x_only, "big"))
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    if r >= ecdsa.SECP256k1.curve.p() or s >= N:
        return False
    e = int.from_bytes(_tagged("BIP0340/challenge", sig[:32] + x_only + message), "big") % N
    big_r = G * s + p * (N - e)
    return big_r != ecdsa.ellipticcurve.INFINITY and big_r.y() % 2 == 0 and big_r.x() == r


def verify_ed25519(public_key: bytes, message: bytes, sig: bytes) -> bool:
    try:
        return ecdsa.eddsa.PublicKey(ecdsa.eddsa.generator_ed25519, public_key).verify(message,
                                                                                       sig)
    except ValueError:
        return False


# ------------------------------------------------------------------ derivation


@spec(ECDSA_PK)
def test_secp256k1_derivation_matches_the_replica():
    """The replica's own vectors (ic crypto, key_derivation tests): master key, zero chain
    code, indices of any length."""
    master = point_from_sec1(bytes.fromhex(
        "034313d67f176fcb486756322e2cca9cd0aa4504e7c8128222a7b54bf02f1742c1"))
    i1, i2 = bytes([1, 2, 3, 4, 5]), bytes([8, 0, 2, 8, 0, 2])
    for path, key, code in [
        ([i1], "02cf5b8b78e5663d2de5f34b15fae61096335674bae520a0989a1cb19f47a0b1c7",
         "701de4dca971413c3388039fe838ae9ec000cedcebda8c0b31388d10d959d31a"),
        ([i2], "03a8299cdbc7fc2e61e56d5dd11c5c933fb32ffbefbf4d451f601f60d0a9f6a1d4",
         "96420bd99dea768cc5d7bb85ec85753ff1c39e47e24ffb43cfab236832e017e3"),
        ([i1, i2], "0292879f7c52e7389600602b32f47aa9a694c31370b8d8131f91342952bf6667e9",
         "545054338b6149de7b098112c41277b7c8db56802c27a6cef51bc0fe0ac589df"),
    ]:
        _, point, chain_code = derive_secp256k1(master, bytes(32), path)
        assert (sec1_compressed(point).hex(), chain_code.hex()) == (key, code)


@spec(ECDSA_PK)
def test_secp256k1_derivation_of_the_secret():
    """A SLIP-10 vector of the replica's tests: the offset added to the parent secret
    gives the child secret, and the child's public key is its multiple of G."""
    parent = int("f1c7c871a54a804afe328b4c83a1c33b8e5ff48f5087273f04efa83b247d6a2d", 16)
    chain = bytes.fromhex("637807030d55d01f9a0cb3a7839515d796bd07706386a6eddf06cc29a65a0e29")
    offset, point, code = derive_secp256k1(G * parent, chain, [(2).to_bytes(4, "big")])
    child = (parent + offset) % N
    assert child == int("bb7d39bdb83ecf58f2fd82b6d918341cbef428661ef01ab97c28a4842125ac23", 16)
    assert sec1_compressed(point).hex() == \
        "024d902e1a2fc7a8755ab5b694c575fce742c48d9ff192e63df5193e4c7afe1f9c"
    assert code.hex() == "9452b549be8cea3ecb7a84bec10dcfd94afe4d129ebfd3b3cb58eedf394ed271"


@spec("management-canister.md: Ed25519 hierarchical key derivation")
def test_ed25519_derivation_matches_the_replica():
    master = ed25519_point(bytes.fromhex(
        "931387a550eb4524a7af29381b938df38e76aeecac08e2cfaae4f4ca99bb4881"))
    one = [(1).to_bytes(4, "big")]
    _, point, code = derive_ed25519(master, bytes(32), one)
    assert ed25519_encode(point).hex() == \
        "6f3086e738ab5417c6e02504464f208a763f0fba0c4d7ade40694773b6c2273c"
    assert code.hex() == "d34e4e22d2c008ccc7e9bb9882fbc025a1e5516e3421d8e932dbc0be35f787a0"
    _, point, code = derive_ed25519(master, bytes(32), [i.to_bytes(4, "big") for i in (1, 2, 3)])
    assert ed25519_encode(point).hex() == \
        "0a1332435409769db6a478180590471d2cb706c6a1b2e84ff33763e0004623b4"
    assert code.hex() == "3716acba4fd7d3e56ddc0b11b598684d10a851fd786dd1ff71d6d3600f5ec790"


@spec(SCHNORR_SIGN)
def test_bip340_signer_matches_the_bip_vector():
    """BIP340 test vector 0: secret key 3, zero message and auxiliary randomness."""
    assert sign_bip340(3, bytes(32)).hex().upper() == (
        "E907831F80848D1069A5371B402410364BDF1C5F8307B0084C55F1CE2DCA8215"
        "25F66A4A85EA8B71E482A74F382D2CE5EBEEE8FDB2172F477DF4900D310536C0")


# ------------------------------------------------------------------ ecdsa_public_key


@spec(ECDSA_PK)
def test_public_key_is_sec1_compressed_with_chain_code(pic, uc):
    key, code = ecdsa_public_key(pic, uc)
    assert len(key) == 33 and key[0] in (2, 3) and len(code) == 32
    point_from_sec1(key)                                   # on the curve


@spec(ECDSA_PK)
def test_public_key_same_after_restart_with_same_seed(tmp_path):
    """Keys come from the IC's seed: a new IC with the same seed, or the saved and
    reloaded one, gives the same key; another seed gives another."""
    keys = []
    for seed in (b"one", b"one", b"two"):
        p = PocketIC(seed=seed)
        cid = p.install_universal_canister().bytes
        keys.append(ecdsa_public_key(p, cid, [b"x"]))
    assert keys[0] == keys[1] and keys[0] != keys[2]
    p.save(str(tmp_path / "ic"))
    assert ecdsa_public_key(PocketIC.load(str(tmp_path / "ic")), cid, [b"x"]) == keys[2]


@spec(ECDSA_PK)
def test_paths_canisters_and_keys_give_different_keys(pic, uc, uc2):
    k = ecdsa_public_key(pic, uc)
    others = [ecdsa_public_key(pic, uc, [b""]), ecdsa_public_key(pic, uc, [b"a"]),
              ecdsa_public_key(pic, uc, [b"a", b"b"]), ecdsa_public_key(pic, uc, [b"ab"]),
              ecdsa_public_key(pic, uc2), ecdsa_public_key(pic, uc, key="key_1")]
    assert len({k[0], *(o[0] for o in others)}) == 7
    assert len({k[1], *(o[1] for o in others)}) == 7


@spec(ECDSA_PK)
def test_canister_id_names_whose_key(pic, uc, uc2):
    """``canister_id`` defaults to the caller; given, it is that canister's key."""
    assert ecdsa_public_key(pic, uc2, [b"p"], canister_id=Opt(Principal(uc))) == \
        ecdsa_public_key(pic, uc, [b"p"])
    assert ecdsa_public_key(pic, uc, canister_id=Opt(Principal(uc))) == ecdsa_public_key(pic, uc)


@spec(ECDSA_PK)
def test_bip32_path_extends_the_canister_key(pic, uc):
    """A child key is the parent's extended key derived one step further (the property
    that lets clients derive keys themselves)."""
    key, code = ecdsa_public_key(pic, uc, [b"a"])
    child, child_code = ecdsa_public_key(pic, uc, [b"a", (7).to_bytes(4, "big")])
    _, point, derived_code = derive_secp256k1(point_from_sec1(key), code,
                                              [(7).to_bytes(4, "big")])
    assert (sec1_compressed(point), derived_code) == (child, child_code)


@spec(ECDSA_PK)
@pytest.mark.parametrize("method", ["ecdsa_public_key", "sign_with_ecdsa"])
def test_unknown_key_rejected(pic, uc, method):
    if method == "ecdsa_public_key":
        a = arg(method, canister_id=None, derivation_path=[], key_id=ecdsa_key("no_key"))
        what = "Requested unknown threshold key: ecdsa:Secp256k1:no_key, existing keys: ["
    else:
        a = arg(method, message_hash=bytes(32), derivation_path=[], key_id=ecdsa_key("no_key"))
        what = ("Requested unknown or disabled threshold key: ecdsa:Secp256k1:no_key, "
                "existing enabled keys: [")
    rec, rejected, refund = call(pic, uc, method, a, cycles=FEE["key_1"])
    assert rec is None and rejected[0] == 4
    assert rejected[1].startswith(f"Unable to route management canister request {method}: "
                                  f"ChainKeyError(\"{what}ecdsa:Secp256k1:dfx_test_key, ")
    assert refund == FEE["key_1"]


@spec(ECDSA_PK)
@pytest.mark.parametrize("method", ["ecdsa_public_key", "sign_with_ecdsa", "schnorr_public_key",
                                    "sign_with_schnorr"])
def test_ingress_refused(pic, uc, method):
    fields = {"ecdsa_public_key": dict(canister_id=None, derivation_path=[],
                                       key_id=ecdsa_key()),
              "sign_with_ecdsa": dict(message_hash=bytes(32), derivation_path=[],
                                      key_id=ecdsa_key()),
              "schnorr_public_key": dict(canister_id=Opt(Principal(uc)), derivation_path=[],
                                         key_id=schnorr_key("ed25519")),
              "sign_with_schnorr": dict(message=b"m", derivation_path=[],
                                        key_id=schnorr_key("ed25519"), aux=None)}[method]
    r = reject_of(pic.update_call, None, method, arg(method, **fields), sender=USER)
    assert r.reject_code == 4
    assert "cannot be called by ingress messages" in r.message


@spec(ECDSA_PK)
def test_too_long_derivation_path_rejected(pic, uc):
    rec, rejected, _ = call(pic, uc, "ecdsa_public_key",
                            arg("ecdsa_public_key", canister_id=None,
                                derivation_path=[b""] * 256, key_id=ecdsa_key()))
    assert rec is None and rejected[0] == 5
    assert ecdsa_public_key(pic, uc, [b""] * 255)[0] != ecdsa_public_key(pic, uc)[0]


# ------------------------------------------------------------------ sign_with_ecdsa


@spec(ECDSA_SIGN)
def test_signature_verifies_against_the_public_key(pic, uc):
    h = hashlib.sha256(b"hello").digest()
    for path in ([], [b"wallet", (0).to_bytes(4, "big")]):
        rec, rejected, _ = sign_with_ecdsa(pic, uc, h, path)
        assert rejected is None
        sig = bytes(rec["signature"])
        assert len(sig) == 64
        assert int.from_bytes(sig[32:], "big") <= N // 2           # low s
        key, _ = ecdsa_public_key(pic, uc, path)
        assert verify_ecdsa(key, h, sig)
        assert not verify_ecdsa(key, hashlib.sha256(b"other").digest(), sig)
        assert not verify_ecdsa(ecdsa_public_key(pic, uc, [b"else"])[0], h, sig)


@spec(ECDSA_SIGN)
def test_signing_is_deterministic(pic, uc, uc2):
    """RFC 6979: the same request gives the same bytes; another canister's key another."""
    h = bytes(range(32))
    a = sign_with_ecdsa(pic, uc, h)[0]["signature"]
    b = sign_with_ecdsa(pic, uc, h)[0]["signature"]
    c = sign_with_ecdsa(pic, uc2, h)[0]["signature"]
    assert a == b and a != c


@spec(ECDSA_SIGN)
@pytest.mark.parametrize("key", ["dfx_test_key", "key_1"])
def test_fee_kept_rest_refunded(pic, uc, key):
    """The fee ``ic0.cost_sign_with_ecdsa`` reports is kept, the rest of the attached
    cycles refunded."""
    rec, rejected, refund = sign_with_ecdsa(pic, uc, bytes(32), key=key,
                                            cycles=FEE[key] + 12345)
    assert rejected is None and refund == 12345


@spec(ECDSA_SIGN)
def test_too_few_cycles_rejected_and_refunded(pic, uc):
    fee = FEE["dfx_test_key"]
    b0 = pic.get_cycles_balance(uc)
    rec, rejected, refund = sign_with_ecdsa(pic, uc, bytes(32), cycles=fee - 1)
    assert rec is None and refund == fee - 1
    assert rejected == (4, "sign_with_ecdsa request sent with 9_999_999_999 cycles, but "
                           "10_000_000_000 cycles are required.")
    assert b0 - pic.get_cycles_balance(uc) < 10**9          # only the execution fees


@spec(ECDSA_SIGN)
@pytest.mark.parametrize("length", [0, 31, 33])
def test_message_hash_must_be_32_bytes(pic, uc, length):
    rec, rejected, refund = sign_with_ecdsa(pic, uc, bytes(length))
    assert rec is None and rejected == (4, "message_hash must be 32 bytes")
    assert refund == FEE["dfx_test_key"]


# ------------------------------------------------------------------ Schnorr


@spec(SCHNORR_PK)
def test_schnorr_public_keys(pic, uc, uc2):
    bip, bip_code = schnorr_public_key(pic, uc, "bip340secp256k1")
    ed, ed_code = schnorr_public_key(pic, uc, "ed25519")
    assert len(bip) == 33 and bip[0] in (2, 3) and len(bip_code) == 32
    assert len(ed) == 32 and len(ed_code) == 32
    ed25519_point(ed)                                       # a valid encoding
    assert bip != ecdsa_public_key(pic, uc)[0]              # another master key than ECDSA's
    assert schnorr_public_key(pic, uc, "ed25519", [b"a"]) != (ed, ed_code)
    assert schnorr_public_key(pic, uc2, "ed25519") != (ed, ed_code)
    assert schnorr_public_key(pic, uc2, "ed25519", canister_id=Opt(Principal(uc))) == (ed, ed_code)


@spec("management-canister.md: Ed25519 hierarchical key derivation")
def test_ed25519_child_key_extends_the_parent(pic, uc):
    key, code = schnorr_public_key(pic, uc, "ed25519", [b"a"])
    child = schnorr_public_key(pic, uc, "ed25519", [b"a", b"bc"])
    _, point, child_code = derive_ed25519(ed25519_point(key), code, [b"bc"])
    assert (ed25519_encode(point), child_code) == child


@spec(SCHNORR_SIGN)
@pytest.mark.parametrize("message", [b"", b"hello", bytes(32), bytes(range(256)) * 4],
                         ids=["empty", "short", "32", "1024"])
def test_bip340_signature_verifies(pic, uc, message):
    rec, rejected, refund = sign_with_schnorr(pic, uc, "bip340secp256k1", message, [b"p"])
    assert rejected is None and refund == FEE["key_1"] - FEE["dfx_test_key"]
    key, _ = schnorr_public_key(pic, uc, "bip340secp256k1", [b"p"])
    sig = bytes(rec["signature"])
    assert len(sig) == 64 and verify_bip340(key[1:], message, sig)
    assert not verify_bip340(key[1:], message + b"!", sig)


@spec(SCHNORR_SIGN)
@pytest.mark.parametrize("root", [b"", bytes(range(32))], ids=["no_script", "tree_root"])
def test_bip341_signature_verifies_against_the_tweaked_key(pic, uc, root):
    """With ``aux = bip341``, the signature is for the output key ``Q = P +
    hash_TapTweak(x(P) ‖ root)·G`` of the internal key ``P`` the public key method returns."""
    aux = Opt(Variant.of("bip341", Record.of(merkle_root_hash=root)))
    rec, rejected, _ = sign_with_schnorr(pic, uc, "bip340secp256k1", b"tx", aux=aux)
    assert rejected is None
    internal, _ = schnorr_public_key(pic, uc, "bip340secp256k1")
    p = _lift_x(int.from_bytes(internal[1:], "big"))
    t = int.from_bytes(_tagged("TapTweak", internal[1:] + root), "big")
    q = p + G * t
    sig = bytes(rec["signature"])
    assert verify_bip340(q.x().to_bytes(32, "big"), b"tx", sig)
    assert not verify_bip340(internal[1:], b"tx", sig)


@spec(SCHNORR_SIGN)
def test_ed25519_signature_verifies(pic, uc):
    rec, rejected, _ = sign_with_schnorr(pic, uc, "ed25519", b"hello", [b"p", b"q"])
    assert rejected is None
    key, _ = schnorr_public_key(pic, uc, "ed25519", [b"p", b"q"])
    sig = bytes(rec["signature"])
    assert len(sig) == 64 and verify_ed25519(key, b"hello", sig)
    assert not verify_ed25519(key, b"hellO", sig)
    assert not verify_ed25519(schnorr_public_key(pic, uc, "ed25519")[0], b"hello", sig)


@spec(SCHNORR_SIGN)
@pytest.mark.parametrize("algorithm,root,message", [
    ("bip340secp256k1", bytes(8), "Invalid aux field for Bip340Secp256k1"),
    ("bip340secp256k1", bytes(100), "Invalid aux field for Bip340Secp256k1"),
    ("ed25519", bytes(32), "Schnorr algorithm Ed25519 does not support aux input"),
    ("ed25519", b"", "Schnorr algorithm Ed25519 does not support aux input"),
], ids=["bip340-8", "bip340-100", "ed25519-32", "ed25519-0"])
def test_bad_aux_rejected(pic, uc, algorithm, root, message):
    aux = Opt(Variant.of("bip341", Record.of(merkle_root_hash=root)))
    rec, rejected, refund = sign_with_schnorr(pic, uc, algorithm, b"m", aux=aux, cycles=10**11)
    assert rec is None and rejected == (4, message) and refund == 10**11


@spec(SCHNORR_SIGN)
def test_schnorr_fee_and_unknown_key(pic, uc):
    rec, rejected, refund = sign_with_schnorr(pic, uc, "ed25519", b"m", cycles=0)
    assert rejected == (4, "sign_with_schnorr request sent with 0 cycles, but 10_000_000_000 "
                           "cycles are required.")
    rec, rejected, refund = call(pic, uc, "schnorr_public_key",
                                 arg("schnorr_public_key", canister_id=None, derivation_path=[],
                                     key_id=schnorr_key("ed25519", "insecure_test_key_1")))
    assert rejected[0] == 4 and "Requested unknown threshold key: " \
        "schnorr:Ed25519:insecure_test_key_1, existing keys: [" in rejected[1]


# A canister that answers what ``ic0.cost_sign_with_ecdsa`` / ``_schnorr`` (algorithm 1,
# ed25519) report for the key name in its argument: the 16-byte amount, then the result.
COST_WAT = """
(module
  (import "ic0" "msg_arg_data_size" (func $size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "cost_sign_with_ecdsa" (func $cost_ecdsa (param i32 i32 i32 i32) (result i32)))
  (import "ic0" "cost_sign_with_schnorr"
    (func $cost_schnorr (param i32 i32 i32 i32) (result i32)))
  (memory 1)
  (func $answer (param $result i32)
    (i32.store (i32.const 200) (local.get $result))
    (call $append (i32.const 100) (i32.const 16))
    (call $append (i32.const 200) (i32.const 4))
    (call $reply))
  (func (export "canister_query ecdsa")
    (call $copy (i32.const 0) (i32.const 0) (call $size))
    (call $answer (call $cost_ecdsa (i32.const 0) (call $size) (i32.const 0) (i32.const 100))))
  (func (export "canister_query schnorr")
    (call $copy (i32.const 0) (i32.const 0) (call $size))
    (call $answer (call $cost_schnorr (i32.const 0) (call $size) (i32.const 1) (i32.const 100)))))
"""


def reported_cost(pic, method, key_name):
    from pyic.wasm.binary import encode_module
    from pyic.wasm.text import parse_module
    cid = pic.create_canister()
    pic.install_code(cid, encode_module(parse_module(COST_WAT)), b"")
    out = pic.query_call(cid, method, key_name.encode())
    assert int.from_bytes(out[16:], "little") == 0, "the key is known"
    return int.from_bytes(out[:16], "little")


@spec(ECDSA_SIGN)
@pytest.mark.parametrize("key", ["dfx_test_key", "test_key_1", "key_1"])
def test_charges_exactly_what_cost_sign_with_reports(pic, uc, key):
    """Attaching exactly the amount ``ic0.cost_sign_with_ecdsa`` / ``_schnorr`` report
    signs with nothing refunded; one cycle less is rejected."""
    fee = reported_cost(pic, "ecdsa", key)
    rec, rejected, refund = sign_with_ecdsa(pic, uc, bytes(32), key=key, cycles=fee)
    assert rejected is None and refund == 0
    rec, rejected, refund = sign_with_ecdsa(pic, uc, bytes(32), key=key, cycles=fee - 1)
    assert rejected[0] == 4 and refund == fee - 1
    fee = reported_cost(pic, "schnorr", key)
    a = arg("sign_with_schnorr", message=b"m", derivation_path=[],
            key_id=schnorr_key("ed25519", key), aux=None)
    assert call(pic, uc, "sign_with_schnorr", a, fee)[1:] == (None, 0)
    assert call(pic, uc, "sign_with_schnorr", a, fee - 1)[1][0] == 4
