"""An instance's state on disk, in the PocketIC server's layout.

    state_dir/
      topology.json        {"subnet_configs": {<subnet folder>: {"subnet_config": {...}}},
                            "default_effective_canister_id": ..., "time": ...}
      <subnet folder>/     one per subnet, named by the hex of its 32-byte seed
        subnet.json        its kind, id, canister ranges and call-id base
        state.db           its IC, saved with `IC.save` (the durable store, `pyic.ic.store`);
                           its ``S.seed`` gives the subnet's keys and id, so they come back

A subnet folder stands alone, so one subnet can be brought into a new instance
(``SubnetConfig.add_subnet_with_state(kind, state_dir/<folder>)``).  The state
is written when the instance is deleted, as the server does when it drops one.

The store keeps ``S.next_canister_index`` relative to the subnet's allocation
range: mainnet-like ranges sit near 2^64, beyond the store's 64-bit integers.
"""

from __future__ import annotations

import json
import os

from attrs import evolve

from ..ic.machine import IC
from .errors import InstanceError
from .instance import Instance, Subnet
from .topology import CanisterRange, RangeGen, SubnetKind, SubnetLayout

STATE_FILE = "state.db"
SUBNET_FILE = "subnet.json"
TOPOLOGY_FILE = "topology.json"


def _range_json(r: CanisterRange) -> list:
    return [r.start, r.end]


def _range_of(v) -> CanisterRange:
    if not (isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) for x in v)):
        raise InstanceError(f"not a canister range: {v!r}")
    return CanisterRange(v[0], v[1])


def subnet_config_json(subnet: Subnet) -> dict:
    from ..candid import Principal
    layout = subnet.layout
    return {"subnet_kind": layout.kind.value,
            "subnet_id": Principal(subnet.subnet_id).to_text(),
            "ranges": [_range_json(r) for r in layout.ranges],
            "alloc_range": _range_json(layout.alloc_range) if layout.alloc_range else None,
            "call_id_base": subnet.call_id_base}


def save_subnet(subnet: Subnet, folder: str) -> None:
    os.makedirs(folder, exist_ok=True)
    ic = subnet.ic
    absolute = ic.state
    relative = absolute.next_canister_index - subnet.layout.allocation.start
    ic.state = evolve(absolute, next_canister_index=relative)
    try:
        ic.save(os.path.join(folder, STATE_FILE))
    finally:
        ic.state = absolute
    with open(os.path.join(folder, SUBNET_FILE), "w", encoding="utf-8") as f:
        json.dump(subnet_config_json(subnet), f, indent=1)


def load_subnet(folder: str, expected_kind: SubnetKind | None = None,
                tier: str | None = None) -> Subnet:
    """The subnet saved in ``folder``; `InstanceError` if there is none."""
    try:
        with open(os.path.join(folder, SUBNET_FILE), encoding="utf-8") as f:
            meta = json.load(f)
        kind = SubnetKind(meta["subnet_kind"])
        layout = SubnetLayout(kind, tuple(_range_of(r) for r in meta["ranges"]),
                              _range_of(meta["alloc_range"]) if meta["alloc_range"] else None)
        base = meta["call_id_base"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InstanceError(f"The path {folder} is not a (subnet state) directory: {e}") from None
    if expected_kind is not None and kind != expected_kind:
        raise InstanceError(f"The subnet state at {folder} is of kind {kind.value}, "
                            f"not {expected_kind.value}.")
    try:
        ic = IC.load(os.path.join(folder, STATE_FILE), tier=tier)
    except Exception as e:   # noqa: BLE001 -- any unreadable store is the same user error
        raise InstanceError(f"The state of subnet at {folder} could not be loaded: {e}") from None
    ic.state = evolve(ic.state,
                      next_canister_index=ic.state.next_canister_index + layout.allocation.start)
    subnet = Subnet(layout, ic, base)
    # The id comes from the stored seed: a state whose seed names another subnet (saved
    # before subnets had keys of their own, or edited) would certify under a wrong id.
    from ..candid import Principal
    if meta.get("subnet_id") != Principal(subnet.subnet_id).to_text():
        raise InstanceError(f"The subnet state at {folder} is of subnet {meta.get('subnet_id')}, "
                            f"but its seed gives {Principal(subnet.subnet_id).to_text()}.")
    return subnet


def save_instance(instance: Instance, state_dir: str) -> None:
    """Write every subnet's folder and ``topology.json``."""
    from ..candid import Principal
    configs = {}
    for subnet in instance.subnets:
        folder = subnet.layout.seed.hex()
        save_subnet(subnet, os.path.join(state_dir, folder))
        configs[folder] = {"subnet_config": subnet_config_json(subnet),
                           "state_dir": os.path.join(state_dir, folder)}
    topology = {"subnet_configs": configs,
                "default_effective_canister_id":
                    Principal(instance.default_effective_canister_id()).to_text(),
                "time": instance.time}
    tmp = os.path.join(state_dir, TOPOLOGY_FILE + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(topology, f, indent=1)
    os.replace(tmp, os.path.join(state_dir, TOPOLOGY_FILE))


def load_subnets(state_dir: str, tier: str | None = None) -> list[Subnet]:
    """The subnets saved in ``state_dir`` (its ``topology.json`` lists them)."""
    try:
        with open(os.path.join(state_dir, TOPOLOGY_FILE), encoding="utf-8") as f:
            folders = list(json.load(f)["subnet_configs"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InstanceError(f"The state directory {state_dir} has no readable "
                            f"{TOPOLOGY_FILE}: {e}") from None
    return [load_subnet(os.path.join(state_dir, folder), tier=tier) for folder in folders]


def check_disjoint(subnets: list[Subnet], gen: RangeGen) -> None:
    """Restored subnets must not overlap (ranges, call-id bases): `InstanceError`."""
    bases = [s.call_id_base for s in subnets]
    if len(set(bases)) != len(bases):
        raise InstanceError("Invalid subnet states: two subnets share their call-id base.")
    for s in subnets:
        try:
            gen.add_assigned(list(s.layout.all_ranges))
        except ValueError as e:
            raise InstanceError(str(e)) from None


__all__ = [
    "TOPOLOGY_FILE",
    "check_disjoint",
    "load_subnet",
    "load_subnets",
    "save_instance",
    "save_subnet",
]
