"""The pocket-ic-like test API (`pyic.testing.PocketIC`) itself."""

from __future__ import annotations

import base64
import gzip

import pytest
from ic_helpers import reject_of, spec

from pyic.candid import Principal, Record, encode
from pyic.candid.decode import decode_message
from pyic.errors import ICError, Reject
from pyic.ic.management.args import interface, method_types
from pyic.testing import PocketIC, to_principal_bytes
from pyic.universal import (
    bytes_, caller, int64, noop, reject, reply_data, reply_data_append, stable64_read, update_call,
)

# A canister that keeps its init argument and answers it to the query ``arg``.
ARG_KEEPER = """
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
"""


def wat(text: str) -> bytes:
    from pyic.wasm.binary import encode_module
    from pyic.wasm.text import parse_module
    return encode_module(parse_module(text))


@spec("pocketic-api.md: PocketIC")
def test_default_sender_is_anonymous():
    p = PocketIC()
    cid = p.install_universal_canister()
    assert p.universal_update(cid, reply_data(caller)) == b"\x04"
    assert p.get_controllers(cid) == [Principal.anonymous()]


@spec("pocketic-api.md: PocketIC")
def test_set_sender_and_back(pic, uc):
    pic.set_sender(Principal(b"\x11\x02"))
    assert pic.universal_update(uc, reply_data(caller)) == b"\x11\x02"
    pic.set_anonymous_sender()
    assert pic.universal_update(uc, reply_data(caller)) == b"\x04"


@spec("pocketic-api.md: PocketIC")
def test_principals_as_text_bytes_or_principal(pic, uc):
    text = Principal(uc).to_text()
    for form in (uc, text, Principal(uc)):
        assert pic.get_cycles_balance(form) == pic.get_cycles_balance(uc)
    with pytest.raises(ICError):
        to_principal_bytes(42)


@spec("pocketic-api.md: PocketIC")
def test_create_canister_returns_principal(pic):
    cid = pic.create_canister()
    assert isinstance(cid, Principal) and pic.check_canister_exists(cid)


@spec("pocketic-api.md: PocketIC")
def test_get_subnet_and_topology(pic, uc):
    subnet = pic.get_subnet(uc)
    assert subnet in pic.topology()
    assert pic.get_subnet(Principal.from_canister_id(12345)) is None
    assert pic.get_root_key() is None


@spec("pocketic-api.md: PocketIC")
def test_add_cycles_returns_new_balance(pic, uc):
    b = pic.get_cycles_balance(uc)
    assert pic.add_cycles(uc, 10) == b + 10


@spec("pocketic-api.md: PocketIC")
def test_cycles_of_missing_canister(pic):
    r = reject_of(pic.get_cycles_balance, Principal.from_canister_id(999))
    assert r.reject_code == 3


@spec("pocketic-api.md: PocketIC")
def test_set_and_get_stable_memory(pic, uc):
    pic.set_stable_memory(uc, b"hello")
    mem = pic.get_stable_memory(uc)
    assert mem[:5] == b"hello" and len(mem) == 65536
    assert pic.universal_query(uc, reply_data(stable64_read(int64(0), int64(5)))) == b"hello"


@spec("pocketic-api.md: PocketIC")
def test_set_stable_memory_gzip(pic, uc):
    pic.set_stable_memory(uc, gzip.compress(b"zipped"), compression="gzip")
    assert pic.get_stable_memory(uc)[:6] == b"zipped"
    with pytest.raises(ICError):
        pic.set_stable_memory(uc, b"x", compression="zstd")


@spec("pocketic-api.md: PocketIC")
def test_update_call_to_management_with_none(pic, uc):
    arg = encode((Record.of(canister_id=Principal(uc)),), method_types("canister_status")[0],
                 interface().env)
    assert pic.update_call(None, "canister_status", arg).startswith(b"DIDL")


@spec("pocketic-api.md: PocketIC")
def test_update_call_with_effective_principal_dict(pic, uc):
    arg = encode((Record.of(canister_id=Principal(uc)),), method_types("canister_status")[0],
                 interface().env)
    out = pic.update_call_with_effective_principal(
        None, {"CanisterId": base64.b64encode(uc).decode()}, "canister_status", arg)
    assert out.startswith(b"DIDL")


@spec("pocketic-api.md: PocketIC")
def test_reject_is_one_exception_type(pic, uc):
    r = reject_of(pic.universal_update, uc, reject(bytes_(b"x")))
    assert isinstance(r, Reject) and isinstance(r, ICError)
    assert (r.reject_code, r.error_code, r.message) == (4, "IC0406", "x")
    assert "reject code 4" in str(r)


@spec("pocketic-api.md: PocketIC")
def test_submit_and_await(pic, uc):
    req = pic.submit_call(uc, "update", reply_data(bytes_(b"later")).bytes())
    assert pic.ingress_status(req) is None
    assert pic.await_call(req) == b"later"
    assert pic.ingress_status(req) == b"later"


@spec("pocketic-api.md: PocketIC")
def test_ingress_status_of_reject(pic, uc):
    req = pic.submit_call(uc, "update", reject(bytes_(b"r")).bytes())
    reject_of(pic.await_call, req)
    status = pic.ingress_status(req)
    assert isinstance(status, Reject) and status.reject_code == 4


@spec("pocketic-api.md: PocketIC")
def test_await_call_of_unanswered_call(pic, uc):
    # the callee never replies: the call ends by starvation (a Reject), not by hanging
    req = pic.submit_call(uc, "update", update_call(
        uc, "update", arg=reply_data_append(bytes_(b"x")).bytes(),
        on_reply=noop, on_reject=noop).bytes())
    with pytest.raises(Reject):
        pic.await_call(req, max_rounds=3)


@spec("pocketic-api.md: PocketIC")
def test_install_code_accepts_candid_values(pic):
    cid = pic.create_canister()
    pic.install_code(cid, wat(ARG_KEEPER), [42, "text"])
    assert pic.canister_status(cid)["module_hash"] is not None
    assert decode_message(pic.query_call(cid, "arg", b""))[0] == (42, "text")


@spec("pocketic-api.md: PocketIC")
def test_create_canister_specified_id_kwarg(pic):
    want = Principal.from_canister_id(300)
    assert pic.create_canister(canister_id=want) == want


@spec("pocketic-api.md: PocketIC")
def test_bad_settings_type(pic):
    with pytest.raises(ICError):
        pic.create_canister(settings=["controllers"])
    with pytest.raises(ICError):
        pic.create_canister(settings={"log_visibility": "everyone"})


@spec("pocketic-api.md: PocketIC")
def test_canister_ids_deterministic():
    a, b = PocketIC(), PocketIC()
    assert [a.create_canister() for _ in range(3)] == [b.create_canister() for _ in range(3)]
    assert a.create_canister() == Principal.from_canister_id(3)
