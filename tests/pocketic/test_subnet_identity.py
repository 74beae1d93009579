"""One identity per subnet (certification.md "Delegation"; index.md "Subnet information"):
the subnet id the topology reports is the id the subnet's certificates name and its
canisters see (``ic0.subnet_self_copy``); a non-root subnet's certificates carry the
root subnet's delegation and verify under the instance's one root key -- with
pyic's verifier and with a real agent (``@dfinity/agent``) -- and the keys and ids
are the same on every run and after a state directory is reopened."""

from __future__ import annotations

import base64
import json
import pathlib
import shutil
import subprocess
import sys

import pytest

from pyic.candid import Principal
from pyic.http import cbor, certificate
from pyic.http.certifier import full_tree
from pyic.http.hash_tree import Found, flatten_forks, lookup_path, lookup_subtree
from pyic.ic.certification import DEFAULT_ROOT_KEY
from pyic.pocketic.config import SubnetConfig, SubnetKind
from pyic.pocketic.rest import topology_json
from pyic.testing import PocketIC
from pyic.wasm.binary import encode_module
from pyic.wasm.text import parse_module

# "root_key" / "subnet": what ic0.root_key_copy / ic0.subnet_self_copy give; "certify":
# sets the certified data to the argument; "certificate" (a query): the data certificate.
IDENTITY_WASM = encode_module(parse_module("""
(module
  (import "ic0" "root_key_size" (func $root_key_size (result i32)))
  (import "ic0" "root_key_copy" (func $root_key_copy (param i32 i32 i32)))
  (import "ic0" "subnet_self_size" (func $subnet_self_size (result i32)))
  (import "ic0" "subnet_self_copy" (func $subnet_self_copy (param i32 i32 i32)))
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "certified_data_set" (func $certified_data_set (param i32 i32)))
  (import "ic0" "data_certificate_size" (func $data_certificate_size (result i32)))
  (import "ic0" "data_certificate_copy" (func $data_certificate_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (memory 1)
  (func (export "canister_update root_key")
    (call $root_key_copy (i32.const 0) (i32.const 0) (call $root_key_size))
    (call $append (i32.const 0) (call $root_key_size))
    (call $reply))
  (func (export "canister_update subnet")
    (call $subnet_self_copy (i32.const 0) (i32.const 0) (call $subnet_self_size))
    (call $append (i32.const 0) (call $subnet_self_size))
    (call $reply))
  (func (export "canister_update certify")
    (call $arg_copy (i32.const 0) (i32.const 0) (call $arg_size))
    (call $certified_data_set (i32.const 0) (call $arg_size))
    (call $reply))
  (func (export "canister_query certificate")
    (call $data_certificate_copy (i32.const 0) (i32.const 0) (call $data_certificate_size))
    (call $append (i32.const 0) (call $data_certificate_size))
    (call $reply)))
"""))

JS = pathlib.Path(__file__).resolve().parents[1] / "clients" / "js"
NNS_CANISTER = Principal.from_text("rwlgt-iiaaa-aaaaa-aaaaa-cai").bytes


def install_on(pic, subnet) -> Principal:
    cid = pic.create_canister(subnet=subnet)
    pic.add_cycles(cid, 10**13)
    pic.install_code(cid, IDENTITY_WASM, b"")
    return cid


def certificate_of(pic, cid, data: bytes = b"vouched") -> certificate.Certificate:
    pic.update_call(cid, "certify", data)
    return certificate.decode(pic.query_call(cid, "certificate", b""))


@pytest.fixture(scope="module")
def three():
    """An instance of an NNS and two application subnets, a canister on each."""
    pic = PocketIC(SubnetConfig(nns=True, application=2))
    cids = {subnet: install_on(pic, subnet) for subnet in pic.topology()}
    return pic, cids


def test_topology_ids_are_the_ids_canisters_and_certificates_name(three):
    pic, cids = three
    root_key = pic.get_root_key()
    assert pic.instance.root_key() == root_key
    nns = next(p for p, kind in pic.topology().items() if kind == SubnetKind.NNS)
    assert len({p.bytes for p in cids}) == 3
    for subnet, cid in cids.items():
        assert pic.get_subnet(cid) == subnet
        assert pic.update_call(cid, "subnet", b"") == subnet.bytes
        # one root key: every subnet's canisters see the NNS subnet's key
        assert pic.update_call(cid, "root_key", b"") == root_key
        own_key = pic.instance.public_key(subnet.bytes)
        assert subnet.bytes == Principal.self_authenticating(own_key).bytes
        # the subnet's whole state tree: its own key and ranges, as its certificates name it
        tree = full_tree(pic.instance.subnet_by_id(subnet.bytes).ic.state,
                         subnets=pic.instance.subnet_infos())
        assert lookup_path([b"subnet", subnet.bytes, b"public_key"], tree) == Found(own_key)
        assert certificate.in_scope(tree, subnet.bytes, cid.bytes)
        # the topology's nodes are the nodes the tree lists, with their keys
        config = topology_json(pic.instance)["subnet_configs"][subnet.to_text()]
        node_ids = [base64.b64decode(n["node_id"]) for n in config["node_ids"]]
        listed = flatten_forks(lookup_subtree([b"subnet", subnet.bytes, b"node"], tree))
        assert sorted(node_ids) == [n.label for n in listed] and len(node_ids) == config["size"]
        key = lookup_path([b"subnet", subnet.bytes, b"node", node_ids[0], b"public_key"], tree)
        assert Principal.self_authenticating(key.value).bytes == node_ids[0]
        cert = certificate_of(pic, cid)
        assert lookup_path([b"canister", cid.bytes, b"certified_data"], cert.tree) \
            == Found(b"vouched")
        if subnet == nns:
            assert cert.delegation is None
            assert own_key == root_key
        else:
            assert cert.delegation is not None and cert.delegation.subnet_id == subnet.bytes
            assert own_key != root_key
            inner = certificate.decode(cert.delegation.certificate)
            assert inner.delegation is None
            assert lookup_path([b"subnet", subnet.bytes, b"public_key"], inner.tree) \
                == Found(own_key)
            assert certificate.in_scope(inner.tree, subnet.bytes, cid.bytes)
            assert not certificate.in_scope(inner.tree, subnet.bytes, NNS_CANISTER)
        assert certificate.verify_cert(cert, root_key, cid.bytes)


def test_pyics_single_subnet_is_its_own_root():
    """``PocketIC()`` (pyic's one subnet) keeps the default seed's key as its root key,
    and the topology names the subnet its canisters see; no delegation."""
    pic = PocketIC()
    (subnet,) = pic.topology()
    cid = pic.create_canister()
    pic.add_cycles(cid, 10**13)
    pic.install_code(cid, IDENTITY_WASM, b"")
    assert pic.get_subnet(cid) == subnet
    assert pic.update_call(cid, "subnet", b"") == subnet.bytes
    assert pic.update_call(cid, "root_key", b"") == DEFAULT_ROOT_KEY == pic.instance.root_key()
    cert = certificate_of(pic, cid)
    assert cert.delegation is None
    assert certificate.verify_cert(cert, DEFAULT_ROOT_KEY, cid.bytes)


def test_a_tampered_or_misused_delegation_fails(three):
    pic, cids = three
    root_key = pic.get_root_key()
    subnet, cid = next((s, c) for s, c in cids.items()
                       if pic.topology()[s] == SubnetKind.APPLICATION)
    cert = certificate_of(pic, cid, b"tampered with")
    assert certificate.verify_cert(cert, root_key, cid.bytes)
    d = cert.delegation
    # the delegation's certificate with one bit of its signature flipped
    raw = cbor.decode(d.certificate)
    raw["signature"] = bytes([raw["signature"][0] ^ 1]) + raw["signature"][1:]
    tampered = certificate.Certificate(cert.tree, cert.signature,
                                       certificate.Delegation(d.subnet_id, cbor.encode(raw)))
    assert not certificate.verify_cert(tampered, root_key)
    # a delegation that is not a certificate at all
    assert not certificate.verify_cert(certificate.Certificate(
        cert.tree, cert.signature, certificate.Delegation(d.subnet_id, b"\x00")), root_key)
    # another subnet's id: the key found for it is not the one that signed
    other = next(s for s in cids if s != subnet)
    assert not certificate.verify_cert(certificate.Certificate(
        cert.tree, cert.signature, certificate.Delegation(other.bytes, d.certificate)), root_key)
    # no delegation: the subnet's key is not the root key
    assert not certificate.verify_cert(certificate.Certificate(cert.tree, cert.signature),
                                       root_key)
    # out of scope: the delegation does not cover an NNS canister
    assert not certificate.verify_cert(cert, root_key, NNS_CANISTER)
    # a wrong root key
    assert not certificate.verify_cert(cert, pic.instance.public_key(subnet.bytes))


def test_the_same_config_gives_the_same_keys_and_ids_in_every_process():
    code = ("from pyic.testing import PocketIC, SubnetConfig\n"
            "pic = PocketIC(SubnetConfig(nns=True, application=2, ii=True))\n"
            "print(sorted((p.to_text(), pic.instance.public_key(p.bytes).hex())"
            " for p in pic.topology()))\n")
    here = PocketIC(SubnetConfig(nns=True, application=2, ii=True))
    expected = sorted((p.to_text(), here.instance.public_key(p.bytes).hex())
                      for p in here.topology())
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, timeout=120).stdout
    assert out.strip() == str(expected)
    assert len({key for _, key in expected}) == 4
    # another layout: other ids
    other = PocketIC(SubnetConfig(application=1))
    assert not set(other.topology()) & set(here.topology())


def test_a_reopened_state_dir_keeps_ids_keys_and_delegations(tmp_path):
    state = tmp_path / "state"
    pic = PocketIC(SubnetConfig(nns=True, application=1, state_dir=str(state)))
    topology, root_key = pic.topology(), pic.get_root_key()
    app = next(p for p, kind in topology.items() if kind == SubnetKind.APPLICATION)
    cid = install_on(pic, app)
    keys = {p: pic.instance.public_key(p.bytes) for p in topology}
    pic.close()
    again = PocketIC(SubnetConfig(state_dir=str(state)))
    assert again.topology() == topology
    assert {p: again.instance.public_key(p.bytes) for p in topology} == keys
    assert again.get_root_key() == root_key
    assert again.update_call(cid, "subnet", b"") == app.bytes
    assert again.update_call(cid, "root_key", b"") == root_key
    cert = certificate_of(again, cid)
    assert cert.delegation.subnet_id == app.bytes
    assert certificate.verify_cert(cert, root_key, cid.bytes)


def test_a_subnet_brought_into_an_instance_with_an_nns_is_delegated_to_it(tmp_path):
    """An application subnet saved where it was the root (no NNS) keeps its id and key
    in an instance with an NNS subnet, which becomes its root of trust."""
    state = tmp_path / "alone"
    alone = PocketIC(SubnetConfig(application=1, state_dir=str(state)))
    (app,) = alone.topology()
    cid = install_on(alone, app)
    assert alone.update_call(cid, "root_key", b"") == alone.instance.public_key(app.bytes)
    assert certificate_of(alone, cid).delegation is None
    alone.close()
    folder = json.loads((state / "topology.json").read_text())["subnet_configs"]
    config = SubnetConfig(nns=True)
    config.add_subnet_with_state(SubnetKind.APPLICATION, str(state / next(iter(folder))))
    pic = PocketIC(config)
    assert app in pic.topology()
    assert pic.instance.public_key(app.bytes) == alone.instance.public_key(app.bytes)
    root_key = pic.get_root_key()
    assert root_key != alone.instance.public_key(app.bytes)
    assert pic.update_call(cid, "root_key", b"") == root_key
    assert pic.update_call(cid, "subnet", b"") == app.bytes
    cert = certificate_of(pic, cid)
    assert cert.delegation.subnet_id == app.bytes
    assert certificate.verify_cert(cert, root_key, cid.bytes)


# ------------------------------------------------------------------ real clients

AGENT_CHECK = """
import { Certificate } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
const c = JSON.parse(process.argv[1]);
const unhex = (h) => Uint8Array.from(h.match(/../g).map((b) => parseInt(b, 16)));
const verify = (canisterId) => Certificate.create({
  certificate: unhex(c.certificate), rootKey: unhex(c.root_key),
  canisterId: Principal.fromText(canisterId),
  // PocketIC's clock starts in 2021: the agent would find the certificate stale
  disableTimeVerification: true });
const out = {};
const cert = await verify(c.canister);
out.certified_data = Buffer.from(cert.lookup_path(
  ['canister', Principal.fromText(c.canister).toUint8Array(), 'certified_data']).value
).toString('hex');
for (const [name, id, key] of [['other_canister', c.other, c.root_key],
                               ['wrong_root_key', c.canister, c.subnet_key]]) {
  try {
    await Certificate.create({ certificate: unhex(c.certificate), rootKey: unhex(key),
                               canisterId: Principal.fromText(id),
                               disableTimeVerification: true });
    out[name] = 'accepted';
  } catch (e) { out[name] = 'refused: ' + e.message.split('\\n')[0]; }
}
console.log(JSON.stringify(out));
"""


def test_the_real_clients_verify_a_certificate_of_a_non_root_subnet(server):
    """The ``pocket-ic`` client on ``pyic-pocket-ic-server``: a canister on an application
    subnet of an instance with an NNS subnet; its data certificate (a delegated one) is
    verified by ``@dfinity/agent`` against the root key the client reports."""
    import ic
    from pocket_ic import PocketIC as RealPocketIC
    from pocket_ic import SubnetConfig as RealSubnetConfig
    from pocket_ic import SubnetKind as RealSubnetKind
    node = shutil.which("node")
    assert node, "node is not installed (.ci/run expects Node 20)"
    assert (JS / "node_modules" / "@dfinity" / "agent").is_dir(), \
        "run `npm ci` in tests/clients/js (.ci/run does)"
    pic = RealPocketIC(RealSubnetConfig(nns=True, application=1))
    app = next(p for p, kind in pic.topology().items() if kind == RealSubnetKind.APPLICATION)
    cid = pic.create_canister(subnet=app)
    pic.add_cycles(cid, 10**13)
    pic.install_code(cid, IDENTITY_WASM, [])
    assert pic.get_subnet(cid).bytes == app.bytes
    assert bytes(pic.update_call(cid, "subnet", b"")) == app.bytes
    root_key = pic.get_root_key()
    assert bytes(pic.update_call(cid, "root_key", b"")) == root_key
    pic.update_call(cid, "certify", b"seen by an agent")
    raw = bytes(pic.query_call(cid, "certificate", b""))
    cert = certificate.decode(raw)
    assert cert.delegation is not None and cert.delegation.subnet_id == app.bytes
    assert certificate.verify_cert(cert, root_key, cid.bytes)
    subnet_key = pub_key(pic, app)
    assert subnet_key != root_key
    args = json.dumps({"certificate": raw.hex(), "root_key": root_key.hex(),
                       "subnet_key": subnet_key.hex(), "canister": cid.to_str(),
                       "other": ic.Principal.from_str("rwlgt-iiaaa-aaaaa-aaaaa-cai").to_str()})
    r = subprocess.run([node, "--input-type=module", "-e", AGENT_CHECK, args], cwd=JS,
                       check=False, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["certified_data"] == b"seen by an agent".hex()
    assert out["other_canister"].startswith("refused"), out
    assert out["wrong_root_key"].startswith("refused"), out


def pub_key(pic, subnet) -> bytes:
    """``read/pub_key`` of ``subnet``, as the client asks it for the NNS's."""
    import base64
    body = {"subnet_id": base64.b64encode(subnet.bytes).decode()}
    return bytes(pic.server.instance_post("read/pub_key", pic.instance_id, body))
