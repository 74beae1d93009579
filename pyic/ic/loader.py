"""``parse_wasm_mod``: from the bytes given to ``install_code`` to a canister module.

Every module is a Wasm module (possibly gzipped), bound to the ``ic0`` System
API by `pyic.ic.wasm_canister`; no bytes are special.  A subnet may run its
modules in sandbox processes (`for_subnet`, `pyic.sandbox`).
"""

from __future__ import annotations

from .canister import ParsedModule
from .wasm_canister import parse_wasm_canister


def parse_wasm_mod(raw_module: bytes) -> ParsedModule:
    """The `ParsedModule` for ``raw_module``; `ICError` if it is not a canister module."""
    return parse_wasm_canister(raw_module)


def for_subnet(raw_module: bytes, parsed: ParsedModule, cfg) -> ParsedModule:
    """``parsed`` as the subnet ``cfg`` runs it: behind a sandbox process when its
    configuration (or ``PYIC_SANDBOX``) asks for one, else as it is."""
    # Imported here: in-process mode needs none of it.
    from ..sandbox import for_subnet as sandboxed
    return sandboxed(raw_module, parsed, cfg)
