"""A pytest file written for ``pocket-ic``: run by the real client on pyic's server.

``test_suite_same.py`` runs this file in process with only its import swapped
for ``pyic.testing``.
"""
# The one line the in-process copy changes:
from pocket_ic import PocketIC, SubnetConfig, SubnetKind  # noqa: I001  (the swapped line)

import gzip
import json
import os

import ic
import pytest

# $PYIC_CANISTERS, else the corpus in the shared material (the root conftest.py sets
# $PYIC_SHARED when it is not given).
CANISTERS = os.environ.get("PYIC_CANISTERS") or os.path.join(os.environ["PYIC_SHARED"],
                                                             "canisters")
EMPTY_WASM = b"\x00asm\x01\x00\x00\x00"


def read(*path, mode="rb"):
    with open(os.path.join(CANISTERS, *path), mode) as f:
        return f.read()


def test_specified_ids_land_on_their_subnets():
    pic = PocketIC(SubnetConfig(nns=True))
    registry = ic.Principal.from_str("rwlgt-iiaaa-aaaaa-aaaaa-cai")
    assert pic.create_canister(canister_id=registry).bytes == registry.bytes
    with pytest.raises(ValueError) as info:
        pic.create_canister(canister_id=registry)
    assert "CanisterAlreadyInstalled" in info.value.args[0]
    assert pic.create_canister().bytes != registry.bytes
    # an id no subnet owns: a subnet is added for it
    assert len(pic.topology()) == 1
    pic.create_canister(canister_id=ic.Principal.from_str("zzztf-6qaaa-aaaah-qfsaa-cai"))
    assert len(pic.topology()) == 2


def test_subnet_kinds_of_a_large_config():
    pic = PocketIC(SubnetConfig(application=2, bitcoin=True, fiduciary=True, ii=True, nns=True,
                                sns=True, system=3, verified_application=1))
    kinds = list(pic.topology().values())
    assert len(kinds) == 11
    assert [kinds.count(k) for k in (SubnetKind.APPLICATION, SubnetKind.SYSTEM, SubnetKind.NNS,
                                      SubnetKind.VERIFIED_APPLICATION)] == [2, 3, 1, 1]


def test_create_on_a_chosen_subnet():
    pic = PocketIC(SubnetConfig(nns=True, application=1))
    topology = pic.topology()
    nns = next(k for k, v in topology.items() if v == SubnetKind.NNS)
    app = next(k for k, v in topology.items() if v == SubnetKind.APPLICATION)
    on_nns, on_app = pic.create_canister(subnet=nns), pic.create_canister(subnet=app)
    assert pic.get_subnet(on_nns).bytes == nns.bytes
    assert pic.get_subnet(on_app).bytes == app.bytes


@pytest.mark.parametrize("compression", [None, "gzip"])
def test_stable_memory(compression):
    pic = PocketIC()
    cid = pic.create_canister()
    pic.add_cycles(cid, 20_000_000_000_000)
    pic.install_code(cid, EMPTY_WASM, [])
    data = b"kept in stable memory"
    pic.set_stable_memory(cid, gzip.compress(data) if compression else data, compression)
    assert pic.get_stable_memory(cid)[:len(data)] == data


def test_time_moves_only_forward():
    pic = PocketIC(SubnetConfig(application=1))
    pic.set_time(1704067199999999999)
    assert pic.get_time() == {"nanos_since_epoch": 1704067199999999999}
    pic.advance_time(1_000_000_000)
    assert pic.get_time() == {"nanos_since_epoch": 1704067200999999999}
    with pytest.raises(ConnectionError):
        pic.set_time(1)


def test_tick_and_root_key():
    pic = PocketIC()
    assert pic.tick() is None
    assert pic.get_root_key() is None
    key = PocketIC(SubnetConfig(nns=True)).get_root_key()
    assert isinstance(key, bytes) and len(key) == 133


def test_canister_existence_and_cycles():
    pic = PocketIC()
    cid = pic.create_canister()
    assert pic.check_canister_exists(cid)
    assert not pic.check_canister_exists(ic.Principal.anonymous())
    before = pic.get_cycles_balance(cid)
    assert pic.add_cycles(cid, 6_666) == before + 6_666
    assert pic.get_cycles_balance(cid) == before + 6_666


def test_calls_to_empty_and_unroutable_canisters():
    pic = PocketIC(SubnetConfig(application=1))
    cid = pic.create_canister()
    with pytest.raises(ValueError) as info:
        pic.query_call(cid, "foo", b"")
    assert "CanisterWasmModuleNotFound" in info.value.args[0]
    with pytest.raises(ConnectionError) as info:
        pic.query_call(ic.Principal.anonymous(), "foo", b"")
    assert "does not belong to any subnet" in info.value.args[0]


def test_counter_calls():
    pic = PocketIC()
    cid = pic.create_canister()
    pic.add_cycles(cid, 2_000_000_000_000)
    pic.install_code(cid, read("counter", "counter.classic.wasm"), [])
    assert pic.query_call(cid, "get", ic.encode([])) == bytes.fromhex("4449444c00017d00")
    assert pic.update_call(cid, "inc", ic.encode([])) == bytes.fromhex("4449444c0000")
    add = ic.encode([{"type": ic.candid.Types.Nat, "value": 40}])
    assert ic.decode(pic.update_call(cid, "add", add), ic.candid.Types.Nat)[0]["value"] == 41
    with pytest.raises(ValueError) as info:
        pic.update_call(cid, "nope", ic.encode([]))
    assert "CanisterMethodNotFound" in info.value.args[0]


def test_canister_object_from_candid():
    pic = PocketIC()
    greeter = pic.create_and_install_canister_with_candid(
        read("greeter", "greeter.did", mode="r"), read("greeter", "greeter.classic.wasm"))
    assert greeter.greet("Lisa") == ["Hello, Lisa!"]
    assert greeter.greetAll(["a", "b"]) == [["Hello, a!", "Hello, b!"]]


def test_settings_as_pocket_ic_passes_them():
    pic = PocketIC()
    owner = ic.Principal.from_str("ixljw-rjnlv-uzuvp-qccpo-bzkwr-um22k-zvpum-ph3bv-rsle2-24kzz-hae")
    cid = pic.create_canister(settings={"controllers": [[owner.to_str()]], "compute_allocation": [],
                                        "memory_allocation": [], "freezing_threshold": [0]})
    with pytest.raises(ValueError) as info:   # the anonymous sender is no controller now
        pic.install_code(cid, EMPTY_WASM, [])
    assert "CanisterInvalidController" in info.value.args[0]
    pic.set_sender(owner)
    pic.install_code(cid, EMPTY_WASM, [])


def test_state_dir_store_and_restore(tmp_path):
    state_dir = str(tmp_path / "state")
    os.mkdir(state_dir)
    pic = PocketIC(SubnetConfig(application=1, nns=True, state_dir=state_dir))
    app = next(k for k, v in pic.topology().items() if v == SubnetKind.APPLICATION)
    cid = pic.create_canister(subnet=app)
    pic.add_cycles(cid, 20_000_000_000_000)
    pic.install_code(cid, EMPTY_WASM, [])
    pic.set_stable_memory(cid, b"Hello world!")
    memory = pic.get_stable_memory(cid)
    del pic

    pic = PocketIC(SubnetConfig(state_dir=state_dir))
    assert pic.get_stable_memory(cid) == memory and len(pic.topology()) == 2
    del pic

    with open(os.path.join(state_dir, "topology.json")) as f:
        folders = json.load(f)["subnet_configs"].items()
    app_folder = next(k for k, v in folders
                      if v["subnet_config"]["subnet_kind"] == SubnetKind.APPLICATION.value)
    config = SubnetConfig()
    config.add_subnet_with_state(SubnetKind.APPLICATION, os.path.join(state_dir, app_folder))
    pic = PocketIC(config)
    assert pic.get_stable_memory(cid) == memory and len(pic.topology()) == 1
