"""Compiled code is shared: instances of one module (in any store) reuse the code objects,
compiled once; functions compile lazily, when hot; a store keeps its own bindings."""

from pyic.wasm import embed
from pyic.wasm.engine import fast

WAT = """(module (memory 1) (global $g (mut i32) (i32.const 0))
  (func $inc (export "inc") (param i32) (result i32)
    (global.set $g (i32.add (global.get $g) (local.get 0)))
    (i32.store (i32.const 0) (global.get $g))
    (global.get $g))
  (func (export "never") (result i32) (i32.const 1)))"""


def _instance(module):
    store = embed.Store(embed.Config(tier="fast"))
    return store, embed.module_instantiate(store, module)


def test_code_shared_between_instances_state_separate():
    module = embed.load_module(WAT)
    fast._CODE_CACHE.clear()
    (s1, i1), (s2, i2) = _instance(module), _instance(module)
    calls = fast.HOT_CALLS     # a loop-free function compiles on its HOT_CALLS-th call
    for k in range(1, calls + 1):
        assert embed.invoke_export(s1, i1, "inc", [5])[0] == [5 * k]
        assert embed.invoke_export(s2, i2, "inc", [7])[0] == [7 * k]   # its own global
    assert embed.mem_read(s2, embed.ExternVal("memory", i2.mems[0].addr), 0, 1) == \
        bytes([7 * calls])                                              # and memory
    assert len(fast._CODE_CACHE) == 1                               # one compile for both
    f1 = fast.callable_of(s1, s1.funcs[i1.exports["inc"].addr])
    f2 = fast.callable_of(s2, s2.funcs[i2.exports["inc"].addr])
    assert f1 is not f2 and f1.__code__ is f2.__code__
    never = s1.funcs[i1.exports["never"].addr]
    assert never not in s1._fast_tier                               # lazily compiled
