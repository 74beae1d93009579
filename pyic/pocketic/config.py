"""Instance configurations: the protocol's JSON, and `SubnetConfig` that writes it.

``POST /instances`` takes (server 9, what ``pocket-ic`` 3.1 sends)::

    {"subnet_config_set": {"nns": spec | null, "sns": ..., "ii": ..., "fiduciary": ...,
                           "bitcoin": ..., "system": [spec], "application": [spec],
                           "verified_application": [spec]},
     "state_dir": path | null, ...}
    spec = {"state_config": "New" | {"FromPath": path},
            "instruction_config": "Production" | "Benchmarking"}

`build_instance` turns that into an `Instance`: subnets restored from a
non-empty ``state_dir`` (nothing else may then be asked), or fresh subnets laid
out as `pyic.pocketic.topology` says, those with a state first.  The in-process
door builds its instances from the same JSON (`SubnetConfig._json`).
"""

from __future__ import annotations

import os

from .errors import InstanceError
from .instance import CALL_ID_BITS, Instance, Subnet, subnet_ic
from .state_dir import check_disjoint, load_subnet, load_subnets
from .topology import CREATION_ORDER, RangeGen, SubnetKind, layout_new

# The JSON field of each kind, and whether it holds a list of specs or one.
FIELDS = {
    SubnetKind.NNS: ("nns", False), SubnetKind.SNS: ("sns", False),
    SubnetKind.II: ("ii", False), SubnetKind.FIDUCIARY: ("fiduciary", False),
    SubnetKind.BITCOIN: ("bitcoin", False), SubnetKind.SYSTEM: ("system", True),
    SubnetKind.APPLICATION: ("application", True),
    SubnetKind.VERIFIED_APPLICATION: ("verified_application", True),
}
_NEW = {"state_config": "New", "instruction_config": "Production"}

# Where a PocketIC instance's clock starts: the replica test framework's genesis,
# 2021-05-06T19:17:10Z (clients set the time forward from there, never back).
GENESIS = 1_620_328_630_000_000_000


class SubnetConfig:
    """pocket-ic's ``SubnetConfig``: how many subnets of each kind, or a state to load.

    ``state_dir``: an empty directory receives the instance's state when the
    instance is deleted; a non-empty one is loaded (the subnets then come from it).
    """

    def __init__(self, application=0, bitcoin=False, fiduciary=False, ii=False, nns=False,
                 sns=False, system=0, verified_application=0,
                 state_dir: str | None = None) -> None:
        self.application = [dict(_NEW) for _ in range(application)]
        self.bitcoin = dict(_NEW) if bitcoin else None
        self.fiduciary = dict(_NEW) if fiduciary else None
        self.ii = dict(_NEW) if ii else None
        self.nns = dict(_NEW) if nns else None
        self.sns = dict(_NEW) if sns else None
        self.system = [dict(_NEW) for _ in range(system)]
        self.verified_application = [dict(_NEW) for _ in range(verified_application)]
        self.state_dir = state_dir

    def __repr__(self) -> str:
        return (f"SubnetConfigSet(application={self.application}, bitcoin={self.bitcoin}, "
                f"fiduciary={self.fiduciary}, ii={self.ii}, nns={self.nns}, sns={self.sns}, "
                f"system={self.system}, verified_application={self.verified_application})")

    def _has_subnets(self) -> bool:
        return bool(self.bitcoin or self.fiduciary or self.ii or self.nns or self.sns
                    or self.system or self.application or self.verified_application)

    def validate(self) -> None:
        """`ValueError` unless some subnet or a non-empty ``state_dir`` is configured."""
        if self._has_subnets():
            return
        if self.state_dir and os.path.isdir(self.state_dir) and os.listdir(self.state_dir):
            return
        raise InstanceError("At least one subnet or a non-empty state directory must be "
                            "configured.")

    def add_subnet_with_state(self, subnet_type: SubnetKind, state_dir_path: str) -> None:
        """One subnet loaded from a subnet folder of a saved state directory."""
        spec = {"state_config": {"FromPath": state_dir_path}, "instruction_config": "Production"}
        name, many = FIELDS[SubnetKind(subnet_type)]
        if many:
            getattr(self, name).append(spec)
        else:
            setattr(self, name, spec)

    def _json(self) -> dict:
        subnets = {name: getattr(self, name) for name, _ in FIELDS.values()}
        return {"subnet_config_set": dict(subnets, cloud_engine=[]),
                "state_dir": self.state_dir, "log_level": None, "bitcoind_addr": None}


def _specs(config_set: dict) -> list[tuple[SubnetKind, str | None]]:
    """``(kind, state path or None)`` of every subnet asked for, in creation order."""
    if not isinstance(config_set, dict):
        raise InstanceError("subnet_config_set must be an object")
    out = []
    for kind in CREATION_ORDER:
        name, many = FIELDS[kind]
        value = config_set.get(name)
        if value is None:
            continue
        if many and not isinstance(value, list):
            raise InstanceError(f"subnet_config_set.{name} must be a list of subnet specs")
        for spec in (value if many else [value]):
            out.append((kind, _state_path(name, spec)))
    for name in config_set:
        if name not in {n for n, _ in FIELDS.values()} and name != "cloud_engine":
            raise InstanceError(f"unknown subnet kind {name!r} in subnet_config_set")
    if config_set.get("cloud_engine"):
        raise InstanceError("cloud engine subnets are not supported by pyic")
    return out


def _state_path(name: str, spec) -> str | None:
    if not isinstance(spec, dict):
        raise InstanceError(f"subnet_config_set.{name}: a subnet spec must be an object")
    state = spec.get("state_config", "New")
    if state == "New":
        return None
    if isinstance(state, dict) and isinstance(state.get("FromPath"), str):
        return state["FromPath"]
    raise InstanceError(f"subnet_config_set.{name}: state_config must be \"New\" or "
                        "{\"FromPath\": path}")


def build_instance(config: dict, *, costs=None, time: int | None = None,
                   seed: bytes = b"pyic", tier: str | None = None) -> tuple[Instance, str | None]:
    """The instance a config asks for, and the directory to save it to (or None);
    fresh subnets start at ``time``, by default `GENESIS`."""
    time = GENESIS if time is None else time
    if not isinstance(config, dict):
        raise InstanceError("the instance config must be a JSON object")
    state_dir = config.get("state_dir")
    if state_dir is not None and not isinstance(state_dir, str):
        raise InstanceError("state_dir must be a path or null")
    specs = _specs(config.get("subnet_config_set") or {})
    gen = RangeGen()
    if state_dir is not None and os.path.isdir(state_dir) and os.listdir(state_dir):
        if specs:
            raise InstanceError("Subnets cannot be configured together with a non-empty "
                                "state directory.")
        subnets = load_subnets(state_dir, tier)
        check_disjoint(subnets, gen)
        return Instance(subnets, gen, seed, tier=tier), state_dir
    if not specs:
        raise InstanceError("At least one subnet must be configured.")
    if state_dir is not None:
        os.makedirs(state_dir, exist_ok=True)
    # Subnets with a state first, so fresh ranges avoid theirs (as the server does).
    loaded: list[Subnet] = [load_subnet(path, kind, tier) for kind, path in specs
                            if path is not None]
    check_disjoint(loaded, gen)
    subnets = list(loaded)
    next_index = max((s.call_id_base >> CALL_ID_BITS for s in loaded), default=-1) + 1
    for kind, path in specs:
        if path is None:
            try:
                layout = layout_new(kind, gen)
            except ValueError as e:   # a named kind asked twice (one restored)
                raise InstanceError(str(e)) from None
            subnets.append(subnet_ic(layout, next_index, costs=costs, time=time, seed=seed,
                                     tier=tier))
            next_index += 1
    # The NNS subnet first (it is the root of trust).
    subnets.sort(key=lambda s: s.kind != SubnetKind.NNS)
    return Instance(subnets, gen, seed, tier=tier), state_dir


__all__ = ["FIELDS", "GENESIS", "SubnetConfig", "SubnetKind", "build_instance"]
