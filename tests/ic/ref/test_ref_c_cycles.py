"""``Spec.hs``, testGroup "cycles": balances, accepting and sending cycles,
refunds, ``deposit_cycles`` and ``provisional_top_up_canister``, seen by the
universal canister (interface spec: canister-interface.md "Cycles";
abstract-behavior.md "Call context creation", "Message execution",
management-canister.md "deposit_cycles", "provisional_top_up_canister").

Fees are unspecified, so balances are compared with `is_roughly` (within 3T),
exactly as ic-hs does; refunds and accepted amounts are exact.
"""

from __future__ import annotations

import pyic.universal as uc
from pyic.candid import Record
from harness import (
    DOESNT_EXIST, as_2word64, as_word64, as_word128, is_err_or_reject, is_relay, is_reject,
    is_reply, ref_test,
)
from _c_helpers import (
    DEF_CYCLES, DEFAULT_PROVISIONAL_CYCLES_BALANCE, SPEC_ROOT, accept_all, both_same, create_via,
    create_with, is_roughly, query_balance, query_balance128, query_balance_balance128,
    recall_balance, remember_balance, reply_balance, unused_canister_id,
)

G = SPEC_ROOT + "cycles/"
MAX_U64 = 2 ** 64 - 1


# ------------------------------------------------------------ cycles API - backward compatibility

@ref_test(G + "cycles API - backward compatibility/canister_cycle_balance = "
          "canister_cycle_balance128 for numbers fitting in 64 bits")
def test_balance_equals_balance128(ref):
    cid = ref.install()
    a, b = query_balance_balance128(ref, cid)
    both_same((a, b))


@ref_test(G + "cycles API - backward compatibility/legacy API traps when a result is too big")
def test_legacy_api_traps_when_too_big(ref):
    cid = create_with(ref)
    large = 2 ** 65
    ref.ic_top_up(ref.ic00, cid, large)
    # canister-interface.md: ic0.canister_cycle_balance traps if the balance
    # does not fit in 64 bits.
    is_reject([5], ref.query_(cid, reply_balance))
    is_roughly(large + DEF_CYCLES, query_balance128(ref, cid))


# ------------------------------------------------------------------ can use balance API

get_balance_twice = uc.cat(uc.i64tob(uc.get_balance), uc.i64tob(uc.get_balance))
balance_test = uc.reply_data(get_balance_twice)


@ref_test(G + "can use balance API/in query")
def test_balance_api_in_query(ref):
    cid = ref.install()
    both_same(as_2word64(ref.query(cid, balance_test)))


@ref_test(G + "can use balance API/in update")
def test_balance_api_in_update(ref):
    cid = ref.install()
    both_same(as_2word64(ref.call(cid, balance_test)))


@ref_test(G + "can use balance API/in init")
def test_balance_api_in_init(ref):
    cid = ref.install(uc.set_global(get_balance_twice))
    both_same(as_2word64(ref.query(cid, uc.reply_data(uc.get_global))))


@ref_test(G + "can use balance API/in callback")
def test_balance_api_in_callback(ref):
    cid = ref.install()
    r = ref.call(cid, uc.inter_query(cid, uc.CallArgs(on_reply=balance_test)))
    both_same(as_2word64(r))


# ------------------------------------------------------------------ can use available cycles API

available_test = uc.reply_data(uc.cat(uc.i64tob(uc.get_available_cycles),
                                      uc.i64tob(uc.get_available_cycles)))


@ref_test(G + "can use available cycles API/in update")
def test_available_cycles_api_in_update(ref):
    cid = ref.install()
    both_same(as_2word64(ref.call(cid, available_test)))


@ref_test(G + "can use available cycles API/in callback")
def test_available_cycles_api_in_callback(ref):
    cid = ref.install()
    r = ref.call(cid, uc.inter_query(cid, uc.CallArgs(on_reply=available_test)))
    both_same(as_2word64(r))


# ------------------------------------------------------------------ accepting

@ref_test(G + "can accept zero cycles")
def test_can_accept_zero_cycles(ref):
    cid = ref.install()
    assert as_word64(ref.call(cid, uc.reply_data(uc.i64tob(uc.accept_cycles(uc.int64(0)))))) == 0


@ref_test(G + "can accept more than available cycles")
def test_can_accept_more_than_available(ref):
    cid = ref.install()
    # An ingress message carries no cycles: accepting 1 accepts 0.
    assert as_word64(ref.call(cid, uc.reply_data(uc.i64tob(uc.accept_cycles(uc.int64(1)))))) == 0


@ref_test(G + "can accept absurd amount of cycles")
def test_can_accept_absurd_amount(ref):
    cid = ref.install()
    prog = uc.reply_data(uc.accept_cycles128(uc.int64(MAX_U64), uc.int64(MAX_U64)))
    assert as_word128(ref.call(cid, prog)) == 0


# ---------------------------------------------------- provisional_create_canister_with_cycles

@ref_test(G + "provisional_create_canister_with_cycles/balance as expected")
def test_provisional_create_balance_as_expected(ref):
    cid = create_with(ref)
    is_roughly(DEF_CYCLES, query_balance(ref, cid))


@ref_test(G + "provisional_create_canister_with_cycles/default (i.e. max) balance")
def test_provisional_create_default_balance(ref):
    cid = ref.ic_provisional_create(ref.ic00, settings=Record.of({}))
    ref.install_at(cid, uc.noop)
    # ic-hs only reports the balance.  The spec names the default
    # DEFAULT_PROVISIONAL_CYCLES_BALANCE (index.md, implementation-specific);
    # the replica's is 100T (shared/reference/management-canister.md).
    is_roughly(DEFAULT_PROVISIONAL_CYCLES_BALANCE, query_balance128(ref, cid))


@ref_test(G + "provisional_create_canister_with_cycles/> 2^128 succeeds")
def test_provisional_create_more_than_2_128(ref):
    cid = ref.ic_provisional_create(ref.ic00, cycles=10 * 2 ** 128, settings=Record.of({}))
    ref.install_at(cid, uc.noop)
    # ic-hs only asks that this succeeds; the balance is beyond 64 bits.
    assert query_balance128(ref, cid) > MAX_U64


@ref_test(G + "cycles in canister_status")
def test_cycles_in_canister_status(ref):
    cid = create_with(ref)
    cs = ref.ic_canister_status(ref.ic00, cid)
    is_roughly(DEF_CYCLES, cs["cycles"])


# ------------------------------------------------------------------ cycle balance

@ref_test(G + "cycle balance/install")
def test_cycle_balance_install(ref):
    cid = create_with(ref, remember_balance)
    is_roughly(DEF_CYCLES, as_word64(ref.query(cid, recall_balance)))


@ref_test(G + "cycle balance/update")
def test_cycle_balance_update(ref):
    cid = create_with(ref)
    is_roughly(DEF_CYCLES, as_word64(ref.call(cid, reply_balance)))


@ref_test(G + "cycle balance/query")
def test_cycle_balance_query(ref):
    cid = create_with(ref)
    is_roughly(DEF_CYCLES, as_word64(ref.query(cid, reply_balance)))


@ref_test(G + "cycle balance/in pre_upgrade")
def test_cycle_balance_in_pre_upgrade(ref):
    cid = create_with(ref, uc.on_pre_upgrade(uc.callback(remember_balance)))
    ref.upgrade(cid, uc.noop)
    is_roughly(DEF_CYCLES, as_word64(ref.query(cid, recall_balance)))


@ref_test(G + "cycle balance/in post_upgrade")
def test_cycle_balance_in_post_upgrade(ref):
    cid = create_with(ref)
    ref.upgrade(cid, remember_balance)
    is_roughly(DEF_CYCLES, as_word64(ref.query(cid, recall_balance)))
    is_roughly(DEF_CYCLES, query_balance(ref, cid))


# ------------------------------------------------------------------ sending cycles

@ref_test(G + "can send cycles")
def test_can_send_cycles(ref):
    cid1 = create_with(ref)
    cid2 = create_with(ref)
    r = ref.call(cid1, uc.inter_call(cid2, "update", uc.CallArgs(
        other_side=(uc.reply_data_append(uc.i64tob(uc.get_available_cycles))
                    >> accept_all >> uc.reply),
        cycles=DEF_CYCLES // 4)))
    # ic-hs: isRoughly.  Exact here: what the callee may accept is what was
    # attached (abstract-behavior.md "Call context creation": available_cycles
    # = transferred_cycles); fees are paid apart.
    assert as_word64(is_reply(is_relay(r))) == DEF_CYCLES // 4
    is_roughly(DEF_CYCLES - DEF_CYCLES // 4, query_balance(ref, cid1))
    is_roughly(DEF_CYCLES + DEF_CYCLES // 4, query_balance(ref, cid2))


@ref_test(G + "sending more cycles than in balance traps")
def test_sending_more_than_balance_traps(ref):
    cid = create_with(ref)
    cycles = query_balance(ref, cid)
    # ic-hs calls the method named like the canister id: the call never leaves.
    is_reject([5], ref.call_(cid, uc.inter_call(cid, cid,
                                                uc.CallArgs(cycles=cycles + 1_000_000))))


@ref_test(G + "relay cycles before accept traps")
def test_relay_cycles_before_accept_traps(ref):
    cid1, cid2, cid3 = create_with(ref), create_with(ref), create_with(ref)
    r = ref.call(cid1, uc.inter_call(cid2, "update", uc.CallArgs(
        cycles=DEF_CYCLES // 2,
        other_side=(uc.inter_call(cid3, "update", uc.CallArgs(
            other_side=accept_all >> uc.reply,
            cycles=DEF_CYCLES + DEF_CYCLES // 4,
            on_reply=uc.noop))  # must not double reply
            >> accept_all >> uc.reply),
        on_reply=uc.trap(b"unexpected reply"),
        on_reject=uc.reply_data(uc.i64tob(uc.get_refund)))))
    # ic-hs: isRoughly.  Exact here: the callee traps, so its context keeps
    # all it was sent and is rejected with all of it (abstract-behavior.md
    # "Call context starvation": refunded_cycles = available_cycles).
    assert as_word64(r) == DEF_CYCLES // 2
    is_roughly(DEF_CYCLES, query_balance(ref, cid1))
    is_roughly(DEF_CYCLES, query_balance(ref, cid2))
    is_roughly(DEF_CYCLES, query_balance(ref, cid3))


@ref_test(G + "relay cycles after accept works")
def test_relay_cycles_after_accept_works(ref):
    cid1, cid2, cid3 = create_with(ref), create_with(ref), create_with(ref)
    r = ref.call(cid1, uc.inter_call(cid2, "update", uc.CallArgs(
        cycles=DEF_CYCLES // 2,
        other_side=(accept_all
                    >> uc.inter_call(cid3, "update", uc.CallArgs(
                        other_side=accept_all >> uc.reply,
                        cycles=DEF_CYCLES + DEF_CYCLES // 4))),
        on_reply=uc.reply_data(uc.i64tob(uc.get_refund)),
        on_reject=uc.trap(b"unexpected reject"))))
    assert as_word64(r) == 0  # ic-hs: isRoughly; all was accepted, so exact
    is_roughly(DEF_CYCLES // 2, query_balance(ref, cid1))
    is_roughly(DEF_CYCLES // 4, query_balance(ref, cid2))
    is_roughly(2 * DEF_CYCLES + DEF_CYCLES // 4, query_balance(ref, cid3))


@ref_test(G + "aborting call resets balance")
def test_aborting_call_resets_balance(ref):
    cid = create_with(ref)
    # A second call_new abandons the first call, and its cycles come back
    # (canister-interface.md "ic0.call_new").
    a, b = as_2word64(ref.call(cid,
                               uc.call_new(b"Foo", b"Bar", b"baz", b"quux")
                               >> uc.call_cycles_add(uc.int64(DEF_CYCLES // 2))
                               >> uc.reply_data_append(uc.i64tob(uc.get_balance))
                               >> uc.call_new(b"Foo", b"Bar", b"baz", b"quux")
                               >> uc.reply_data_append(uc.i64tob(uc.get_balance))
                               >> uc.reply))
    is_roughly(DEF_CYCLES // 2, a)
    is_roughly(DEF_CYCLES, b)


@ref_test(G + "partial refund")
def test_partial_refund(ref):
    cid1, cid2 = create_with(ref), create_with(ref)
    r = ref.call(cid1, uc.inter_call(cid2, "update", uc.CallArgs(
        cycles=DEF_CYCLES // 2,
        other_side=uc.ignore(uc.accept_cycles(uc.int64(DEF_CYCLES // 4))) >> uc.reply,
        on_reply=uc.reply_data(uc.i64tob(uc.get_refund)),
        on_reject=uc.trap(b"unexpected reject"))))
    # ic-hs: isRoughly.  Exact here: refunded_cycles = Available -
    # cycles_accepted (abstract-behavior.md "Message execution").
    assert as_word64(r) == DEF_CYCLES // 2 - DEF_CYCLES // 4
    is_roughly(DEF_CYCLES - DEF_CYCLES // 4, query_balance(ref, cid1))
    is_roughly(DEF_CYCLES + DEF_CYCLES // 4, query_balance(ref, cid2))


@ref_test(G + "cycles not in balance while in transit")
def test_cycles_not_in_balance_while_in_transit(ref):
    cid1 = create_with(ref)
    r = ref.call(cid1, uc.inter_call(cid1, "update", uc.CallArgs(
        cycles=DEF_CYCLES // 4,
        other_side=reply_balance,
        on_reject=uc.trap(b"unexpected reject"))))
    is_roughly(DEF_CYCLES - DEF_CYCLES // 4, as_word64(is_reply(is_relay(r))))
    is_roughly(DEF_CYCLES, query_balance(ref, cid1))


@ref_test(G + "create and delete canister with cycles")
def test_create_and_delete_canister_with_cycles(ref):
    cid1 = create_with(ref)
    cid2 = create_via(ref, cid1, DEF_CYCLES // 2)
    is_roughly(DEF_CYCLES // 2, query_balance(ref, cid1))
    is_roughly(DEF_CYCLES // 2, query_balance(ref, cid2))
    ref.ic_stop_canister(ref.ic00via(cid1), cid2)
    # Cycles attached to the deletion call are refunded.
    ref.ic_delete_canister(ref.ic00via(cid1, DEF_CYCLES // 4), cid2)
    is_roughly(DEF_CYCLES // 2, query_balance(ref, cid1))


# ------------------------------------------------------------------ deposit_cycles

@ref_test(G + "deposit_cycles/as controller")
def test_deposit_cycles_as_controller(ref):
    cid1 = create_with(ref)
    cid2 = create_via(ref, cid1, DEF_CYCLES // 2)
    is_roughly(DEF_CYCLES // 2, query_balance(ref, cid1))
    is_roughly(DEF_CYCLES // 2, query_balance(ref, cid2))
    ref.ic_deposit_cycles(ref.ic00via(cid1, DEF_CYCLES // 4), cid2)
    is_roughly(DEF_CYCLES // 4, query_balance(ref, cid1))
    is_roughly(DEF_CYCLES - DEF_CYCLES // 4, query_balance(ref, cid2))


@ref_test(G + "deposit_cycles/as other non-controlling canister")
def test_deposit_cycles_as_other_canister(ref):
    cid1 = create_with(ref)
    cid2 = create_via(ref, cid1, DEF_CYCLES // 2)
    is_roughly(DEF_CYCLES // 2, query_balance(ref, cid1))
    is_roughly(DEF_CYCLES // 2, query_balance(ref, cid2))
    ref.ic_deposit_cycles(ref.ic00via(cid2, DEF_CYCLES // 4), cid1)
    is_roughly(DEF_CYCLES - DEF_CYCLES // 4, query_balance(ref, cid1))
    is_roughly(DEF_CYCLES // 4, query_balance(ref, cid2))


@ref_test(G + "deposit_cycles/to non-existing canister")
def test_deposit_cycles_to_non_existing_canister(ref):
    cid1 = create_with(ref)
    is_roughly(DEF_CYCLES, query_balance(ref, cid1))
    is_reject([3, 4, 5], ref.ic_deposit_cycles_(ref.ic00via(cid1, DEF_CYCLES // 4), DOESNT_EXIST))
    is_roughly(DEF_CYCLES, query_balance(ref, cid1))


@ref_test(G + "two-step-refund")
def test_two_step_refund(ref):
    cid1 = create_with(ref)
    r = ref.call(cid1, uc.inter_call(cid1, "update", uc.CallArgs(
        cycles=10,
        other_side=uc.inter_call(cid1, "update", uc.CallArgs(
            cycles=5,
            other_side=uc.reply,  # no accept
            # remember the refund
            on_reply=uc.reply_data_append(uc.i64tob(uc.get_refund)) >> uc.reply,
            on_reject=uc.trap(b"unexpected reject"))),
        # the refund above, then this refund
        on_reply=(uc.reply_data_append(uc.arg_data)
                  >> uc.reply_data_append(uc.i64tob(uc.get_refund)) >> uc.reply),
        on_reject=uc.trap(b"unexpected reject"))))
    assert as_2word64(r) == (5, 10)
    is_roughly(DEF_CYCLES, query_balance(ref, cid1))  # nothing lost?


# ------------------------------------------------------------------ provisional top up

@ref_test(G + "provisional top up/as user")
def test_top_up_as_user(ref):
    cid = create_with(ref)
    is_roughly(DEF_CYCLES, query_balance(ref, cid))
    ref.ic_top_up(ref.ic00, cid, DEF_CYCLES)
    is_roughly(2 * DEF_CYCLES, query_balance(ref, cid))


@ref_test(G + "provisional top up/as self")
def test_top_up_as_self(ref):
    cid = create_with(ref)
    is_roughly(DEF_CYCLES, query_balance(ref, cid))
    ref.ic_top_up(ref.ic00via(cid), cid, DEF_CYCLES)
    is_roughly(2 * DEF_CYCLES, query_balance(ref, cid))


@ref_test(G + "provisional top up/as other canister")
def test_top_up_as_other_canister(ref):
    cid = create_with(ref)
    cid2 = create_with(ref)
    is_roughly(DEF_CYCLES, query_balance(ref, cid))
    ref.ic_top_up(ref.ic00via(cid2), cid, DEF_CYCLES)
    is_roughly(2 * DEF_CYCLES, query_balance(ref, cid))


@ref_test(G + "provisional top up/more than 2^128")
def test_top_up_more_than_2_128(ref):
    cid = create_with(ref)
    ref.ic_top_up(ref.ic00, cid, 10 * 2 ** 128)
    # ic-hs only asks that this succeeds; the balance is now beyond 64 bits.
    assert query_balance128(ref, cid) > MAX_U64


@ref_test(G + "provisional top up/nonexisting canister")
def test_top_up_nonexisting_canister(ref):
    unused = unused_canister_id(ref)
    is_err_or_reject([3, 5], ref.ic_top_up_(ref.ic00, unused, DEF_CYCLES))
