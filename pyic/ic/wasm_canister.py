"""Wasm canisters: a Wasm module bound to the ``ic0`` System API as an
abstract ``CanisterModule`` (interface spec, "Abstract Canisters to System
API": "The concrete CanisterModule").

`parse_wasm_canister` takes the module `pyic.ic.wasm_module` decoded and
checked against the spec's "WebAssembly module requirements" and gives a
`WasmCanister`, whose functions are the spec's ``init``,
``pre_upgrade``, ``post_upgrade``, ``update_methods`` ... each running one
entry point in an `ExecutionState` (`pyic.ic.system_api.state`).

The execution state is a value: ``WasmState.wasm_memory`` is a `HeapImage`
and ``stable_memory`` a `PagedBlob`, both immutable and shared page by page
(`pyic.ic.system_api.images`); ``globals`` holds the mutable globals.  For
speed, each canister keeps one *live* instance whose memory, tables and
globals equal one image.  A function given that image runs on the live
instance under an engine snapshot (a write journal): a trap rolls the
instance back, a success turns the pages it wrote into the next image.  A
function given any other state first loads that state into the instance.
"""

from __future__ import annotations

import operator

from attrs import evolve

from ..errors import (
    Exhaustion, InstructionLimitExceeded, Trap,
    UncaughtException,
)
from ..wasm import embed
from ..wasm.runtime.meter import Meter
from ..wasm.runtime.memory import EAGER_BYTES
from ..wasm.runtime.memory import OUT_OF_MEMORY as MEMORY_EXHAUSTED
from ..wasm.runtime.store import Config
from ..wasm.runtime.values import FuncRef, NullRef
from .canister import (
    CallerInfo, CompositeQueryReturn, InitReturn, InspectReturn, ParsedModule, PreUpgradeReturn,
    QueryReturn, Reply, SystemTaskReturn, Trapped, UpdateReturn, WasmState,
)
from .costs import DEFAULT
from .system_api import host_function
from .system_api.images import PAGE, ZERO_PAGE, HeapImage, PagedBlob, StableMemory
from .system_api.metering import cost_model, cycles_for
from .system_api.state import ExecutionState, Params, discard_pending_call
from .wasm_module import decode_canister_module, sig_text

# The host memory one canister's Wasm memory may hold (`MemInst.footprint`: written pages,
# plus the journal of the call in progress), a pyic limit below Python's allocator: beyond
# it the call traps with "out of memory" and the canister stays as it was.  A subnet
# configuration may set its own (``host_memory_cap``).
HOST_MEMORY_CAP = 6 << 30
# A canister's memory keeps its first 64 MiB in one bytearray (fast loads); above that, the
# 64 KiB pages are shared with the memory images (`_capture`, `_load_memory`), so a heap
# costs its pages about once, not once live and once per image.
DENSE_BYTES = 64 << 20
OUT_OF_MEMORY = "out of memory (host memory cap reached)"


# ------------------------------------------------------------------ parsing


def parse_wasm_canister(raw_module: bytes) -> ParsedModule:
    """``parse_wasm_mod`` for Wasm modules (gzip-compressed ones are unpacked):
    every call gives a new `WasmCanister` (each holds its own live instance) on
    the module `decode_canister_module` decoded, validated and cached."""
    module, info, public, private = decode_canister_module(raw_module)
    return ParsedModule(WasmCanister(module, info), dict(public), dict(private))


# ------------------------------------------------------------------ the live instance


class _Binding:
    """What the host functions read: the execution state of the running invocation."""

    __slots__ = ("es",)

    def __init__(self) -> None:
        self.es = None


class _Live:
    """An instance of the module and the state (image, globals) it holds.

    ``image`` is ``None`` while the instance holds a state no image describes
    yet (just instantiated: the next capture scans the whole memory)."""

    __slots__ = ("store", "inst", "mem", "binding", "image", "globals", "func_index",
                 "mut_globals")

    def __init__(self, store, inst, binding) -> None:
        self.store = store
        self.inst = inst
        self.mem = inst.mems[0] if inst.mems else None
        self.binding = binding
        self.image = None
        self.globals = None
        self.func_index = {f.addr: i for i, f in enumerate(inst.funcs)}
        self.mut_globals = [g for g in inst.globals if g.type.mut]


class _Failed(Exception):
    """An invocation trapped (message) after ``count`` instructions."""

    def __init__(self, message: str, count: int) -> None:
        super().__init__(message)
        self.message = message
        self.count = count


def _table_unchanged(t, saved) -> bool:
    """Whether table ``t`` still holds what `TableInst.snapshot` saved (entries compared
    by identity: an entry that was not set again is the same object)."""
    elem, far, size, tail = saved
    return t.size == size and t.tail is tail and not t.far and not far \
        and len(t.elem) == len(elem) and all(map(operator.is_, t.elem, elem))


def _encode_ref(live: _Live, v):
    if isinstance(v, FuncRef):
        return ("func", live.func_index.get(v.addr, -1))
    if isinstance(v, NullRef):
        return ("null", v.heaptype)
    return v


def _decode_ref(live: _Live, v):
    if isinstance(v, tuple) and len(v) == 2 and v[0] == "func":
        return FuncRef(live.inst.funcs[v[1]].addr)
    if isinstance(v, tuple) and len(v) == 2 and v[0] == "null":
        return NullRef(v[1])
    return v


# ------------------------------------------------------------------ the canister module


def _caller_params(caller: CallerInfo) -> dict:
    """The message's caller and its caller info, as `Params` fields."""
    return dict(caller=caller.caller, caller_info_data=caller.info_data,
                caller_info_signer=caller.info_signer)


class WasmCanister:
    """The ``CanisterModule`` of one Wasm module (see the module docstring)."""

    # The spec's ``initial_globals``: ``()`` stands for the values the module
    # declares (a fresh instance has them).
    initial_globals = ()

    def __init__(self, module, info: dict, cfg=DEFAULT) -> None:
        self.syntax = evolve(module, start=None)   # the start function runs under our control
        self.start_index = module.start.func if module.start is not None else None
        self.width = info["width"]
        self.wasm64 = self.width == "i64"
        self.import_entries = info["imports"]
        self.exports = {**info["system"]}
        self.callback_type = info["callback_type"]
        self.cfg = cfg
        self._live: _Live | None = None
        # Instructions executed by every invocation so far (traps included): for reports.
        self.instructions_executed = 0
        m = info["methods"]
        self.update_methods = {n: self._update_fn(i) for n, i in m["update"].items()}
        self.query_methods = {n: self._query_fn(i) for n, i in m["query"].items()}
        self.composite_query_methods = {n: self._composite_fn(i)
                                        for n, i in m["composite_query"].items()}

    def configure(self, cfg) -> None:
        """Run under the fees and limits of the subnet that installs the module
        (``SubnetConfig``): parsing knows only the bytes, so a new module starts with
        the default configuration until the installing rule hands it its own."""
        self.cfg = cfg

    # ---------------------------------------------------------------- instances

    def _instantiate(self) -> _Live:
        cap = getattr(self.cfg, "host_memory_cap", None) or HOST_MEMORY_CAP
        store = embed.Store(Config(canonical_nan=True, cost=cost_model(self.wasm64),
                                   host_memory_cap=cap, dense_limit=DENSE_BYTES))
        binding = _Binding()
        imports = [embed.func_alloc(store, ft, host_function(entry, binding))
                   for entry, ft in self.import_entries]
        try:
            inst = embed.module_instantiate(store, self.syntax, imports)
        except (Trap, Exhaustion) as e:
            raise _Failed(e.message, 0) from None
        return _Live(store, inst, binding)

    def _load_memory(self, live: _Live, image: HeapImage, keep_size: bool = False) -> None:
        """Make memory 0 equal ``image`` (an adapter over `MemInst`'s fields: the
        engine has no "restore memory" operation)."""
        mem = live.mem
        if mem is None:
            return
        size = max(image.size, mem.size) if keep_size else image.size
        mem.size = size
        mem.pages = {}
        mem.data = bytearray(min(size, EAGER_BYTES, mem.dense_limit))
        mem.wlimit = len(mem.data)
        cap, mem.cap = mem.cap, None        # an image a run produced fits: it was capped then
        try:
            for p, page in enumerate(image.pages):
                if page is not None:
                    mem.load_page(p, page)
        finally:
            mem.cap = cap
        mem.wlimit = len(mem.data)

    def _load_state(self, live: _Live, state: WasmState) -> None:
        """Make the whole instance equal ``state`` (memory, tables, segments, globals)."""
        image = state.wasm_memory
        if isinstance(image, HeapImage):
            self._load_memory(live, image)
            inst = live.inst
            for t, saved in zip(inst.tables, image.tables):
                size, dense, far, tail = saved
                t.size = size
                t.elem[:] = [_decode_ref(live, v) for v in dense]
                t.far = {i: _decode_ref(live, v) for i, v in far}
                t.tail = _decode_ref(live, tail)
            for i in image.dropped_datas:
                inst.datas[i].data = b""
            for i in image.dropped_elems:
                inst.elems[i].elem = []
        for g, v in zip(live.mut_globals, state.globals):
            g.value = _decode_ref(live, v)
        live.image = image if isinstance(image, HeapImage) else None
        live.globals = state.globals

    def _live_for(self, state: WasmState) -> _Live:
        """The live instance, holding ``state``."""
        live = self._live
        if live is not None and live.image is state.wasm_memory and live.globals == state.globals:
            return live
        if live is None or not self._reusable(live, state.wasm_memory):
            live = self._instantiate()
        self._load_state(live, state)
        self._live = live
        return live

    def _reusable(self, live: _Live, image) -> bool:
        """Whether ``image`` can be loaded into ``live``: a dropped segment cannot come back."""
        if live.image is None:
            return False
        inst, syntax = live.inst, self.syntax
        datas = image.dropped_datas if isinstance(image, HeapImage) else frozenset()
        elems = image.dropped_elems if isinstance(image, HeapImage) else frozenset()
        return all(d.data or not syntax.datas[i].init or i in datas
                   for i, d in enumerate(inst.datas)) and \
            all(e.elem or not syntax.elems[i].init or i in elems
                for i, e in enumerate(inst.elems))

    def _fresh(self, state: WasmState) -> _Live:
        """A new instance for ``start``: only the Wasm memory of ``state`` carries over
        (an upgrade that keeps it), never tables, segments or globals."""
        live = self._instantiate()
        if isinstance(state.wasm_memory, HeapImage):
            self._load_memory(live, state.wasm_memory, keep_size=True)
        self._live = live
        return live

    def _capture(self, live: _Live, dirty, saved_tables=None) -> HeapImage:
        """The image of the instance now; ``dirty``: the 4 KiB chunks written since
        ``live.image`` (``None``: scan everything); ``saved_tables``: the snapshot's
        ``(table, saved)`` pairs, to reuse the tables of ``live.image`` if unchanged."""
        mem = live.mem
        size = mem.size if mem is not None else 0
        n = -(-size // PAGE)
        base = live.image
        if base is None or dirty is None:
            pages = [None] * n
            touched = range(n)
        else:
            pages = list(base.pages[:n])
            pages.extend([None] * (n - len(pages)))
            touched = sorted({c >> 4 for c in dirty})
        for p in touched:
            if p < n:
                page = mem.freeze_page(p)       # shared with the memory, not copied
                pages[p] = None if page is None or page == ZERO_PAGE[:len(page)] else page
        inst = live.inst
        if base is not None and saved_tables is not None and all(
                _table_unchanged(t, saved) for t, saved in saved_tables):
            tables = base.tables
        else:
            tables = tuple((t.size, tuple(_encode_ref(live, v) for v in t.elem),
                            tuple((i, _encode_ref(live, v)) for i, v in t.far.items()),
                            _encode_ref(live, t.tail)) for t in inst.tables)
        syntax = self.syntax
        dropped_datas = frozenset(i for i, d in enumerate(inst.datas)
                                  if not d.data and syntax.datas[i].init)
        dropped_elems = frozenset(i for i, e in enumerate(inst.elems)
                                  if not e.elem and syntax.elems[i].init)
        return HeapImage(size, tuple(pages), tables, dropped_datas, dropped_elems)

    # ---------------------------------------------------------------- running one function

    def _run(self, live: _Live, es: ExecutionState, target, args, limit: int,
             keep: bool) -> tuple:
        """Run ``target`` (an export index, or a callable giving ``(funcaddr, args)``)
        in ``es`` on ``live``; ``(count, new WasmState | None)``, or `_Failed`."""
        snap = embed.snapshot(live.inst)
        es.mem = live.mem
        meter = Meter(limit)
        es.meter = meter
        live.binding.es = es
        try:
            try:
                if callable(target):
                    addr, args = target(live)
                else:
                    addr = live.inst.funcs[target].addr
                embed.invoke(live.store, addr, args, meter=meter)
            except InstructionLimitExceeded:
                raise _Failed(f"Canister exceeded the limit of {self._limit_of(es.context)} "
                              "instructions for single message execution.", meter.count) from None
            except (Trap, Exhaustion) as e:
                message = OUT_OF_MEMORY if e.message == MEMORY_EXHAUSTED else e.message
                raise _Failed(message, meter.count) from None
            except UncaughtException as e:
                # An exception no handler caught ends the entry point as a trap does
                # ("Abstract Canisters to System API": a function either returns or traps).
                raise _Failed(e.message, meter.count) from None
            except MemoryError:
                # Python's allocator failed before the cap did (a host function's copy, say)
                raise _Failed(OUT_OF_MEMORY, meter.count) from None
        except _Failed:
            snap.rollback()
            snap.release()
            raise
        except BaseException:
            # Anything else is pyic's fault, not the canister's: release the snapshot and
            # forget the live instance (the next call starts from the last image).
            self._abandon(live, snap)
            raise
        finally:
            live.binding.es = None
            self.instructions_executed += meter.count
        if not keep:
            snap.rollback()
            snap.release()
            return meter.count, None
        try:
            dirty = None
            for m, _ in snap.mems:
                if m is live.mem and m.journal is not None:
                    dirty = set(m.journal)
            image = self._capture(live, dirty, snap.tables)
        except MemoryError:
            self._abandon(live, snap)
            raise _Failed(OUT_OF_MEMORY, meter.count) from None
        except BaseException:
            self._abandon(live, snap)
            raise
        snap.release()
        new_globals = tuple(v if type(v) is int else _encode_ref(live, v)
                            for v in [g.value for g in live.mut_globals])
        live.image = image
        live.globals = new_globals
        return meter.count, WasmState(image, es.stable.freeze(), new_globals, es.self_id)

    def _abandon(self, live: _Live, snap) -> None:
        """Give up the live instance after a failure of pyic itself: close its snapshot and
        make the next function start from a fresh instance (its state comes from the image)."""
        try:
            snap.rollback()
        except BaseException:
            pass
        snap.release()
        if self._live is live:
            self._live = None

    def _limit_of(self, context: str) -> int:
        """The per-message instruction limit of an execution context (for messages)."""
        cfg = self.cfg
        if context in ("I", "G", "s"):
            return cfg.max_instructions_per_install_code
        if context in ("Q", "RQ", "NRQ", "TQ", "CQ", "CRy", "CRt", "CC"):
            return cfg.max_instructions_per_query
        if context == "F":
            return cfg.max_instructions_inspect_message
        return cfg.max_instructions_per_message

    def _es(self, state: WasmState, context: str, env, **params) -> ExecutionState:
        return ExecutionState(context=context, params=Params(sysenv=env, **params),
                              stable=StableMemory(state.stable_memory),
                              self_id=state.self_id or env.self_id, width=self.width,
                              balance=env.balance, cfg=self.cfg)

    def _cycles(self, instructions: int) -> int:
        return cycles_for(self.cfg, instructions, self.wasm64)

    def _trap(self, failed: _Failed, extra: int = 0, logs=()) -> Trapped:
        return Trapped(self._cycles(failed.count + extra), failed.message, tuple(logs),
                          failed.count + extra)

    def _update_return(self, es: ExecutionState, new_state: WasmState, count: int) -> UpdateReturn:
        """What an update or a reply/reject callback that completed returns."""
        return UpdateReturn(new_state, tuple(es.calls), es.new_certified_data,
                            es.new_global_timer, es.response, es.cycles_accepted,
                            self._cycles(count), tuple(es.logs),
                            cycles_burned=es.cycles_burned)

    def _composite_return(self, es: ExecutionState, new_state: WasmState,
                          count: int) -> CompositeQueryReturn:
        """What a composite query or its callback that completed returns."""
        return CompositeQueryReturn(new_state, tuple(es.calls), es.response,
                                    self._cycles(count), tuple(es.logs), count)

    # ---------------------------------------------------------------- start, init, upgrades

    def _start(self, state: WasmState, env) -> tuple:
        """``start``: a fresh instance on ``state``'s memory runs ``(start)`` in context s."""
        live = self._fresh(state)
        es = self._es(state, "s", env)
        if self.start_index is None:
            image = self._capture(live, None)
            globals_ = tuple(_encode_ref(live, g.value) for g in live.mut_globals)
            live.image, live.globals = image, globals_
            return live, 0, WasmState(image, PagedBlob.of(state.stable_memory), globals_,
                                      state.self_id)
        count, new_state = self._run(live, es, self.start_index, [],
                                     self.cfg.max_instructions_per_install_code, True)
        return live, count, new_state

    def _init_like(self, state: WasmState, arg: bytes, caller: CallerInfo, env,
                   export: str) -> object:
        try:
            live, start_count, state = self._start(state, env)
        except _Failed as f:
            return self._trap(f)
        index = self.exports.get(export)
        if index is None:
            return InitReturn(state, None, None, self._cycles(start_count))
        env1 = evolve(env, balance=env.balance - self._cycles(start_count))
        es = self._es(state, "I", env1, arg=arg, **_caller_params(caller))
        try:
            count, new_state = self._run(live, es, index, [],
                                         self.cfg.max_instructions_per_install_code
                                         - start_count, True)
        except _Failed as f:
            return self._trap(f, start_count, es.logs)
        # Installs have no per-message cap: a burn is paid with the cycles used.
        return InitReturn(new_state, es.new_certified_data, es.new_global_timer,
                          self._cycles(start_count + count) + es.cycles_burned,
                          tuple(es.logs))

    def init(self, canister_id, arg, caller, env):
        state = WasmState(wasm_memory=b"", stable_memory=PagedBlob(), globals=(),
                          self_id=canister_id)
        return self._init_like(state, arg, caller, env, "canister_init")

    def post_upgrade(self, state, arg, caller, env):
        return self._init_like(state, arg, caller, env, "canister_post_upgrade")

    def pre_upgrade(self, state, caller, env):
        index = self.exports.get("canister_pre_upgrade")
        if index is None:
            return PreUpgradeReturn(state, None, 0)
        es = self._es(state, "G", env, caller=caller)
        try:
            count, new_state = self._run(self._live_for(state), es, index, [],
                                         self.cfg.max_instructions_per_install_code, True)
        except _Failed as f:
            return self._trap(f, 0, es.logs)
        return PreUpgradeReturn(new_state, es.new_certified_data,
                                self._cycles(count) + es.cycles_burned, tuple(es.logs))

    # ---------------------------------------------------------------- methods

    def _update_fn(self, index: int):
        def update(state, arg, caller, deadline, env, available):
            es = self._es(state, "U", env, arg=arg, **_caller_params(caller), deadline=deadline)
            es.cycles_available = available
            try:
                count, new_state = self._run(self._live_for(state), es, index, [],
                                             self.cfg.max_instructions_per_message, True)
            except _Failed as f:
                return self._trap(f, 0, es.logs)
            discard_pending_call(es)
            return self._update_return(es, new_state, count)
        return update

    def _query_fn(self, index: int):
        def query(state, arg, caller, env, available, replicated: bool | None = None):
            context = "Q" if replicated is None else ("RQ" if replicated else "NRQ")
            es = self._es(state, context, env, arg=arg, **_caller_params(caller))
            es.cycles_available = available
            try:
                count, _ = self._run(self._live_for(state), es, index, [],
                                     self.cfg.max_instructions_per_query, False)
            except _Failed as f:
                return self._trap(f, 0, es.logs)
            if es.response is None:
                # A query that returns without responding.  (The query rule expects a
                # response from a `QueryReturn`, so this is reported as a trap.)
                return Trapped(self._cycles(count), "Canister did not reply to the call",
                                  tuple(es.logs), count)
            return QueryReturn(es.response, es.cycles_accepted, self._cycles(count),
                               tuple(es.logs), count)
        return query

    def _composite_fn(self, index: int):
        def composite_query(state, arg, caller, env):
            es = self._es(state, "CQ", env, arg=arg, **_caller_params(caller))
            try:
                count, new_state = self._run(self._live_for(state), es, index, [],
                                             self.cfg.max_instructions_per_query, True)
            except _Failed as f:
                return self._trap(f, 0, es.logs)
            discard_pending_call(es)
            return self._composite_return(es, new_state, count)
        return composite_query

    # ---------------------------------------------------------------- system tasks

    def _task(self, export: str, state, env):
        index = self.exports.get(export)
        if index is None:
            return Trapped(0, f"the canister does not export {export}")
        es = self._es(state, "T", env)
        try:
            count, new_state = self._run(self._live_for(state), es, index, [],
                                         self.cfg.max_instructions_per_message, True)
        except _Failed as f:
            return self._trap(f, 0, es.logs)
        discard_pending_call(es)
        return SystemTaskReturn(new_state, tuple(es.calls), es.new_certified_data,
                                es.new_global_timer, self._cycles(count), tuple(es.logs),
                                cycles_burned=es.cycles_burned)

    def heartbeat(self, state, env):
        return self._task("canister_heartbeat", state, env)

    def global_timer(self, state, env):
        return self._task("canister_global_timer", state, env)

    def on_low_wasm_memory(self, state, env):
        return self._task("canister_on_low_wasm_memory", state, env)

    # ---------------------------------------------------------------- callbacks

    def _closure(self, closure):
        """A target for `_run`: ``table[fun]`` applied to ``env``, trapping as the spec says."""
        fun, env_value = closure

        def resolve(live: _Live):
            tables = live.inst.tables
            if not tables or fun >= tables[0].size:
                raise Trap(f"callback function index {fun} is out of the table's bounds")
            ref = tables[0].get(fun)
            if not isinstance(ref, FuncRef):
                raise Trap(f"callback function index {fun} is a null table entry")
            f = live.store.funcs[ref.addr]
            if f.type != self.callback_type:
                raise Trap(f"callback function {fun} has type {sig_text(f.type)}, "
                           f"not {sig_text(self.callback_type)}")
            return ref.addr, [env_value]
        return resolve

    def _response_params(self, caller: CallerInfo, response) -> dict:
        params = _caller_params(caller)
        if isinstance(response, Reply):
            params["arg"] = response.data
        else:
            params.update(reject_code=response.code, reject_message=response.message)
        return params

    def callback(self, state, callback, caller, response, deadline, refunded, env, available):
        is_reply = isinstance(response, Reply)
        params = self._response_params(caller, response)
        params.update(cycles_refunded=refunded, deadline=deadline)
        es = self._es(state, "Ry" if is_reply else "Rt", env, **params)
        es.cycles_available = available
        closure = callback.on_reply if is_reply else callback.on_reject
        limit = self.cfg.max_instructions_per_message
        try:
            count, new_state = self._run(self._live_for(state), es, self._closure(closure), [],
                                         limit, True)
        except _Failed as f:
            return self._cleanup(state, callback, f, es, env, params, "C", limit)
        discard_pending_call(es)
        return self._update_return(es, new_state, count)

    def _cleanup(self, state, callback, failed: _Failed, es, env, params, context, limit):
        if callback.on_cleanup is None:
            return self._trap(failed, 0, es.logs)
        env2 = evolve(env, balance=env.balance - self._cycles(failed.count))
        es2 = self._es(state, context, env2, **params)
        try:
            count, new_state = self._run(self._live_for(state), es2,
                                         self._closure(callback.on_cleanup), [],
                                         limit - failed.count, True)
        except _Failed as f2:
            return self._trap(f2, failed.count, list(es.logs) + list(es2.logs))
        logs = tuple(es.logs) + tuple(es2.logs)
        used = self._cycles(failed.count + count)
        if context == "CC":
            return CompositeQueryReturn(new_state, (), None, used, logs,
                                        failed.count + count)
        return UpdateReturn(new_state, (), None, es2.new_global_timer, None, 0, used, logs,
                            trap_message=failed.message)

    def composite_callback(self, state, callback, caller, response, env):
        is_reply = isinstance(response, Reply)
        params = self._response_params(caller, response)
        es = self._es(state, "CRy" if is_reply else "CRt", env, **params)
        closure = callback.on_reply if is_reply else callback.on_reject
        limit = self.cfg.max_instructions_per_query
        try:
            count, new_state = self._run(self._live_for(state), es, self._closure(closure), [],
                                         limit, True)
        except _Failed as f:
            return self._cleanup(state, callback, f, es, env, params, "CC", limit)
        discard_pending_call(es)
        return self._composite_return(es, new_state, count)

    # ---------------------------------------------------------------- inspection

    def inspect_message(self, state, method_name, arg, caller, env):
        index = self.exports.get("canister_inspect_message")
        if index is None:
            return InspectReturn(True)
        es = self._es(state, "F", env, arg=arg, **_caller_params(caller),
                      method_name=method_name)
        try:
            self._run(self._live_for(state), es, index, [],
                      self.cfg.max_instructions_inspect_message, False)
        except _Failed as f:
            return self._trap(f)
        return InspectReturn(es.ingress_accepted)

    # ---------------------------------------------------------------- what the rules ask

    def has_heartbeat(self) -> bool:
        return "canister_heartbeat" in self.exports

    def has_global_timer(self) -> bool:
        return "canister_global_timer" in self.exports

    def has_on_low_wasm_memory(self) -> bool:
        return "canister_on_low_wasm_memory" in self.exports

    def has_inspect_message(self) -> bool:
        return "canister_inspect_message" in self.exports

    def wasm_memory_size(self, state) -> int:
        mem = state.wasm_memory
        return mem.size if isinstance(mem, HeapImage) else len(mem)

    def memory_usage(self, state) -> int:
        return self.wasm_memory_size(state) + len(state.stable_memory)

    def stable_memory(self, state) -> bytes:
        return bytes(state.stable_memory)


__all__ = ["parse_wasm_canister", "WasmCanister"]
