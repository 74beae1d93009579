"""What ``pocket-ic`` users pass and get: ic-py's forms, read without needing ic-py.

``pocket-ic`` speaks ic-py (``pip install ic-py``, import name ``ic``): install
arguments are ic-py typed lists (``[{"type": Types.Nat, "value": 1}]``), canister
settings an ic-py record value whose optional fields are lists of zero or one
element, results ``ic.Principal`` and ``ic.Canister``.  pyic accepts those forms
and imports ic-py only where its own objects are needed (`canister`), so pyic
itself never depends on it.
"""

from __future__ import annotations

from typing import Any

from ..errors import ICError


def is_typed_args(arg: Any) -> bool:
    """Whether ``arg`` is an ic-py argument list: ``[{"type": T, "value": v}, ...]``
    (an empty list is both forms and encodes alike)."""
    return (isinstance(arg, (list, tuple)) and len(arg) > 0
            and all(isinstance(a, dict) and set(a) == {"type", "value"} for a in arg))


def encode_typed_args(arg: list) -> bytes:
    """ic-py's ``ic.encode`` of a typed list (ic-py must be installed to have such a list)."""
    try:
        import ic
    except ImportError:  # pragma: no cover -- a typed list is made with ic-py's types
        raise ICError("typed Candid arguments need ic-py (pip install ic-py)") from None
    try:
        return ic.encode(list(arg))
    except Exception as e:   # noqa: BLE001 -- ic-py raises bare exceptions on bad values
        raise ICError(f"ic-py cannot encode the argument: {e}") from None


_OPTIONAL_NUMBERS = ("compute_allocation", "memory_allocation", "freezing_threshold",
                     "reserved_cycles_limit", "wasm_memory_limit", "wasm_memory_threshold")


def plain_settings(settings: Any) -> Any:
    """Canister settings in pyic's plain form (a dict of present fields), from
    pocket-ic's: the record value with optional fields as ``[]`` / ``[value]``
    (``{"controllers": [[p]], "freezing_threshold": []}``), possibly itself wrapped
    as an option (``[record]``).  Anything else is returned as is."""
    if isinstance(settings, (list, tuple)) and len(settings) == 1 \
            and isinstance(settings[0], dict):
        settings = settings[0]
    if not isinstance(settings, dict):
        return settings
    if not _is_opt_form(settings):
        return settings
    return {name: value[0] for name, value in settings.items() if value}


def _is_opt_form(settings: dict) -> bool:
    """Every field a list of at most one element, controllers nested once more."""
    for name, value in settings.items():
        if not isinstance(value, (list, tuple)) or len(value) > 1:
            return False
        if name == "controllers" and value and not isinstance(value[0], (list, tuple)):
            return False
        if name in _OPTIONAL_NUMBERS and value and not isinstance(value[0], int):
            return False
    return True


def canister(agent, canister_id, candid: str):
    """An ic-py ``Canister`` over ``agent`` (whose ``query_raw`` / ``update_raw`` it calls)."""
    try:
        import ic
    except ImportError:
        raise ICError("create_and_install_canister_with_candid returns an ic-py Canister: "
                      "install ic-py (pip install ic-py)") from None
    return ic.Canister(agent, to_icpy_principal(canister_id), candid)


def to_icpy_principal(p):
    import ic
    return ic.Principal(bytes(p.bytes))


def decode_reply(data: bytes, return_types):
    """ic-py's ``ic.decode`` of a reply (what ``query_raw`` / ``update_raw`` return)."""
    import ic
    return ic.decode(bytes(data), return_types)


__all__ = ["canister", "decode_reply", "encode_typed_args", "is_typed_args", "plain_settings"]
