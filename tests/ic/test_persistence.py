"""Persistence of the IC state: save / load round trip, and atomic saves."""

from __future__ import annotations

import os

import pytest
from ic_helpers import global_of, spec

from pyic.errors import ICError
from pyic.testing import PocketIC
from pyic.universal import (
    bytes_, ignore, int64, reply, reply_data, set_global, stable64_grow, stable64_write,
)


@spec("The system state")
def test_save_load_round_trip(pic, uc, tmp_path):
    pic.universal_update(uc, set_global(bytes_(b"persisted")) >> ignore(stable64_grow(int64(1)))
                         >> stable64_write(int64(0), bytes_(b"st")) >> reply)
    path = str(tmp_path / "ic.state")
    pic.save(path)
    other = PocketIC.load(path)
    other.set_sender(pic.sender)
    assert global_of(other, uc) == b"persisted"
    assert other.get_stable_memory(uc)[:2] == b"st"
    assert other.get_time() == pic.get_time()
    assert other.get_cycles_balance(uc) == pic.get_cycles_balance(uc)


@spec("The system state")
def test_loaded_instance_keeps_running(pic, uc, tmp_path):
    path = str(tmp_path / "ic.state")
    pic.save(path)
    other = PocketIC.load(path)
    other.set_sender(pic.sender)
    assert other.universal_update(uc, reply_data(bytes_(b"alive"))) == b"alive"
    new = other.create_canister()
    assert new.bytes != uc and new not in pic.ic.state.canisters


@spec("The system state")
def test_load_is_deterministic(pic, uc, tmp_path):
    path = str(tmp_path / "ic.state")
    pic.save(path)
    a, b = PocketIC.load(path), PocketIC.load(path)
    for p in (a, b):
        p.set_sender(pic.sender)
        p.universal_update(uc, set_global(bytes_(b"x")) >> reply)
    assert a.ic.state.canisters[uc].balance == b.ic.state.canisters[uc].balance
    assert a.create_canister() == b.create_canister()


def save_crashing_in(pic, path: str, monkeypatch, os_function: str) -> None:
    """Save to ``path`` with ``os.<os_function>`` failing (a simulated crash), and
    check that the file already there is left exactly as it was."""
    with open(path, "rb") as f:
        old_bytes = f.read()

    def crash(*args, **kwargs):
        raise OSError(f"simulated crash in os.{os_function}")
    monkeypatch.setattr(os, os_function, crash)
    with pytest.raises(OSError):
        pic.save(path)
    monkeypatch.undo()
    with open(path, "rb") as f:
        assert f.read() == old_bytes


@spec("The system state")
def test_crash_during_save_keeps_old_file(pic, uc, tmp_path, monkeypatch):
    path = str(tmp_path / "ic.state")
    pic.universal_update(uc, set_global(bytes_(b"old")) >> reply)
    pic.save(path)
    pic.universal_update(uc, set_global(bytes_(b"new")) >> reply)
    save_crashing_in(pic, path, monkeypatch, "replace")      # before the rename
    assert [n for n in os.listdir(tmp_path) if n != "ic.state"] == []   # no temp file left
    restored = PocketIC.load(path)
    restored.set_sender(pic.sender)
    assert global_of(restored, uc) == b"old"


@spec("The system state")
def test_crash_while_writing_keeps_old_file(pic, uc, tmp_path, monkeypatch):
    path = str(tmp_path / "ic.state")
    pic.save(path)
    save_crashing_in(pic, path, monkeypatch, "fsync")        # while writing


@spec("The system state")
def test_load_garbage_is_ic_error(tmp_path):
    path = tmp_path / "bad.state"
    path.write_bytes(b"not a pickle")
    with pytest.raises(ICError):
        PocketIC.load(str(path))


@spec("The system state")
def test_load_missing_file_is_ic_error(tmp_path):
    with pytest.raises(ICError):
        PocketIC.load(str(tmp_path / "missing.state"))


@spec("The system state")
def test_save_overwrites(pic, uc, tmp_path):
    path = str(tmp_path / "ic.state")
    pic.save(path)
    pic.universal_update(uc, set_global(bytes_(b"second")) >> reply)
    pic.save(path)
    other = PocketIC.load(path)
    other.set_sender(pic.sender)
    assert global_of(other, uc) == b"second"
