"""What canisters see of certification: the root key (``ic0.root_key_copy``), the
subnet id (``ic0.subnet_self_copy``) and the data certificate they sign with
(canister-interface.md, "Certified data"; abstract-behavior.md, "The system state":
``S.root_key``)."""

from __future__ import annotations

import pytest

from pyic.candid import Principal
from pyic.wasm.binary import encode_module
from pyic.wasm.text import parse_module

# Replies with what ic0.<name>_size/_copy give: "root_key" and "subnet" in updates,
# "certificate" (the data certificate) in a query.
CERTIFICATION_WAT = """
(module
  (import "ic0" "root_key_size" (func $root_key_size (result i32)))
  (import "ic0" "root_key_copy" (func $root_key_copy (param i32 i32 i32)))
  (import "ic0" "subnet_self_size" (func $subnet_self_size (result i32)))
  (import "ic0" "subnet_self_copy" (func $subnet_self_copy (param i32 i32 i32)))
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
  (func (export "canister_query certificate")
    (call $data_certificate_copy (i32.const 0) (i32.const 0) (call $data_certificate_size))
    (call $append (i32.const 0) (call $data_certificate_size))
    (call $reply)))
"""


@pytest.fixture
def certified(pic):
    cid = pic.create_canister()
    pic.install_code(cid, encode_module(parse_module(CERTIFICATION_WAT)), b"")
    return cid


@pytest.mark.spec("Abstract Canisters to System API")
def test_root_key_copy_gives_the_key_the_data_certificate_verifies_with(pic, certified):
    from pyic.http.certificate import decode, verify_cert
    from pyic.http.keys import derive
    root_key = pic.update_call(certified, "root_key", b"")
    # a DER-encoded BLS12-381 public key (an OID prefix, then the 96-byte G2 point)
    assert len(root_key) == 133 and root_key.startswith(b"\x30\x81\x82\x30\x1d")
    assert root_key == derive(pic.ic.state.seed).root_key    # what /api/v2/status gives
    cert = pic.query_call(certified, "certificate", b"")
    assert verify_cert(decode(cert), root_key)
    assert not verify_cert(decode(cert), derive(b"another seed").root_key)


@pytest.mark.spec("Abstract Canisters to System API")
def test_subnet_self_is_the_subnet_the_certificates_name(pic, certified):
    from pyic.http.certifier import full_tree
    from pyic.http.hash_tree import Found, lookup_path
    subnet = pic.update_call(certified, "subnet", b"")
    root_key = pic.update_call(certified, "root_key", b"")
    assert subnet == Principal.self_authenticating(root_key).bytes
    # the state tree certificates reveal: /subnet/<id>/public_key is the root key
    tree = full_tree(pic.ic.state)
    assert lookup_path([b"subnet", subnet, b"public_key"], tree) == Found(root_key)


@pytest.mark.spec("Abstract Canisters to System API")
def test_root_key_copy_gives_what_pocketic_get_root_key_gives():
    from pyic.testing import PocketIC, SubnetConfig
    pic = PocketIC(SubnetConfig(nns=True, application=1))
    cid = pic.create_canister()
    pic.add_cycles(cid, 10**13)
    pic.install_code(cid, encode_module(parse_module(CERTIFICATION_WAT)), b"")
    assert pic.update_call(cid, "root_key", b"") == pic.get_root_key()


@pytest.mark.spec("The system state")
def test_the_default_seeds_written_out_root_key_is_the_derived_one():
    """certification.DEFAULT_ROOT_KEY spares the BLS library's import; it must be exactly
    what the keys derive from the default seed, and a creation must not need that import."""
    import subprocess
    import sys

    from pyic.http.keys import derive
    from pyic.ic import certification
    certification.root_key.cache_clear()
    assert certification.DEFAULT_ROOT_KEY == derive(certification.DEFAULT_SEED).root_key
    assert certification.root_key(b"another seed") == derive(b"another seed").root_key
    # a query whose canister never reads its data certificate does not sign one either
    code = ("import sys\nfrom pyic.testing import PocketIC\n"
            "from pyic.wasm.binary import encode_module\nfrom pyic.wasm.text import parse_module\n"
            "pic = PocketIC()\nc = pic.create_canister()\npic.add_cycles(c, 10**13)\n"
            "pic.install_code(c, encode_module(parse_module('(module (import \"ic0\" "
            "\"msg_reply\" (func $r)) (func (export \"canister_query q\") (call $r)))')), b'')\n"
            "assert pic.query_call(c, 'q', b'') == b''\n"
            "print('py_ecc' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"
