"""Candid, the interface description language of the Internet Computer, in pure Python.

Entry points (spec: ``candid-tests/spec/Candid.md``)::

    encode(values, types=None, env=None) -> bytes        # binary message "DIDL…"
    decode(data, types=None, env=None) -> values         # at expected types, with coercion
    parse_value_text(text, types=None, env=None) -> values   # "(42 : nat, \"hi\")"
    print_values(values, types=None, env=None) -> str    # as dfx shows replies
    encode_text(text, types=None, env=None) -> bytes     # text -> message, keeping annotations
    decode_to_text(data, types=None, env=None) -> str    # message -> text
    load_did(path) / parse_did(text) -> DidFile          # .did service descriptions
    parse_types("(nat, opt text)") -> types

Types are ``pyic.candid.types`` objects; named types live in an environment
(``DidFile.env``).  Host values are described in ``pyic.candid.values``.
Every failure is a ``pyic.errors.CandidError``.
"""

from __future__ import annotations

from typing import Any, Mapping

from pyic.candid.binary import encode, value_type
from pyic.candid.decode import CoercionError, DecodeLimitError, decode, decode_message
from pyic.candid._stack import DepthLimitError
from pyic.candid.did import DidFile, load_did, parse_did, parse_type, parse_types
from pyic.candid.principal import Principal
from pyic.candid.text import annotate_args, parse_args, parse_value_text, print_value, print_values
from pyic.candid.types import idl_hash, type_to_text, types_to_text
from pyic.candid.values import FuncRef, Opt, Record, ServiceRef, Variant
from pyic.errors import CandidError


def encode_text(text: str, types: Any = None, env: Mapping | None = None) -> bytes:
    """Encode a textual argument list, read at ``types`` (annotations type the rest)."""
    values, all_types = annotate_args(parse_args(text), types, dict(env or {}))
    return encode(values, all_types, env)


def decode_to_text(data: bytes, types: Any = None, env: Mapping | None = None) -> str:
    """Decode a message (at ``types``, or at its own types) and print it as text."""
    values, used, full_env = decode_message(data, types, env)
    return print_values(values, used, full_env)


__all__ = [
    "encode", "decode", "decode_message", "encode_text", "decode_to_text", "parse_value_text",
    "print_values", "print_value", "parse_args", "annotate_args", "value_type",
    "load_did", "parse_did", "parse_type", "parse_types", "DidFile",
    "type_to_text", "types_to_text",
    "Principal", "Opt", "Record", "Variant", "ServiceRef", "FuncRef", "idl_hash",
    "CandidError", "CoercionError", "DecodeLimitError", "DepthLimitError",
]
