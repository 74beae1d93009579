"""``Spec.hs``, testGroup "read state": the scenarios about the canister
state that ``read_state`` exposes, checked through the management canister.

ic-hs reads ``/canister/<cid>/controllers``, ``module_hash`` and ``metadata/<name>``
from a certified state tree.  pyic has no ``read_state`` (docs/ic-rules.md);
the same state is what ``canister_info`` (controllers, module hash) and
``canister_metadata`` (custom sections) report to a canister
(management-canister.md), so these ports call them from a universal canister.
What is dropped (the HTTP request, the certificate, access by user
principals) is listed in NOT_PORTED_c.md; the scenarios about request ids,
paths and certificates themselves are not ported.
"""

from __future__ import annotations

import hashlib

from harness import DEFAULT_USER, OTHER_USER, is_err_or_reject, is_reject, ref_test
from _c_helpers import (
    SPEC_ROOT, create_controlled_by, ic_canister_metadata, ic_canister_metadata_, with_sections,
)

G = SPEC_ROOT + "read state/"
M = G + "metadata/"


def controllers_of(ref, reader: bytes, cid: bytes) -> set[bytes]:
    """The controllers of ``cid`` that ``canister_info``, called by the
    canister ``reader``, reports (``isSet``: order does not matter)."""
    info = ref.ic_canister_info(ref.ic00via(reader), cid)
    return {p.bytes for p in info["controllers"]}


def module_hash_of(ref, reader: bytes, cid: bytes):
    return ref.ic_canister_info(ref.ic00via(reader), cid)["module_hash"]


@ref_test(G + "controller of empty canister")
def test_controller_of_empty_canister(ref):
    cid = ref.create()
    reader = ref.install()
    assert controllers_of(ref, reader, cid) == {DEFAULT_USER}


@ref_test(G + "module_hash of empty canister")
def test_module_hash_of_empty_canister(ref):
    cid = ref.create()
    reader = ref.install()
    # read_state: the path is absent; canister_info: module_hash = null.
    assert module_hash_of(ref, reader, cid) is None


@ref_test(G + "single controller of installed canister")
def test_single_controller_of_installed_canister(ref):
    cid = ref.install()
    # ic-hs varies the reader (the anonymous user): here another canister.
    reader = ref.install()
    assert controllers_of(ref, reader, cid) == {DEFAULT_USER}


@ref_test(G + "multiple controllers of installed canister")
def test_multiple_controllers_of_installed_canister(ref):
    cid = create_controlled_by(ref, [DEFAULT_USER, OTHER_USER])
    reader = ref.install()
    assert controllers_of(ref, reader, cid) == {DEFAULT_USER, OTHER_USER}


@ref_test(G + "zero controllers of installed canister")
def test_zero_controllers_of_installed_canister(ref):
    cid = create_controlled_by(ref, [])
    reader = ref.install()
    assert controllers_of(ref, reader, cid) == set()


@ref_test(G + "module_hash of universal canister")
def test_module_hash_of_universal_canister(ref):
    cid = ref.install()
    reader = ref.install()
    assert module_hash_of(ref, reader, cid) == hashlib.sha256(ref.wasm).digest()


# ------------------------------------------------------------------ metadata
# canister-interface.md "Canister module format": custom sections named
# "icp:public <name>" / "icp:private <name>", unique names, valid UTF-8;
# management-canister.md "canister_metadata": public to every canister,
# private to controllers.


def install_module(ref, module: bytes, cid: bytes | None = None) -> bytes:
    cid = ref.create() if cid is None else cid
    ref.ic_install(ref.ic00, "install", cid, module, b"")
    return cid


@ref_test(M + "absent")
def test_metadata_absent(ref):
    cid = ref.install()
    reader = ref.install()
    # ic-hs: the path is Absent from the tree; here the method finds nothing.
    is_err_or_reject([], ic_canister_metadata_(ref, ref.ic00via(reader), cid, "foo"))


@ref_test(M + "public")
def test_metadata_public(ref):
    cid = install_module(ref, with_sections([("icp:public test", "bar")]))
    # ic-hs reads as otherUser and as the anonymous user: here a canister
    # that does not control cid.
    reader = ref.install()
    assert ic_canister_metadata(ref, ref.ic00via(reader), cid, "test") == b"bar"


@ref_test(M + "private")
def test_metadata_private(ref):
    outsider = ref.install()
    insider = ref.install()
    cid = create_controlled_by(ref, [DEFAULT_USER, insider])
    install_module(ref, with_sections([("icp:private test", "bar")]), cid)
    is_err_or_reject([], ic_canister_metadata_(ref, ref.ic00via(outsider), cid, "test"))
    assert ic_canister_metadata(ref, ref.ic00via(insider), cid, "test") == b"bar"


@ref_test(M + "duplicate public")
def test_metadata_duplicate_public(ref):
    cid = ref.create()
    module = with_sections([("icp:public test", "bar"), ("icp:public test", "baz")])
    is_reject([5], ref.ic_install_(ref.ic00, "install", cid, module, b""))


@ref_test(M + "duplicate private")
def test_metadata_duplicate_private(ref):
    cid = ref.create()
    module = with_sections([("icp:private test", "bar"), ("icp:private test", "baz")])
    is_reject([5], ref.ic_install_(ref.ic00, "install", cid, module, b""))


@ref_test(M + "duplicate mixed")
def test_metadata_duplicate_mixed(ref):
    cid = ref.create()
    module = with_sections([("icp:private test", "bar"), ("icp:public test", "baz")])
    is_reject([5], ref.ic_install_(ref.ic00, "install", cid, module, b""))


@ref_test(M + "invalid utf8 in module")
def test_metadata_invalid_utf8_in_module(ref):
    cid = ref.create()
    module = with_sections([(b"icp:public \xe2\x28\xa1", "baz")])
    is_reject([5], ref.ic_install_(ref.ic00, "install", cid, module, b""))


@ref_test(M + "unicode metadata name")
def test_metadata_unicode_name(ref):
    cid = install_module(ref, with_sections([("icp:public ☃️", "bar")]))
    reader = ref.install()
    assert ic_canister_metadata(ref, ref.ic00via(reader), cid, "☃️") == b"bar"


@ref_test(M + "zero-length metadata name")
def test_metadata_zero_length_name(ref):
    cid = install_module(ref, with_sections([("icp:public ", "bar")]))
    reader = ref.install()
    assert ic_canister_metadata(ref, ref.ic00via(reader), cid, "") == b"bar"


@ref_test(M + "metadata section name with spaces")
def test_metadata_section_name_with_spaces(ref):
    name = "metadata section name with spaces"
    cid = install_module(ref, with_sections([("icp:public " + name, "bar")]))
    reader = ref.install()
    assert ic_canister_metadata(ref, ref.ic00via(reader), cid, name) == b"bar"
