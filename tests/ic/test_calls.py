"""Inter-canister calls: nesting three deep, replies / rejects / traps at every
level, callbacks and cleanup, and per-pair message ordering.

Programs run in the Wasm universal canister (`pyic.universal`)."""

from __future__ import annotations

from ic_helpers import global_of, reject_of, spec

from pyic.candid import Principal
from pyic.universal import (
    Prog, append_global, arg_data, caller, i2b, noop, reject, reject_code, reject_msg,
    reply, reply_data, reply_data_append, set_global, trap, update_call,
)

#: A callback that forwards a reply as ``R:<data>``.
FWD_REPLY = reply_data_append(b"R:") >> reply_data_append(arg_data) >> reply
#: A callback that forwards a reject as ``J<code as 4 LE bytes>:<message>``.
FWD_REJECT = (reply_data_append(b"J") >> reply_data_append(i2b(reject_code))
              >> reply_data_append(b":") >> reply_data_append(reject_msg) >> reply)


def code(n: int) -> bytes:
    """A reject code as `i2b` renders it (32-bit little-endian)."""
    return n.to_bytes(4, "little")


def fwd():
    return dict(on_reply=FWD_REPLY, on_reject=FWD_REJECT)


def call(callee: bytes, method: str, arg: Prog | bytes = b"", *, on_reply: Prog = noop,
         on_reject: Prog = noop, on_cleanup: Prog | None = None) -> Prog:
    """An outgoing call running ``arg`` at the callee; unlike `update_call`,
    the callbacks default to doing nothing (no reply)."""
    return update_call(callee, method, on_reply=on_reply, on_reject=on_reject,
                       on_cleanup=on_cleanup, arg=bytes(arg))


def three(a, b, c, leaf):
    """user -> a -> b -> c, where c runs ``leaf``; a and b forward what they get."""
    inner = call(c, "update", leaf, **fwd())
    return call(b, "update", inner, **fwd())


@spec("Callback invocation")
def test_two_level_reply(pic, uc, uc2):
    out = pic.universal_update(uc, call(uc2, "update", reply_data(b"hi"), **fwd()))
    assert out == b"R:hi"


@spec("Callback invocation")
def test_three_deep_reply(pic, uc, uc2, uc3):
    out = pic.universal_update(uc, three(uc, uc2, uc3, reply_data(b"leaf")))
    assert out == b"R:R:leaf"


@spec("Callback invocation")
def test_three_deep_reject_at_leaf(pic, uc, uc2, uc3):
    out = pic.universal_update(uc, three(uc, uc2, uc3, reject(b"leaf says no")))
    assert out == b"R:J" + code(4) + b":leaf says no"


@spec("Callback invocation")
def test_three_deep_trap_at_leaf(pic, uc, uc2, uc3):
    out = pic.universal_update(uc, three(uc, uc2, uc3, trap(b"leaf trap")))
    assert out.startswith(b"R:J" + code(5) + b":") and b"leaf trap" in out


@spec("Message execution")
def test_three_deep_leaf_trap_rolls_back_leaf_only(pic, uc, uc2, uc3):
    leaf = set_global(b"leaf") >> trap(b"leaf trap")
    inner = set_global(b"mid") >> call(uc3, "update", leaf, **fwd())
    pic.universal_update(uc, call(uc2, "update", inner, **fwd()))
    assert global_of(pic, uc3) == b""
    assert global_of(pic, uc2) == b"mid"


@spec("Call context starvation")
def test_three_deep_middle_callback_traps(pic, uc, uc2, uc3):
    inner = call(uc3, "update", reply_data(b"ok"),
                 on_reply=set_global(b"cb") >> trap(b"mid cb trap"))
    out = pic.universal_update(uc, call(uc2, "update", inner, **fwd()))
    assert out.startswith(b"J" + code(5) + b":") and b"mid cb trap" in out
    assert global_of(pic, uc2) == b""     # callback's change rolled back


@spec("Call context starvation")
def test_three_deep_middle_traps_before_calling(pic, uc, uc2, uc3):
    inner = call(uc3, "update", set_global(b"reached") >> reply) >> trap(b"mid trap")
    out = pic.universal_update(uc, call(uc2, "update", inner, **fwd()))
    assert out.startswith(b"J" + code(5) + b":") and b"mid trap" in out
    pic.tick()
    assert global_of(pic, uc3) == b""     # the call was never made


@spec("Call context starvation")
def test_three_deep_top_callback_traps(pic, uc, uc2, uc3):
    inner = call(uc3, "update", reply_data(b"x"), **fwd())
    r = reject_of(pic.universal_update, uc,
                  call(uc2, "update", inner, on_reply=trap(b"top cb")))
    assert r.reject_code == 5 and "top cb" in r.message


@spec("Callback invocation")
def test_three_deep_middle_rejects(pic, uc, uc2, uc3):
    out = pic.universal_update(uc, call(uc2, "update", reject(b"mid no"), **fwd()))
    assert out == b"J" + code(4) + b":mid no"


@spec("Callback invocation")
def test_three_deep_top_rejects_after_reply(pic, uc, uc2, uc3):
    r = reject_of(pic.universal_update, uc,
                  call(uc2, "update", call(uc3, "update", reply, **fwd()),
                       on_reply=reject(b"top says no")))
    assert r.reject_code == 4 and r.message == "top says no"


@spec("Callback invocation")
def test_three_deep_leaf_changes_survive_upper_trap(pic, uc, uc2, uc3):
    leaf = set_global(b"leaf done") >> reply
    inner = call(uc3, "update", leaf, on_reply=trap(b"mid"))
    pic.universal_update(uc, call(uc2, "update", inner, **fwd()))
    assert global_of(pic, uc3) == b"leaf done"


@spec("Callback invocation")
def test_callers_seen_at_each_level(pic, uc, uc2, uc3):
    leaf = reply_data(caller)
    out = pic.universal_update(uc, three(uc, uc2, uc3, leaf))
    assert out == b"R:R:" + uc2
    out = pic.universal_update(uc, call(uc2, "update", reply_data(caller), **fwd()))
    assert out == b"R:" + uc


@spec("Callback invocation")
def test_callback_sees_caller_of_original_call(pic, uc, uc2):
    out = pic.universal_update(uc, call(uc2, "update", reply, on_reply=reply_data(caller)))
    assert out == pic.sender


@spec("Callback invocation")
def test_callback_state_changes_commit(pic, uc, uc2):
    pic.universal_update(uc, set_global(b"a") >> call(uc2, "update", reply,
                                                      on_reply=append_global(b"b") >> reply))
    assert global_of(pic, uc) == b"ab"


@spec("Callback invocation")
def test_cleanup_runs_when_callback_traps(pic, uc, uc2):
    r = reject_of(pic.universal_update, uc,
                  set_global(b"start")
                  >> call(uc2, "update", reply,
                          on_reply=set_global(b"cb") >> trap(b"cb trap"),
                          on_cleanup=append_global(b"+cleanup")))
    assert r.reject_code == 5 and "cb trap" in r.message
    assert global_of(pic, uc) == b"start+cleanup"


@spec("Callback invocation")
def test_cleanup_trap_discards_cleanup(pic, uc, uc2):
    reject_of(pic.universal_update, uc,
              set_global(b"s") >> call(uc2, "update", reply, on_reply=trap(b"cb"),
                                       on_cleanup=append_global(b"X") >> trap(b"cleanup")))
    assert global_of(pic, uc) == b"s"


@spec("Callback invocation")
def test_cleanup_cannot_reply(pic, uc, uc2):
    # The cleanup's reply traps (msg_reply_data_append and msg_reply are not
    # available in cleanup), so its state change is discarded too; the reject
    # message is implementation-specific.
    r = reject_of(pic.universal_update, uc,
                  call(uc2, "update", reply, on_reply=trap(b"t1"),
                       on_cleanup=set_global(b"cleaned") >> reply_data(b"c")))
    assert r.reject_code == 5
    assert global_of(pic, uc) == b""


@spec("Callback invocation")
def test_callback_may_make_further_calls(pic, uc, uc2, uc3):
    second = call(uc3, "update", reply_data(b"third"), **fwd())
    out = pic.universal_update(uc, call(uc2, "update", reply, on_reply=second))
    assert out == b"R:third"


@spec("Callback invocation")
def test_call_to_self(pic, uc):
    out = pic.universal_update(uc, call(uc, "update", reply_data(b"me"), **fwd()))
    assert out == b"R:me"


@spec("Calls to stopped/stopping canisters are rejected")
def test_call_to_missing_canister_rejected(pic, uc):
    missing = Principal.from_canister_id(999).bytes
    out = pic.universal_update(uc, call(missing, "update", reply, **fwd()))
    assert out.startswith(b"J" + code(3) + b":")


@spec("Call context creation")
def test_call_to_unknown_method_rejected(pic, uc, uc2):
    out = pic.universal_update(uc, call(uc2, "nope", b"", **fwd()))
    assert out.startswith(b"J" + code(5) + b":")


@spec("Call context creation")
def test_call_to_empty_canister_rejected(pic, uc):
    empty = pic.create_canister().bytes
    out = pic.universal_update(uc, call(empty, "update", b"", **fwd()))
    assert out.startswith(b"J" + code(5) + b":") and b"empty" in out


@spec("Call context creation")
def test_composite_query_in_replicated_mode_rejected(pic, uc, uc2):
    out = pic.universal_update(uc, call(uc2, "composite_query", reply, **fwd()))
    assert out.startswith(b"J" + code(5) + b":")


@spec("Message execution")
def test_inter_canister_query_method_replies(pic, uc, uc2):
    out = pic.universal_update(uc, call(uc2, "query", set_global(b"q") >> reply_data(b"qq"),
                                        **fwd()))
    assert out == b"R:qq"
    assert global_of(pic, uc2) == b""


@spec("Call context starvation")
def test_callee_not_replying_gives_did_not_reply(pic, uc, uc2):
    out = pic.universal_update(uc, call(uc2, "update", set_global(b"x"), **fwd()))
    assert out.startswith(b"J" + code(5) + b":") and b"did not reply" in out


@spec("Call context starvation")
def test_callback_not_replying_ends_context(pic, uc, uc2):
    r = reject_of(pic.universal_update, uc, call(uc2, "update", reply,
                                                 on_reply=set_global(b"cb")))
    assert r.error_code == "IC0506"
    assert global_of(pic, uc) == b"cb"


@spec("Call context removal")
def test_call_contexts_removed_after_completion(pic, uc, uc2, uc3):
    pic.universal_update(uc, three(uc, uc2, uc3, reply))
    pic.tick()
    assert pic.ic.state.call_contexts == {}


@spec("Call context removal")
def test_reply_then_call_keeps_context_until_response(pic, uc, uc2):
    out = pic.universal_update(uc, reply_data(b"early")
                               >> call(uc2, "update", reply, on_reply=set_global(b"late")))
    assert out == b"early"
    pic.tick()
    assert global_of(pic, uc) == b"late"
    assert pic.ic.state.call_contexts == {}


@spec("Message execution")
def test_reply_in_callback_after_reply_traps(pic, uc, uc2):
    pic.universal_update(uc, reply >> call(uc2, "update", reply,
                                           on_reply=set_global(b"cb") >> reply))
    pic.tick()
    assert global_of(pic, uc) == b""   # the second reply trapped, rolling back the callback


# ------------------------------------------------------------------ ordering


def append_each(callee: bytes, tags) -> Prog:
    """One call per tag, each appending its tag to the callee's global."""
    prog = Prog()
    for tag in tags:
        prog = prog >> call(callee, "update", append_global(tag) >> reply)
    return prog


@spec("Calls and Messages")
def test_calls_in_one_execution_are_ordered(pic, uc, uc2):
    pic.universal_update(uc, append_each(uc2, [str(i).encode() for i in range(6)]) >> reply)
    pic.tick()
    assert global_of(pic, uc2) == b"012345"


@spec("Calls and Messages")
def test_calls_across_executions_are_ordered(pic, uc, uc2):
    for i in range(4):
        pic.universal_update(uc, append_each(uc2, [str(i).encode()]) >> reply)
    pic.tick()
    assert global_of(pic, uc2) == b"0123"


@spec("Calls and Messages")
def test_calls_to_self_are_ordered(pic, uc):
    pic.universal_update(uc, append_each(uc, [str(i).encode() for i in range(3)]) >> reply)
    pic.tick()
    assert global_of(pic, uc) == b"012"


@spec("Calls and Messages")
def test_ordering_holds_with_interleaved_callees(pic, uc, uc2, uc3):
    prog = Prog()
    for i in range(3):
        prog = (prog >> append_each(uc2, [b"b" + str(i).encode()])
                >> append_each(uc3, [b"c" + str(i).encode()]))
    pic.universal_update(uc, prog >> reply)
    pic.tick()
    assert global_of(pic, uc2) == b"b0b1b2"
    assert global_of(pic, uc3) == b"c0c1c2"


@spec("Calls and Messages")
def test_responses_arrive_for_every_call(pic, uc, uc2):
    prog = set_global(b"")
    for i in range(3):
        prog = prog >> call(uc2, "update", reply_data(str(i).encode()),
                            on_reply=append_global(b"r"))
    pic.universal_update(uc, prog >> reply)
    pic.tick()
    assert global_of(pic, uc) == b"rrr"
