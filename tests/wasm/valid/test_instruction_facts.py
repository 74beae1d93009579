"""The instruction facts (`pyic.wasm.syntax.facts`): complete, coherent, and what the
validator does, instruction by instruction, on real modules."""

from __future__ import annotations

import os
from pathlib import Path

import attrs
import pytest

from pyic.wasm.binary import decode_module
from pyic.wasm.exec import cost
from pyic.wasm.numerics import NUMERIC
from pyic.wasm.syntax import Instr
from pyic.wasm.syntax.facts import (
    ARRAY_BULK_OPS, BULK_OPS, FACTS, METERED_OPS, count_operand, signature, stack_effect,
)
from pyic.wasm.syntax.opcodes import ALL_OPCODES, OPCODES, PROPOSAL_OPCODES
from pyic.wasm.valid import algorithm, validate_module
from pyic.wasm.valid.instructions import HANDLERS, SIMPLE

SHARED = Path(os.environ["PYIC_SHARED"])
# Real modules: the bench kit (wasm32, numeric loops, big.wasm's 1 MB of code) and the
# Motoko canisters (wasm64 and wasm32 builds: memory, tables, bulk memory, globals).
MODULES = sorted((SHARED / "bench" / "wasm").glob("*.wasm")) + sorted(
    (SHARED / "canisters").glob("*/*.wasm"))


def test_every_instruction_has_facts():
    assert set(FACTS) == set(OPCODES) | set(PROPOSAL_OPCODES) == set(ALL_OPCODES)
    for op, f in FACTS.items():
        assert f.op == op
        assert f.effect is None or (len(f.effect) == 2 and min(f.effect) >= 0), op


def test_signatures_give_the_effect():
    for op, f in FACTS.items():
        if f.signature is not None:
            params, results = f.signature
            assert f.effect == (len(params), len(results)), op


def test_examples():
    assert signature("i32.add") == (("i32", "i32"), ("i32",))
    assert signature("i64.eqz") == (("i64",), ("i32",))
    assert signature("f64.convert_i32_u") == (("i32",), ("f64",))
    assert signature("i16x8.extract_lane_s") == (("v128",), ("i32",))
    assert signature("f64x2.replace_lane") == (("v128", "f64"), ("v128",))
    assert signature("drop") is None and stack_effect("drop") == (1, 0)
    assert stack_effect("select") == (3, 1)
    assert stack_effect("v128.load8_lane") == (2, 1)
    assert stack_effect("i64.atomic.rmw32.cmpxchg_u") == (3, 1)
    assert stack_effect("memory.atomic.wait64") == (3, 1)
    assert stack_effect("i64.add128") == (4, 2)
    for op in ("call", "block", "br_if", "struct.new", "array.new_fixed", "br_on_cast"):
        assert stack_effect(op) is None, op
    for op in ("br", "br_table", "return", "throw", "unreachable", "throw_ref", "return_call"):
        assert FACTS[op].polymorphic, op
    assert not FACTS["br_if"].polymorphic


def test_bulk_operations_count_last():
    assert METERED_OPS == frozenset(BULK_OPS + ARRAY_BULK_OPS)
    for op in METERED_OPS:
        pops, pushes = stack_effect(op)
        assert count_operand(op) == pops - 1, op   # the lowering reads the top operand
    assert count_operand("i32.add") is None and count_operand("memory.grow") is None


def test_cost_model_reads_the_facts():
    assert cost.METERED_OPS is METERED_OPS
    assert cost.BULK_OPS == BULK_OPS and cost.ARRAY_BULK_OPS == ARRAY_BULK_OPS
    assert cost.DEFAULT.unit_cost("memory.fill") == (1, cost.GRANULE_SHIFT)
    assert cost.DEFAULT.unit_cost("array.copy") == (1, cost.GRANULE_SHIFT)
    assert cost.DEFAULT.unit_cost("i32.add") == (0, 0)
    assert cost.CostModel(per_byte={"memory.copy": 3}).unit_cost("memory.copy") == (3, 0)


def test_numerics_arity_agrees():
    """`NUMERIC`'s arity (the functions' parameters) is the facts' pop count."""
    for op, (_, arity) in NUMERIC.items():
        assert stack_effect(op) == (arity, 1), op


def test_every_instruction_has_a_typing_rule():
    assert [op for op in ALL_OPCODES if op not in SIMPLE and op not in HANDLERS] == []


def test_validator_simple_rules_are_the_signatures():
    for op, (n, pops, pushes) in SIMPLE.items():
        assert signature(op) == (tuple(pops), tuple(pushes)), op
        assert n == len(pops)
    assert "i32.add" in SIMPLE and "i64.add128" in SIMPLE and "ref.eq" in SIMPLE


# ------------------------------------------------------------------ the validator, observed

class _Watched(list):
    """The validator's value stack, keeping its low-water mark since `mark`."""

    low = 0

    def mark(self) -> None:
        self.low = len(self)

    def pop(self, *args):
        x = super().pop(*args)
        self.low = min(self.low, len(self))
        return x

    def __delitem__(self, key):
        super().__delitem__(key)
        self.low = min(self.low, len(self))


class _Body(tuple):
    """A body whose iteration records each instruction's (pops, pushes) as the validator
    processes it: the validator finishes an instruction before asking for the next."""

    def __iter__(self):
        for instr in tuple.__iter__(self):
            v = _CURRENT[0]
            vals, frame = v.vals, v.ctrls[-1]
            vals.mark()
            before, depth, reachable = len(vals), len(v.ctrls), not frame.unreachable
            yield instr
            if reachable and not frame.unreachable and len(v.ctrls) == depth:
                _SEEN.append((instr.op, before - vals.low, len(vals) - vals.low))


_CURRENT: list = [None]
_SEEN: list = []


def _watch(body: tuple) -> _Body:
    out = []
    for instr in body:
        imm = instr.imm
        if instr.op in ("block", "loop"):
            instr = Instr(instr.op, (imm[0], _watch(imm[1])))
        elif instr.op == "if":
            instr = Instr("if", (imm[0], _watch(imm[1]), _watch(imm[2])))
        elif instr.op == "try_table":
            instr = Instr("try_table", (imm[0], imm[1], _watch(imm[2])))
        out.append(instr)
    return _Body(out)


@pytest.fixture
def watched_validator(monkeypatch):
    init = algorithm.ExprValidator.__init__

    def watched_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.vals = _Watched()
        _CURRENT[0] = self

    monkeypatch.setattr(algorithm.ExprValidator, "__init__", watched_init)
    _SEEN.clear()
    yield _SEEN
    _SEEN.clear()


def test_real_modules_present():
    assert len(MODULES) >= 12, f"bench kit and canisters missing under {SHARED}"


def test_validator_effect_agrees_with_facts(watched_validator):
    """Every instruction of the real modules with a fixed effect, validated in reachable code,
    pops and pushes what the facts say."""
    checked: dict = {}
    for path in MODULES:
        module = decode_module(path.read_bytes())
        funcs = tuple(attrs.evolve(f, body=_watch(f.body)) for f in module.funcs)
        validate_module(attrs.evolve(module, funcs=funcs))
        seen = watched_validator
        assert seen, path.name
        for op, pops, pushes in seen:
            effect = stack_effect(op)
            if effect is not None and not FACTS[op].polymorphic:
                assert (pops, pushes) == effect, (path.name, op)
                checked[op] = checked.get(op, 0) + 1
        seen.clear()
    assert {"local.get", "i32.add", "i32.const", "i64.load", "memory.copy"} <= set(checked)
    # handler rules (context-dependent types) are covered, not only the signatures
    handled = set(checked) - set(SIMPLE)
    assert handled <= set(HANDLERS)
    assert len(handled) >= 15, sorted(handled)
