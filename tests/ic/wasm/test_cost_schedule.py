"""The subnet's cost schedule (`SubnetConfig.cost_schedule`): "free" charges no
fee at all -- execution, messages, storage, creation -- and freezes nothing,
while instructions are counted, and limits hold, exactly as under "normal"."""

from __future__ import annotations

import attrs
import pytest

from pyic.errors import Reject
from pyic.ic.costs import SubnetConfig
from pyic.ic.machine import IC
from pyic.testing import PocketIC
from pyic.wasm.binary import encode_module
from pyic.wasm.text import parse_module

from principals import USER

spec = pytest.mark.spec
SCHEDULES = ("normal", "free")

COUNTER = encode_module(parse_module("""
(module
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "performance_counter" (func $counter (param i32) (result i64)))
  (memory 1)
  (func $spin (param $n i32)
    (loop $l
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n))))
  (func $count
    (call $spin (i32.const 1000))
    (i64.store (i32.const 0) (call $counter (i32.const 0)))
    (call $append (i32.const 0) (i32.const 8))
    (call $reply))
  (func (export "canister_init")
    (if (call $arg_size) (then (call $spin (i32.const 20000)))))
  (func (export "canister_update count") (call $count))
  (func (export "canister_query count_q") (call $count))
  (func (export "canister_update spin") (call $spin (i32.const 20000)) (call $reply))
  (func (export "canister_query spin_q") (call $spin (i32.const 20000)) (call $reply))
)
"""))


def pic_with(schedule: str, **limits) -> PocketIC:
    p = PocketIC(ic=IC(cfg=SubnetConfig(cost_schedule=schedule, **limits)))
    p.set_sender(USER)
    return p


def installed(pic: PocketIC, cycles: int | None = None, settings=None):
    cid = pic.create_canister(settings, cycles=cycles)
    pic.install_code(cid, COUNTER, b"")
    return cid


def reject(fn, *args) -> Reject:
    with pytest.raises(Reject) as info:
        fn(*args)
    return info.value


# ------------------------------------------------------------------ the fee table


@spec("Cycle bookkeeping and resource consumption")
def test_a_free_schedule_makes_every_fee_zero_and_keeps_every_limit():
    normal, free = SubnetConfig(), SubnetConfig(cost_schedule="free")
    assert normal.execution_cost(10**6) > 0 and free.execution_cost(10**6) == 0
    assert free.max_cycles_per_message == free.max_cycles_per_response == 0
    assert free.call_fee("m", b"x" * 100) == 0
    assert free.scale(free.canister_creation_fee) == 0
    assert free.idle_cycles_burned_rate(100, 1 << 30, 1 << 30) == 0
    assert free.freezing_limit(100, 1 << 30, 10**9, 1 << 30) == 0
    limits = [f.name for f in attrs.fields(SubnetConfig) if f.name.startswith("max_")
              and "cycles" not in f.name]
    assert all(getattr(normal, n) == getattr(free, n) for n in limits)


@spec("Cycle bookkeeping and resource consumption")
def test_only_the_two_schedules_exist():
    with pytest.raises(ValueError):
        SubnetConfig(cost_schedule="cheap")


# ------------------------------------------------------------------ counting


@spec("Cycle bookkeeping and resource consumption")
def test_instructions_are_counted_alike_and_only_normal_charges():
    counts, spent = {}, {}
    for schedule in SCHEDULES:
        pic = pic_with(schedule)
        cid = installed(pic, cycles=10**13)
        before = pic.get_cycles_balance(cid)
        counts[schedule] = (pic.update_call(cid, "count", b""), pic.query_call(cid, "count_q", b""))
        spent[schedule] = before - pic.get_cycles_balance(cid)
    assert counts["normal"] == counts["free"]
    assert int.from_bytes(counts["free"][0], "little") > 1000
    assert spent["normal"] > 0 and spent["free"] == 0


@spec("Query call")
def test_query_stats_count_instructions_alike():
    stats = {}
    for schedule in SCHEDULES:
        pic = pic_with(schedule)
        cid = installed(pic)
        pic.query_call(cid, "count_q", b"")
        stats[schedule] = pic.canister_status(cid)["query_stats"]
    assert stats["normal"] == stats["free"]
    assert stats["free"]["num_instructions_total"] > 1000


# ------------------------------------------------------------------ limits


@spec("Message execution")
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_update_limit_holds_under_both_schedules(schedule):
    pic = pic_with(schedule, max_instructions_per_message=10_000)
    cid = installed(pic)
    r = reject(pic.update_call, cid, "spin", b"")
    assert (r.reject_code, r.error_code) == (5, "IC0522")
    assert "limit of 10000 instructions" in r.message


@spec("Query call")
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_query_limit_holds_under_both_schedules(schedule):
    pic = pic_with(schedule, max_instructions_per_query=10_000)
    cid = installed(pic)
    r = reject(pic.query_call, cid, "spin_q", b"")
    assert r.reject_code == 5 and "limit of 10000 instructions" in r.message
    assert pic.query_call(cid, "count_q", b"")      # a short query fits


@spec("IC Management Canister: Code installation")
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_install_limit_holds_under_both_schedules(schedule):
    pic = pic_with(schedule, max_instructions_per_install_code=10_000)
    cid = pic.create_canister()
    r = reject(pic.install_code, cid, COUNTER, b"\x01")
    assert (r.reject_code, r.error_code) == (5, "IC0522")


# ------------------------------------------------------------------ cycles


@spec("Cycle bookkeeping and resource consumption")
def test_free_subnet_runs_canisters_without_cycles_and_freezes_none():
    settings = {"freezing_threshold": 10**12}
    free = pic_with("free")
    cid = installed(free, cycles=0, settings=settings)
    assert free.update_call(cid, "count", b"")
    free.advance_time(10**15)
    free.tick()
    assert free.update_call(cid, "count", b"")       # neither frozen nor uninstalled
    assert free.get_cycles_balance(cid) == 0

    normal = pic_with("normal")
    cid = normal.create_canister(settings, cycles=0)
    r = reject(normal.install_code, cid, COUNTER, b"")
    assert r.error_code == "IC0207"                  # out of cycles


@spec("Cycle bookkeeping and resource consumption")
def test_the_schedule_is_kept_by_the_state_store(tmp_path):
    pic = pic_with("free")
    cid = installed(pic, cycles=0)
    path = str(tmp_path / "state.db")
    pic.ic.save(path)
    again = IC.load(path)
    assert again.cfg.cost_schedule == "free" and again.cfg == pic.ic.cfg
    other = PocketIC(ic=again)
    assert other.update_call(cid, "count", b"", sender=USER)
