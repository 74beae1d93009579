"""The IC's certifiers (canister-interface.md "Certified data"): the certificate
``ic0.data_certificate_copy`` returns in a non-replicated query, revealing
``/canister/<id>/certified_data`` and ``/time`` of the state tree, signed with
the subnet's key derived from ``S.seed`` (`keys`, `pyic.ic.certification`).

`pyic.ic.machine.IC` calls `data_certificate` through its ``certifier`` hook;
a running `replica.Replica` installs its own (same tree, request ids as they
arrived over HTTP), and so does each subnet of a PocketIC instance: its tree
lists the instance's subnets, and a non-root subnet's certificates carry the
root subnet's `delegation` (certification.md "Delegation").
"""

from __future__ import annotations

import functools

from ..ic import certification
from ..ic.certification import Deferred
from ..ic.state import Request, S
from . import certificate, hash_tree
from .auth import SENDER_INFO_FIELDS
from .keys import Keys, derive
from .request_id import request_id
from .state_tree import SubnetInfo, state_tree


def content_of(request: Request) -> dict:
    """The ``content`` map a `Request` stands for (its nonce omitted when empty,
    its ``sender_info`` a map when it has one)."""
    content = {"request_type": "call", "sender": request.sender,
               "canister_id": request.canister_id, "method_name": request.method_name,
               "arg": request.arg, "ingress_expiry": request.ingress_expiry}
    if request.nonce:
        content["nonce"] = request.nonce
    if request.sender_info is not None:
        content["sender_info"] = dict(zip(SENDER_INFO_FIELDS, request.sender_info))
    return content


def content_request_id(request: Request) -> bytes:
    return request_id(content_of(request))


@functools.lru_cache(maxsize=256)
def subnet_keys(seed: bytes) -> Keys:
    """The keys of the subnet whose ``S.seed`` is ``seed`` (a delegated seed's own part)."""
    return derive(certification.own_seed(seed))


def full_tree(state: S, request_id_of=content_request_id,
              subnets: tuple[SubnetInfo, ...] | None = None) -> hash_tree.HashTree:
    """The hash tree of ``state``'s whole state tree (``subnets``: the IC's topology,
    by default the lone subnet of ``state``)."""
    return hash_tree.construct(state_tree(state, subnet_keys(state.seed), request_id_of,
                                          subnets))


def certify_paths(state: S, paths, request_id_of=content_request_id,
                  tree: hash_tree.HashTree | None = None,
                  delegation: certificate.Delegation | None = None) -> bytes:
    """A certificate revealing ``paths`` and ``/time`` of ``state``'s tree
    (``tree``: that tree, if already built), carrying ``delegation`` if given."""
    if tree is None:
        tree = full_tree(state, request_id_of)
    pruned = hash_tree.prune(tree, [[b"time"]] + [list(p) for p in paths])
    return certificate.certify(pruned, subnet_keys(state.seed).root_secret, delegation)


def delegation(root: S, subnet_id: bytes, subnets: tuple[SubnetInfo, ...]) -> \
        certificate.Delegation:
    """The root subnet's word for subnet ``subnet_id`` (certification.md "Delegation"): a
    certificate of ``root``'s tree revealing the subnet's public key, canister ranges and
    type (index.md "Canister signatures" requires the type in a delegation)."""
    tree = full_tree(root, subnets=subnets)
    cert = certify_paths(root, [[b"subnet", subnet_id, b"public_key"],
                                [b"subnet", subnet_id, b"type"],
                                [b"subnet", subnet_id, b"canister_ranges"],
                                [b"canister_ranges", subnet_id]], tree=tree)
    return certificate.Delegation(subnet_id, cert)


def data_certificate(state: S, canister_id: bytes, subnets: tuple[SubnetInfo, ...] | None = None,
                     root: S | None = None) -> bytes:
    """The certificate of ``canister_id``'s certified data in ``state``; ``subnets``:
    the IC's topology; ``root``: the root subnet's state, when ``state`` is another
    subnet's (its certificate then carries the root's delegation)."""
    vouched = None
    if root is not None:
        vouched = delegation(root, certification.subnet_id(state.seed), subnets)
    tree = full_tree(state, subnets=subnets)
    return certify_paths(state, [[b"canister", canister_id, b"certified_data"]], tree=tree,
                         delegation=vouched)



__all__ = ["Deferred", "certify_paths", "content_of", "content_request_id", "data_certificate",
           "delegation", "full_tree", "subnet_keys"]
