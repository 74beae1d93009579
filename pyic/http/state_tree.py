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
                           /canister_creation_timestamp   nat (from the history)
                           /last_install_timestamp        nat (from the history)
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
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import leb128

from ..candid.principal import Principal
from ..ic.state import Done, Processing, Received, Rejected, Replied, S
from . import cbor
from .keys import Keys

# pyic's one subnet hosts the ids ``Principal.from_canister_id(n)`` for every u64 n.
CANISTER_RANGES = ((Principal.from_canister_id(0).bytes,
                    Principal.from_canister_id((1 << 64) - 1).bytes),)
SUBNET_TYPE = "application"


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
    created, installed = history_timestamps(c)
    if created is not None:
        sub[b"canister_creation_timestamp"] = nat(created)
    cs = c.can_state
    if cs is not None and installed is not None:
        sub[b"last_install_timestamp"] = nat(installed)
    if cs is not None:
        sub[b"module_hash"] = hashlib.sha256(cs.raw_module).digest()
        metadata = {name.encode(): bytes(v) for name, v in cs.public_custom_sections.items()}
        metadata.update({name.encode(): bytes(v)
                         for name, v in cs.private_custom_sections.items()})
        if metadata:
            sub[b"metadata"] = metadata
    return sub


def history_timestamps(c) -> tuple[int | None, int | None]:
    """When the canister was created, and when code was last deployed to it (an
    install, reinstall, upgrade or snapshot load), as far as its history tells."""
    h = c.canister_history
    changes = h.recent_changes
    created = None
    if changes and h.total_num_changes == len(changes) and changes[0].details[0] == "creation":
        created = changes[0].timestamp_nanos
    installed = None
    for change in reversed(changes):
        if change.details[0] in ("code_deployment", "load_snapshot"):
            installed = change.timestamp_nanos
            break
        if change.details[0] == "code_uninstall":
            break
    return created, installed


def subnet_subtree(keys: Keys) -> dict:
    ranges = cbor.encode([list(r) for r in CANISTER_RANGES])
    return {b"public_key": keys.root_key,
            b"type": SUBNET_TYPE.encode(),
            b"canister_ranges": ranges,
            b"node": {keys.node_id: {b"public_key": keys.node_key_der}}}


def state_tree(state: S, keys: Keys, request_id: Callable) -> dict:
    """The labeled state tree of ``state`` (see the module doc).

    ``request_id(request)`` gives the id a `Request` is known by (the hash of the
    ``content`` map it arrived in)."""
    requests = {request_id(r): request_status_subtree(entry[0])
                for r, entry in state.requests.items()}
    canisters = {cid: canister_subtree(c) for cid, c in state.canisters.items()}
    shards = {lo: cbor.encode([[lo, hi]]) for lo, hi in CANISTER_RANGES}
    tree = {b"time": nat(state.system_time),
            b"subnet": {keys.subnet_id: subnet_subtree(keys)},
            b"canister_ranges": {keys.subnet_id: shards}}
    if requests:
        tree[b"request_status"] = requests
    if canisters:
        tree[b"canister"] = canisters
    return tree
