"""The IC's default certifier (canister-interface.md "Certified data"): the
certificate ``ic0.data_certificate_copy`` returns in a non-replicated query,
revealing ``/canister/<id>/certified_data`` and ``/time`` of the state tree,
signed with the root key derived from ``S.seed`` (`keys`).

`pyic.ic.machine.IC` calls `data_certificate` through its ``certifier`` hook;
a running `replica.Replica` installs its own (same tree, request ids as they
arrived over HTTP).
"""

from __future__ import annotations

from ..ic.certification import Deferred
from ..ic.state import Request, S
from . import certificate, hash_tree
from .keys import derive
from .request_id import request_id
from .state_tree import state_tree


def content_of(request: Request) -> dict:
    """The ``content`` map a `Request` stands for (its nonce omitted when empty)."""
    content = {"request_type": "call", "sender": request.sender,
               "canister_id": request.canister_id, "method_name": request.method_name,
               "arg": request.arg, "ingress_expiry": request.ingress_expiry}
    if request.nonce:
        content["nonce"] = request.nonce
    return content


def content_request_id(request: Request) -> bytes:
    return request_id(content_of(request))


def full_tree(state: S, request_id_of=content_request_id) -> hash_tree.HashTree:
    """The hash tree of ``state``'s whole state tree."""
    return hash_tree.construct(state_tree(state, derive(state.seed), request_id_of))


def certify_paths(state: S, paths, request_id_of=content_request_id,
                  tree: hash_tree.HashTree | None = None) -> bytes:
    """A certificate revealing ``paths`` and ``/time`` of ``state``'s tree
    (``tree``: that tree, if already built)."""
    if tree is None:
        tree = full_tree(state, request_id_of)
    pruned = hash_tree.prune(tree, [[b"time"]] + [list(p) for p in paths])
    return certificate.certify(pruned, derive(state.seed).root_secret)


def data_certificate(state: S, canister_id: bytes) -> Deferred:
    """The certificate of ``canister_id``'s certified data in ``state``, made
    when the canister reads it."""
    return Deferred(lambda: certify_paths(state, [[b"canister", canister_id,
                                                   b"certified_data"]]))
