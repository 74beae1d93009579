"""Spec.hs's "certified variables" group over HTTP: the data certificate a
query gets (``ic0.data_certificate_copy``) is decoded, and
``/canister/<cid>/certified_data`` read from its tree; "validates" checks its
BLS signature under the root key from ``/api/v2/status``.  (tests/ic/ref
part c ports the same scenarios through `pyic.testing.PocketIC`.)"""

from __future__ import annotations

import pytest
from harness import Rejected, Reply, ref_test
from ref_agent import DEFAULT_USER, mgmt_arg

import pyic.universal as U
from pyic.candid import Principal
from pyic.http import certificate
from pyic.http.hash_tree import Found, lookup_path

RC = "Interface Spec acceptance tests/regular canisters/"


def cert_value(cert, path) -> bytes:
    found = lookup_path(path, cert.tree)
    if not isinstance(found, Found):
        pytest.fail(f"{path!r}: {found!r}")
    return found.value


CV = RC + "certified variables/"


def extract_cert_data(ic, cid: bytes, blob: bytes) -> bytes:
    """``extractCertData``: decode the query's data certificate and read
    ``/canister/<cid>/certified_data`` from it."""
    cert = certificate.decode(blob)
    return cert_value(cert, [b"canister", cid, b"certified_data"])


def certified(ic, cid: bytes) -> bytes:
    return extract_cert_data(ic, cid, ic.query(cid, U.reply_data(U.get_certificate)))


@ref_test(CV + "initially empty")
def test_cv_initially_empty(ic, cid):
    assert certified(ic, cid) == b""


@ref_test(CV + "validates")
def test_cv_validates(ic, cid):
    ic.call(cid, U.set_certified_data(b"FOO") >> U.reply)
    cert = certificate.decode(ic.query(cid, U.reply_data(U.get_certificate)))
    ic.validate_state_cert(cert)
    assert cert_value(cert, [b"canister", cid, b"certified_data"]) == b"FOO"


@ref_test(CV + "present in query method (query call)")
def test_cv_present_in_query(ic, cid):
    assert ic.query(cid, U.reply_data(U.i2b(U.get_certificate_present))) == b"\x01\x00\x00\x00"


@ref_test(CV + "not present in query method (update call)")
def test_cv_not_present_in_query_as_update(ic, cid):
    r = ic.await_call(cid, {"request_type": "call", "sender": DEFAULT_USER, "canister_id": cid,
                            "method_name": "query",
                            "arg": U.run(U.reply_data(U.i2b(U.get_certificate_present)))})
    assert r == Reply(b"\x00\x00\x00\x00")


@ref_test(CV + "not present in query method (inter-canister call)")
def test_cv_not_present_inter_canister(ic, cid):
    prog = U.inter_call(cid, "query", U.def_args(
        other_side=U.reply_data(U.i2b(U.get_certificate_present))))
    data = ic.call(cid, prog)
    assert data[:4] == b"\x00\x00\x00\x00" and data[4:] == b"\x00\x00\x00\x00", data


@ref_test(CV + "not present in update method")
def test_cv_not_present_in_update(ic, cid):
    assert ic.call(cid, U.reply_data(U.i2b(U.get_certificate_present))) == b"\x00\x00\x00\x00"


@ref_test(CV + "set and get")
def test_cv_set_and_get(ic, cid):
    ic.call(cid, U.set_certified_data(b"FOO") >> U.reply)
    assert certified(ic, cid) == b"FOO"


@ref_test(CV + "set twice")
def test_cv_set_twice(ic, cid):
    ic.call(cid, U.set_certified_data(b"FOO") >> U.set_certified_data(b"BAR") >> U.reply)
    assert certified(ic, cid) == b"BAR"


@ref_test(CV + "set then trap")
def test_cv_set_then_trap(ic, cid):
    ic.call(cid, U.set_certified_data(b"FOO") >> U.reply)
    r = ic.call_(cid, U.set_certified_data(b"BAR") >> U.trap(b"Trapped"))
    assert isinstance(r, Rejected) and r.code == 5, r
    assert certified(ic, cid) == b"FOO"


@ref_test(CV + "too large traps, old value retained")
def test_cv_too_large(ic, cid):
    ic.call(cid, U.set_certified_data(b"FOO") >> U.reply)
    r = ic.call_(cid, U.set_certified_data(b"\x42" * 33) >> U.reply)
    assert isinstance(r, Rejected) and r.code == 5, r
    assert certified(ic, cid) == b"FOO"


@ref_test(CV + "set in init")
def test_cv_set_in_init(ic, ecid):
    cid = ic.install(ecid, U.set_certified_data(b"FOO"))
    assert certified(ic, cid) == b"FOO"


def _upgrade(ic, cid, prog, mode="upgrade"):
    r = ic.install_module(cid, U.universal_canister_wasm(), U.run(prog), mode=mode)
    assert r == Reply(b"DIDL\x00\x00"), r


@ref_test(CV + "set in pre-upgrade")
def test_cv_set_in_pre_upgrade(ic, ecid):
    cid = ic.install(ecid, U.on_pre_upgrade(U.callback(U.set_certified_data(b"FOO"))))
    _upgrade(ic, cid, U.noop)
    assert certified(ic, cid) == b"FOO"


@ref_test(CV + "set in post-upgrade")
def test_cv_set_in_post_upgrade(ic, cid):
    _upgrade(ic, cid, U.set_certified_data(b"FOO"))
    assert certified(ic, cid) == b"FOO"


@ref_test(CV + "cleared in reinstall")
def test_cv_cleared_in_reinstall(ic, cid):
    ic.call(cid, U.set_certified_data(b"FOO") >> U.reply)
    assert certified(ic, cid) == b"FOO"
    _upgrade(ic, cid, U.noop, mode="reinstall")
    assert certified(ic, cid) == b""


@ref_test(CV + "cleared in uninstall")
def test_cv_cleared_in_uninstall(ic, cid):
    ic.call(cid, U.set_certified_data(b"FOO") >> U.reply)
    assert certified(ic, cid) == b"FOO"
    assert isinstance(ic.ic00_(cid, "uninstall_code",
                               mgmt_arg("uninstall_code", canister_id=Principal(cid))), Reply)
    _upgrade(ic, cid, U.noop, mode="install")
    assert certified(ic, cid) == b""
