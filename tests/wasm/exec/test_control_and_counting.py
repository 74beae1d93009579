"""Control flow, exact counting, limits and the call-depth model."""

import pytest

from build import I, MemArg, ft, func_module, instantiate
from pyic.errors import Exhaustion, InstructionLimitExceeded, Trap
from pyic.wasm import embed
from pyic.wasm.runtime import Config

I32 = "i32"


def run(module, name, args, **kw):
    store, inst = instantiate(module, config=kw.pop("config", None))
    return embed.invoke_export(store, inst, name, args, **kw)


def test_counting_definition_block_loop_nop_drop_br_count_end_else_do_not():
    # block(1) nop(1) i32.const(1) drop(1) if(1) [then: i32.const 7(1) local.set(1)] else-skip(0)
    # br 0 (1) end: 0 ; local.get(1) ; function end 0
    body = [
        I("block", None, (I("nop"), I("i32.const", 1), I("drop"),
                          I("local.get", 0),
                          I("if", None, (I("i32.const", 7), I("local.set", 1)),
                            (I("i32.const", 9), I("local.set", 1))),
                          I("br", 0), I("unreachable"))),
        I("local.get", 1),
    ]
    m = func_module([(0, [I32], body)], [ft([I32], [I32])])
    assert run(m, "f0", [1]) == ([7], 10)
    assert run(m, "f0", [0]) == ([9], 10)


def test_loop_branch_does_not_recount_loop():
    # sum 1..n: loop counts once on entry; each iteration counts its body only
    body = [
        I("loop", None, (
            I("local.get", 1), I("local.get", 0), I("i32.add"), I("local.set", 1),
            I("local.get", 0), I("i32.const", 1), I("i32.sub"), I("local.tee", 0),
            I("br_if", 0))),
        I("local.get", 1),
    ]
    m = func_module([(0, [I32], body)], [ft([I32], [I32])])
    results, count = run(m, "f0", [10])
    assert results == [55]
    assert count == 1 + 10 * 9 + 1


def test_branch_with_values_keeps_arity_and_drops_rest():
    body = [I("block", I32, (I("i32.const", 1), I("i32.const", 2), I("i32.const", 3), I("br", 0))),
            ]
    m = func_module([(0, [], body)], [ft([], [I32])])
    assert run(m, "f0", [])[0] == [3]


def test_br_table_targets():
    body = [I("block", None, (I("block", None, (I("local.get", 0), I("br_table", (0, 1), 1))),
                              I("i32.const", 10), I("return"))),
            I("i32.const", 20)]
    m = func_module([(0, [], body)], [ft([I32], [I32])])
    assert run(m, "f0", [0])[0] == [10]
    assert run(m, "f0", [1])[0] == [20]
    assert run(m, "f0", [7])[0] == [20]


def _rec_module():
    # rec(n) = n == 0 ? 0 : rec(n - 1) + 1  (one Wasm frame per level)
    body = [I("local.get", 0), I("i32.eqz"),
            I("if", I32, (I("i32.const", 0),),
              (I("local.get", 0), I("i32.const", 1), I("i32.sub"), I("call", 0),
               I("i32.const", 1), I("i32.add")))]
    return func_module([(0, [], body)], [ft([I32], [I32])])


def test_recursion_at_the_call_depth_limit_and_one_over():
    m = _rec_module()
    depth = Config().max_call_depth
    assert depth == 100_000
    # rec(n) uses n + 1 frames
    assert run(m, "f0", [depth - 1])[0] == [depth - 1]
    with pytest.raises(Exhaustion, match="call stack exhausted"):
        run(m, "f0", [depth])


def test_runaway_recursion_is_exhaustion_not_recursion_error():
    m = func_module([(0, [], [I("call", 0)])], [ft()])
    with pytest.raises(Exhaustion) as e:
        run(m, "f0", [], config=Config(max_call_depth=5000))
    assert e.value.message == "call stack exhausted"


def test_tail_calls_do_not_grow_the_frame_stack():
    # loop(n) = n == 0 ? 42 : return_call loop(n - 1), with a tiny depth limit
    body = [I("local.get", 0), I("i32.eqz"),
            I("if", None, (I("i32.const", 42), I("return")), ()),
            I("local.get", 0), I("i32.const", 1), I("i32.sub"), I("return_call", 0)]
    m = func_module([(0, [], body)], [ft([I32], [I32])])
    assert run(m, "f0", [20_000], config=Config(max_call_depth=3))[0] == [42]


def test_limit_stops_at_the_same_instruction_every_time():
    m = _rec_module()
    counts = []
    for _ in range(3):
        with pytest.raises(InstructionLimitExceeded) as e:
            run(m, "f0", [1000], limit=1234)
        counts.append(e.value.count)
    assert counts == [1234, 1234, 1234]
    full = run(m, "f0", [1000])[1]
    assert run(m, "f0", [1000], limit=full)[1] == full
    with pytest.raises(InstructionLimitExceeded):
        run(m, "f0", [1000], limit=full - 1)


def test_traps_carry_the_suite_messages():
    m = func_module([(0, [], [I("unreachable")]),
                     (1, [], [I("i32.const", 1), I("i32.const", 0), I("i32.div_u")]),
                     (1, [], [I("i32.const", 65536), I("i32.load", MemArg(2, 0))])],
                    [ft(), ft([], [I32])],
                    mems=[__import__("build").Mem(__import__("build").MemType(__import__("build").Limits(1)))])
    store, inst = instantiate(m)
    for name, msg in (("f0", "unreachable"), ("f1", "integer divide by zero"),
                      ("f2", "out of bounds memory access")):
        with pytest.raises(Trap) as e:
            embed.invoke_export(store, inst, name, [])
        assert e.value.message == msg


def test_deeply_nested_blocks_lower_and_run_without_host_recursion():
    depth = 20_000
    inner = (I("i32.const", 5), I("br", depth - 1))
    for _ in range(depth - 1):
        inner = (I("block", I32, inner),)
    body = [I("block", I32, inner)]
    m = func_module([(0, [], body)], [ft([], [I32])])
    assert run(m, "f0", []) == ([5], depth + 2)


def test_bulk_per_byte_costs_are_paid_before_the_operation():
    from build import Limits, Mem, MemType
    from pyic.wasm.exec import CostModel
    body = [I("i32.const", 0), I("i32.const", 7), I("local.get", 0), I("memory.fill", 0)]
    m = func_module([(0, [], body)], [ft([I32], [])], mems=[Mem(MemType(Limits(1)))])
    cfg = Config(cost=CostModel(per_byte={"memory.fill": 2}))
    assert run(m, "f0", [1000], config=cfg)[1] == 4 + 2000
    with pytest.raises(InstructionLimitExceeded) as e:
        run(m, "f0", [1000], config=cfg, limit=2003)
    assert e.value.count == 3
    with pytest.raises(Trap) as e:
        run(m, "f0", [70000], config=cfg)
    assert e.value.count == 4 + 140000


def test_start_function_is_counted_separately():
    body = [I("i32.const", 1), I("drop")]
    m = func_module([(0, [], body)], [ft()], start=0)
    store, inst = instantiate(m)
    assert inst.start_count == 2
    assert embed.invoke_export(store, inst, "f0", [])[1] == 2
