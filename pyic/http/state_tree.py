"""The certified system state tree (index.md "The system state tree"), built
from the IC's state ``S``:

    /time                                          nat  (S.system_time)
    /request_status/<request_id>/status            text received|processing|replied|rejected|done
                                /reply             blob (if replied)
                                /reject_code       nat  (if rejected)
                                /reject_message    text (if rejected)
                                /error_code        text (if rejected, when known)
    /canister/<canister_id>/certified_data         blob
                           /module_hash            blob (if not empty)
                           /controllers            CBOR #6.55799([* principal])
                           /canister_creation_timestamp   nat (S.canister_creation_timestamp)
                           /last_install_timestamp        nat (S.last_install_timestamp,
                                                          if the canister is not empty)
                           /metadata/<name>        blob (custom sections icp:public / icp:private)
    /subnet/<subnet_id>/public_key                 blob (DER BLS key)
                       /type                       text
                       /canister_ranges            CBOR #6.55799([[lo, hi]])
                       /node/<node_id>/public_key  blob (DER Ed25519 key)
    /canister_ranges/<subnet_id>/<lo>              CBOR #6.55799([[lo, hi]])

Values are encoded as certification.md "Encoding of certificates" says: nats
as LEB128, text as UTF-8, blobs as they are.  The two timestamps are read from
the canister history, so they are absent once the history no longer holds the
change.  Not in the tree: ``/subnet/<id>/metrics`` and ``/api_boundary_nodes``.

The ``/subnet`` and ``/canister_ranges`` parts describe the IC's topology: a lone
IC is one subnet holding every canister id (``CANISTER_RANGES``); a subnet of a
multi-subnet instance (`pyic.pocketic`) lists every subnet of the instance, as a
replica's tree lists the subnets of its network (a `SubnetInfo` each), which is
what lets the root subnet certify a delegation (certification.md "Delegation").
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import leb128

from ..candid.principal import Principal
from ..ic.state import Done, Processing, Received, Rejected, Replied, S
from attrs import frozen

from . import cbor
from .keys import Keys

# pyic's one subnet hosts the ids ``Principal.from_canister_id(n)`` for every u64 n.
CANISTER_RANGES = ((Principal.from_canister_id(0).bytes,
                    Principal.from_canister_id((1 << 64) - 1).bytes),)
SUBNET_TYPE = "application"


@frozen
class SubnetInfo:
    """What the state tree says of one subnet (index.md "Subnet information",
    "Canister ranges"); ``ranges``: closed intervals of canister ids, in order."""

    subnet_id: bytes
    public_key: bytes                        # DER BLS key
    type: str                                # application | system | verified_application
    ranges: tuple[tuple[bytes, bytes], ...]
    nodes: tuple[tuple[bytes, bytes], ...]   # (node id, DER Ed25519 key)


def lone_subnet(keys: Keys) -> SubnetInfo:
    """The one subnet of a lone IC: every canister id, one node."""
    return SubnetInfo(keys.subnet_id, keys.root_key, SUBNET_TYPE, CANISTER_RANGES,
                      ((keys.node_id, keys.node_key_der),))


def nat(n: int) -> bytes:
    return bytes(leb128.u.encode(n))


def in_ranges(canister_id: bytes) -> bool:
    return any(lo <= canister_id <= hi for lo, hi in CANISTER_RANGES)


def request_status_subtree(status) -> dict:
    """The ``/request_status/<request_id>`` subtree of one request status."""
    match status:
        case Received():
            return {b"status": b"received"}
        case Processing():
            return {b"status": b"processing"}
        case Replied(data):
            return {b"status": b"replied", b"reply": data}
        case Rejected(code, message, error_code):
            sub = {b"status": b"rejected", b"reject_code": nat(code),
                   b"reject_message": message.encode()}
            if error_code is not None:
                sub[b"error_code"] = error_code.encode()
            return sub
        case Done():
            return {b"status": b"done"}
    raise TypeError(f"not a request status: {status!r}")


def canister_subtree(c) -> dict:
    sub: dict = {
        b"certified_data": c.certified_data,
        b"controllers": cbor.encode(sorted(c.controllers)),
    }
    # abstract-behavior.md "Read state": the state's own timestamps (the history keeps
    # only the latest changes, so an old install or the creation may have left it)
    sub[b"canister_creation_timestamp"] = nat(c.canister_creation_timestamp)
    cs = c.can_state
    if cs is not None and c.last_install_timestamp is not None:
        sub[b"last_install_timestamp"] = nat(c.last_install_timestamp)
    if cs is not None:
        sub[b"module_hash"] = hashlib.sha256(cs.raw_module).digest()
        metadata = {name.encode(): bytes(v) for name, v in cs.public_custom_sections.items()}
        metadata.update({name.encode(): bytes(v)
                         for name, v in cs.private_custom_sections.items()})
        if metadata:
            sub[b"metadata"] = metadata
    return sub


def subnet_subtree(info: SubnetInfo) -> dict:
    return {b"public_key": info.public_key,
            b"type": info.type.encode(),
            b"canister_ranges": cbor.encode([list(r) for r in info.ranges]),
            b"node": {node_id: {b"public_key": key} for node_id, key in info.nodes}}


def state_tree(state: S, keys: Keys, request_id: Callable,
               subnets: tuple[SubnetInfo, ...] | None = None) -> dict:
    """The labeled state tree of ``state`` (see the module doc).

    ``request_id(request)`` gives the id a `Request` is known by (the hash of the
    ``content`` map it arrived in); ``subnets``: the IC's subnets (default: the
    lone subnet of ``keys``)."""
    if subnets is None:
        subnets = (lone_subnet(keys),)
    requests = {request_id(r): request_status_subtree(entry[0])
                for r, entry in state.requests.items()}
    canisters = {cid: canister_subtree(c) for cid, c in state.canisters.items()}
    tree = {b"time": nat(state.system_time),
            b"subnet": {s.subnet_id: subnet_subtree(s) for s in subnets},
            # one shard per range: each starts at its range's first id
            b"canister_ranges": {s.subnet_id: {lo: cbor.encode([[lo, hi]]) for lo, hi in s.ranges}
                                 for s in subnets}}
    if requests:
        tree[b"request_status"] = requests
    if canisters:
        tree[b"canister"] = canisters
    return tree
