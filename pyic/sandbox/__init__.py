"""Sandboxed execution: each canister's Wasm instance in its own OS process
(docs/sandbox.md).

``IC(sandbox="process")`` (or ``PYIC_SANDBOX=process`` in the environment)
gives the IC a `SandboxedConfig`: its subnet's fees and limits plus the
sandboxes' `Limits`.  Modules parsed for such a subnet (`for_subnet`) are
`SandboxedCanister` proxies; its scheduler looks ahead to run different
canisters' executions in parallel (`parallel`).  Results are those of
in-process mode in every count and byte.
"""

from __future__ import annotations

import os

import attrs

from ..errors import ICError
from ..ic.costs import SubnetConfig
from .limits import Limits

MODES = ("none", "process")
ENV_VAR = "PYIC_SANDBOX"


@attrs.frozen
class SandboxedConfig(SubnetConfig):
    """A subnet's configuration whose canisters run in sandbox processes.  Only the
    `SubnetConfig` fields are state (stored, sent to sandboxes); ``sandbox`` is how
    this process runs them."""

    sandbox: Limits = attrs.field(factory=Limits)


def configure(cfg: SubnetConfig, mode: str | None = None, **limits) -> SubnetConfig:
    """``cfg`` with the sandbox ``mode`` ("none" | "process"; ``None``: the environment's
    ``PYIC_SANDBOX``, else "none") and `Limits` fields given by keyword."""
    if mode is None:
        mode = os.environ.get(ENV_VAR) or "none"
    if mode not in MODES:
        raise ICError(f"unknown sandbox mode {mode!r}: one of {', '.join(MODES)}")
    plain = {f.name: getattr(cfg, f.name) for f in attrs.fields(SubnetConfig)}
    if mode == "none":
        return cfg if type(cfg) is SubnetConfig else SubnetConfig(**plain)
    base = getattr(cfg, "sandbox", None) or Limits()
    return SandboxedConfig(**plain, sandbox=attrs.evolve(base, **limits))


def limits_of(cfg) -> Limits | None:
    """The sandbox limits modules of this subnet run under; ``None``: in process."""
    limits = getattr(cfg, "sandbox", None)
    if limits is None and os.environ.get(ENV_VAR) == "process":
        limits = Limits()
    return limits


def for_subnet(raw: bytes, parsed, cfg):
    """``parsed`` (from ``parse_wasm_mod(raw)``), its module behind a sandbox when
    the subnet's configuration asks for one."""
    limits = limits_of(cfg)
    if limits is None:
        return parsed
    from .proxy import SandboxedCanister
    return attrs.evolve(parsed, module=SandboxedCanister(raw, parsed.module, limits))


def stop_all() -> None:
    """End every live sandbox process of this process."""
    from .process import CONTROLLER
    CONTROLLER.stop_all()


__all__ = ["Limits", "SandboxedConfig", "configure", "for_subnet", "limits_of", "stop_all"]
