"""``parse_wasm_mod``: from the bytes given to ``install_code`` to a canister module.

The universal test canister is installed from its marker bytes; anything else
is a Wasm module, bound to the ``ic0`` System API by `pyic.ic.wasm_canister`
when that binding is present.
"""

from __future__ import annotations

import importlib.util

from ..errors import ICError
from .canister import ParsedModule
from .universal import UNIVERSAL_WASM, UniversalCanister


def parse_wasm_mod(raw_module: bytes) -> ParsedModule:
    """The `ParsedModule` for ``raw_module``; `ICError` if it is not a canister module."""
    if raw_module == UNIVERSAL_WASM:
        return ParsedModule(UniversalCanister())
    if importlib.util.find_spec("pyic.ic.wasm_canister") is not None:
        from .wasm_canister import parse_wasm_canister
        return parse_wasm_canister(raw_module)
    raise ICError("Wasm canisters are not supported by this build of pyic yet "
                  "(the ic0 System API binding is missing)")
