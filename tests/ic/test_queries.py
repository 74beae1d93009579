"""Composite queries: call graphs, depth limit, certificates, management queries."""

from __future__ import annotations

from ic_helpers import P, global_of, reject_of, spec

from pyic.candid import Principal, Record, encode
from pyic.ic.management.args import interface, method_types

FWD = dict(on_reply=P().append(b"<").append_response().append(b">").reply(),
           on_reject=P().append(b"J").append_reject_code().append(b":").append_reject_message()
           .reply())


def chain(cid, n, leaf):
    """A composite query on ``cid`` calling itself ``n`` levels deep, ending in ``leaf``."""
    prog = leaf
    for _ in range(n):
        prog = P().call(cid, "composite_query", prog, on_reply=P(FWD["on_reply"].ops),
                        on_reject=P(FWD["on_reject"].ops))
    return prog


@spec("Query call")
def test_composite_query_replies_directly(pic, uc):
    assert pic.universal_composite_query(uc, P().append(b"cq").reply()) == b"cq"


@spec("Query call")
def test_composite_query_calls_query(pic, uc, uc2):
    out = pic.universal_composite_query(uc, P().call(uc2, "query", P().append(b"q").reply(),
                                                     **FWD))
    assert out == b"<q>"


@spec("Query call")
def test_composite_query_three_deep(pic, uc, uc2, uc3):
    inner = P().call(uc3, "query", P().append(b"leaf").reply(), **FWD)
    out = pic.universal_composite_query(uc, P().call(uc2, "composite_query", inner, **FWD))
    assert out == b"<<leaf>>"


@spec("Query call")
def test_composite_query_reject_at_leaf(pic, uc, uc2):
    out = pic.universal_composite_query(uc, P().call(uc2, "query", P().reject("leaf no"), **FWD))
    assert out == b"J4:leaf no"


@spec("Query call")
def test_composite_query_trap_at_leaf(pic, uc, uc2):
    out = pic.universal_composite_query(uc, P().call(uc2, "query", P().trap("qt"), **FWD))
    assert out.startswith(b"J5:") and b"qt" in out


@spec("Query call")
def test_composite_query_callback_trap(pic, uc, uc2):
    r = reject_of(pic.universal_composite_query, uc,
                  P().call(uc2, "query", P().reply(), on_reply=P().trap("cb")))
    assert r.reject_code == 5 and "cb" in r.message


@spec("Query call")
def test_composite_query_depth_within_limit(pic, uc):
    out = pic.universal_composite_query(uc, chain(uc, 6, P().append(b"deep").reply()))
    assert out == b"<" * 6 + b"deep" + b">" * 6


@spec("Query call")
def test_composite_query_depth_limit_exceeded(pic, uc):
    # the method at depth 6 may not call further: its execution ends in a
    # CANISTER_ERROR reject, which its caller at depth 5 receives and forwards up
    out = pic.universal_composite_query(uc, chain(uc, 7, P().append(b"x").reply()))
    assert out == b"<" * 5 + b"J5:Composite query call graph exceeded the maximum depth" \
        + b">" * 5


@spec("Query call")
def test_composite_query_depth_limit_at_root(pic, uc):
    """A reject from the depth limit that nobody handles reaches the user."""
    leaf = P().append(b"x").reply()
    prog = leaf
    for _ in range(7):
        prog = P().call(uc, "composite_query", prog, on_reply=P().append_response().reply(),
                        on_reject=P().trap("depth"))
    r = reject_of(pic.universal_composite_query, uc, prog)
    assert r.reject_code == 5


@spec("Query call")
def test_composite_query_state_discarded_everywhere(pic, uc, uc2):
    pic.universal_composite_query(uc, P().set_global(b"a").call(
        uc2, "composite_query", P().set_global(b"b").reply(), **FWD))
    assert global_of(pic, uc) == b"" and global_of(pic, uc2) == b""


@spec("Query call")
def test_composite_query_state_kept_across_own_callbacks(pic, uc, uc2):
    out = pic.universal_composite_query(uc, P().set_global(b"mine").call(
        uc2, "query", P().reply(), on_reply=P().append_global().reply()))
    assert out == b"mine"


@spec("Query call")
def test_composite_query_certificate_only_at_root(pic, uc, uc2):
    out = pic.universal_composite_query(uc, P().call(
        uc2, "query", P().append_certificate_present().reply(),
        on_reply=P().append_certificate_present().append_response().reply()))
    # root method saw "1" earlier; in callbacks and downstream there is no certificate
    assert out == b"00"


@spec("Query call")
def test_composite_query_cannot_attach_cycles(pic, uc, uc2):
    r = reject_of(pic.universal_composite_query, uc,
                  P().call(uc2, "query", P().reply(), cycles=5, **FWD))
    assert r.reject_code == 5


@spec("Query call")
def test_composite_query_caller_downstream(pic, uc, uc2):
    out = pic.universal_composite_query(uc, P().call(uc2, "query", P().append_caller().reply(),
                                                     **FWD))
    assert out == b"<" + uc + b">"


@spec("Query call")
def test_composite_query_to_stopped_callee(pic, uc, uc2):
    pic.stop_canister(uc2)
    out = pic.universal_composite_query(uc, P().call(uc2, "query", P().reply(), **FWD))
    assert out.startswith(b"J5:")


@spec("Query call")
def test_composite_query_to_missing_callee(pic, uc):
    out = pic.universal_composite_query(uc, P().call(Principal.from_canister_id(500).bytes,
                                                     "query", P().reply(), **FWD))
    assert out.startswith(b"J3:")


@spec("Query call")
def test_composite_query_calls_update_method_rejected(pic, uc, uc2):
    out = pic.universal_composite_query(uc, P().call(uc2, "update", P().reply(), **FWD))
    assert out.startswith(b"J5:")


@spec("Query call")
def test_composite_query_no_response_after_calls(pic, uc, uc2):
    r = reject_of(pic.universal_composite_query, uc,
                  P().call(uc2, "query", P().reply(), on_reply=P()))
    assert r.reject_code == 5


@spec("Query call")
def test_composite_query_management_canister_status(pic, uc):
    pic.update_canister_settings(uc, {"controllers": [pic.sender, uc]})
    arg = encode((Record.of(canister_id=Principal(uc)),), method_types("canister_status")[0],
                 interface().env)
    out = pic.universal_composite_query(uc, P().call(b"", "canister_status", arg, **FWD))
    assert out.startswith(b"<DIDL")


@spec("Query call")
def test_composite_query_management_update_method_rejected(pic, uc):
    out = pic.universal_composite_query(uc, P().call(b"", "raw_rand", encode(()), **FWD))
    assert out.startswith(b"J5:")


@spec("Query call")
def test_composite_query_many_sequential_calls(pic, uc, uc2):
    prog = P()
    for i in range(4):
        prog.call(uc2, "query", P().append(str(i).encode()).reply(),
                  on_reply=P().append_to_global(b"r"))
    prog.call(uc2, "query", P().reply(), on_reply=P().append_global().reply())
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
