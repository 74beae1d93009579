"""The real ``pocket-ic`` 3.1.2 client on ``pyic-pocket-ic-server``: the canister corpus.

Every call step of ``shared/canisters/{counter,greeter}/expected_calls.json`` is
sent through the client as written for the real server (``update_call`` /
``query_call`` with the step's Candid bytes): replies must equal the expected
bytes exactly, rejects must raise the client's `ValueError` naming the reject
code.  Both builds of each canister run (EOP wasm64, classic wasm32).
"""

from __future__ import annotations

import json
import os

import ic
import pytest
from pocket_ic import PocketIC, SubnetConfig, SubnetKind

from pyic.pocketic.codes import REJECT_CODE_NAMES

BUILDS = {"eop": "wasm", "classic": "wasm_classic"}


def run_script(pic: PocketIC, folder: str, name: str, build: str) -> int:
    """Run the script's steps; the number of call steps checked."""
    with open(os.path.join(folder, name, "expected_calls.json"), encoding="utf-8") as f:
        script = json.load(f)
    ids = {}
    for key, spec in script["canisters"].items():
        controller = ic.Principal.from_str(spec["controllers"][0])
        pic.set_sender(controller)
        ids[key] = pic.create_canister()
        pic.add_cycles(ids[key], int(spec["initial_cycles"]))
    checked = 0
    for step in script["steps"]:
        sender = step.get("sender", script["default_sender"])
        pic.set_sender(ic.Principal.from_str(sender))
        cid = ids[step["canister"]]
        spec = script["canisters"][step["canister"]]
        if step["op"] == "install":
            with open(os.path.join(folder, name, spec[BUILDS[build]]), "rb") as f:
                wasm = f.read()
            assert step["arg_hex"] == "4449444c0000"   # the corpus installs with ()
            pic.install_code(cid, wasm, [])
            continue
        assert step["op"] == "call", step["op"]
        expect = step.get("expect") or step["expect_by_build"][build]
        call = pic.update_call if step["kind"] == "update" else pic.query_call
        arg = bytes.fromhex(step["arg_hex"])
        if "reject_code" in expect:
            with pytest.raises(ValueError) as info:
                call(cid, step["method"], arg)
            text = info.value.args[0]
            assert f"reject code {REJECT_CODE_NAMES[expect['reject_code']]}," in text, text
            assert expect["message_contains"] in text, text
        else:
            reply = call(cid, step["method"], arg)
            assert bytes(reply) == bytes.fromhex(expect["reply_hex"]), step
        checked += 1
    return checked


@pytest.mark.parametrize("build", sorted(BUILDS))
@pytest.mark.parametrize("name, calls", [("counter", 17), ("greeter", 13)])
def test_expected_calls(server, canisters, name, calls, build):
    assert run_script(PocketIC(), canisters, name, build) == calls


@pytest.mark.parametrize("build", sorted(BUILDS))
def test_greeter_through_candid(server, canisters, build):
    folder = os.path.join(canisters, "greeter")
    with open(os.path.join(folder, "greeter.did"), encoding="utf-8") as f:
        did = f.read()
    wasm_name = "greeter.wasm" if build == "eop" else "greeter.classic.wasm"
    with open(os.path.join(folder, wasm_name), "rb") as f:
        wasm = f.read()
    pic = PocketIC()
    greeter = pic.create_and_install_canister_with_candid(did, wasm)
    assert greeter.greet("Lisa") == ["Hello, Lisa!"]
    assert greeter.greetOpt([]) == ["Hello, stranger!"]


def test_specified_id_of_the_corpus_lands_on_nns(server, canisters):
    # The corpus names rrkah-fqaaa-aaaaa-aaaaq-cai, an NNS id on mainnet: asking for it
    # on an application-only instance adds an NNS subnet for it, as PocketIC does.
    pic = PocketIC()
    want = ic.Principal.from_str("rrkah-fqaaa-aaaaa-aaaaq-cai")
    got = pic.create_canister(canister_id=want)
    assert got.bytes == want.bytes
    kinds = sorted(k.value for k in pic.topology().values())
    assert kinds == ["Application", "NNS"]
    nns = next(k for k, v in pic.topology().items() if v == SubnetKind.NNS)
    assert pic.get_subnet(got).bytes == nns.bytes
    assert pic.get_root_key() is not None


def test_two_subnets_one_clock(server):
    pic = PocketIC(SubnetConfig(application=2, nns=True))
    t = pic.get_time()["nanos_since_epoch"]
    pic.advance_time(5_000_000_000)
    pic.tick()
    assert pic.get_time()["nanos_since_epoch"] >= t + 5_000_000_000
