"""Composite queries: call graphs, depth limit, certificates, management queries.

Programs run in the Wasm universal canister (`pyic.universal`)."""

from __future__ import annotations

from ic_helpers import global_of, reject_of, spec

from pyic.candid import Principal, Record, encode
from pyic.ic.management.args import interface, method_types
from pyic.universal import (
    Prog, append_global, arg_data, caller, get_certificate_present, get_global, i2b, noop,
    reject, reject_code, reject_msg, reply, reply_data, reply_data_append, set_global, trap,
    update_call,
)

#: Callbacks forwarding a reply as ``<data>``, a reject as ``J<code>:<message>``.
FWD = dict(on_reply=reply_data_append(b"<") >> reply_data_append(arg_data)
           >> reply_data(b">"),
           on_reject=reply_data_append(b"J") >> reply_data_append(i2b(reject_code))
           >> reply_data_append(b":") >> reply_data(reject_msg))


def code(n: int) -> bytes:
    """A reject code or flag as `i2b` renders it (32-bit little-endian)."""
    return n.to_bytes(4, "little")


def call(callee: bytes, method: str, arg: Prog | bytes = b"", *, on_reply: Prog = noop,
         on_reject: Prog = noop, cycles: int = 0) -> Prog:
    """An outgoing call running ``arg`` at the callee; the callbacks default to
    doing nothing."""
    return update_call(callee, method, on_reply=on_reply, on_reject=on_reject, arg=bytes(arg),
                       cycles=cycles)


def chain(cid, n, leaf):
    """A composite query on ``cid`` calling itself ``n`` levels deep, ending in ``leaf``."""
    prog = leaf
    for _ in range(n):
        prog = call(cid, "composite_query", prog, **FWD)
    return prog


@spec("Query call")
def test_composite_query_replies_directly(pic, uc):
    assert pic.universal_composite_query(uc, reply_data(b"cq")) == b"cq"


@spec("Query call")
def test_composite_query_calls_query(pic, uc, uc2):
    out = pic.universal_composite_query(uc, call(uc2, "query", reply_data(b"q"), **FWD))
    assert out == b"<q>"


@spec("Query call")
def test_composite_query_three_deep(pic, uc, uc2, uc3):
    inner = call(uc3, "query", reply_data(b"leaf"), **FWD)
    out = pic.universal_composite_query(uc, call(uc2, "composite_query", inner, **FWD))
    assert out == b"<<leaf>>"


@spec("Query call")
def test_composite_query_reject_at_leaf(pic, uc, uc2):
    out = pic.universal_composite_query(uc, call(uc2, "query", reject(b"leaf no"), **FWD))
    assert out == b"J" + code(4) + b":leaf no"


@spec("Query call")
def test_composite_query_trap_at_leaf(pic, uc, uc2):
    out = pic.universal_composite_query(uc, call(uc2, "query", trap(b"qt"), **FWD))
    assert out.startswith(b"J" + code(5) + b":") and b"qt" in out


@spec("Query call")
def test_composite_query_callback_trap(pic, uc, uc2):
    r = reject_of(pic.universal_composite_query, uc,
                  call(uc2, "query", reply, on_reply=trap(b"cb trap")))
    assert r.reject_code == 5 and "cb trap" in r.message


@spec("Query call")
def test_composite_query_depth_within_limit(pic, uc):
    out = pic.universal_composite_query(uc, chain(uc, 6, reply_data(b"deep")))
    assert out == b"<" * 6 + b"deep" + b">" * 6


@spec("Query call")
def test_composite_query_depth_limit_exceeded(pic, uc):
    # the method at depth 6 may not call further: its execution ends in a
    # CANISTER_ERROR reject, which its caller at depth 5 receives and forwards up
    out = pic.universal_composite_query(uc, chain(uc, 7, reply_data(b"x")))
    assert out == (b"<" * 5 + b"J" + code(5)
                   + b":Composite query call graph exceeded the maximum depth" + b">" * 5)


@spec("Query call")
def test_composite_query_depth_limit_at_root(pic, uc):
    """A reject from the depth limit that nobody handles reaches the user."""
    prog = reply_data(b"x")
    for _ in range(7):
        prog = call(uc, "composite_query", prog, on_reply=reply_data(arg_data),
                    on_reject=trap(b"depth"))
    r = reject_of(pic.universal_composite_query, uc, prog)
    assert r.reject_code == 5


@spec("Query call")
def test_composite_query_state_discarded_everywhere(pic, uc, uc2):
    pic.universal_composite_query(uc, set_global(b"a") >> call(
        uc2, "composite_query", set_global(b"b") >> reply, **FWD))
    assert global_of(pic, uc) == b"" and global_of(pic, uc2) == b""


@spec("Query call")
def test_composite_query_state_kept_across_own_callbacks(pic, uc, uc2):
    out = pic.universal_composite_query(uc, set_global(b"mine") >> call(
        uc2, "query", reply, on_reply=reply_data(get_global)))
    assert out == b"mine"


@spec("Query call")
def test_composite_query_certificate_only_at_root(pic, uc, uc2):
    out = pic.universal_composite_query(uc, call(
        uc2, "query", reply_data(i2b(get_certificate_present)),
        on_reply=reply_data_append(i2b(get_certificate_present)) >> reply_data(arg_data)))
    # the root method would see one; in callbacks and downstream there is none
    assert out == code(0) + code(0)
    assert pic.universal_composite_query(uc, reply_data(i2b(get_certificate_present))) \
        == code(1)


@spec("Query call")
def test_composite_query_cannot_attach_cycles(pic, uc, uc2):
    r = reject_of(pic.universal_composite_query, uc,
                  call(uc2, "query", reply, cycles=5, **FWD))
    assert r.reject_code == 5


@spec("Query call")
def test_composite_query_caller_downstream(pic, uc, uc2):
    out = pic.universal_composite_query(uc, call(uc2, "query", reply_data(caller), **FWD))
    assert out == b"<" + uc + b">"


@spec("Query call")
def test_composite_query_to_stopped_callee(pic, uc, uc2):
    pic.stop_canister(uc2)
    out = pic.universal_composite_query(uc, call(uc2, "query", reply, **FWD))
    assert out.startswith(b"J" + code(5) + b":")


@spec("Query call")
def test_composite_query_to_missing_callee(pic, uc):
    out = pic.universal_composite_query(uc, call(Principal.from_canister_id(500).bytes,
                                                 "query", reply, **FWD))
    assert out.startswith(b"J" + code(3) + b":")


@spec("Query call")
def test_composite_query_calls_update_method_rejected(pic, uc, uc2):
    out = pic.universal_composite_query(uc, call(uc2, "update", reply, **FWD))
    assert out.startswith(b"J" + code(5) + b":")


@spec("Query call")
def test_composite_query_no_response_after_calls(pic, uc, uc2):
    r = reject_of(pic.universal_composite_query, uc,
                  call(uc2, "query", reply, on_reply=noop))
    assert r.reject_code == 5


@spec("Query call")
def test_composite_query_management_canister_status(pic, uc):
    pic.update_canister_settings(uc, {"controllers": [pic.sender, uc]})
    arg = encode((Record.of(canister_id=Principal(uc)),), method_types("canister_status")[0],
                 interface().env)
    out = pic.universal_composite_query(uc, call(b"", "canister_status", arg, **FWD))
    assert out.startswith(b"<DIDL")


@spec("Query call")
def test_composite_query_management_update_method_rejected(pic, uc):
    out = pic.universal_composite_query(uc, call(b"", "raw_rand", encode(()), **FWD))
    assert out.startswith(b"J" + code(5) + b":")


@spec("Query call")
def test_composite_query_many_sequential_calls(pic, uc, uc2):
    prog = Prog()
    for i in range(4):
        prog = prog >> call(uc2, "query", reply_data(str(i).encode()),
                            on_reply=append_global(b"r"))
    prog = prog >> call(uc2, "query", reply, on_reply=reply_data(get_global))
    out = pic.universal_composite_query(uc, prog)
    assert out == b"rrrr"


@spec("Query call")
def test_management_query_status(pic, uc):
    arg = encode((Record.of(canister_id=Principal(uc)),), method_types("canister_status")[0],
                 interface().env)
    assert pic.query_call(None, "canister_status", arg).startswith(b"DIDL")


@spec("Query call")
def test_management_query_other_method_refused(pic, uc):
    r = reject_of(pic.query_call, None, "raw_rand", encode(()))
    assert r.reject_code in (4, 5)
