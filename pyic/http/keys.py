"""The instance's keys, derived from the seed in the IC state (``S.seed``), so
a replica restarted on the same state has the same root key, subnet id and
node key (agents that fetched the root key keep verifying).

* the root key: a BLS12-381 key (`bls`), made with the IETF BLS draft's
  ``KeyGen`` from ``SHA-256("pyic root key" · seed)``;
* the subnet id: the self-authenticating id of the root key's DER, which is what
  agents assume for a local replica's root subnet (no delegation);
* one node: an Ed25519 key from ``SHA-256("pyic node key" · seed)``; its node
  id is the self-authenticating id of its DER.

These are development keys: anyone who knows the seed can sign as the instance.
"""

from __future__ import annotations

import functools
import hashlib

from attrs import frozen
from py_ecc.bls import G2ProofOfPossession

from ..candid.principal import Principal
from . import bls, signatures


@frozen
class Keys:
    root_secret: int
    root_key: bytes            # DER, 133 bytes
    subnet_id: bytes
    node_key: object           # an ecdsa.SigningKey (Ed25519)
    node_key_der: bytes
    node_id: bytes

    def sign_as_node(self, payload: bytes) -> bytes:
        return signatures.sign(self.node_key, payload)


@functools.lru_cache(maxsize=4)
def derive(seed: bytes) -> Keys:
    root_secret = G2ProofOfPossession.KeyGen(hashlib.sha256(b"pyic root key" + seed).digest())
    root_key = bls.public_key_der(root_secret)
    node_key = signatures.signing_key("Ed25519", b"pyic node key" + seed)
    node_der = signatures.public_key_der(node_key)
    return Keys(root_secret=root_secret, root_key=root_key,
                subnet_id=Principal.self_authenticating(root_key).bytes,
                node_key=node_key, node_key_der=node_der,
                node_id=Principal.self_authenticating(node_der).bytes)
