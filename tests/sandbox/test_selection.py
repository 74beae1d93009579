"""Selecting sandbox mode: ``IC(sandbox=...)``, ``PocketIC(sandbox=...)``,
``PYIC_SANDBOX``, and ``pyic canister --sandbox process`` (whose canisters,
loaded from the state store, run in sandboxes on every command)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pyic.cli.main import cli
from pyic.ic.machine import IC
from pyic.sandbox import SandboxedConfig, process
from pyic.sandbox.proxy import SandboxedCanister
from pyic.testing import PocketIC, to_principal_bytes


def test_ic_and_pocket_ic(spin_wasm, monkeypatch):
    monkeypatch.delenv("PYIC_SANDBOX", raising=False)
    assert type(IC(sandbox="process").cfg) is SandboxedConfig
    assert type(IC().cfg) is not SandboxedConfig
    with pytest.raises(Exception, match="unknown sandbox mode"):
        IC(sandbox="thread")
    pic = PocketIC(sandbox="process")
    cid = pic.create_canister()
    pic.add_cycles(cid, 10**13)
    pic.install_code(cid, spin_wasm, b"")
    module = pic.ic.state.canisters[to_principal_bytes(cid)].can_state.module
    assert isinstance(module, SandboxedCanister) and module.pid is not None
    monkeypatch.setenv("PYIC_SANDBOX", "process")
    assert type(IC().cfg) is SandboxedConfig
    assert type(IC(sandbox="none").cfg) is not SandboxedConfig


def test_the_command_line(tmp_path, spin_wasm, monkeypatch):
    monkeypatch.setenv("PYIC_SANDBOX", "none")    # restored after the test: --sandbox sets it
    started = []
    real = process.Worker.__init__

    def counting(self, *args, **kwargs):
        started.append(1)
        real(self, *args, **kwargs)
    monkeypatch.setattr(process.Worker, "__init__", counting)
    wasm = tmp_path / "spin.wasm"
    wasm.write_bytes(spin_wasm)

    def ok(*args):
        r = CliRunner().invoke(cli, ["canister", "--state", str(tmp_path / "st"), *args])
        assert r.exit_code == 0, (args, r.output)
        return r.stdout.strip()
    cid = ok("create")
    ok("install", cid, str(wasm))
    assert ok("call", cid, "bump", "--output", "raw") == "01000000"
    assert started == []
    assert ok("--sandbox", "process", "call", cid, "bump", "--output", "raw") == "02000000"
    assert ok("--sandbox", "process", "call", cid, "get", "--query", "--output",
              "raw") == "02000000"
    assert len(started) == 2                    # one sandbox per command's IC
