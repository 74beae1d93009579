"""How ``pyic canister`` words what it prints: rejects as dfx reports them,
replies as JSON, times in ISO 8601, durations read from the command line."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

from ..errors import ICError

# ------------------------------------------------------------------ rejects


def reject_line(code: int, message: str, error_code: str | None) -> str:
    """dfx's wording of a reject ("The replica returned a rejection error: reject code
    CanisterError, reject message …, error code Some("IC0503")"), on one line, with the
    spec's number of the reject code beside its name."""
    from ..pocketic.codes import reject_code_name
    message = " ".join(str(message).splitlines())
    error = f', error code {error_code}' if error_code else ""
    return (f"pyic: the call was rejected: reject code {reject_code_name(code)} ({code}), "
            f"reject message {message}{error}")


# ------------------------------------------------------------------ time


def iso8601(nanos: int) -> str:
    """``2025-01-01T00:00:00.000000001Z``: UTC, to the nanosecond."""
    seconds, frac = divmod(nanos, 1_000_000_000)
    try:
        moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return f"{nanos} ns since the epoch"
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{frac:09d}Z"


_UNITS = {"ns": 1, "us": 10 ** 3, "µs": 10 ** 3, "ms": 10 ** 6, "s": 10 ** 9, "m": 60 * 10 ** 9,
          "h": 3600 * 10 ** 9, "d": 86400 * 10 ** 9}
_PART = re.compile(r"(\d+)(ns|us|µs|ms|s|m|h|d)")


def parse_duration(text: str) -> int:
    """Nanoseconds in ``text``: a plain number of nanoseconds, or numbers with units
    (``90s``, ``5m``, ``1h30m``, ``250ms``; ``ns us ms s m h d``)."""
    t = text.strip()
    if t.isdigit():
        return int(t)
    total, pos = 0, 0
    for m in _PART.finditer(t):
        if m.start() != pos:
            break
        total += int(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos != len(t) or not t:
        raise ICError(f"not a duration: {text!r} (give nanoseconds, or e.g. 90s, 5m, 1h30m)")
    return total


# ------------------------------------------------------------------ Candid as JSON


def values_to_json(values: tuple, types: tuple, env) -> str:
    """A reply's values as a JSON array, one element per value (docs/canister-cli.md)."""
    return json.dumps([_json(v, t, env) for v, t in zip(values, types)], ensure_ascii=False)


def _json(value: Any, t: Any, env) -> Any:
    # The decoder bounds nesting depth, and json.dumps recurses as deep anyway.
    from ..candid import Opt, Principal, Record, Variant
    from ..candid.types import (
        FuncType,
        OptType,
        PrimType,
        RecordType,
        ServiceType,
        VariantType,
        VecType,
        resolve,
    )
    t = resolve(t, env)
    if isinstance(t, OptType):
        return [] if value is None else [_json(value.value if isinstance(value, Opt) else value,
                                               t.type, env)]
    if isinstance(t, VecType):
        if isinstance(value, (bytes, bytearray)):
            return bytes(value).hex()
        return [_json(v, t.type, env) for v in value]
    if isinstance(t, RecordType) and isinstance(value, Record):
        fields = {f.id: f for f in t.fields}
        if fields and all(i in fields for i, _ in value.fields) \
                and [i for i, _ in value.fields] == list(range(len(value.fields))) \
                and all(fields[i].name is None for i, _ in value.fields):
            return [_json(v, fields[i].type, env) for i, v in value.fields]
        return {_label(i, fields.get(i), value.name_of(i)): _json(v, _ftype(fields, i), env)
                for i, v in value.fields}
    if isinstance(t, VariantType) and isinstance(value, Variant):
        fields = {f.id: f for f in t.fields}
        return {_label(value.id, fields.get(value.id), value.name):
                _json(value.value, _ftype(fields, value.id), env)}
    if isinstance(value, Principal):
        return value.to_text()
    if isinstance(t, (FuncType, ServiceType)) or not isinstance(t, PrimType):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    return value          # null, bool, numbers (any size), text


def plain_json(value: Any) -> Any:
    """A plain Python result (`pyic.testing.to_python`) as JSON data: principals as
    text, blobs as hex, every integer exact."""
    from ..candid import Principal
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_json(v) for v in value]
    if isinstance(value, Principal):
        return value.to_text()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    return value


def _ftype(fields: dict, i: int):
    from ..candid.types import RESERVED
    f = fields.get(i)
    return f.type if f is not None else RESERVED


def _label(i: int, field, name: str | None) -> str:
    if field is not None and field.name is not None:
        return field.name
    return name if name is not None else f"_{i}_"


__all__ = ["iso8601", "parse_duration", "plain_json", "reject_line", "values_to_json"]
