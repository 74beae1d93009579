"""Envelope authentication without a server (pyic/http/auth.py): the limits of
"Authentication" that the end-to-end tests do not reach."""

from __future__ import annotations

import time

import pytest
from http_agent import ANONYMOUS, Identity, envelope

from pyic.http.auth import HTTPError, authenticate
from pyic.http.request_id import request_id

spec = pytest.mark.spec

NOW = time.time_ns()
ED = Identity("Ed25519", b"a")
SESSION = Identity("P-256", b"s")


def call(sender: bytes, **extra) -> dict:
    c = {"request_type": "call", "sender": sender, "ingress_expiry": NOW + 60 * 10**9,
         "canister_id": b"\x01", "method_name": "m", "arg": b""}
    c.update(extra)
    return c


def refused(env, request_type="call", match=""):
    with pytest.raises(HTTPError, match=match) as e:
        authenticate(env, request_type, NOW)
    assert e.value.status == 400
    return e.value.message


@spec("https-interface.md: Authentication")
def test_accepted_envelopes_give_the_sender_and_request_id():
    c = call(ED.principal, nonce=b"n")
    a = authenticate(envelope(c, ED), "call", NOW)
    assert (a.sender, a.request_id, a.targets, a.queries_only) == \
        (ED.principal, request_id(c), None, False)
    anon = authenticate({"content": call(ANONYMOUS)}, "call", NOW)
    assert anon.sender == ANONYMOUS


@spec("https-interface.md: Authentication")
def test_delegation_limits():
    c = call(ED.principal)
    chain = [ED.delegate(SESSION, NOW + 10**12, targets=[b"\x01", b"\x02"]),
             SESSION.delegate(Identity("secp256k1", b"t"), NOW + 10**12, targets=[b"\x01"])]
    a = authenticate(envelope(c, ED, signer=Identity("secp256k1", b"t"), delegations=chain),
                     "call", NOW)
    assert a.targets == frozenset({b"\x01"})          # intersected along the chain
    keys = [Identity("Ed25519", bytes([i])) for i in range(22)]
    long = [ED.delegate(keys[0], NOW + 10**12)] + \
        [keys[i].delegate(keys[i + 1], NOW + 10**12) for i in range(20)]
    refused(envelope(c, ED, signer=keys[20], delegations=long), match="at most 20")
    many = [ED.delegate(SESSION, NOW + 10**12, targets=[bytes([i % 256, i // 256])
                                                         for i in range(1001)])]
    refused(envelope(c, ED, signer=SESSION, delegations=many), match="1000 targets")
    odd = [ED.delegate(SESSION, NOW + 10**12, permissions="everything")]
    refused(envelope(c, ED, signer=SESSION, delegations=odd), match="permissions")
    queries = [ED.delegate(SESSION, NOW + 10**12, permissions="queries")]
    assert authenticate(envelope(c, ED, signer=SESSION, delegations=queries),
                        "call", NOW).queries_only


@spec("https-interface.md: Request: Read state")
def test_content_shapes():
    refused({"content": call(ANONYMOUS)}, "query", match='Expected request_type to be "query"')
    refused({"content": call(ANONYMOUS, nonce=bytes(33))}, match="nonce")
    refused({"content": call(ANONYMOUS, arg="text")}, match="'arg' must be a blob")
    refused({"content": call(ANONYMOUS, ingress_expiry=-1)}, match="ingress_expiry")
    rs = {"request_type": "read_state", "sender": ANONYMOUS, "ingress_expiry": NOW,
          "paths": [[b"time"]] * 1001}
    refused({"content": rs}, "read_state", match="Too many paths")
    rs["paths"] = [[b"x"] * 128]
    refused({"content": rs}, "read_state", match="at most 127")
    rs["paths"] = [["text"]]
    refused({"content": rs}, "read_state", match="array of blobs")
    refused([1, 2], match="CBOR map")
    # a sender_info map with fields missing (tests/http/test_sender_info.py has the rest)
    refused({"content": call(ANONYMOUS, sender_info={"info": b""})},
            match="exactly the fields 'info', 'signer' and 'sig'")
