"""Spec.hs scenarios on request authentication, over HTTP to ``pyic replica``:
"signature checking", "Delegation targets", "Authentication schemes" and
"Canister signatures".

Two adaptations, both for time (pyic's round loop idles 0.5 s between rounds
when nothing is pending, so every asynchronous call costs that much):
accepted calls go to the synchronous ``/api/v3/.../call`` (2xx, as ic-hs's
``code2xx`` asks) where ic-hs posts to ``/api/v2``; and "signature checking/
.../in call" waits for a synchronous call of another request, which needs a
round, where ic-hs sleeps two seconds (``ingressDelay``) before checking that
the refused request left no status."""

from __future__ import annotations

import hashlib
import time

import pytest
from harness import Reply, ref_test
from ref_agent import (
    DEFAULT_SK,
    DEFAULT_USER,
    DOESNT_EXIST,
    ECDSA_SK,
    MANAGEMENT,
    OTHER_SK,
    OTHER_USER,
    SECP256K1_SK,
    Key,
    WebAuthnKey,
    add_expiry,
    add_nonce,
    bad_envelope,
    code2xx,
    code4xx,
    code202_or_4xx,
    delegation,
    delegation_env,
    ed25519,
    envelope,
    mgmt_arg,
    no_domain_sep_env,
    query_response,
    read_state_empty,
    register_key,
    webauthn_ecdsa_sk,
    webauthn_rsa_sk,
)

import pyic.universal as U
from pyic.candid import Principal
from pyic.http import bls, cbor, certificate
from pyic.http.hash_tree import construct, reconstruct, to_cbor
from pyic.http.request_id import request_id

RC = "Interface Spec acceptance tests/regular canisters/"


@pytest.fixture
def cid(shared_cid) -> bytes:
    """Every scenario here only calls ``reply`` (or sets certified data and
    reads it back before anything else runs): they share one canister."""
    return shared_cid

# ------------------------------------------------------------------ signature checking

SC = RC + "signature checking/"
HOUR = 3600 * 10 ** 9


def _without_expiry(req: dict) -> dict:
    return {k: v for k, v in req.items() if k != "ingress_expiry"}


def _shift_expiry(delta: int):
    return lambda req: dict(req, ingress_expiry=req["ingress_expiry"] + delta)


SIGNATURE_CASES = {
    "with bad signature": (bad_envelope, lambda req: req),
    "with wrong key": (lambda req: envelope(OTHER_SK, req), lambda req: req),
    "with empty domain separator": (
        lambda req: no_domain_sep_env(DEFAULT_SK, req),
        lambda req: req,
    ),
    "with no expiry": (lambda req: envelope(DEFAULT_SK, req), _without_expiry),
    "with expiry in the past": (lambda req: envelope(DEFAULT_SK, req), _shift_expiry(-HOUR)),
    "with expiry in the future": (lambda req: envelope(DEFAULT_SK, req), _shift_expiry(HOUR)),
}


def _sig_params(where: str):
    return [pytest.param(name, marks=ref_test(SC + f"{name}/{where}"), id=name)
            for name in SIGNATURE_CASES]


@pytest.mark.parametrize("case", _sig_params("in query"))
def test_signature_checking_in_query(ic, cid, case):
    env, mod_req = SIGNATURE_CASES[case]

    def req(n: int) -> dict:
        return add_expiry(add_nonce({
            "request_type": "query", "sender": DEFAULT_USER, "canister_id": cid,
            "method_name": "query", "arg": U.run(U.debug_print(U.i2b(U.int_(n))) >> U.reply)}))

    assert query_response(ic.query_cbor(cid, req(0))) == Reply(b"")
    code4xx(ic.post_query(cid, env(mod_req(req(1)))))


@pytest.mark.parametrize("case", _sig_params("in empty read state request"))
def test_signature_checking_in_read_state(ic, cid, case):
    env, mod_req = SIGNATURE_CASES[case]
    good = add_expiry(add_nonce(read_state_empty()))
    code2xx(ic.post_read_state(cid, envelope(DEFAULT_SK, good)))
    code4xx(ic.post_read_state(cid, env(mod_req(good))))


@pytest.mark.parametrize("case", _sig_params("in call"))
def test_signature_checking_in_call(ic, cid, case):
    env, mod_req = SIGNATURE_CASES[case]
    good = add_expiry(add_nonce({"request_type": "call", "sender": DEFAULT_USER,
                                 "canister_id": cid, "method_name": "query",
                                 "arg": U.run(U.reply)}))
    req = mod_req(good)
    code202_or_4xx(ic.post_call(cid, env(req)))
    # a round passes (instead of ingressDelay): the request, had it been
    # accepted, would have been executed and have a status by now
    assert ic.call(cid, U.reply_data(b"barrier")) == b"barrier"
    assert ic.get_request_status(DEFAULT_USER, cid, request_id(req)) == "unknown"
    assert ic.await_call(cid, good) == Reply(b"")


# ------------------------------------------------------------------ delegation targets

DT = RC + "Delegation targets/"


def word_to_id(n: int) -> bytes:
    """``wordToId'``: a canister id from a number (8 bytes big-endian · 0x01 0x01)."""
    return n.to_bytes(8, "big") + b"\x01\x01"


def call_req_dt(cid: bytes) -> dict:
    return {"request_type": "call", "sender": DEFAULT_USER, "canister_id": cid,
            "method_name": "update", "arg": U.run(U.reply)}


def mgmt_req(cid: bytes) -> dict:
    return {"request_type": "call", "sender": DEFAULT_USER, "canister_id": MANAGEMENT,
            "method_name": "canister_status",
            "arg": mgmt_arg("canister_status", canister_id=Principal(cid))}


def _status_read(rid: bytes) -> dict:
    return add_expiry({"request_type": "read_state", "sender": DEFAULT_USER,
                       "paths": [[b"request_status", rid]]})


def good(ic, cid, req, dels):
    req = add_expiry(add_nonce(req))
    rid = request_id(req)
    code2xx(ic.post_call(cid, delegation_env(DEFAULT_SK, dels, req), "v3"))
    assert isinstance(ic.await_status(DEFAULT_USER, cid, rid), Reply)
    code2xx(ic.post_read_state(cid, delegation_env(DEFAULT_SK, dels, _status_read(rid))))


def bad_submit(ic, cid, req, dels):
    req = add_expiry(add_nonce(req))
    code4xx(ic.post_call(cid, delegation_env(DEFAULT_SK, dels, req)))


def bad_read(ic, cid, req, dels):
    req = add_expiry(add_nonce(req))
    rid = request_id(req)
    code2xx(ic.post_call(cid, envelope(DEFAULT_SK, req), "v3"))
    assert isinstance(ic.await_status(DEFAULT_USER, cid, rid), Reply)
    code4xx(ic.post_read_state(cid, delegation_env(DEFAULT_SK, dels, _status_read(rid))))


def with_ed25519(targets):
    return [(ed25519(i), t) for i, t in enumerate(targets)]


def with_webauthn(kind, targets):
    """ic-hs's withWebAuthnECDSA / withWebAuthnRSA: a key of its own (seed n) per
    delegation, as `with_ed25519` (one key twice would be a self-signed delegation)."""
    return [(WebAuthnKey(kind, bytes([i])), t) for i, t in enumerate(targets)]


def with_self_loop(targets):
    return [(ed25519(0), t) for t in targets]


def with_cycle(targets):
    return [(ed25519(i % 2), t) for i, t in enumerate(targets)]


# name -> (good?, request, delegations of cid, marks)
DELEGATION_CASES = {
    "one delegation, singleton target":
        (True, call_req_dt, lambda c: with_ed25519([[c]]), ()),
    "one delegation, wrong singleton target":
        (False, call_req_dt, lambda c: with_ed25519([[DOESNT_EXIST]]), ()),
    "one delegation, two targets":
        (True, call_req_dt, lambda c: with_ed25519([[c, DOESNT_EXIST]]), ()),
    "one delegation, many targets":
        (True, call_req_dt,
         lambda c: with_ed25519([[c] + [word_to_id(i) for i in range(999)]]), ()),
    "one delegation, too many targets":
        (False, call_req_dt,
         lambda c: with_ed25519([[c] + [word_to_id(i) for i in range(1000)]]), ()),
    "two delegations, two targets, webauthn ECDSA":
        (True, call_req_dt,
         lambda c: with_webauthn("ECDSA", [[c, DOESNT_EXIST], [c, DOESNT_EXIST]]),
         ()),
    "two delegations, two targets, webauthn RSA":
        (True, call_req_dt,
         lambda c: with_webauthn("RSA", [[c, DOESNT_EXIST], [c, DOESNT_EXIST]]),
         ()),
    "one delegation, redundant targets":
        (True, call_req_dt, lambda c: with_ed25519([[c, c, DOESNT_EXIST]]), ()),
    "two delegations, singletons":
        (True, call_req_dt, lambda c: with_ed25519([[c], [c]]), ()),
    "two delegations, first restricted":
        (True, call_req_dt, lambda c: with_ed25519([[c], None]), ()),
    "two delegations, second restricted":
        (True, call_req_dt, lambda c: with_ed25519([None, [c]]), ()),
    "two delegations, empty intersection":
        (False, call_req_dt, lambda c: with_ed25519([[c], [DOESNT_EXIST]]), ()),
    "two delegations, first empty target set":
        (False, call_req_dt, lambda c: with_ed25519([[], [c]]), ()),
    "two delegations, second empty target set":
        (False, call_req_dt, lambda c: with_ed25519([[c], []]), ()),
    "20 delegations":
        (True, call_req_dt, lambda c: with_ed25519([[c]] * 20), ()),
    "too many delegations":
        (False, call_req_dt, lambda c: with_ed25519([[c]] * 21), ()),
    "self-loop in delegations":
        (False, call_req_dt, lambda c: with_self_loop([[c], [c]]), ()),
    "cycle in delegations":
        (False, call_req_dt, lambda c: with_cycle([[c], [c], [c]]), ()),
    "management canister: correct target":
        (True, mgmt_req, lambda c: with_ed25519([[MANAGEMENT]]), ()),
    "management canister: empty target set":
        (False, mgmt_req, lambda c: with_ed25519([[]]), ()),
    "management canister: bogus target":
        (False, mgmt_req, lambda c: with_ed25519([[DOESNT_EXIST]]), ()),
    "management canister: bogus target (using target canister)":
        (False, mgmt_req, lambda c: with_ed25519([[c]]), ()),
}


def _delegation_params():
    out = []
    for name, (ok, _req, _dels, marks) in DELEGATION_CASES.items():
        if ok:
            out.append(pytest.param(name, "good", marks=[ref_test(DT + name), *marks], id=name))
        else:
            for sub, how in (("in submit", "bad_submit"), ("in read_state", "bad_read")):
                out.append(pytest.param(name, how, marks=[ref_test(DT + f"{name}/{sub}"), *marks],
                                        id=f"{name}/{sub}"))
    return out


@pytest.mark.parametrize("case,how", _delegation_params())
def test_delegation_targets(ic, cid, case, how):
    _ok, make_req, make_dels, _marks = DELEGATION_CASES[case]
    {"good": good, "bad_submit": bad_submit, "bad_read": bad_read}[how](
        ic, cid, make_req(cid), make_dels(cid))


# ------------------------------------------------------------------ authentication schemes

AS = RC + "Authentication schemes/"
ED_SK2, ED_SK3, ED_SK4 = (Key("Ed25519", s) for s in
                          (b"more keys", b"yet more keys", b"even more keys"))


def _del_env(keys):
    return lambda req: delegation_env(OTHER_SK, [(k, None) for k in keys()], req)


def _registered(make_key):
    def user():
        k = make_key()
        register_key(k)
        return k
    return user


# name -> (user's key, envelope maker, marks)
SCHEMES = {
    "Ed25519": (lambda: OTHER_SK, lambda req: envelope(OTHER_SK, req), ()),
    "ECDSA": (lambda: ECDSA_SK, lambda req: envelope(ECDSA_SK, req), ()),
    "secp256k1": (lambda: SECP256K1_SK, lambda req: envelope(SECP256K1_SK, req), ()),
    "WebAuthn ECDSA": (_registered(webauthn_ecdsa_sk),
                       lambda req: envelope(webauthn_ecdsa_sk(), req), ()),
    "WebAuthn RSA": (_registered(webauthn_rsa_sk),
                     lambda req: envelope(webauthn_rsa_sk(), req), ()),
    "empty delegations": (lambda: OTHER_SK, _del_env(list), ()),
    "three delegations": (lambda: OTHER_SK, _del_env(lambda: [ED_SK2, ED_SK3]), ()),
    "four delegations": (lambda: OTHER_SK, _del_env(lambda: [ED_SK2, ED_SK3, ED_SK4]), ()),
    "mixed delegations": (lambda: OTHER_SK, _del_env(
        lambda: [DEFAULT_SK, webauthn_rsa_sk(), ECDSA_SK, SECP256K1_SK]), ()),
}


def _scheme_params(where: str):
    return [pytest.param(name, marks=[ref_test(AS + f"{name} in {where}"), *marks], id=name)
            for name, (_k, _e, marks) in SCHEMES.items()]


@pytest.mark.parametrize("scheme", _scheme_params("query"))
def test_authentication_scheme_in_query(ic, cid, scheme):
    key, env, _ = SCHEMES[scheme]
    req = add_expiry({"request_type": "query", "sender": key().principal, "canister_id": cid,
                      "method_name": "query", "arg": U.run(U.reply)})
    assert query_response(code2xx(ic.post_query(cid, env(req))).body) == Reply(b"")


@pytest.mark.parametrize("scheme", _scheme_params("update"))
def test_authentication_scheme_in_update(ic, cid, scheme):
    key, env, _ = SCHEMES[scheme]
    user = key().principal
    register_key(key())
    req = add_expiry({"request_type": "call", "sender": user, "canister_id": cid,
                      "method_name": "update", "arg": U.run(U.reply)})
    code2xx(ic.post_call(cid, env(req), "v3"))
    assert ic.await_status(user, cid, request_id(req)) == Reply(b"")


# ------------------------------------------------------------------ canister signatures

CS = RC + "Canister signatures/"
CANISTER_SIG_OID = (1, 3, 6, 1, 4, 1, 56387, 1, 2)


def gen_id(cid: bytes, seed: bytes) -> bytes:
    """``genId``: the DER public key of ``cid``'s canister signatures with ``seed``."""
    from ecdsa import der
    bits = bytes([len(cid)]) + cid + seed
    return der.encode_sequence(der.encode_sequence(der.encode_oid(*CANISTER_SIG_OID)),
                               der.encode_bitstring(bits, unused=0))


def sig_tree(seed: bytes, msg: bytes):
    return construct({b"sig": {hashlib.sha256(seed).digest(): {hashlib.sha256(msg).digest(): b""}}})


def canister_sig(cert_blob: bytes, tree) -> bytes:
    return cbor.encode({"certificate": cert_blob, "tree": to_cbor(tree)})


def gen_sig(ic, cid: bytes, seed: bytes, msg: bytes) -> bytes:
    """``genSig``: certify the signature tree as the canister's certified data,
    then the canister signature built from a query's data certificate."""
    tree = sig_tree(seed, msg)
    ic.call(cid, U.set_certified_data(reconstruct(tree)) >> U.reply)
    blob = ic.query(cid, U.reply_data(U.get_certificate))
    cert = certificate.decode(blob)
    # ic-hs also validates the certificate here (a second of pure-Python BLS);
    # the replica verifies it when it checks the signature.
    from pyic.http.hash_tree import Found, lookup_path
    assert lookup_path([b"canister", cid, b"certified_data"], cert.tree) == Found(reconstruct(tree))
    return canister_sig(blob, tree)


def example_query(cid: bytes, user_key: bytes) -> dict:
    return add_expiry({"request_type": "query",
                       "sender": Principal.self_authenticating(user_key).bytes,
                       "canister_id": cid, "method_name": "query",
                       "arg": U.run(U.reply_data(b"It works!"))})


def simple_env(user_key: bytes, sig: bytes, req: dict, delegations=()) -> dict:
    env = {"sender_pubkey": user_key, "sender_sig": sig, "content": req}
    if delegations:
        env["sender_delegation"] = list(delegations)
    return env


def request_msg(req: dict) -> bytes:
    return b"\x0Aic-request" + request_id(req)


@pytest.mark.parametrize("seed", [
    pytest.param(b"Hello!", marks=ref_test(CS + "direct signature"), id="seed"),
    pytest.param(b"", marks=ref_test(CS + "direct signature (empty seed)"), id="empty seed"),
])
def test_canister_signature_direct(ic, cid, seed):
    user_key = gen_id(cid, seed)
    req = example_query(cid, user_key)
    sig = gen_sig(ic, cid, seed, request_msg(req))
    r = code2xx(ic.post_query(cid, simple_env(user_key, sig, req)))
    assert query_response(r.body) == Reply(b"It works!")


@ref_test(CS + "direct signature (wrong seed)")
def test_canister_signature_wrong_seed(ic, cid):
    user_key = gen_id(cid, b"Hello")
    req = example_query(cid, user_key)
    sig = gen_sig(ic, cid, b"Hullo", request_msg(req))
    code4xx(ic.post_query(cid, simple_env(user_key, sig, req)))


@ref_test(CS + "direct signature (wrong cid)")
def test_canister_signature_wrong_cid(ic, cid):
    user_key = gen_id(DOESNT_EXIST, b"Hello")
    req = example_query(cid, user_key)
    sig = gen_sig(ic, cid, b"Hello", request_msg(req))
    code4xx(ic.post_query(cid, simple_env(user_key, sig, req)))


@ref_test(CS + "direct signature (wrong root key)")
def test_canister_signature_wrong_root_key(ic, cid):
    seed = b"Hello"
    user_key = gen_id(cid, seed)
    req = example_query(cid, user_key)
    tree = sig_tree(seed, request_msg(req))
    cert_tree = construct({b"canister": {cid: {b"certified_data": reconstruct(tree)}}})
    fake_secret = int.from_bytes(hashlib.sha256(b"not the root key").digest(), "big") \
        % bls.curve_order
    fake_cert = certificate.certify(cert_tree, fake_secret)
    code4xx(ic.post_query(cid, simple_env(user_key, canister_sig(fake_cert, tree), req)))


@ref_test(CS + "delegation to Ed25519")
def test_canister_signature_delegation_to_ed25519(ic, cid):
    user_key = gen_id(cid, b"Hello!")
    d = {"pubkey": OTHER_SK.der, "expiration": time.time_ns() + 300 * 10 ** 9}
    sig = gen_sig(ic, cid, b"Hello!", b"\x1Aic-request-auth-delegation" + request_id(d))
    req = example_query(cid, user_key)
    env = simple_env(user_key, OTHER_SK.sign(b"ic-request", request_id(req)), req,
                     [{"delegation": d, "signature": sig}])
    assert query_response(code2xx(ic.post_query(cid, env)).body) == Reply(b"It works!")


@ref_test(CS + "delegation from Ed25519")
def test_canister_signature_delegation_from_ed25519(ic, cid):
    user_key = gen_id(cid, b"Hello!")
    signed = delegation(OTHER_SK, user_key)
    req = add_expiry({"request_type": "query", "sender": OTHER_USER, "canister_id": cid,
                      "method_name": "query", "arg": U.run(U.reply_data(b"It works!"))})
    sig = gen_sig(ic, cid, b"Hello!", request_msg(req))
    env = simple_env(OTHER_SK.der, sig, req, [signed])
    assert query_response(code2xx(ic.post_query(cid, env)).body) == Reply(b"It works!")
