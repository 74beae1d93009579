"""Management methods that report on a canister or a subnet (interface spec,
"Abstract behavior"): "Canister metrics", "Node Metrics", "Subnet information".

The spec leaves each reply implementation-specific (``R = <implementation-specific>``);
pyic answers with values that are functions of ``S`` and the subnet's configuration,
so a run is reproducible:

- ``canister_metrics``: cycles consumed per use since creation.  ``S`` keeps no such
  counters and pyic adds none, so every counter is 0 -- which the spec's "monotonically
  increasing" allows.
- ``subnet_info``: `REPLICA_VERSION` (what ``/api/v2/status`` calls ``impl_version``)
  and `REGISTRY_VERSION` (pyic has no registry: its subnet's record never changes).
- ``node_metrics_history``: one sample, taken at ``S.system_time``, of each of the
  subnet's ``subnet_size`` nodes (the node ids a PocketIC instance's topology names).
  pyic runs no consensus, so no node ever proposes a block or fails to: both totals are 0.

Both subnet methods answer for the subnet their ``subnet_id`` names, and only it: a
multi-subnet PocketIC instance routes them there (`named_subnet`).
"""

from __future__ import annotations

from ...candid import Principal, Record
from ..canister import CANISTER_REJECT, Reply
from ..certification import own_seed, subnet_id as own_subnet_id, subnet_nodes
from ..principal_text import principal_text
from ..state import S
from . import MgmtReject, Outcome, method, target
from .args import encode_result, field, principal_bytes

REPLICA_VERSION = "pyic"
REGISTRY_VERSION = 1

# The fields of ``cycles_consumed`` (ic.did), in its order.
CYCLES_CONSUMED = ("memory", "compute_allocation", "ingress_induction", "instructions",
                   "request_and_response_transmission", "uninstall", "canister_creation",
                   "http_outcalls", "burned_cycles")


def _own_subnet(state: S, args) -> bytes:
    """The ``subnet_id`` of the argument, which must be this IC's subnet: the one whose
    state pyic answers from (a multi-subnet instance routes the call to the subnet it
    names, `named_subnet`; one naming no subnet of the instance stays and ends here)."""
    sid = principal_bytes(field(args, "subnet_id"))
    if sid != own_subnet_id(state.seed):
        raise MgmtReject(CANISTER_REJECT, f"Subnet {principal_text(sid)} not found", "IC0404")
    return sid


# Methods whose argument names a subnet (``subnet_id``): the subnet that answers them.
SUBNET_METHODS = frozenset({"subnet_info", "node_metrics_history"})


def named_subnet(method_name: str, arg: bytes) -> bytes | None:
    """The ``subnet_id`` a call to one of `SUBNET_METHODS` names (None for other methods
    or an argument that does not decode): where a multi-subnet instance routes it."""
    if method_name not in SUBNET_METHODS:
        return None
    from ...errors import CandidError
    from .args import decode_args
    try:
        return principal_bytes(field(decode_args(method_name, arg), "subnet_id"))
    except CandidError:
        return None


@method("canister_metrics", "controllers")
def canister_metrics(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Canister metrics": controllers or subnet admins
    (``SUBNET_ADMIN_METHODS``), also as a query; every counter 0 (see the module doc)."""
    target(state, args)
    consumed = Record.of(**{name: 0 for name in CYCLES_CONSUMED})
    result = Record.of(cycles_consumed=consumed)
    return Outcome(state, Reply(encode_result("canister_metrics", result)),
                   cm.transferred_cycles)


@method("subnet_info", "any")
def subnet_info(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Subnet information"."""
    _own_subnet(state, args)
    result = Record.of(replica_version=REPLICA_VERSION, registry_version=REGISTRY_VERSION)
    return Outcome(state, Reply(encode_result("subnet_info", result)), cm.transferred_cycles)


def subnet_node_ids(state: S, cfg) -> tuple[bytes, ...]:
    """The ids of the subnet's ``cfg.subnet_size`` nodes, derived from its seed as a
    PocketIC instance derives them (`pyic.ic.certification.subnet_nodes`), so the
    topology and these metrics name the same nodes."""
    return tuple(node_id for node_id, _ in subnet_nodes(own_seed(state.seed), cfg.subnet_size))


@method("node_metrics_history", "any")
def node_metrics_history(state: S, cm, args, cfg) -> Outcome:
    """"IC Management Canister: Node Metrics": the samples at or after
    ``start_at_timestamp_nanos``; pyic has one, at ``S.system_time``, listing every node
    (the first sample has no previous one to be unchanged from)."""
    _own_subnet(state, args)
    samples = ()
    if state.system_time >= field(args, "start_at_timestamp_nanos"):
        metrics = tuple(Record.of(node_id=Principal(node), num_blocks_proposed_total=0,
                                  num_block_failures_total=0)
                        for node in subnet_node_ids(state, cfg))
        samples = (Record.of(timestamp_nanos=state.system_time, node_metrics=metrics),)
    return Outcome(state, Reply(encode_result("node_metrics_history", samples)),
                   cm.transferred_cycles)


__all__ = ["CYCLES_CONSUMED", "REGISTRY_VERSION", "REPLICA_VERSION", "SUBNET_METHODS",
           "canister_metrics", "named_subnet", "node_metrics_history", "subnet_info",
           "subnet_node_ids"]
