"""The Wasm tier canisters run on is explicit configuration: ``IC(tier=)``, ``PocketIC(tier=)``,
``pyic canister --tier``; never stored (`SubnetConfig.wasm_tier`), same replies and counts."""

from __future__ import annotations

import gc

import pytest
from click.testing import CliRunner

from pyic.cli.main import cli
from pyic.errors import ICError
from pyic.ic.costs import SubnetConfig
from pyic.ic.store import rows
from pyic.testing import PocketIC
from pyic.wasm.binary import encode_module
from pyic.wasm.runtime.store import Store
from pyic.wasm.text import parse_module

LOOP = """(module (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "performance_counter" (func $pc (param i32) (result i64)))
  (memory 1)
  (func (export "canister_update run") (local $i i32)
    (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 5000))))
    (i64.store (i32.const 0) (call $pc (i32.const 0)))
    (call $append (i32.const 0) (i32.const 8)) (call $reply)))"""
WASM = encode_module(parse_module(LOOP))


def _tiers_of_new_stores(before: list) -> set:
    old = {id(o) for o in before}
    return {o.config.tier for o in gc.get_objects()
            if isinstance(o, Store) and id(o) not in old}


def _run(tier):
    # the stores themselves, not their ids: one freed meanwhile could hand its address
    # (its id) to a new store, which would then pass for an old one
    before = [o for o in gc.get_objects() if isinstance(o, Store)]
    pic = PocketIC(tier=tier)
    c = pic.create_canister()
    pic.add_cycles(c, 10**13)
    pic.install_code(c, WASM, b"")
    return pic.update_call(c, "run", b""), _tiers_of_new_stores(before)


@pytest.mark.spec("Abstract Canisters to System API")
@pytest.mark.parametrize("tier", ["fast", "reference"])
def test_pocketic_runs_its_canisters_on_the_tier_asked_for(tier):
    reply, tiers = _run(tier)
    assert tiers == {tier}
    assert reply == _run("fast" if tier == "reference" else "reference")[0]   # same count
    assert int.from_bytes(reply, "little") > 5000


@pytest.mark.spec("Abstract Canisters to System API")
def test_the_tier_is_not_state():
    assert "wasm_tier" not in rows.CONFIG_FIELDS
    assert SubnetConfig().wasm_tier == "fast"
    with pytest.raises(ValueError):
        SubnetConfig(wasm_tier="jit")
    with pytest.raises(ICError):
        PocketIC(ic=PocketIC().ic, tier="reference")


@pytest.mark.spec("Abstract Canisters to System API")
def test_cli_canister_tier(tmp_path):
    wasm = tmp_path / "loop.wasm"
    wasm.write_bytes(WASM)
    state = str(tmp_path / "state")
    r = CliRunner()
    out = {}
    for tier in ("reference", "fast"):
        base = ["canister", "--state", state, "--tier", tier]
        if tier == "reference":
            made = r.invoke(cli, base + ["create"])
            assert made.exit_code == 0, made.output
            cid = made.output.split()[-1]
            assert r.invoke(cli, base + ["install", cid, str(wasm)]).exit_code == 0
        before = [o for o in gc.get_objects() if isinstance(o, Store)]
        res = r.invoke(cli, base + ["call", cid, "run", "--output", "raw"])
        assert res.exit_code == 0, res.output
        assert _tiers_of_new_stores(before) == {tier}     # the call ran on that tier
        out[tier] = res.output
    assert out["fast"] == out["reference"]
    bad = r.invoke(cli, ["canister", "--state", state, "--tier", "jit", "list"])
    assert bad.exit_code == 2
