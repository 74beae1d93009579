"""The universal canister (pyic/universal/universal_canister.wat) speaks the
bytecode of ic-hs's universal canister: every opcode, its typed stack, the
callback table, the stored programs and every entry point, through ``ic0``
only.  Independent oracles where there are any: pyic's own principal text
and Candid codec, both implemented apart from the canister."""

from __future__ import annotations

import random
import struct

import pytest

import pyic.universal as U
from pyic.candid import Principal, Record, decode, encode
from pyic.candid.did import parse_types
from pyic.errors import Reject
from pyic.universal import (
    CallArgs, Prog, arg_data, bytes_, callback, caller, cat, get_global, i2b, i64tob, ignore,
    int64, int_, inter_update, reply, reply_data, reply_data_append, self_, set_global,
)

pytestmark = pytest.mark.spec("Abstract Canisters to System API")


def u32(data: bytes) -> int:
    return struct.unpack("<I", data)[0]


def u64(data: bytes) -> int:
    return struct.unpack("<Q", data)[0]


def trap_message(pic, cid, prog: Prog) -> str:
    with pytest.raises(Reject) as info:
        pic.universal_update(cid, prog)
    assert info.value.reject_code == 5
    return info.value.message


# ------------------------------------------------------------------ every opcode


def _opcode_programs():
    """One program per op, ending in that op (to cross-check the table above)."""
    b = bytes_(b"x")
    return {
        "noop": U.noop, "drop": ignore(int_(1)), "reply": reply,
        "reply_data_append": reply_data_append(b), "reject": U.reject(b),
        "trap": U.trap(b), "set_global": set_global(b), "debug_print": U.debug_print(b),
        "self": ignore(self_), "caller": ignore(caller), "arg": ignore(arg_data),
        "icial": U.instruction_counter_is_at_least(int64(0)),
        "reject_msg": ignore(U.reject_msg), "reject_code": ignore(U.reject_code),
        "i2b": ignore(i2b(int_(0))), "cat": ignore(cat(b, b)),
        "stable_size": ignore(U.stable_size), "stable_grow": ignore(U.stable_grow(int_(0))),
        "stable_read": ignore(U.stable_read(int_(0), int_(0))),
        "stable_write": U.stable_write(int_(0), b), "get_global": ignore(get_global),
        "bad_print": U.bad_print, "on_pre_upgrade": U.on_pre_upgrade(b),
        "append_global": U.append_global(b), "time": ignore(U.get_time),
        "available": ignore(U.get_available_cycles), "balance": ignore(U.get_balance),
        "refund": ignore(U.get_refund), "accept": ignore(U.accept_cycles(int64(0))),
        "call_new": U.call_new(b, b, b, b), "call_data_append": U.call_data_append(b),
        "call_cycles_add": U.call_cycles_add(int64(0)), "call_perform": U.call_perform,
        "certified": U.set_certified_data(b), "cert_present": ignore(U.get_certificate_present),
        "certificate": ignore(U.get_certificate), "status": ignore(U.get_status),
        "on_heartbeat": U.on_heartbeat(b), "accept_message": U.accept_message,
        "on_inspect": U.on_inspect_message(b), "trap_if_eq": U.trap_if_eq(b, b, b),
        "cleanup": U.call_on_cleanup(b), "stable_fill": U.stable_fill(int_(0), int_(0), int_(0)),
        "stable64_size": ignore(U.stable64_size),
        "stable64_grow": ignore(U.stable64_grow(int64(0))),
        "stable64_read": ignore(U.stable64_read(int64(0), int64(0))),
        "stable64_write": U.stable64_write(int64(0), b), "i64tob": ignore(i64tob(int64(0))),
        "available128": ignore(U.get_available_cycles128), "balance128": ignore(U.get_balance128),
        "refund128": ignore(U.get_refund128),
        "accept128": ignore(U.accept_cycles128(int64(0), int64(0))),
        "add128": U.call_cycles_add128(int64(0), int64(0)),
        "arg_size": ignore(U.msg_arg_data_size),
        "arg_copy": ignore(U.msg_arg_data_copy(int_(0), int_(0))),
        "caller_size": ignore(U.msg_caller_size),
        "caller_copy": ignore(U.msg_caller_copy(int_(0), int_(0))),
        "rej_size": ignore(U.msg_reject_msg_size),
        "rej_copy": ignore(U.msg_reject_msg_copy(int_(0), int_(0))),
        "on_timer": U.on_global_timer(b), "timer_set": ignore(U.api_global_timer_set(int64(0))),
        "inc": U.inc_global_counter, "counter": ignore(U.get_global_counter),
        "perf": ignore(U.performance_counter(int_(0))), "method": ignore(U.method_name),
        "principal": ignore(U.parse_principal(b)), "on_transform": U.on_transform(b),
        "http_reply": ignore(U.get_http_reply_with_body(b)),
        "http_context": ignore(U.get_http_transform_context(b)),
        "stable64_fill": U.stable64_fill(int64(0), int64(0), int64(0)),
        "version": ignore(U.canister_version), "trap_if_neq": U.trap_if_neq(b, b, b),
        "mint": ignore(U.mint_cycles(int64(0))), "one_way": U.one_way_call_new(b, b),
        "is_controller": ignore(U.is_controller(b)),
        "burn": ignore(U.cycles_burn128(int64(0), int64(0))),
        "blob_length": ignore(U.blob_length(b)),
        "equal_bytes": ignore(U.push_equal_bytes(int_(0), int_(0))),
        "replicated": ignore(U.in_replicated_execution),
        "best_effort": U.call_with_best_effort_response(int_(0)),
        "deadline": ignore(U.msg_deadline), "memory": U.memory_size_is_at_least(int64(0)),
        "liquid": ignore(U.liquid_cycles_balance128), "on_low_memory": U.on_low_wasm_memory(b),
    }


def _strip_drop(p: Prog) -> int:
    """The op a program of `_opcode_programs` is about (before a trailing drop)."""
    code = p.code
    return (
        code[-2] if code[-1] == 1 and len(code) > 1 and code != ignore(int_(1)).code else code[-1]
    )


def test_opcode_programs_cover_every_opcode():
    assert len(U.IC_HS_OPCODES) == 77
    ops = {_strip_drop(p) for p in _opcode_programs().values()}
    missing = (set(U.IC_HS_OPCODES) | set(U.EXTENSION_OPCODES)) - ops - {2, 3, 31, 1}
    assert not missing, f"opcodes without a program: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(_opcode_programs()))
def test_every_opcode_is_known_to_the_canister(pic, uc, name):
    """Each op is in the canister's table: it may trap for its own reasons
    (a reply outside a call context...), never as an unknown op."""
    try:
        pic.universal_update(uc, _opcode_programs()[name] >> reply_data(b"done"))
    except Reject as r:
        assert "unknown op" not in r.message


# ------------------------------------------------------------------ values and the stack


def test_replies_with_pushed_values(pic, uc):
    assert pic.universal_update(uc, reply_data(cat(b"ab", b"cd"))) == b"abcd"
    assert pic.universal_update(uc, reply_data(i2b(int_(0x01020304)))) == b"\x04\x03\x02\x01"
    assert u64(pic.universal_update(uc, reply_data(i64tob(int64(2 ** 63 + 5))))) == 2 ** 63 + 5
    assert pic.universal_update(uc, reply_data(bytes_(b""))) == b""


def test_identity_ops(pic, uc):
    from principals import USER
    assert pic.universal_update(uc, reply_data(self_)) == uc
    assert pic.universal_update(uc, reply_data(caller)) == USER
    assert u32(pic.universal_update(uc, reply_data(i2b(U.msg_caller_size)))) == len(USER)
    assert pic.universal_update(uc, reply_data(U.msg_caller_copy(int_(1), int_(1)))) == USER[1:2]


def test_arg_data_is_the_whole_program(pic, uc):
    prog = reply_data(arg_data)
    assert pic.universal_update(uc, prog) == prog.bytes()
    size = pic.universal_update(uc, reply_data(i2b(U.msg_arg_data_size)))
    assert u32(size) == len(reply_data(i2b(U.msg_arg_data_size)).bytes())
    part = pic.universal_update(uc, reply_data(U.msg_arg_data_copy(int_(0), int_(3))))
    assert part == reply_data(U.msg_arg_data_copy(int_(0), int_(3))).bytes()[:3]


@pytest.mark.parametrize("prog, message", [
    (Prog(b"\x04"), "did not find blob on stack"),
    (Prog(int_(1).code + b"\x04"), "did not find blob on stack"),
    (Prog(bytes_(b"x").code + b"\x0c"), "did not find I32 on stack"),
    (Prog(int_(1).code + b"\x32"), "did not find I64 on stack"),
    (Prog(b"\x63"), "unknown op 99"),
    (Prog(b"\xff"), "unknown op 255"),
    (Prog(b"\x56"), "unknown op 86"),
    # An immediate needs strictly more bytes left than it reads (as in the Rust canister).
    (Prog(b"\x02\x01\x00\x00\x00"), "cannot read 4 bytes of a 4 byte string"),
    (Prog(b"\x03\x05\x00\x00\x00ab"), "cannot read 5 bytes of a 2 byte string"),
    (Prog(b"\x1f\x01"), "cannot read 8 bytes of a 1 byte string"),
])
def test_bad_programs_trap(pic, uc, prog, message):
    assert message in trap_message(pic, uc, prog)


def test_drop_on_an_empty_stack_is_a_noop(pic, uc):
    assert pic.universal_update(uc, Prog(b"\x01\x01") >> reply_data(b"ok")) == b"ok"


def test_trap_ops(pic, uc):
    assert "boom" in trap_message(pic, uc, U.trap(b"boom"))
    assert "same" in trap_message(pic, uc, U.trap_if_eq(b"a", b"a", b"same"))
    assert pic.universal_update(uc, U.trap_if_eq(b"a", b"b", b"x") >> reply_data(b"ok")) == b"ok"
    assert "differ" in trap_message(pic, uc, U.trap_if_neq(b"a", b"b", b"differ"))
    assert pic.universal_update(uc, U.trap_if_neq(b"a", b"a", b"x") >> reply_data(b"ok")) == b"ok"


def test_reject_op(pic, uc):
    with pytest.raises(Reject) as info:
        pic.universal_update(uc, U.reject(b"nope"))
    assert info.value.reject_code == 4 and info.value.message == "nope"


def test_dsl_is_typed():
    with pytest.raises(TypeError):
        i2b(bytes_(b"x"))
    with pytest.raises(TypeError):
        reply_data_append(int_(1))
    with pytest.raises(TypeError):
        reply >> int_(1)


# ------------------------------------------------------------------ state


def test_global_persists_and_appends(pic, uc):
    pic.universal_update(uc, set_global(b"one") >> reply)
    assert pic.universal_query(uc, reply_data(get_global)) == b"one"
    pic.universal_update(uc, U.append_global(b"+two") >> reply)
    assert pic.universal_query(uc, reply_data(get_global)) == b"one+two"
    # a query's changes are discarded
    pic.universal_query(uc, set_global(b"lost") >> reply)
    assert pic.universal_query(uc, reply_data(get_global)) == b"one+two"
    # a trapped update's too
    trap_message(pic, uc, set_global(b"lost") >> U.trap(b"t"))
    assert pic.universal_query(uc, reply_data(get_global)) == b"one+two"


def test_counter(pic, uc):
    pic.universal_update(uc, U.inc_global_counter >> U.inc_global_counter >> reply)
    assert u64(pic.universal_query(uc, reply_data(i64tob(U.get_global_counter)))) == 2


def test_state_is_lost_on_upgrade_and_reinstall(pic, uc):
    pic.universal_update(uc, set_global(b"g") >> U.inc_global_counter >> reply)
    pic.upgrade_canister(uc, U.universal_canister_wasm(), b"")
    assert pic.universal_query(uc, reply_data(get_global)) == b""
    assert u64(pic.universal_query(uc, reply_data(i64tob(U.get_global_counter)))) == 0


def test_pre_upgrade_program_runs_with_the_old_state(pic, uc):
    pic.universal_update(uc, set_global(b"kept")
                         >> U.on_pre_upgrade(callback(
                             U.stable64_write(int64(0), get_global)))
                         >> ignore(U.stable64_grow(int64(1))) >> reply)
    # post_upgrade runs the install argument: read back what pre_upgrade saved
    pic.upgrade_canister(
        uc, U.universal_canister_wasm(), set_global(U.stable64_read(int64(0), int64(4)))
    )
    assert pic.universal_query(uc, reply_data(get_global)) == b"kept"


def test_stable_memory_ops(pic, uc):
    r = pic.universal_update(uc, reply_data(i2b(U.stable_grow(int_(1)))))
    assert u32(r) == 0
    assert u32(pic.universal_update(uc, reply_data(i2b(U.stable_size)))) == 1
    pic.universal_update(uc, U.stable_write(int_(10), b"abc") >> reply)
    assert pic.universal_update(uc, reply_data(U.stable_read(int_(9), int_(5)))) == b"\0abc\0"
    pic.universal_update(uc, U.stable_fill(int_(0), int_(0x41), int_(3)) >> reply)
    assert pic.universal_update(uc, reply_data(U.stable_read(int_(0), int_(4)))) == b"AAA\0"
    assert u64(pic.universal_update(uc, reply_data(i64tob(U.stable64_grow(int64(2)))))) == 1
    assert u64(pic.universal_update(uc, reply_data(i64tob(U.stable64_size)))) == 3
    pic.universal_update(uc, U.stable64_write(int64(70000), b"xyz") >> reply)
    assert pic.universal_update(uc, reply_data(U.stable64_read(int64(70001), int64(2)))) == b"yz"
    pic.universal_update(uc, U.stable64_fill(int64(5), int64(0x42), int64(2)) >> reply)
    assert pic.universal_update(uc, reply_data(U.stable64_read(int64(4), int64(4)))) == b"\0BB\0"
    assert "stable memory" in trap_message(pic, uc, ignore(U.stable_read(int_(3 * 65536), int_(1))))


def test_blob_length_and_equal_bytes(pic, uc):
    assert u32(pic.universal_update(uc, reply_data(i2b(U.blob_length(b"12345"))))) == 5
    assert pic.universal_update(uc, reply_data(U.push_equal_bytes(int_(0x7a), int_(3)))) == b"zzz"


def test_memory_stays_bounded_over_many_messages(pic, uc):
    """Per-message blocks are freed when a message ends: the same work done
    over and over does not grow the canister's memory."""
    big = b"\x55" * 100_000
    work = set_global(cat(bytes_(big), arg_data)) >> reply_data(i2b(U.blob_length(get_global)))

    def memory_size():
        return pic.canister_status(uc)["memory_size"]

    for _ in range(5):
        pic.universal_update(uc, work)
    settled = memory_size()
    for _ in range(40):
        pic.universal_update(uc, work)
    assert memory_size() == settled


def test_memory_size_is_at_least_grows_wasm_memory(pic, uc):
    before = pic.canister_status(uc)["memory_size"]
    pic.universal_update(uc, U.memory_size_is_at_least(int64(3 * 2 ** 20)) >> reply)
    assert pic.canister_status(uc)["memory_size"] >= before + 2 * 2 ** 20


# ------------------------------------------------------------------ calls and callbacks


def test_inter_canister_call_relays_the_reply(pic, uc, uc2):
    r = pic.universal_update(uc, inter_update(uc2))
    assert r == b"\0\0\0\0" + b"Hello " + uc + b" this is " + uc2


def test_inter_canister_call_relays_a_reject(pic, uc, uc2):
    r = pic.universal_update(uc, inter_update(uc2, CallArgs(other_side=U.reject(b"no"))))
    assert r == struct.pack("<I", 4) + b"no"


def test_callbacks_run_once_and_cleanup_runs_after_a_trapping_callback(pic, uc, uc2):
    prog = inter_update(uc2, CallArgs(on_reply=U.trap(b"in reply"),
                                      on_cleanup=set_global(b"cleaned up")))
    assert "in reply" in trap_message(pic, uc, prog)
    assert pic.universal_query(uc, reply_data(get_global)) == b"cleaned up"


def test_one_way_call(pic, uc, uc2):
    r = pic.universal_update(
        uc,
        U.oneway_call(uc2, "update", arg=(set_global(b"1w") >> reply).bytes())
        >> reply_data(b"sent"),
    )
    assert r == b"sent"
    pic.tick()
    assert pic.universal_query(uc2, reply_data(get_global)) == b"1w"


# ------------------------------------------------------------------ stored programs and hooks


def test_inspect_message_default_accepts_and_a_stored_program_rejects(pic, uc):
    assert pic.universal_update(uc, reply_data(b"in")) == b"in"
    pic.universal_update(uc, U.on_inspect_message(callback(U.trap(b"refused"))) >> reply)
    with pytest.raises(Reject):
        pic.universal_update(uc, reply_data(b"in"))


def test_inspect_message_sees_the_method_name(pic, uc):
    pic.universal_update(uc, U.on_inspect_message(callback(
        U.trap_if_neq(U.method_name, b"update", b"wrong method") >> U.accept_message)) >> reply)
    assert pic.universal_update(uc, reply_data(b"ok")) == b"ok"


def test_heartbeat_program(pic, uc):
    pic.universal_update(uc, U.on_heartbeat(callback(U.inc_global_counter)) >> reply)
    pic.tick()
    pic.tick()
    assert u64(pic.universal_query(uc, reply_data(i64tob(U.get_global_counter)))) >= 1


def test_global_timer_program(pic, uc):
    now = pic.get_time()["nanos_since_epoch"]
    pic.universal_update(uc, U.on_global_timer(callback(set_global(b"fired")))
                         >> ignore(U.api_global_timer_set(int64(now + 1))) >> reply)
    pic.advance_time(1_000)
    pic.tick()
    assert pic.universal_query(uc, reply_data(get_global)) == b"fired"


# --------------------------------------------------------------- formats, against pyic's own codecs


def test_parse_principal_matches_the_textual_form():
    rng = random.Random(7)
    from pyic.testing import PocketIC
    pic = PocketIC()
    cid = pic.install_universal_canister()
    for n in [0, 1, 4, 10, 28, 29]:
        raw = bytes(rng.randrange(256) for _ in range(n))
        text = pic.universal_query(cid, reply_data(U.parse_principal(bytes_(raw))))
        assert text.decode() == Principal(raw).to_text()
    assert "too long" in trap_message(pic, cid, ignore(U.parse_principal(bytes_(b"x" * 30))))


HTTP_RESPONSE = "record {status: nat; headers: vec record {name: text; value: text}; body: blob}"


def test_http_reply_with_body_is_candid(pic, uc):
    body = bytes(range(200))
    data = pic.universal_query(uc, reply_data(U.get_http_reply_with_body(bytes_(body))))
    (value,) = decode(data, parse_types(f"({HTTP_RESPONSE})"))
    assert value["status"] == 200 and value["headers"] == () and value["body"] == body


def test_http_transform_context_is_read_from_a_transform_arg(pic, uc):
    types = parse_types(f"(record {{response: {HTTP_RESPONSE}; context: blob}})")
    arg = encode((Record.of(response=Record.of(status=200, headers=(), body=b"b"),
                            context=b"the context"),), types)
    got = pic.universal_query(uc, reply_data(U.get_http_transform_context(bytes_(arg))))
    assert got == b"the context"
    assert "TransformArg" in trap_message(pic, uc, ignore(U.get_http_transform_context(b"DIDL")))


def test_mint_cycles_traps_outside_the_cycles_minting_canister(pic, uc):
    assert "mint" in trap_message(pic, uc, ignore(U.mint_cycles(int64(1))))


def test_a_subnet_config_given_to_pocketic_limits_the_canister():
    import attrs
    from pyic.ic.costs import SubnetConfig
    from pyic.testing import PocketIC
    pic = PocketIC(attrs.evolve(SubnetConfig(), max_instructions_per_message=200_000))
    cid = pic.install_universal_canister()
    with pytest.raises(Reject) as info:
        pic.universal_update(cid, U.instruction_counter_is_at_least(int64(10 ** 6)) >> reply)
    assert info.value.error_code == "IC0522"
    assert pic.universal_update(cid, reply_data(b"small")) == b"small"
