"""``Spec.hs``, testGroup "certified variables": what a canister certifies
with ``ic0.certified_data_set`` and when it sees a data certificate
(interface spec, canister-interface.md "Certified data"; the state's
``certified_data`` in abstract-behavior.md).

The certificate's content is read through `extract_cert_data` (its tree's
``/canister/<id>/certified_data``); "validates" checks its BLS signature
against the instance's root key (pyic.http).
"""

from __future__ import annotations

import pyic.universal as uc
from harness import is_relay, is_reject, is_reply, ref_test
from _c_helpers import CBOR_SELF_DESCRIBE, SPEC_ROOT, cert_data

G = SPEC_ROOT + "certified variables/"

get_certificate_present = uc.reply_data(uc.i2b(uc.get_certificate_present))


@ref_test(G + "initially empty")
def test_initially_empty(ref):
    cid = ref.install()
    assert cert_data(ref, cid) == b""


@ref_test(G + "validates")
def test_validates(ref):
    from pyic.http.certificate import decode, verify_cert
    from pyic.http.keys import derive
    cid = ref.install()
    uc_cert = ref.query(cid, uc.reply_data(uc.get_certificate))
    # decodeCert' >>= validateStateCert: CBOR tagged 55799, signed with the root key.
    assert uc_cert.startswith(CBOR_SELF_DESCRIBE), f"not a certificate: {uc_cert!r}"
    assert verify_cert(decode(uc_cert), derive(ref.pic.ic.state.seed).root_key)


@ref_test(G + "present in query method (query call)")
def test_present_in_query_method_query_call(ref):
    cid = ref.install()
    assert ref.query(cid, get_certificate_present) == b"\x01\x00\x00\x00"


@ref_test(G + "not present in query method (update call)")
def test_not_present_in_query_method_update_call(ref):
    cid = ref.install()
    assert is_reply(ref.call_to_query_(cid, get_certificate_present)) == b"\x00\x00\x00\x00"


@ref_test(G + "not present in query method (inter-canister call)")
def test_not_present_in_query_method_inter_canister_call(ref):
    cid = ref.install()
    r = ref.call(cid, uc.inter_call(cid, "query", uc.CallArgs(other_side=get_certificate_present)))
    assert is_reply(is_relay(r)) == b"\x00\x00\x00\x00"


@ref_test(G + "not present in update method")
def test_not_present_in_update_method(ref):
    cid = ref.install()
    assert ref.call(cid, get_certificate_present) == b"\x00\x00\x00\x00"


@ref_test(G + "set and get")
def test_set_and_get(ref):
    cid = ref.install()
    ref.call_unit(cid, uc.set_certified_data(b"FOO") >> uc.reply)
    assert cert_data(ref, cid) == b"FOO"


@ref_test(G + "set twice")
def test_set_twice(ref):
    cid = ref.install()
    ref.call_unit(cid, uc.set_certified_data(b"FOO") >> uc.set_certified_data(b"BAR") >> uc.reply)
    assert cert_data(ref, cid) == b"BAR"


@ref_test(G + "set then trap")
def test_set_then_trap(ref):
    cid = ref.install()
    ref.call_unit(cid, uc.set_certified_data(b"FOO") >> uc.reply)
    is_reject([5], ref.call_(cid, uc.set_certified_data(b"BAR") >> uc.trap(b"Trapped")))
    assert cert_data(ref, cid) == b"FOO"


@ref_test(G + "too large traps, old value retained")
def test_too_large_traps_old_value_retained(ref):
    cid = ref.install()
    ref.call_unit(cid, uc.set_certified_data(b"FOO") >> uc.reply)
    # 33 bytes: one more than certified_data_set accepts.
    is_reject([5], ref.call_(cid, uc.set_certified_data(b"\x42" * 33) >> uc.reply))
    assert cert_data(ref, cid) == b"FOO"


@ref_test(G + "set in init")
def test_set_in_init(ref):
    cid = ref.install(uc.set_certified_data(b"FOO"))
    assert cert_data(ref, cid) == b"FOO"


@ref_test(G + "set in pre-upgrade")
def test_set_in_pre_upgrade(ref):
    cid = ref.install(uc.on_pre_upgrade(uc.callback(uc.set_certified_data(b"FOO"))))
    ref.upgrade(cid, uc.noop)
    assert cert_data(ref, cid) == b"FOO"


@ref_test(G + "set in post-upgrade")
def test_set_in_post_upgrade(ref):
    cid = ref.install()
    ref.upgrade(cid, uc.set_certified_data(b"FOO"))
    assert cert_data(ref, cid) == b"FOO"


@ref_test(G + "cleared in reinstall")
def test_cleared_in_reinstall(ref):
    cid = ref.install()
    ref.call_unit(cid, uc.set_certified_data(b"FOO") >> uc.reply)
    assert cert_data(ref, cid) == b"FOO"
    ref.reinstall(cid, uc.noop)
    assert cert_data(ref, cid) == b""


@ref_test(G + "cleared in uninstall")
def test_cleared_in_uninstall(ref):
    cid = ref.install()
    ref.call_unit(cid, uc.set_certified_data(b"FOO") >> uc.reply)
    assert cert_data(ref, cid) == b"FOO"
    ref.ic_uninstall(ref.ic00, cid)
    ref.install_at(cid, uc.noop)
    assert cert_data(ref, cid) == b""
