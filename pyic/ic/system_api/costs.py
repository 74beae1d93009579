"""Cycle cost calculation (interface spec, "Cycle cost calculation").  The
spec leaves the amounts ``arbitrary()``; pyic gives the fees of
limits-and-costs.md §5 for its subnet configuration."""

from __future__ import annotations

from . import ic0
from .state import copy_cycles_to_canister, copy_from_canister

SIGNATURE_FEE = 10_000_000_000       # for a 13-node signing subnet
# Threshold keys a canister may name: key -> size of the subnet holding it.
ECDSA_KEYS = {"key_1": 34, "test_key_1": 13, "dfx_test_key": 13}
ECDSA_CURVES = {0}                   # secp256k1
SCHNORR_ALGORITHMS = {0, 1}          # bip340secp256k1, ed25519
VETKD_CURVES = {0}                   # bls12_381_g2


@ic0("cost_call", "(i64, i64, I) -> ()", "* s")
def cost_call(es, method_name_size, payload_size, dst):
    cfg = es.cfg
    fee = cfg.scale(cfg.xnet_call_fee + cfg.xnet_byte_transmission_fee
                    * (method_name_size + payload_size)) + cfg.max_cycles_per_response
    copy_cycles_to_canister(es, dst, fee, "cost_call")


@ic0("cost_create_canister", "(I) -> ()", "* s")
def cost_create_canister(es, dst):
    copy_cycles_to_canister(es, dst, es.cfg.scale(es.cfg.canister_creation_fee),
                            "cost_create_canister")


@ic0("cost_http_request", "(i64, i64, I) -> ()", "* s")
def cost_http_request(es, request_size, max_res_bytes, dst):
    n = es.cfg.subnet_size
    fee = (3_000_000 + 60_000 * n) * n + (400 * request_size + 800 * max_res_bytes) * n
    copy_cycles_to_canister(es, dst, fee, "cost_http_request")


def signature_fee(key_name: str) -> int:
    """The fee of a signature (or key derivation) with the threshold key ``key_name``: the
    fee scaled by the size of the subnet holding it (limits-and-costs.md); what the
    ``cost_*`` calls below report and what the management canister keeps."""
    return SIGNATURE_FEE * ECDSA_KEYS[key_name] // 13


def _threshold_cost(es, src, size, kind: int, kinds: set, dst, name: str) -> int:
    key = copy_from_canister(es, src, size, name).decode("utf-8", "replace")
    if kind not in kinds:
        return 1
    if key not in ECDSA_KEYS:
        return 2
    copy_cycles_to_canister(es, dst, signature_fee(key), name)
    return 0


@ic0("cost_sign_with_ecdsa", "(I, I, i32, I) -> i32", "* s", bytes_charged=1)
def cost_sign_with_ecdsa(es, src, size, curve, dst):
    return _threshold_cost(es, src, size, curve, ECDSA_CURVES, dst, "cost_sign_with_ecdsa")


@ic0("cost_sign_with_schnorr", "(I, I, i32, I) -> i32", "* s", bytes_charged=1)
def cost_sign_with_schnorr(es, src, size, algorithm, dst):
    return _threshold_cost(es, src, size, algorithm, SCHNORR_ALGORITHMS, dst,
                           "cost_sign_with_schnorr")


@ic0("cost_vetkd_derive_key", "(I, I, i32, I) -> i32", "* s", bytes_charged=1)
def cost_vetkd_derive_key(es, src, size, curve, dst):
    return _threshold_cost(es, src, size, curve, VETKD_CURVES, dst, "cost_vetkd_derive_key")
