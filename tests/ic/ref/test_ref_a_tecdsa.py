"""Ported from ic-hs ``src/IC/Test/Spec/TECDSA.hs``: the group "tECDSA", which Spec.hs
includes among "regular canisters" ("sign and verify").

Two changes, both for the replica's behaviour that v0.66.0 describes: ic-hs names the key
``"0"``, which no IC offers, so the port uses ``dfx_test_key`` (a key PocketIC offers); and
``sign_with_ecdsa`` must be paid with attached cycles (management-canister.md "IC method
sign_with_ecdsa"), which ic-hs did not ask for, so the port attaches the fee.
"""

from __future__ import annotations

import hashlib

import ecdsa
from ecdsa.util import sigdecode_string

from pyic.candid import Opt, Principal, Record, Variant
from pyic.universal import noop
from harness import ref_test
from _a_helpers import RC

KEY_ID = Record.of(curve=Variant.of("secp256k1"), name="dfx_test_key")
FEE = 10_000_000_000          # a 13-node key's signature (limits-and-costs.md)


def verify_signature(message_hash: bytes, signature: bytes, public_key: bytes) -> bool:
    """``verifySignature`` of Spec/TECDSA.hs: secp256k1 ECDSA, ``r ‖ s``, SEC1 key."""
    vk = ecdsa.VerifyingKey.from_string(public_key, curve=ecdsa.SECP256k1)
    try:
        return vk.verify_digest(signature, message_hash, sigdecode=sigdecode_string)
    except ecdsa.BadSignatureError:
        return False


@ref_test(RC + "tECDSA/sign and verify")
def test_sign_and_verify(ref):
    cid = ref.install(noop)
    cid2 = ref.install(noop)
    h = hashlib.sha256(b"internet computer").digest()
    sig1 = ref.ic_call(ref.ic00via(cid, FEE), "sign_with_ecdsa", message_hash=h,
                       derivation_path=[], key_id=KEY_ID)["signature"]
    sig2 = ref.ic_call(ref.ic00via(cid2, FEE), "sign_with_ecdsa", message_hash=h,
                       derivation_path=[], key_id=KEY_ID)["signature"]
    # if canister id is unset, default to a caller id
    pk1 = ref.ic_call(ref.ic00via(cid), "ecdsa_public_key", derivation_path=[],
                      key_id=KEY_ID)["public_key"]
    pk2 = ref.ic_call(ref.ic00via(cid), "ecdsa_public_key", canister_id=Opt(Principal(cid2)),
                      derivation_path=[], key_id=KEY_ID)["public_key"]
    assert verify_signature(h, sig1, pk1), "incorrect signature"
    assert not verify_signature(h, sig1, pk2), "correct signature, should be incorrect"
    assert not verify_signature(h, sig2, pk1), "incorrect signature"
    assert verify_signature(h, sig2, pk2), "correct signature, should be incorrect"
