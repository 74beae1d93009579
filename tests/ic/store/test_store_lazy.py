"""A loaded state parses a canister's module only when a command needs it."""

from __future__ import annotations

import pytest
from store_helpers import EMPTY_ARGS, counter_value, counter_wasm, differences

from pyic.ic.management.code import parse_for_subnet
from pyic.ic.store import Store
from pyic.ic.store.lazy import FACTS, LazyModule, facts_of
from pyic.testing import PocketIC

spec = pytest.mark.spec


@pytest.fixture
def three(tmp_path):
    pic = PocketIC()
    ids = []
    for wasm in (counter_wasm(), counter_wasm(classic=True)):
        cid = pic.create_canister()
        pic.install_code(cid, wasm, EMPTY_ARGS)
        ids.append(cid)
    ids.append(pic.install_universal_canister())
    path = str(tmp_path / "s.db")
    pic.save(path)
    return pic, ids, path


def _modules(ic) -> list:
    return [c.can_state.module for c in ic.state.canisters.values()]


@spec("The system state")
def test_a_command_parses_only_the_module_it_runs(three):
    pic, (eop, classic, uc), path = three
    with Store.transaction(path) as ic:
        assert all(isinstance(m, LazyModule) and not m.parsed for m in _modules(ic))
        ic.update_call(b"\x04", classic.bytes, "inc", EMPTY_ARGS)
        ic.tick()                                   # asks every canister about its tasks
        parsed = [m.parsed for m in _modules(ic)]
    assert parsed[:2] == [False, True]
    with Store.open(path) as store:
        assert counter_value(PocketIC(ic=store.load_ic()), classic) == 1


@spec("The system state")
def test_stored_facts_are_the_modules_answers(three):
    pic, ids, path = three
    with Store.open(path) as store:
        ic = store.load_ic()
    for cid, module in zip(ids, _modules(ic)):
        answers = facts_of(module)                  # from the facts, unparsed
        assert not module.parsed
        parsed = parse_for_subnet(ic.state.canisters[cid.bytes].can_state.raw_module,
                                  ic.cfg).module
        assert answers == facts_of(parsed) and set(answers) == set(FACTS)
        state = ic.state.canisters[cid.bytes].can_state.wasm_state
        assert module.memory_usage(state) == parsed.memory_usage(state)
        assert not module.parsed


@spec("The system state")
def test_an_unparsed_state_saves_and_loads(three, tmp_path):
    pic, ids, path = three
    with Store.open(path) as store:
        ic = store.load_ic()
    copy = str(tmp_path / "copy.db")
    PocketIC(ic=ic).save(copy)
    assert not any(m.parsed for m in _modules(ic))
    loaded = PocketIC.load(copy)
    assert differences(pic.ic.state, loaded.ic.state) == []
    loaded.update_call(ids[0], "inc", EMPTY_ARGS)
    assert counter_value(loaded, ids[0]) == 1
