"""Threshold signatures: ``ecdsa_public_key``, ``sign_with_ecdsa``, ``schnorr_public_key``,
``sign_with_schnorr`` (management-canister.md, the "IC method ..." sections of each; the
abstract behaviour has no rule for them). Keys and signatures: `pyic.ic.threshold_keys`.

Canisters only: ingress to these methods is refused at submission ("API Request
submission"), and one from a user is rejected by the dispatch (`CANISTERS_ONLY`). The
signing methods are paid by the cycles attached to the call: the fee
``ic0.cost_sign_with_*`` reports is kept and the rest refunded; too few cycles, or any
reject, refunds everything. Rejects carry the replica's messages.
"""

from __future__ import annotations

from ...candid import Record
from ..canister import CANISTER_ERROR, CANISTER_REJECT, Reply
from ..system_api.costs import signature_fee
from ..threshold_keys import (
    ALL_KEYS, ThresholdKeyError, bip341_tweak_secret, derived_key, sign_bip340, sign_ecdsa,
    sign_ed25519,
)
from . import MgmtReject, Outcome, method
from .args import encode_result, field, principal_bytes

# The ``ic.did`` limit on a derivation path ("at most 255" byte strings).
MAX_DERIVATION_PATH_LENGTH = 255


def _key(args, method_name: str, signing: bool) -> tuple[str, str]:
    """(scheme, key name) of the call's ``key_id``; an unknown key is rejected with the
    replica's routing error, which lists every key the IC has."""
    key_id = field(args, "key_id")
    name = field(key_id, "name")
    if field(key_id, "curve") is not None:
        scheme, text = "ecdsa", f"ecdsa:Secp256k1:{name}"
    else:
        scheme = field(key_id, "algorithm").name
        text = "schnorr:" + ("Ed25519" if scheme == "ed25519" else "Bip340Secp256k1") \
            + f":{name}"
    if text not in ALL_KEYS:
        what = "unknown or disabled threshold key" if signing else "unknown threshold key"
        have = "existing enabled keys" if signing else "existing keys"
        raise MgmtReject(CANISTER_REJECT, f"Unable to route management canister request "
                         f"{method_name}: ChainKeyError(\"Requested {what}: {text}, {have}: "
                         f"[{', '.join(ALL_KEYS)}]\")", "IC0406")
    return scheme, name


def _path(args) -> list[bytes]:
    path = [bytes(p) for p in field(args, "derivation_path")]
    if len(path) > MAX_DERIVATION_PATH_LENGTH:
        raise MgmtReject(CANISTER_ERROR, "Error decoding the argument: the derivation_path "
                         f"has {len(path)} elements, more than {MAX_DERIVATION_PATH_LENGTH}",
                         "IC0408")
    return path


def _public_key(state, cm, args, name: str) -> Outcome:
    scheme, key_name = _key(args, name, signing=False)
    target = field(args, "canister_id")
    canister_id = principal_bytes(target) if target is not None else cm.caller
    _, public_key, chain_code = derived_key(state.seed, scheme, key_name, canister_id,
                                            _path(args))
    return Outcome(state, Reply(encode_result(name, Record.of(public_key=public_key,
                                                              chain_code=chain_code))),
                   cm.transferred_cycles)


def _pay(cm, name: str, key_name: str) -> int:
    """The refund once the fee is kept; too few cycles are rejected (all refunded)."""
    fee = signature_fee(key_name)
    if cm.transferred_cycles < fee:
        raise MgmtReject(CANISTER_REJECT, f"{name} request sent with "
                         f"{cm.transferred_cycles:_} cycles, but {fee:_} cycles are required.",
                         "IC0406")
    return cm.transferred_cycles - fee


@method("ecdsa_public_key", "any")
def ecdsa_public_key(state, cm, args, cfg) -> Outcome:
    """The SEC1-compressed key of ``canister_id`` (default: the caller) on ``derivation_path``,
    and its chain code."""
    return _public_key(state, cm, args, "ecdsa_public_key")


@method("schnorr_public_key", "any")
def schnorr_public_key(state, cm, args, cfg) -> Outcome:
    """As ``ecdsa_public_key``; Ed25519 keys in their 32-byte encoding."""
    return _public_key(state, cm, args, "schnorr_public_key")


@method("sign_with_ecdsa", "any")
def sign_with_ecdsa(state, cm, args, cfg) -> Outcome:
    """An ECDSA signature ``r ‖ s`` of the 32-byte ``message_hash`` with the caller's key on
    ``derivation_path``."""
    name = "sign_with_ecdsa"
    scheme, key_name = _key(args, name, signing=True)
    message_hash = bytes(field(args, "message_hash"))
    if len(message_hash) != 32:
        raise MgmtReject(CANISTER_REJECT, "message_hash must be 32 bytes", "IC0406")
    path = _path(args)
    refund = _pay(cm, name, key_name)
    secret, _, _ = derived_key(state.seed, scheme, key_name, cm.caller, path)
    signature = sign_ecdsa(secret, message_hash)
    return Outcome(state, Reply(encode_result(name, Record.of(signature=signature))), refund)


@method("sign_with_schnorr", "any")
def sign_with_schnorr(state, cm, args, cfg) -> Outcome:
    """A BIP340 (optionally BIP341-tweaked) or Ed25519 signature of ``message`` with the
    caller's key on ``derivation_path``."""
    name = "sign_with_schnorr"
    scheme, key_name = _key(args, name, signing=True)
    message = bytes(field(args, "message"))
    aux = field(args, "aux")
    merkle_root = None
    if aux is not None:
        if scheme == "ed25519":
            raise MgmtReject(CANISTER_REJECT, "Schnorr algorithm Ed25519 does not support aux "
                             "input", "IC0406")
        merkle_root = bytes(field(aux.value, "merkle_root_hash"))
        if len(merkle_root) not in (0, 32):
            raise MgmtReject(CANISTER_REJECT, "Invalid aux field for Bip340Secp256k1", "IC0406")
    path = _path(args)
    refund = _pay(cm, name, key_name)
    secret, _, _ = derived_key(state.seed, scheme, key_name, cm.caller, path)
    if scheme == "ed25519":
        signature = sign_ed25519(secret, message)
    else:
        if merkle_root is not None:
            try:
                secret = bip341_tweak_secret(secret, merkle_root)
            except ThresholdKeyError:
                # BIP341 leaves such a tweak undefined (probability ~2^-128).
                raise MgmtReject(CANISTER_REJECT, "Invalid aux field for Bip340Secp256k1",
                                 "IC0406") from None
        signature = sign_bip340(secret, message)
    return Outcome(state, Reply(encode_result(name, Record.of(signature=signature))), refund)
