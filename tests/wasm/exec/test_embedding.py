"""The embedding API: host functions, imports and link errors, canonical NaNs, real canisters."""

from pathlib import Path
import os
import glob

import pytest

from build import I, Import, Limits, Mem, MemType, ft, func_module, instantiate
from pyic.errors import InstructionLimitExceeded, LinkError, Trap
from pyic.wasm import embed
from pyic.wasm.runtime import Config
from pyic.wasm.runtime.values import default_value

# The shared test material (suites, bench kit, canisters): $PYIC_SHARED, set by the
# repository's conftest.py to ../shared beside the checkout unless given.
SHARED = os.environ.get("PYIC_SHARED") or str(Path(__file__).resolve().parents[4] / "shared")

I32, F32 = "i32", "f32"


def _host_module():
    # imports env.h(i32) -> i32 ; f0(x) = h(x) + 1 ; memory exported
    return func_module([(0, [], [I("local.get", 0), I("call", 0), I("i32.const", 1),
                                 I("i32.add")])],
                       [ft([I32], [I32])],
                       imports=[Import("env", "h", "func", 0)],
                       mems=[Mem(MemType(Limits(1)))])


def test_host_function_sees_caller_memory_charges_and_traps():
    store = embed.Store()
    seen = []

    def h(caller, x):
        mem = caller.memory(0)
        mem.write(0, x.to_bytes(4, "little"))
        seen.append(mem.read(0, 4))
        seen.append(caller.count)
        caller.charge(100)
        if x == 13:
            raise Trap("unlucky")
        return x * 2

    imports = {"env": {"h": embed.func_alloc(store, ft([I32], [I32]), h)}}
    inst = embed.module_instantiate(store, _host_module(), imports)
    results, count = embed.invoke_export(store, inst, "f0", [5])
    assert results == [11] and seen == [b"\5\0\0\0", 2]
    assert count == 4 + 100
    with pytest.raises(Trap, match="unlucky"):
        embed.invoke_export(store, inst, "f0", [13])
    with pytest.raises(InstructionLimitExceeded):
        embed.invoke_export(store, inst, "f0", [5], limit=50)


def test_host_function_may_reenter_the_engine():
    store = embed.Store()
    box = {}

    def h(caller, x):
        if x == 0:
            return 0
        return embed.invoke_export(store, box["inst"], "f0", [x - 1])[0][0]

    imports = {"env": {"h": embed.func_alloc(store, ft([I32], [I32]), h)}}
    box["inst"] = inst = embed.module_instantiate(store, _host_module(), imports)
    assert embed.invoke_export(store, inst, "f0", [10])[0] == [11]


def test_link_errors():
    m = _host_module()
    store = embed.Store()
    with pytest.raises(LinkError, match="^unknown import"):
        embed.module_instantiate(store, m, {})
    wrong = embed.func_alloc(store, ft([F32], [I32]), lambda c, x: 0)
    with pytest.raises(LinkError, match="^incompatible import type"):
        embed.module_instantiate(store, m, {"env": {"h": wrong}})
    mem = embed.mem_alloc(store, MemType(Limits(1)))
    with pytest.raises(LinkError, match="^incompatible import type"):
        embed.module_instantiate(store, m, {"env": {"h": mem}})


def test_canonical_nan_mode():
    # f32.sqrt(-1) and 0/0 with a non-canonical NaN operand
    m = func_module([(0, [], [I("local.get", 0), I("local.get", 1), I("f32.add")])],
                    [ft([F32, F32], [F32])])
    nan_payload = 0xFFC0_0001  # negative NaN with a payload
    store, inst = instantiate(m, config=Config(canonical_nan=True))
    assert embed.invoke_export(store, inst, "f0", [nan_payload, 0])[0] == [0x7FC0_0000]
    assert embed.invoke_export(store, inst, "f0", [0x3F80_0000, 0x3F80_0000])[0] == [0x4000_0000]


def _stub_imports(store, module):
    imports = {}
    for modname, name, kind, ty in embed.module_imports(module):
        assert kind == "func"

        def stub(caller, *args, _ty=ty):
            return [default_value(t) for t in _ty.results]
        imports.setdefault(modname, {})[name] = embed.func_alloc(store, ty, stub)
    return imports


CANISTERS = sorted(glob.glob(SHARED + "/canisters/*/*.wasm"))


@pytest.mark.parametrize("path", CANISTERS, ids=lambda p: p.rsplit("/", 1)[-1])
def test_canisters_instantiate_against_stubbed_ic0_and_run_start(path):
    module = embed.load_module(open(path, "rb").read())
    store = embed.Store()
    inst = embed.module_instantiate(store, module, _stub_imports(store, module))
    assert module.start is not None and inst.start_count > 0
    assert all(im[0] == "ic0" for im in embed.module_imports(module))
    assert ("i64" if not path.endswith(".classic.wasm") else "i32") == store.mems[0].addrtype


def test_canisters_collected():
    assert len(CANISTERS) == 8
