"""The test vocabulary of ic-hs's ``src/IC/Test/Spec/Utils.hs`` and
``src/IC/Test/Agent*.hs``, over `pyic.testing.PocketIC`, so that a scenario
of ``Spec.hs`` reads nearly line for line in Python.

Naming: a Haskell function ``f'`` (returns the response, reply *or* reject)
is ``f_`` here; ``f`` (expects a reply) keeps its name; ``call_`` of Haskell
(expects an empty reply) is `Ref.call_unit`.  Blobs are ``bytes``; canister
ids are raw principal bytes.  A response is `Reply` or `Rejected`.

The ic-hs harness talks to the IC over HTTP; these scenarios submit the same
requests as ingress messages through `PocketIC`, so what is checked is the
canister-level behaviour.  Scenarios about the HTTP interface itself
(envelopes, signatures, read_state, certificates) are not here.
"""

from __future__ import annotations

import struct

import pytest
from attrs import frozen

from pyic.candid import Opt, Principal, Record, Variant, decode, encode
from pyic.errors import Reject
from pyic.ic.management.args import interface, method_types
from pyic.testing import to_python

import pyic.universal as uc
from pyic.universal import Prog, noop, run

#: ``defaultUser`` / ``otherUser`` of ic-hs: self-authenticating principals
#: (29 bytes, last byte 0x02), fixed here.
DEFAULT_USER = bytes(range(1, 29)) + b"\x02"
OTHER_USER = bytes(range(101, 129)) + b"\x02"
ANONYMOUS_USER = b"\x04"
#: ``doesn'tExist`` of ic-hs: an id no canister has.
DOESNT_EXIST = b"\xde\xad\xbe\xef"
#: The cycles ``create`` gives a canister (``2^60`` in Utils.hs).
CREATE_CYCLES = 2 ** 60
TRIVIAL_WASM_MODULE = b"\x00asm\x01\x00\x00\x00"


def ref_test(name: str):
    """Marks a test as the port of the ``Spec.hs`` scenario called ``name``
    (its ``testGroup`` path joined with ``/``)."""
    return pytest.mark.ref_test(name)


# ------------------------------------------------------------------ responses


@frozen
class Reply:
    data: bytes


@frozen
class Rejected:
    code: int
    message: str
    error_code: str | None = None


Response = "Reply | Rejected"


def is_reply(r) -> bytes:
    """``isReply``: the reply's data; fails on a reject."""
    if not isinstance(r, Reply):
        pytest.fail(f"expected a reply, got {r!r}")
    return r.data


def is_reject(codes, r) -> Rejected:
    """``isReject codes``: a reject whose code is in ``codes``."""
    if not isinstance(r, Rejected):
        pytest.fail(f"expected a reject with code in {list(codes)}, got {r!r}")
    if r.code not in codes:
        pytest.fail(f"reject code {r.code} not in {list(codes)}: {r.message}")
    return r


def is_err_or_reject(codes, r) -> None:
    """``isErrOrReject``: over HTTP a 4xx also passes; here the IC refusing an
    ingress message is a reject, so this is `is_reject` (any code if empty)."""
    if not isinstance(r, Rejected):
        pytest.fail(f"expected an error or reject, got {r!r}")
    if codes and r.code not in codes:
        pytest.fail(f"reject code {r.code} not in {list(codes)}: {r.message}")


def is_relay(data: bytes):
    """``isRelay``: decode what `uc.relay_reply` / `uc.relay_reject` replied."""
    if len(data) < 4:
        pytest.fail(f"not a relayed response: {data!r}")
    code = struct.unpack_from("<I", data)[0]
    if code == 0:
        return Reply(data[4:])
    if code == 0x4C444944:
        pytest.fail("Encountered Candid when expecting relayed data")
    return Rejected(code, data[4:].decode("utf-8", "replace"))


def as_word32(data: bytes) -> int:
    if len(data) != 4:
        pytest.fail(f"expected 4 bytes, got {data!r}")
    return struct.unpack("<I", data)[0]


def as_word64(data: bytes) -> int:
    if len(data) != 8:
        pytest.fail(f"expected 8 bytes, got {data!r}")
    return struct.unpack("<Q", data)[0]


def as_2word64(data: bytes) -> tuple[int, int]:
    if len(data) != 16:
        pytest.fail(f"expected 16 bytes, got {data!r}")
    return struct.unpack("<QQ", data)


def as_word128(data: bytes) -> int:
    if len(data) != 16:
        pytest.fail(f"expected 16 bytes, got {data!r}")
    return int.from_bytes(data, "little")


def _respond(fn, *args, **kw):
    try:
        return Reply(fn(*args, **kw))
    except Reject as r:
        return Rejected(r.reject_code, r.message, r.error_code)


# ------------------------------------------------------------------ ways to reach aaaaa-aa


class IC00:
    """How to reach the management canister (``IC00`` of Agent.hs): as a user
    by ingress (`Ref.ic00`, `Ref.ic00_as`) or from a universal canister
    (`Ref.ic00via`).  Called with a method name and the Candid argument bytes;
    returns a response."""

    def __init__(self, send) -> None:
        self.send = send

    def __call__(self, method: str, arg: bytes):
        return self.send(method, arg)


# ------------------------------------------------------------------ the harness


class Ref:
    """One IC and the universal canister, with the operations of Utils.hs."""

    def __init__(self, pic) -> None:
        self.pic = pic
        self.wasm = uc.universal_canister_wasm()
        self._query_counter = 0

    # ---- management canister, raw

    def ic00_as(self, user: bytes) -> IC00:
        def send(method, arg):
            return _respond(self.pic.update_call, None, method, arg, sender=user)
        return IC00(send)

    @property
    def ic00(self) -> IC00:
        return self.ic00_as(DEFAULT_USER)

    def ic00via(self, cid: bytes, cycles: int = 0, *, subnet: bytes = b"",
                refund: int | None = None, relay_errors: bool = False) -> IC00:
        """``ic00viaWithCycles cid cycles``: the canister ``cid`` calls
        ``aaaaa-aa`` (or ``subnet``) with ``cycles`` attached and relays the
        response.  With ``refund``, the callbacks check the refunded amount
        (``ic00viaWithCyclesRefund``).  With ``relay_errors`` (the primed
        ``ic00viaWithCyclesSubnet'``), a reject of the outer call is returned."""
        on_reply = uc.relay_reply() if refund is None else uc.relay_reply_refund(refund)
        on_reject = uc.relay_reject() if refund is None else uc.relay_reject_refund(refund)

        def send(method, arg):
            prog = (uc.call_new(uc.bytes_(subnet), uc.bytes_(method.encode()),
                                uc.callback(on_reply), uc.callback(on_reject))
                    >> uc.call_data_append(uc.bytes_(arg))
                    >> uc.call_cycles_add(uc.int64(cycles))
                    >> uc.call_perform)
            r = self.call_(cid, prog)
            if isinstance(r, Reply):
                return is_relay(r.data)
            if relay_errors:
                return r
            pytest.fail(f"the call through {cid.hex()} was rejected: {r!r}")
        return IC00(send)

    # ---- management canister, typed (callIC / callIC')

    def ic_call_(self, ic00: IC00, method: str, **fields):
        """``callIC'``: call ``method`` with a record of ``fields`` (Candid values;
        ``None`` fields omitted); the response."""
        arg_types, _ = method_types(method)
        record = Record.of({k: v for k, v in fields.items() if v is not None})
        return ic00(method, encode((record,), arg_types, interface().env))

    def ic_call(self, ic00: IC00, method: str, **fields):
        """``callIC``: the reply decoded as plain Python (`to_python`)."""
        data = is_reply(self.ic_call_(ic00, method, **fields))
        _, result_types = method_types(method)
        values = decode(data, result_types, interface().env)
        return to_python(values[0]) if values else None

    def ic_provisional_create_(self, ic00: IC00, specified_id: bytes | None = None,
                               cycles: int | None = None, settings: Record | None = None):
        return self.ic_call_(
            ic00, "provisional_create_canister_with_cycles",
            amount=Opt(cycles) if cycles is not None else None,
            settings=Opt(settings) if settings is not None else None,
            specified_id=Opt(Principal(specified_id)) if specified_id is not None else None)

    def ic_provisional_create(self, ic00: IC00, specified_id: bytes | None = None,
                              cycles: int | None = None, settings: Record | None = None) -> bytes:
        r = self.ic_provisional_create_(ic00, specified_id, cycles, settings)
        return self._canister_id(r, "provisional_create_canister_with_cycles")

    def ic_create_(self, ic00: IC00, settings: Record | None = None):
        return self.ic_call_(ic00, "create_canister",
                             settings=Opt(settings) if settings is not None else None)

    def ic_create(self, ic00: IC00, settings: Record | None = None) -> bytes:
        return self._canister_id(self.ic_create_(ic00, settings), "create_canister")

    def _canister_id(self, r, method: str) -> bytes:
        data = is_reply(r)
        _, result_types = method_types(method)
        values = decode(data, result_types, interface().env)
        return to_python(values[0])["canister_id"].bytes

    def ic_install_(self, ic00: IC00, mode: str | Variant, cid: bytes, wasm: bytes, arg: bytes):
        if isinstance(mode, str):
            mode = Variant.of(mode, None)
        return self.ic_call_(ic00, "install_code", mode=mode, canister_id=Principal(cid),
                             wasm_module=bytes(wasm), arg=bytes(arg))

    def ic_install(self, ic00: IC00, mode, cid: bytes, wasm: bytes, arg: bytes) -> None:
        is_reply(self.ic_install_(ic00, mode, cid, wasm, arg))

    def _on(self, ic00: IC00, method: str, cid: bytes, **extra):
        return self.ic_call_(ic00, method, canister_id=Principal(cid), **extra)

    def ic_start_canister_(self, ic00, cid): return self._on(ic00, "start_canister", cid)
    def ic_stop_canister_(self, ic00, cid): return self._on(ic00, "stop_canister", cid)
    def ic_delete_canister_(self, ic00, cid): return self._on(ic00, "delete_canister", cid)
    def ic_uninstall_(self, ic00, cid): return self._on(ic00, "uninstall_code", cid)
    def ic_canister_status_(self, ic00, cid): return self._on(ic00, "canister_status", cid)
    def ic_deposit_cycles_(self, ic00, cid): return self._on(ic00, "deposit_cycles", cid)

    def ic_start_canister(self, ic00, cid): is_reply(self.ic_start_canister_(ic00, cid))
    def ic_stop_canister(self, ic00, cid): is_reply(self.ic_stop_canister_(ic00, cid))
    def ic_delete_canister(self, ic00, cid): is_reply(self.ic_delete_canister_(ic00, cid))
    def ic_uninstall(self, ic00, cid): is_reply(self.ic_uninstall_(ic00, cid))
    def ic_deposit_cycles(self, ic00, cid): is_reply(self.ic_deposit_cycles_(ic00, cid))

    def ic_canister_status(self, ic00, cid) -> dict:
        return self.ic_call(ic00, "canister_status", canister_id=Principal(cid))

    def ic_update_settings_(self, ic00, cid, settings: Record):
        return self._on(ic00, "update_settings", cid, settings=settings)

    def ic_update_settings(self, ic00, cid, settings: Record) -> None:
        is_reply(self.ic_update_settings_(ic00, cid, settings))

    def ic_set_controllers_(self, ic00, cid, controllers):
        return self.ic_update_settings_(ic00, cid, settings(controllers=controllers))

    def ic_set_controllers(self, ic00, cid, controllers) -> None:
        is_reply(self.ic_set_controllers_(ic00, cid, controllers))

    def ic_top_up_(self, ic00, cid, amount: int):
        return self._on(ic00, "provisional_top_up_canister", cid, amount=amount)

    def ic_top_up(self, ic00, cid, amount: int) -> None:
        is_reply(self.ic_top_up_(ic00, cid, amount))

    def ic_raw_rand_(self, ic00):
        return ic00("raw_rand", encode(()))

    def ic_raw_rand(self, ic00) -> bytes:
        data = is_reply(self.ic_raw_rand_(ic00))
        return decode(data, method_types("raw_rand")[1], interface().env)[0]

    def ic_canister_info_(self, ic00, cid, num_requested_changes: int | None = None):
        return self._on(ic00, "canister_info", cid,
                        num_requested_changes=_opt(num_requested_changes))

    def ic_canister_info(self, ic00, cid, num_requested_changes: int | None = None) -> dict:
        return self.ic_call(ic00, "canister_info", canister_id=Principal(cid),
                            num_requested_changes=_opt(num_requested_changes))

    # ---- the universal canister (Utils.hs)

    def create(self) -> bytes:
        """``create``: an empty canister with 2^60 cycles, controlled by the default user."""
        return self.ic_provisional_create(self.ic00, cycles=CREATE_CYCLES)

    def install_(self, cid: bytes, prog: Prog = noop):
        return self.ic_install_(self.ic00, "install", cid, self.wasm, run(prog))

    def install_at(self, cid: bytes, prog: Prog = noop) -> None:
        self.ic_install(self.ic00, "install", cid, self.wasm, run(prog))

    def install(self, prog: Prog = noop) -> bytes:
        cid = self.create()
        self.install_at(cid, prog)
        return cid

    def upgrade_(self, cid: bytes, prog: Prog = noop):
        return self.ic_install_(self.ic00, "upgrade", cid, self.wasm, run(prog))

    def upgrade(self, cid: bytes, prog: Prog = noop) -> None:
        is_reply(self.upgrade_(cid, prog))

    def reinstall_(self, cid: bytes, prog: Prog = noop):
        return self.ic_install_(self.ic00, "reinstall", cid, self.wasm, run(prog))

    def reinstall(self, cid: bytes, prog: Prog = noop) -> None:
        is_reply(self.reinstall_(cid, prog))

    def call_as_(self, user: bytes, cid: bytes, prog: Prog, method: str = "update"):
        return _respond(self.pic.update_call, cid, method, run(prog), sender=user)

    def call_(self, cid: bytes, prog: Prog):
        """``call'``: an ingress update call of ``update``; the response."""
        return self.call_as_(DEFAULT_USER, cid, prog)

    def call(self, cid: bytes, prog: Prog) -> bytes:
        return is_reply(self.call_(cid, prog))

    def call_unit(self, cid: bytes, prog: Prog) -> None:
        """``call_``: expects an empty reply."""
        assert self.call(cid, prog) == b""

    def call_to_query_(self, cid: bytes, prog: Prog):
        """``callToQuery''``: an update call of the ``query`` method."""
        return self.call_as_(DEFAULT_USER, cid, prog, method="query")

    def query_as_(self, user: bytes, cid: bytes, prog: Prog, method: str = "query"):
        # Utils.hs prefixes a debug_print of a counter, making each query unique.
        self._query_counter += 1
        full = uc.debug_print(uc.i2b(uc.int_(self._query_counter))) >> prog
        return _respond(self.pic.query_call, cid, method, run(full), sender=user)

    def query_(self, cid: bytes, prog: Prog):
        return self.query_as_(DEFAULT_USER, cid, prog)

    def query(self, cid: bytes, prog: Prog) -> bytes:
        return is_reply(self.query_(cid, prog))

    def query_unit(self, cid: bytes, prog: Prog) -> None:
        assert self.query(cid, prog) == b""

    def composite_query_(self, cid: bytes, prog: Prog, user: bytes = DEFAULT_USER):
        return _respond(self.pic.query_call, cid, "composite_query", run(prog), sender=user)

    def composite_query(self, cid: bytes, prog: Prog) -> bytes:
        return is_reply(self.composite_query_(cid, prog))

    def barrier(self, cids) -> None:
        """``barrier``: stop then start each canister, so every outstanding
        callback has run."""
        for c in cids:
            self.ic_stop_canister(self.ic00, c)
        for c in cids:
            self.ic_start_canister(self.ic00, c)


def _opt(v):
    """An optional argument: absent (None) or ``opt v``."""
    return None if v is None else Opt(v)


def settings(**fields) -> Record:
    """A ``canister_settings`` record; controllers given as raw bytes."""
    out = {}
    for k, v in fields.items():
        if v is None:
            continue
        if k == "controllers":
            v = tuple(Principal(bytes(p)) for p in v)
        out[k] = Opt(v)
    return Record.of(out)
