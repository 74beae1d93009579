"""PocketIC instances on pyic: subnets, their ranges and fees, XNet calls, state_dir."""

from __future__ import annotations

import base64
import json
import os

import pytest

from pyic.candid import Principal, Record, encode
from pyic.ic.management.args import interface, method_types
from pyic.pocketic.config import GENESIS, build_instance
from pyic.pocketic.errors import CallRejected, InstanceError
from pyic.pocketic.topology import (
    NAMED_RANGES,
    RangeGen,
    SubnetKind,
    kind_of_canister,
    layout_new,
)
from pyic.testing import PocketIC, SubnetConfig
from pyic.universal import (
    bytes_,
    caller,
    reject,
    reply_data,
    universal_canister_wasm,
    update_call,
)


def index(text: str) -> int:
    return Principal.from_text(text).canister_counter()


def universal_on(pic: PocketIC, subnet, **settings) -> bytes:
    cid = pic.create_canister(settings or None, subnet=subnet)
    pic.install_code(cid, universal_canister_wasm(), b"")
    return cid.bytes


# ------------------------------------------------------------------ topology


def test_named_subnets_own_their_mainnet_ranges():
    assert kind_of_canister(index("rwlgt-iiaaa-aaaaa-aaaaa-cai")) == SubnetKind.NNS
    assert kind_of_canister(index("rdmx6-jaaaa-aaaaa-aaadq-cai")) == SubnetKind.II
    assert kind_of_canister(index("ryjl3-tyaaa-aaaaa-aaaba-cai")) == SubnetKind.NNS   # ledger
    assert kind_of_canister(index("g3wsl-eqaaa-aaaan-aaaaa-cai")) == SubnetKind.BITCOIN
    assert kind_of_canister(index("zzztf-6qaaa-aaaah-qfsaa-cai")) == SubnetKind.APPLICATION
    ranges = [r for rs in NAMED_RANGES.values() for r in rs]
    assert not any(a.overlaps(b) for i, a in enumerate(ranges) for b in ranges[i + 1:])


def test_fresh_ranges_come_from_the_top_and_skip_assigned_ones():
    gen = RangeGen()
    app = layout_new(SubnetKind.APPLICATION, gen)
    assert Principal.from_canister_id(app.allocation.start).to_text() \
        == "lxzze-o7777-77777-aaaaa-cai"
    nns = layout_new(SubnetKind.NNS, gen)
    assert nns.ranges == NAMED_RANGES[SubnetKind.NNS]
    assert nns.allocation.end == app.allocation.start - 1
    with pytest.raises(ValueError):
        layout_new(SubnetKind.NNS, gen)   # its mainnet ranges are taken


def test_kinds_equal_their_protocol_names():
    assert SubnetKind.VERIFIED_APPLICATION == "VerifiedApplication"
    assert SubnetKind("II") is SubnetKind.II


def test_instances_are_deterministic_and_start_at_genesis():
    a, b = (build_instance(SubnetConfig(nns=True, application=1)._json())[0] for _ in "ab")
    assert [s.subnet_id for s in a.subnets] == [s.subnet_id for s in b.subnets]
    assert a.subnets[0].kind == SubnetKind.NNS   # the NNS comes first
    assert a.time == GENESIS


def test_specified_ids_route_to_their_subnet_or_add_one():
    pic = PocketIC(SubnetConfig(application=1, ii=True))
    ii = next(k for k, v in pic.topology().items() if v == SubnetKind.II)
    cid = pic.create_canister(canister_id="rdmx6-jaaaa-aaaaa-aaadq-cai")
    assert pic.get_subnet(cid) == ii
    pic.create_canister(canister_id="g3wsl-eqaaa-aaaan-aaaaa-cai")
    assert sorted(pic.topology().values()) == ["Application", "Bitcoin", "II"]


def test_system_subnets_charge_no_creation_fee():
    pic = PocketIC(SubnetConfig(application=1, system=1))
    system = next(k for k, v in pic.topology().items() if v == SubnetKind.SYSTEM)
    app = next(k for k, v in pic.topology().items() if v == SubnetKind.APPLICATION)
    a = universal_on(pic, app)
    s = universal_on(pic, system)
    for canister, fee in ((s, 0), (a, 500_000_000_000)):
        cfg = pic.instance.route(canister).ic.cfg
        assert cfg.scale(cfg.canister_creation_fee) == fee


# ------------------------------------------------------------------ XNet


@pytest.fixture
def two():
    pic = PocketIC(SubnetConfig(application=2))
    first, second = (k for k, v in pic.topology().items() if v == SubnetKind.APPLICATION)
    return pic, first, second


def test_calls_between_subnets_are_answered(two):
    pic, first, second = two
    a, b = universal_on(pic, first), universal_on(pic, second)
    assert pic.get_subnet(a) != pic.get_subnet(b)
    out = pic.universal_update(a, update_call(b, "update", arg=reply_data(caller).bytes()))
    assert out == bytes(4) + a           # relay_reply: code 0, then what b replied: a
    out = pic.universal_update(a, update_call(b, "update", arg=reject(bytes_(b"no")).bytes()))
    assert out == (4).to_bytes(4, "little") + b"no"


def test_management_calls_go_to_the_subnet_of_their_canister(two):
    pic, first, second = two
    a = universal_on(pic, first)
    b = universal_on(pic, second, controllers=[a, pic.sender])
    arg = encode((Record.of(canister_id=Principal(b)),), method_types("canister_status")[0],
                 interface().env)
    out = pic.universal_update(a, update_call(b"", "canister_status", arg=arg))
    assert out[:4] == bytes(4) and out[4:8] == b"DIDL"


def test_calls_to_missing_canisters_on_another_subnet_are_rejected(two):
    pic, first, second = two
    a = universal_on(pic, first)
    b = universal_on(pic, second)
    missing = Principal.from_canister_id(Principal(b).canister_counter() + 100).bytes
    out = pic.universal_update(a, update_call(missing, "update", arg=b""))
    assert out[:4] == (3).to_bytes(4, "little")


# ------------------------------------------------------------------ errors and state_dir


def test_rejects_are_value_errors_and_requests_connection_errors():
    pic = PocketIC(SubnetConfig(application=1))
    with pytest.raises(InstanceError) as info:
        pic.get_cycles_balance("2vxsx-fae")
    assert isinstance(info.value, ConnectionError) and isinstance(info.value, ValueError)
    cid = pic.create_canister()
    with pytest.raises(CallRejected) as info:
        pic.update_call(cid, "go", b"")
    assert isinstance(info.value, ValueError) and info.value.reject_code == 5
    with pytest.raises(InstanceError):
        pic.update_call_with_effective_principal(None, {"Elsewhere": "AA=="}, "go", b"")


def test_state_dir_layout(tmp_path):
    state = tmp_path / "state"
    pic = PocketIC(SubnetConfig(application=1, nns=True, state_dir=str(state)))
    cid = pic.create_canister()
    pic.close()
    with open(state / "topology.json") as f:
        topology = json.load(f)
    assert len(topology["subnet_configs"]) == 2
    for folder in topology["subnet_configs"]:
        assert sorted(os.listdir(state / folder)) == ["state.db", "subnet.json"]
    again = PocketIC(SubnetConfig(state_dir=str(state)))
    assert again.check_canister_exists(cid)
    assert again.create_canister() != cid   # the allocation counter was kept


def test_bad_state_and_configs_are_refused(tmp_path):
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "x").write_text("not a state")
    config = SubnetConfig()
    config.add_subnet_with_state(SubnetKind.APPLICATION, str(tmp_path / "junk"))
    with pytest.raises(InstanceError):
        PocketIC(config)
    with pytest.raises(InstanceError):
        PocketIC(SubnetConfig(application=1, state_dir=str(tmp_path / "junk")))
    with pytest.raises(ValueError):
        SubnetConfig(state_dir=str(tmp_path / "empty-and-missing")).validate()


def test_the_in_process_server_is_the_servers_code():
    pic = PocketIC(SubnetConfig(application=1))
    server, instance_id = pic.server, pic.instance_id
    assert server.instance_get("read/get_time", instance_id) == pic.get_time()
    cid = pic.create_canister()
    body = {"canister_id": base64.b64encode(cid.bytes).decode(), "amount": 5}
    assert server.instance_post("update/add_cycles", instance_id, body)["cycles"] \
        == pic.get_cycles_balance(cid)
    deleted = server.list_instances().count("Deleted")
    del pic
    assert server.list_instances().count("Deleted") == deleted + 1
    with pytest.raises(InstanceError):
        server.instance_get("read/get_time", instance_id)


def test_root_key_verifies_the_data_certificates_of_every_subnet():
    """``get_root_key`` is the key the instance's certificates verify with: a
    canister's certified data, read through ``ic0.data_certificate_copy`` in a
    query on an application subnet, verifies under the NNS root key."""
    from pyic.http import certificate
    from pyic.http.hash_tree import Found, lookup_path
    from pyic.pocketic.config import SubnetConfig
    from pyic.testing import PocketIC
    import pyic.universal as U
    pic = PocketIC(SubnetConfig(nns=True, application=1))
    root_key = pic.get_root_key()
    assert root_key is not None and len(root_key) == 133
    cid = pic.install_universal_canister()          # on the application subnet
    pic.universal_update(cid, U.set_certified_data(b"vouched") >> U.reply)
    cert = certificate.decode(pic.universal_query(cid, U.reply_data(U.get_certificate)))
    assert certificate.verify_cert(cert, root_key)
    found = lookup_path([b"canister", cid.bytes, b"certified_data"], cert.tree)
    assert isinstance(found, Found) and found.value == b"vouched"
