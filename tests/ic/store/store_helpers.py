"""Shared material of the state store tests: the counter canister, a state that
uses every part of the store, and a comparison of two states that does not go
through the store's codec.  (A module of its own: ``conftest`` is not a unique
name to import from.)"""

from __future__ import annotations

import os
from pathlib import Path

import attrs
import pytest

from pyic.errors import Reject
from pyic.ic import scheduler
from pyic.ic.system_api.images import ZERO_PAGE, HeapImage, PagedBlob
from pyic.testing import PocketIC
from pyic.universal import (
    bytes_, debug_print, ignore, int64, inter_update, reply, set_global, stable64_grow,
    stable64_write, trap,
)

from principals import USER

SHARED = Path(os.environ.get("PYIC_SHARED", Path(__file__).resolve().parents[4] / "shared"))
COUNTER = SHARED / "canisters" / "counter"
EMPTY_ARGS = b"DIDL\x00\x00"


def counter_wasm(classic: bool = False) -> bytes:
    path = COUNTER / ("counter.classic.wasm" if classic else "counter.wasm")
    if not path.exists():
        pytest.fail(f"the counter canister is missing: {path} (set PYIC_SHARED)")
    return path.read_bytes()


def counter_value(pic: PocketIC, cid) -> int:
    """The counter's ``get`` reply: Candid ``nat`` (a one-byte LEB128 for small values)."""
    reply_ = pic.query_call(cid, "get", EMPTY_ARGS)
    assert reply_[:7] == b"DIDL\x00\x01}"
    value, shift = 0, 0
    for b in reply_[7:]:
        value |= (b & 0x7F) << shift
        shift += 7
    return value


def build_rich() -> tuple:
    """A PocketIC whose state has several Wasm canisters (two counter builds, two
    universal canisters), an empty canister, logs (a trap's among them), chunks,
    a snapshot, and an inter-canister call still in flight (call contexts,
    queued messages, a request being processed)."""
    pic = PocketIC()
    pic.set_sender(USER)
    eop = pic.create_canister()
    pic.install_code(eop, counter_wasm(), EMPTY_ARGS)
    classic = pic.create_canister()
    pic.install_code(classic, counter_wasm(classic=True), EMPTY_ARGS)
    for cid in (eop, classic, eop):
        pic.update_call(cid, "inc", EMPTY_ARGS)
    a = pic.install_universal_canister()
    b = pic.install_universal_canister()
    pic.create_canister()                                     # an empty canister
    pic.universal_update(a, set_global(bytes_(b"global of a")) >> ignore(stable64_grow(int64(2)))
                         >> stable64_write(int64(70_000), bytes_(b"stable bytes"))
                         >> debug_print(bytes_(b"a log line")) >> reply)
    with pytest.raises(Reject):                               # its log entries stay
        pic.universal_update(a, debug_print(bytes_(b"before the trap")) >> trap(bytes_(b"boom")))
    pic.upload_chunk(a, b"chunk one")
    pic.upload_chunk(a, b"chunk two")
    pic.take_canister_snapshot(a)
    pic.universal_update(a, set_global(bytes_(b"after the snapshot")) >> reply)
    # A call from a to b, stopped half way: some steps, not to completion.
    pic.ic.submit(USER, a.bytes, "update", inter_update(b.bytes).bytes())
    for _ in range(2):
        pic.ic.state = scheduler.step(pic.ic.state, pic.ic.cfg) or pic.ic.state
    return pic, dict(eop=eop, classic=classic, a=a, b=b)


# ------------------------------------------------------------------ comparing states


def differences(x, y, where: str = "S", out: list | None = None) -> list:
    """Where two states differ, compared field by field (records by their attrs fields,
    images page by page, modules by nothing: they are parsed again from raw_module)."""
    out = [] if out is None else out
    if len(out) > 10:
        return out
    if isinstance(x, HeapImage) or isinstance(y, HeapImage):
        if type(x) is not type(y):
            out.append(f"{where}: {type(x).__name__} vs {type(y).__name__}")
            return out
        for name in ("size", "tables", "dropped_datas", "dropped_elems"):
            if getattr(x, name) != getattr(y, name):
                out.append(f"{where}.{name}")
        _pages(x.pages, y.pages, where, out)
        return out
    if isinstance(x, PagedBlob) or isinstance(y, PagedBlob):
        if type(x) is not type(y) or x.size != y.size:
            out.append(f"{where}: stable memory")
        else:
            _pages(x.pages, y.pages, where, out)
        return out
    if attrs.has(type(x)):
        if type(x) is not type(y):
            out.append(f"{where}: {type(x).__name__} vs {type(y).__name__}")
            return out
        for f in attrs.fields(type(x)):
            if f.name != "module":
                differences(getattr(x, f.name), getattr(y, f.name), f"{where}.{f.name}", out)
        return out
    if isinstance(x, dict):
        if type(y) is not dict or list(x) != list(y):
            out.append(f"{where}: keys (or their order) differ")
            return out
        for k in x:
            differences(x[k], y[k], f"{where}[{k!r:.30}]", out)
        return out
    if isinstance(x, tuple):
        if type(y) is not tuple or len(x) != len(y):
            out.append(f"{where}: tuples of different lengths")
            return out
        for i, (a, b) in enumerate(zip(x, y)):
            differences(a, b, f"{where}[{i}]", out)
        return out
    if type(x) is not type(y) or x != y:
        out.append(f"{where}: {x!r:.40} vs {y!r:.40}")
    return out


def _pages(a: tuple, b: tuple, where: str, out: list) -> None:
    if len(a) != len(b):
        out.append(f"{where}: {len(a)} vs {len(b)} pages")
        return
    for p, (u, v) in enumerate(zip(a, b)):
        if (u or ZERO_PAGE) != (v or ZERO_PAGE):
            out.append(f"{where}: page {p}")
