"""Inter-canister calls: nesting three deep, replies / rejects / traps at every
level, callbacks and cleanup, and per-pair message ordering."""

from __future__ import annotations

from ic_helpers import P, global_of, reject_of, spec

from pyic.candid import Principal

FWD_REPLY = P().append(b"R:").append_response().reply()
FWD_REJECT = P().append(b"J").append_reject_code().append(b":").append_reject_message().reply()


def fwd():
    return dict(on_reply=P(FWD_REPLY.ops), on_reject=P(FWD_REJECT.ops))


def three(a, b, c, leaf):
    """user -> a -> b -> c, where c runs ``leaf``; a and b forward what they get."""
    inner = P().call(c, "update", leaf, **fwd())
    return P().call(b, "update", inner, **fwd())


@spec("Callback invocation")
def test_two_level_reply(pic, uc, uc2):
    out = pic.universal_update(uc, P().call(uc2, "update", P().append(b"hi").reply(), **fwd()))
    assert out == b"R:hi"


@spec("Callback invocation")
def test_three_deep_reply(pic, uc, uc2, uc3):
    out = pic.universal_update(uc, three(uc, uc2, uc3, P().append(b"leaf").reply()))
    assert out == b"R:R:leaf"


@spec("Callback invocation")
def test_three_deep_reject_at_leaf(pic, uc, uc2, uc3):
    out = pic.universal_update(uc, three(uc, uc2, uc3, P().reject("leaf says no")))
    assert out == b"R:J4:leaf says no"


@spec("Callback invocation")
def test_three_deep_trap_at_leaf(pic, uc, uc2, uc3):
    out = pic.universal_update(uc, three(uc, uc2, uc3, P().trap("leaf trap")))
    assert out.startswith(b"R:J5:") and b"leaf trap" in out


@spec("Message execution")
def test_three_deep_leaf_trap_rolls_back_leaf_only(pic, uc, uc2, uc3):
    leaf = P().set_global(b"leaf").trap()
    inner = P().set_global(b"mid").call(uc3, "update", leaf, **fwd())
    pic.universal_update(uc, P().call(uc2, "update", inner, **fwd()))
    assert global_of(pic, uc3) == b""
    assert global_of(pic, uc2) == b"mid"


@spec("Call context starvation")
def test_three_deep_middle_callback_traps(pic, uc, uc2, uc3):
    inner = P().call(uc3, "update", P().append(b"ok").reply(),
                     on_reply=P().set_global(b"cb").trap("mid cb trap"))
    out = pic.universal_update(uc, P().call(uc2, "update", inner, **fwd()))
    assert out.startswith(b"J5:") and b"mid cb trap" in out
    assert global_of(pic, uc2) == b""     # callback's change rolled back


@spec("Call context starvation")
def test_three_deep_middle_traps_before_calling(pic, uc, uc2, uc3):
    inner = P().call(uc3, "update", P().set_global(b"reached").reply()).trap("mid trap")
    out = pic.universal_update(uc, P().call(uc2, "update", inner, **fwd()))
    assert out.startswith(b"J5:") and b"mid trap" in out
    pic.tick()
    assert global_of(pic, uc3) == b""     # the call was never made


@spec("Call context starvation")
def test_three_deep_top_callback_traps(pic, uc, uc2, uc3):
    inner = P().call(uc3, "update", P().append(b"x").reply(), **fwd())
    r = reject_of(pic.universal_update, uc,
                  P().call(uc2, "update", inner, on_reply=P().trap("top cb")))
    assert r.reject_code == 5 and "top cb" in r.message


@spec("Callback invocation")
def test_three_deep_middle_rejects(pic, uc, uc2, uc3):
    out = pic.universal_update(uc, P().call(uc2, "update", P().reject("mid no"), **fwd()))
    assert out == b"J4:mid no"


@spec("Callback invocation")
def test_three_deep_top_rejects_after_reply(pic, uc, uc2, uc3):
    r = reject_of(pic.universal_update, uc,
                  P().call(uc2, "update", P().call(uc3, "update", P().reply(), **fwd()),
                           on_reply=P().reject("top says no")))
    assert r.reject_code == 4 and r.message == "top says no"


@spec("Callback invocation")
def test_three_deep_leaf_changes_survive_upper_trap(pic, uc, uc2, uc3):
    leaf = P().set_global(b"leaf done").reply()
    inner = P().call(uc3, "update", leaf, on_reply=P().trap("mid"))
    pic.universal_update(uc, P().call(uc2, "update", inner, **fwd()))
    assert global_of(pic, uc3) == b"leaf done"


@spec("Callback invocation")
def test_callers_seen_at_each_level(pic, uc, uc2, uc3):
    leaf = P().append_caller().reply()
    out = pic.universal_update(uc, three(uc, uc2, uc3, leaf))
    assert out == b"R:R:" + uc2
    out = pic.universal_update(uc, P().call(uc2, "update", P().append_caller().reply(), **fwd()))
    assert out == b"R:" + uc


@spec("Callback invocation")
def test_callback_sees_caller_of_original_call(pic, uc, uc2):
    out = pic.universal_update(uc, P().call(uc2, "update", P().reply(),
                                            on_reply=P().append_caller().reply()))
    assert out == pic.sender


@spec("Callback invocation")
def test_callback_state_changes_commit(pic, uc, uc2):
    pic.universal_update(uc, P().set_global(b"a").call(uc2, "update", P().reply(),
                                                     on_reply=P().append_to_global(b"b").reply()))
    assert global_of(pic, uc) == b"ab"


@spec("Callback invocation")
def test_cleanup_runs_when_callback_traps(pic, uc, uc2):
    r = reject_of(pic.universal_update, uc,
                  P().set_global(b"start").call(uc2, "update", P().reply(),
                                                on_reply=P().set_global(b"cb").trap("cb trap"),
                                                on_cleanup=P().append_to_global(b"+cleanup")))
    assert r.reject_code == 5 and "cb trap" in r.message
    assert global_of(pic, uc) == b"start+cleanup"


@spec("Callback invocation")
def test_cleanup_trap_discards_cleanup(pic, uc, uc2):
    reject_of(pic.universal_update, uc,
              P().set_global(b"s").call(uc2, "update", P().reply(), on_reply=P().trap(),
                                        on_cleanup=P().append_to_global(b"X").trap("cleanup")))
    assert global_of(pic, uc) == b"s"


@spec("Callback invocation")
def test_cleanup_cannot_reply(pic, uc, uc2):
    r = reject_of(pic.universal_update, uc,
                  P().call(uc2, "update", P().reply(), on_reply=P().trap("t1"),
                           on_cleanup=P().append(b"c").reply()))
    assert r.reject_code == 5


@spec("Callback invocation")
def test_callback_may_make_further_calls(pic, uc, uc2, uc3):
    second = P().call(uc3, "update", P().append(b"third").reply(), **fwd())
    out = pic.universal_update(uc, P().call(uc2, "update", P().reply(), on_reply=second))
    assert out == b"R:third"


@spec("Callback invocation")
def test_call_to_self(pic, uc):
    out = pic.universal_update(uc, P().call(uc, "update", P().append(b"me").reply(), **fwd()))
    assert out == b"R:me"


@spec("Calls to stopped/stopping canisters are rejected")
def test_call_to_missing_canister_rejected(pic, uc):
    missing = Principal.from_canister_id(999).bytes
    out = pic.universal_update(uc, P().call(missing, "update", P().reply(), **fwd()))
    assert out.startswith(b"J3:")


@spec("Call context creation")
def test_call_to_unknown_method_rejected(pic, uc, uc2):
    out = pic.universal_update(uc, P().call(uc2, "nope", b"", **fwd()))
    assert out.startswith(b"J5:")


@spec("Call context creation")
def test_call_to_empty_canister_rejected(pic, uc):
    empty = pic.create_canister().bytes
    out = pic.universal_update(uc, P().call(empty, "update", b"", **fwd()))
    assert out.startswith(b"J5:") and b"empty" in out


@spec("Call context creation")
def test_composite_query_in_replicated_mode_rejected(pic, uc, uc2):
    out = pic.universal_update(uc, P().call(uc2, "composite_query", P().reply(), **fwd()))
    assert out.startswith(b"J5:")


@spec("Message execution")
def test_inter_canister_query_method_replies(pic, uc, uc2):
    out = pic.universal_update(uc, P().call(uc2, "query", P().set_global(b"q").append(b"qq")
                                            .reply(), **fwd()))
    assert out == b"R:qq"
    assert global_of(pic, uc2) == b""


@spec("Call context starvation")
def test_callee_not_replying_gives_did_not_reply(pic, uc, uc2):
    out = pic.universal_update(uc, P().call(uc2, "update", P().set_global(b"x"), **fwd()))
    assert out.startswith(b"J5:") and b"did not reply" in out


@spec("Call context starvation")
def test_callback_not_replying_ends_context(pic, uc, uc2):
    r = reject_of(pic.universal_update, uc, P().call(uc2, "update", P().reply(),
                                                     on_reply=P().set_global(b"cb")))
    assert r.error_code == "IC0506"
    assert global_of(pic, uc) == b"cb"


@spec("Call context removal")
def test_call_contexts_removed_after_completion(pic, uc, uc2, uc3):
    pic.universal_update(uc, three(uc, uc2, uc3, P().reply()))
    pic.tick()
    assert pic.ic.state.call_contexts == {}


@spec("Call context removal")
def test_reply_then_call_keeps_context_until_response(pic, uc, uc2):
    out = pic.universal_update(uc, P().append(b"early").reply()
                               .call(uc2, "update", P().reply(),
                                     on_reply=P().set_global(b"late")))
    assert out == b"early"
    pic.tick()
    assert global_of(pic, uc) == b"late"
    assert pic.ic.state.call_contexts == {}


@spec("Message execution")
def test_reply_in_callback_after_reply_traps(pic, uc, uc2):
    pic.universal_update(uc, P().reply().call(uc2, "update", P().reply(),
                                              on_reply=P().set_global(b"cb").reply()))
    pic.tick()
    assert global_of(pic, uc) == b""   # the second reply trapped, rolling back the callback


# ------------------------------------------------------------------ ordering


@spec("Calls and Messages")
def test_calls_in_one_execution_are_ordered(pic, uc, uc2):
    prog = P()
    for i in range(6):
        prog.call(uc2, "update", P().append_to_global(str(i).encode()).reply())
    pic.universal_update(uc, prog.reply())
    pic.tick()
    assert global_of(pic, uc2) == b"012345"


@spec("Calls and Messages")
def test_calls_across_executions_are_ordered(pic, uc, uc2):
    for i in range(4):
        pic.universal_update(uc, P().call(uc2, "update", P().append_to_global(str(i).encode())
                                          .reply()).reply())
    pic.tick()
    assert global_of(pic, uc2) == b"0123"


@spec("Calls and Messages")
def test_calls_to_self_are_ordered(pic, uc):
    prog = P()
    for i in range(3):
        prog.call(uc, "update", P().append_to_global(str(i).encode()).reply())
    pic.universal_update(uc, prog.reply())
    pic.tick()
    assert global_of(pic, uc) == b"012"


@spec("Calls and Messages")
def test_ordering_holds_with_interleaved_callees(pic, uc, uc2, uc3):
    prog = P()
    for i in range(3):
        prog.call(uc2, "update", P().append_to_global(b"b" + str(i).encode()).reply())
        prog.call(uc3, "update", P().append_to_global(b"c" + str(i).encode()).reply())
    pic.universal_update(uc, prog.reply())
    pic.tick()
    assert global_of(pic, uc2) == b"b0b1b2"
    assert global_of(pic, uc3) == b"c0c1c2"


@spec("Calls and Messages")
def test_responses_arrive_for_every_call(pic, uc, uc2):
    prog = P().set_global(b"")
    for i in range(3):
        prog.call(uc2, "update", P().append(str(i).encode()).reply(),
                  on_reply=P().append_to_global(b"r"))
    pic.universal_update(uc, prog.reply())
    pic.tick()
    assert global_of(pic, uc) == b"rrr"
