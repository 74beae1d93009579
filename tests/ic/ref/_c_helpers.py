"""Helpers of the part-"c" ports of ``Spec.hs`` (read state, certified
variables, cycles, inspect message): the local ``let`` bindings of those
test groups, and the few ways to reach the IC that `harness.Ref` lacks.

Names follow the Haskell (``def_cycles``, ``is_roughly``, ``query_balance``…).
"""

from __future__ import annotations

import struct

import pytest

import pyic.universal as uc
from pyic.candid import Principal, Record, encode, encode_text
from pyic.errors import Reject

from harness import (
    DEFAULT_USER, TRIVIAL_WASM_MODULE, Rejected, Reply, Ref, as_word64, as_word128, settings,
)

#: The groups above this part's scenarios in Spec.hs, common to all of them.
SPEC_ROOT = "Interface Spec acceptance tests/regular canisters/"

# ------------------------------------------------------------------ the "cycles" group's bindings

#: ``def_cycles``: comfortably above the creation fee and the freezing limit.
DEF_CYCLES = 80_000_000_000_000
#: The balance ``provisional_create_canister_with_cycles`` gives without an
#: amount (the replica's value of the spec's constant).
DEFAULT_PROVISIONAL_CYCLES_BALANCE = 100_000_000_000_000
#: ``eps``: the most any one scenario may burn in fees (the creation fee, and more).
EPS = 3_000_000_000_000


def is_roughly(expected: int, actual: int) -> None:
    """``isRoughly``: within `EPS` of ``expected``, fees being unspecified."""
    assert abs(expected - actual) < EPS, f"{actual} not near {expected}"


reply_balance = uc.reply_data(uc.i64tob(uc.get_balance))
reply_balance128 = uc.reply_data(uc.get_balance128)
reply_balance_balance128 = (uc.reply_data_append(uc.i64tob(uc.get_balance))
                            >> uc.reply_data_append(uc.get_balance128) >> uc.reply)
#: ``rememberBalance``: the balance, in the first 8 bytes of stable memory.
remember_balance = (uc.ignore(uc.stable_grow(uc.int_(1)))
                    >> uc.stable_write(uc.int_(0), uc.i64tob(uc.get_balance)))
recall_balance = uc.reply_data(uc.stable_read(uc.int_(0), uc.int_(8)))
accept_all = uc.ignore(uc.accept_cycles(uc.get_available_cycles))


def query_balance(ref: Ref, cid: bytes) -> int:
    return as_word64(ref.query(cid, reply_balance))


def query_balance128(ref: Ref, cid: bytes) -> int:
    return as_word128(ref.query(cid, reply_balance128))


def query_balance_balance128(ref: Ref, cid: bytes) -> tuple[int, int]:
    """``asWord64Word128``: the 64-bit and the 128-bit balance, read at once."""
    data = ref.query(cid, reply_balance_balance128)
    assert len(data) == 24, f"expected 8 + 16 bytes, got {data!r}"
    return struct.unpack_from("<Q", data)[0], int.from_bytes(data[8:], "little")


def create_with(ref: Ref, prog: uc.Prog = uc.noop) -> bytes:
    """``create prog`` of the cycles group: `DEF_CYCLES` cycles, then the
    universal canister installed with ``prog`` as its init program."""
    cid = ref.ic_provisional_create(ref.ic00, cycles=DEF_CYCLES, settings=Record.of({}))
    ref.install_at(cid, prog)
    return cid


def create_via(ref: Ref, cid: bytes, initial_cycles: int) -> bytes:
    """``create_via``: ``cid`` creates a canister with ``initial_cycles`` attached
    and installs the universal canister in it; ``cid`` is its controller."""
    cid2 = ref.ic_create(ref.ic00via(cid, initial_cycles), Record.of({}))
    ref.ic_install(ref.ic00via(cid), "install", cid2, ref.wasm, uc.run(uc.noop))
    return cid2


def unused_canister_id(ref: Ref) -> bytes:
    """``unused_canister_id``: an id in the subnet's range that no canister has
    (ic-hs takes the last id of the range but one; pyic numbers canisters from
    0 as ``<index, 8 bytes> 01 01``, so take a high index)."""
    cid = (2 ** 20 - 2).to_bytes(8, "big") + b"\x01\x01"
    assert not ref.pic.check_canister_exists(cid)
    return cid


def both_same(pair) -> None:
    """``bothSame``."""
    a, b = pair
    assert a == b, f"{a} != {b}"


# ------------------------------------------------------------------ ingress the IC refuses


def refused_(ref: Ref, canister_id: bytes | None, method: str, arg: bytes, *,
             user: bytes = DEFAULT_USER, ecid: bytes | None = None) -> Rejected:
    """An ingress call the IC must not accept (abstract-behavior.md "API
    Request submission": the target is not empty, ``inspect_message``
    accepts, the management method may be called by ingress): the refusal,
    raised by submission.  Fails if the message enters the IC, even if it is
    rejected later (ic-hs's ``isNoErrReject`` cannot tell the two apart)."""
    try:
        msg = ref.pic.submit_call(canister_id, method, arg, sender=user,
                                  effective_principal=ecid)
    except Reject as r:
        return Rejected(r.reject_code, r.message, r.error_code)
    try:
        outcome = Reply(ref.pic.await_call(msg))
    except Reject as r:
        outcome = Rejected(r.reject_code, r.message, r.error_code)
    pytest.fail(f"the IC accepted the message; its outcome: {outcome!r}")


def canister_id_arg(cid: bytes) -> bytes:
    return encode((Record.of(canister_id=Principal(cid)),))


#: Arguments of the management methods pyic's interface lacks, as ic-hs's
#: ``UserCalls.hs`` builds them (Candid text; their types follow ``ic.did``).
HTTP_GET_ARG = encode_text(
    '(record { url = "https://httpbin.org/"; max_response_bytes = null : opt nat64;'
    ' method = variant { get }; headers = vec {} : vec record { name : text; value : text };'
    ' body = null : opt blob; transform = null : opt empty })')
ECDSA_PUBLIC_KEY_ARG = encode_text(
    '(record { derivation_path = vec {} : vec blob; canister_id = null : opt principal;'
    ' key_id = record { curve = variant { secp256k1 }; name = "0" } })')


def sign_with_ecdsa_arg(message_hash: bytes) -> bytes:
    hex_escaped = "".join(f"\\{b:02x}" for b in message_hash)
    return encode_text(
        f'(record {{ derivation_path = vec {{}} : vec blob; message_hash = blob "{hex_escaped}";'
        ' key_id = record { curve = variant { secp256k1 }; name = "0" } })')


# ------------------------------------------------------------------ certified data


#: CBOR's self-describe tag 55799 (https-interface.md "CBOR"), which starts
#: every certificate.
CBOR_SELF_DESCRIBE = b"\xd9\xd9\xf7"


def extract_cert_data(cid: bytes, blob: bytes) -> bytes:
    """``extractCertData cid``: the certified data a data certificate vouches for,
    the value at ``/canister/<cid>/certified_data`` of its tree (certification.md;
    the signature is checked by ``certified variables/validates``)."""
    from pyic.http.certificate import decode
    from pyic.http.hash_tree import Found, lookup_path
    if not blob.startswith(CBOR_SELF_DESCRIBE):
        pytest.fail(f"not a CBOR certificate: {blob[:40]!r}")
    found = lookup_path([b"canister", cid, b"certified_data"], decode(blob).tree)
    if not isinstance(found, Found):
        pytest.fail(f"the data certificate does not reveal the certified data: {found}")
    return found.value


def cert_data(ref: Ref, cid: bytes) -> bytes:
    """``query cid (replyData getCertificate) >>= extractCertData cid``."""
    return extract_cert_data(cid, ref.query(cid, uc.reply_data(uc.get_certificate)))


# ------------------------------------------------------------------ modules with custom sections


def leb128(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def with_custom_section(module: bytes, name: bytes | str, content: bytes | str) -> bytes:
    """``withCustomSection``: append a custom section (id 0) to ``module``."""
    name = name.encode() if isinstance(name, str) else name
    content = content.encode() if isinstance(content, str) else content

    def sized(x: bytes) -> bytes:
        return leb128(len(x)) + x
    return module + b"\x00" + sized(sized(name) + content)


def with_sections(sections) -> bytes:
    """``withSections``: the trivial module with these custom sections."""
    module = TRIVIAL_WASM_MODULE
    for name, content in sections:
        module = with_custom_section(module, name, content)
    return module


def ic_canister_metadata_(ref: Ref, ic00, cid: bytes, name: str):
    return ref.ic_call_(ic00, "canister_metadata", canister_id=Principal(cid), name=name)


def ic_canister_metadata(ref: Ref, ic00, cid: bytes, name: str) -> bytes:
    return ref.ic_call(ic00, "canister_metadata", canister_id=Principal(cid), name=name)["value"]


def create_controlled_by(ref: Ref, controllers) -> bytes:
    """An empty canister with these controllers (and cycles to spare)."""
    return ref.ic_provisional_create(ref.ic00, cycles=DEF_CYCLES,
                                     settings=settings(controllers=controllers))

