"""pocket-ic's forms in ``pyic.testing.PocketIC``: ic-py typed arguments and settings,
ic-py's Canister, and the Rust crate's names (upgrades of enhanced orthogonal persistence)."""

from __future__ import annotations

import os

import ic
import pytest
from ic.candid import Types

from pyic.pocketic.icpy import plain_settings
from pyic.testing import PocketIC, SubnetConfig
from pyic.wasm.binary import encode_module
from pyic.wasm.text import parse_module

# $PYIC_CANISTERS, else the corpus in the shared material (the root conftest.py sets
# $PYIC_SHARED when it is not given).
CANISTERS = os.environ.get("PYIC_CANISTERS") or os.path.join(os.environ["PYIC_SHARED"],
                                                             "canisters")

# Keeps its init argument and answers it to the query "arg".
ARG_KEEPER = encode_module(parse_module("""
(module
  (import "ic0" "msg_arg_data_size" (func $size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (memory 1)
  (global $n (mut i32) (i32.const 0))
  (func (export "canister_init")
    (global.set $n (call $size))
    (call $copy (i32.const 0) (i32.const 0) (global.get $n)))
  (func (export "canister_query arg")
    (call $append (i32.const 0) (global.get $n))
    (call $reply)))
"""))


def read(*path) -> bytes:
    with open(os.path.join(CANISTERS, *path), "rb") as f:
        return f.read()


def test_typed_install_arguments_reach_the_canister():
    pic = PocketIC(SubnetConfig(application=1))
    cid = pic.create_canister()
    typed = [{"type": Types.Nat, "value": 1}, {"type": Types.Text, "value": "two"}]
    pic.install_code(cid, ARG_KEEPER, typed)
    assert pic.query_call(cid, "arg", b"") == ic.encode(typed)


def test_settings_forms():
    p = ic.Principal.anonymous().to_str()
    assert plain_settings({"controllers": [[p]], "freezing_threshold": []}) \
        == {"controllers": [p]}
    assert plain_settings([{"freezing_threshold": [7]}]) == {"freezing_threshold": 7}
    plain = {"controllers": [p], "freezing_threshold": 7}
    assert plain_settings(plain) is plain
    pic = PocketIC()
    cid = pic.create_canister(settings=[{"freezing_threshold": [7], "controllers": [[p]]}])
    assert pic.canister_status(cid)["settings"]["freezing_threshold"] == 7


def test_query_raw_and_update_raw_decode_with_icpy():
    pic = PocketIC()
    cid = pic.create_canister()
    pic.install_code(cid, read("counter", "counter.classic.wasm"), [])
    assert pic.update_raw(cid, "inc", ic.encode([]), [], None) == []
    got = pic.query_raw(cid, "get", ic.encode([]), [Types.Nat], None)
    assert got[0]["value"] == 1


def test_upgrade_eop_canister_keeps_the_state():
    pic = PocketIC()
    cid = pic.create_canister()
    wasm = read("counter", "counter.wasm")          # enhanced orthogonal persistence
    pic.install_canister(cid, wasm, [])
    pic.update_call(cid, "inc", ic.encode([]))
    with pytest.raises(ValueError) as info:         # an EOP upgrade must say keep/replace
        pic.upgrade_canister(cid, wasm, [])
    assert "wasm_memory_persistence" in info.value.args[0]
    pic.upgrade_eop_canister(cid, wasm, [])
    assert pic.query_call(cid, "get", ic.encode([])) == bytes.fromhex("4449444c00017d01")
    pic.reinstall_canister(cid, wasm, [])
    assert pic.query_call(cid, "get", ic.encode([])) == bytes.fromhex("4449444c00017d00")


def test_rust_creation_names():
    pic = PocketIC(SubnetConfig(application=1, nns=True))
    nns = next(k for k, v in pic.topology().items() if v == "NNS")
    assert pic.get_subnet(pic.create_canister_on_subnet(None, None, nns)) == nns
    want = "rrkah-fqaaa-aaaaa-aaaaq-cai"
    assert pic.create_canister_with_id(None, None, want).to_text() == want
    assert pic.root_key() == pic.get_root_key() is not None
    cid = pic.create_canister_with_settings(None, {"freezing_threshold": 1})
    assert pic.cycle_balance(cid) == pic.get_cycles_balance(cid)
    assert pic.canister_exists(cid) and not pic.canister_exists("2vxsx-fae")
    pic.install_canister(cid, ARG_KEEPER, b"")
    pic.uninstall_canister(cid)
    assert pic.canister_status(cid)["module_hash"] is None
