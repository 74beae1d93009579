"""``ic0.performance_counter(1)``, the call context instruction counter
(canister-interface.md "Performance counter"): in replicated execution the
instructions executed in the call context since its creation, across the method
and its callbacks (the rules keep the count in the context: "Message execution");
in a composite query those of the method and its callbacks within one
``composite_query_helper`` ("Query call").  Type 0 counts the current execution
only, so in an execution ``type 1 - type 0`` is what the context ran before it.

Programs run in the Wasm universal canister (`pyic.universal`); ``cat(pc0, pc1)``
reads type 0 first, so ``pc1 - pc0`` is at least the earlier executions' count.
"""

from __future__ import annotations

from ic_helpers import global_of, reject_of, spec

from pyic.ic import scheduler
from pyic.testing import PocketIC
from pyic.universal import (
    api_global_timer_set, append_global, arg_data, callback, cat, get_global, i64tob, ignore,
    instruction_counter_is_at_least, int64, int_, noop, on_global_timer, performance_counter,
    reply, reply_data, set_global, trap, update_call,
)

PC0 = i64tob(performance_counter(int_(0)))
PC1 = i64tob(performance_counter(int_(1)))
# Both counters, type 0 read first: 16 bytes.
BOTH = cat(PC0, PC1)
BURN = 200_000     # instructions a busy-waiting execution runs (`instruction_counter_is_at_least`)


def u64s(data: bytes) -> list[int]:
    """The little-endian u64s of ``data``."""
    assert len(data) % 8 == 0
    return [int.from_bytes(data[i:i + 8], "little") for i in range(0, len(data), 8)]


def before(data: bytes) -> int:
    """``pc1 - pc0`` of a `BOTH` reading: what the context executed before."""
    pc0, pc1 = u64s(data)
    return pc1 - pc0


def call(callee: bytes, method: str, on_reply, arg=reply, on_cleanup=None):
    return update_call(callee, method, on_reply=on_reply, on_reject=noop, on_cleanup=on_cleanup,
                       arg=arg.bytes())


# ------------------------------------------------------------------ replicated


@spec("Message execution")
def test_a_fresh_context_starts_from_0(pic, uc):
    # Type 1 and type 0 differ only by the instructions between the two reads.
    assert 0 <= before(pic.universal_update(uc, reply_data(BOTH))) < 1_000


@spec("Message execution")
def test_a_reply_callback_counts_the_method_that_made_the_call(pic, uc, uc2):
    # The method busy-waits, then records its own count (after call_perform: a lower
    # bound of what it executes); the callback's type 1 exceeds its type 0 by more.
    out = pic.universal_update(uc, instruction_counter_is_at_least(int64(BURN))
                               >> call(uc2, "update", reply_data(cat(get_global, BOTH)))
                               >> set_global(PC0))
    method, pc0, pc1 = u64s(out)
    assert method >= BURN
    assert pc1 - pc0 >= method
    assert pc1 - pc0 < method + 5_000       # the method's last few instructions, no more


@spec("Message execution")
def test_a_context_counter_never_decreases_across_its_executions(pic, uc, uc2):
    # Method -> callback 1 -> callback 2, each appending its type 1 reading.
    second = call(uc2, "update", append_global(PC1) >> reply_data(get_global))
    first = call(uc2, "update", append_global(PC1) >> second)
    readings = u64s(pic.universal_update(uc, append_global(PC1) >> first))
    assert len(readings) == 3
    assert readings[0] < readings[1] < readings[2]
    # A new call is a new context: its count starts over.
    assert u64s(pic.universal_update(uc, reply_data(PC1)))[0] < readings[1]


@spec("Message execution")
def test_a_trapped_callback_and_its_cleanup_count(pic, uc, uc2):
    # The reply callback burns BURN instructions and traps; the cleanup, which runs in
    # the same context, sees them (and the method's) in its type 1.
    reject_after_burn = instruction_counter_is_at_least(int64(BURN)) >> trap(b"after burning")
    prog = call(uc2, "update", reject_after_burn, on_cleanup=set_global(BOTH)) >> noop
    reject_of(pic.universal_update, uc, prog)      # nobody replies: the context starves
    assert before(global_of(pic, uc)) >= BURN


@spec("Message execution")
def test_a_trapped_execution_counts_for_the_next_one(pic, uc, uc2):
    # Two calls; the first response's callback burns and traps (its changes are rolled
    # back, the instructions it ran stay counted); the second one's callback replies.
    burn_and_trap = instruction_counter_is_at_least(int64(BURN)) >> trap(b"after burning")
    prog = call(uc2, "update", burn_and_trap) >> call(uc2, "update", reply_data(BOTH))
    assert before(pic.universal_update(uc, prog)) >= BURN


@spec("Message execution")
def test_the_context_keeps_its_count_between_executions(pic, uc, uc2):
    # Step by step: once the method has run, its context holds what the module ran.
    module = pic.ic.state.canisters[uc].can_state.module
    pic.ic.submit(pic.sender, uc, "update", call(uc2, "update", reply_data(BOTH)).bytes())
    start = module.instructions_executed      # (after the submission's inspect_message)
    for _ in range(2):
        pic.ic.state = scheduler.step(pic.ic.state, pic.ic.cfg) or pic.ic.state
    (ctxt,) = [c for c in pic.ic.state.call_contexts.values() if c.canister == uc]
    assert ctxt.instructions_executed == module.instructions_executed - start > 0


@spec("Call context creation")
def test_a_global_timer_context_counts_the_timer(pic, uc, uc2):
    # A system task's context ("Call context creation: Global timer") counts it too.
    handler = (instruction_counter_is_at_least(int64(BURN))
               >> call(uc2, "update", set_global(BOTH)))
    pic.universal_update(uc, on_global_timer(callback(handler))
                         >> ignore(api_global_timer_set(int64(1))) >> reply)
    pic.tick(3)
    assert before(global_of(pic, uc)) >= BURN


# ------------------------------------------------------------------ composite queries


@spec("Query call")
def test_a_composite_query_starts_from_0(pic, uc):
    assert 0 <= before(pic.universal_composite_query(uc, reply_data(BOTH))) < 1_000


@spec("Query call")
def test_a_composite_callback_counts_the_method_not_the_callee(pic, uc, uc2):
    # The method burns BURN, the callee (a downstream helper) burns 4 * BURN: the
    # callback's count includes the first, not the second.
    callee = instruction_counter_is_at_least(int64(4 * BURN)) >> reply
    out = pic.universal_composite_query(
        uc, instruction_counter_is_at_least(int64(BURN))
        >> call(uc2, "query", reply_data(cat(get_global, BOTH)), arg=callee)
        >> set_global(PC0))
    method, pc0, pc1 = u64s(out)
    assert method >= BURN
    assert method <= pc1 - pc0 < 4 * BURN


@spec("Query call")
def test_composite_callbacks_count_each_other(pic, uc, uc2):
    # Method -> callback 1 (which burns BURN first) -> callback 2, each reading type 1.
    second = call(uc2, "query", append_global(PC1) >> reply_data(get_global))
    first = call(uc2, "query", instruction_counter_is_at_least(int64(BURN))
                 >> append_global(PC1) >> second)
    readings = u64s(pic.universal_composite_query(uc, set_global(PC1) >> first))
    assert len(readings) == 3
    assert readings[0] < readings[1] < readings[2]
    assert readings[1] - readings[0] >= BURN


# ------------------------------------------------------------------ the state store


@spec("The system state")
def test_a_saved_open_context_keeps_its_count(pic, uc, uc2, tmp_path):
    # The method burns and calls; the state is saved with the call in flight, loaded,
    # and run to the end: the callback counts the method from before the save.
    prog = (instruction_counter_is_at_least(int64(BURN))
            >> call(uc2, "update", reply_data(BOTH), arg=reply_data(arg_data)))
    request = pic.ic.submit(pic.sender,
                            uc, "update", prog.bytes())
    for _ in range(2):
        pic.ic.state = scheduler.step(pic.ic.state, pic.ic.cfg) or pic.ic.state
    (ctxt,) = [c for c in pic.ic.state.call_contexts.values() if c.canister == uc]
    assert ctxt.instructions_executed >= BURN
    pic.save(str(tmp_path / "state.db"))
    loaded = PocketIC.load(str(tmp_path / "state.db"))
    (kept,) = [c for c in loaded.ic.state.call_contexts.values() if c.canister == uc]
    assert kept.instructions_executed == ctxt.instructions_executed
    assert before(loaded.ic.await_request(request).data) >= ctxt.instructions_executed
