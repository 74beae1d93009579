"""Wasm canisters: the entry points of a Wasm module bound to the ``ic0`` System
API, as the abstract ``CanisterModule`` (interface spec, "Abstract Canisters to
System API" > "The concrete `CanisterModule`").

Three modules follow the spec's section:

- `pyic.ic.wasm_module`: the module format ("WebAssembly module requirements",
  ``parse_wasm_mod``): decoded, validated, its imports and exports checked;
- `pyic.ic.wasm_instance`: the execution state behind ``WasmState`` ("The
  execution state"): one live instance, memory images captured and restored,
  ``func<es>()`` run under a limit;
- this module: `parse_wasm_canister` and `WasmCanister`, whose functions are the
  spec's ``start``, ``init``, ``pre_upgrade``, ``post_upgrade``,
  ``update_methods``, ``query_methods``, ``composite_query_methods``,
  ``heartbeat``, ``global_timer``, ``on_low_wasm_memory``, ``callbacks``,
  ``composite_callbacks`` and ``inspect_message``, each building the spec's
  ``es`` (`ExecutionState`, `pyic.ic.system_api.state`) and turning the
  outcome of ``func<es>()`` into a result record (`pyic.ic.canister`).
"""

from __future__ import annotations

from ..errors import Trap
from ..wasm.runtime.values import FuncRef
from .canister import (
    CallerInfo, CompositeQueryReturn, InitReturn, InspectReturn, ParsedModule, PreUpgradeReturn,
    QueryReturn, Reply, SystemTaskReturn, Trapped, UpdateReturn, WasmState,
)
from .costs import DEFAULT
from .state import evolve
from .system_api.images import HeapImage, PagedBlob, StableMemory
from .system_api.metering import cycles_for
from .system_api.state import ExecutionState, Params, discard_pending_call
from .wasm_instance import Executor, Failed, Instance
from .wasm_module import decode_canister_module, sig_text

# ------------------------------------------------------------------ parsing


def parse_wasm_canister(raw_module: bytes) -> ParsedModule:
    """``parse_wasm_mod`` for Wasm modules (gzip-compressed ones are unpacked):
    every call gives a new `WasmCanister` (each holds its own live instance) on
    the module `decode_canister_module` decoded, validated and cached."""
    module, info, public, private = decode_canister_module(raw_module)
    return ParsedModule(WasmCanister(module, info), dict(public), dict(private))


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
        self.start_index = module.start.func if module.start is not None else None
        self.width = info["width"]
        self.wasm64 = self.width == "i64"
        self.exports = {**info["system"]}
        self.callback_type = info["callback_type"]
        # The start function runs under the entry points' control, not at instantiation.
        self.executor = Executor(evolve(module, start=None), info["imports"], self.wasm64, cfg)
        m = info["methods"]
        self.update_methods = {n: self._update_fn(i) for n, i in m["update"].items()}
        self.query_methods = {n: self._query_fn(i) for n, i in m["query"].items()}
        self.composite_query_methods = {n: self._composite_fn(i)
                                        for n, i in m["composite_query"].items()}

    @property
    def cfg(self):
        """The fees and limits the module runs under (a ``SubnetConfig``)."""
        return self.executor.cfg

    @cfg.setter
    def cfg(self, cfg) -> None:
        self.executor.cfg = cfg

    @property
    def instructions_executed(self) -> int:
        """Instructions executed by every invocation so far (traps included): for reports."""
        return self.executor.instructions_executed

    def configure(self, cfg) -> None:
        """Run under the fees and limits of the subnet that installs the module
        (``SubnetConfig``): parsing knows only the bytes, so a new module starts with
        the default configuration until the installing rule hands it its own."""
        self.executor.cfg = cfg

    # ---------------------------------------------------------------- the spec's es

    def _es(self, state: WasmState, context: str, env, **params) -> ExecutionState:
        """``ref {empty_execution_state with wasm_state; params = empty_params with
        {..., sysenv = env}; balance = sysenv.balance; context}``."""
        return ExecutionState(context=context, params=Params(sysenv=env, **params),
                              stable=StableMemory(state.stable_memory),
                              self_id=state.self_id or env.self_id, width=self.width,
                              balance=env.balance, cfg=self.cfg)

    def _call(self, state: WasmState, es: ExecutionState, target, limit: int,
              keep: bool = True) -> tuple:
        """``func<es>()`` on ``state``: ``(count, new WasmState)``, or `Failed`."""
        return self.executor.run(self.executor.live_for(state), es, target, [], limit, keep)

    def _cycles(self, instructions: int) -> int:
        return cycles_for(self.cfg, instructions, self.wasm64)

    def _trap(self, failed: Failed, extra: int = 0, logs=()) -> Trapped:
        """``Trap {cycles_used = es.cycles_used}`` (plus ``extra`` instructions run before)."""
        return Trapped(self._cycles(failed.count + extra), failed.message, tuple(logs),
                       failed.count + extra)

    def _update_return(self, es: ExecutionState, new_state: WasmState, count: int) -> UpdateReturn:
        """What an update or a reply/reject callback that completed returns."""
        return UpdateReturn(new_state, tuple(es.calls), es.new_certified_data,
                            es.new_global_timer, es.response, es.cycles_accepted,
                            self._cycles(count), tuple(es.logs),
                            cycles_burned=es.cycles_burned, instructions_used=count)

    def _composite_return(self, es: ExecutionState, new_state: WasmState,
                          count: int) -> CompositeQueryReturn:
        """What a composite query or its callback that completed returns."""
        return CompositeQueryReturn(new_state, tuple(es.calls), es.response,
                                    self._cycles(count), tuple(es.logs), count)

    # ---------------------------------------------------------------- start, init, upgrades

    def _start(self, state: WasmState, env) -> tuple:
        """``start``: a fresh instance on ``state``'s memory runs ``(start)`` in context s;
        ``(instance, count, new WasmState)``, or `Failed`."""
        live = self.executor.fresh(state)
        if self.start_index is None:
            return live, 0, self.executor.held_state(live, state)
        es = self._es(state, "s", env)
        count, new_state = self.executor.run(live, es, self.start_index, [],
                                             self.cfg.max_instructions_per_install_code, True)
        return live, count, new_state

    def _init_like(self, state: WasmState, arg: bytes, caller: CallerInfo, env,
                   export: str) -> object:
        """``init`` and ``post_upgrade``: ``match start(wasm_state) with Trap trap -> Trap
        trap | Return res -> ...`` the export in context I, charged ``res.cycles_used``."""
        try:
            live, start_count, state = self._start(state, env)
        except Failed as f:
            return self._trap(f)
        index = self.exports.get(export)
        if index is None:
            return InitReturn(state, None, None, self._cycles(start_count))
        env1 = evolve(env, balance=env.balance - self._cycles(start_count))
        es = self._es(state, "I", env1, arg=arg, **_caller_params(caller))
        try:
            count, new_state = self.executor.run(
                live, es, index, [],
                self.cfg.max_instructions_per_install_code - start_count, True)
        except Failed as f:
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
        """``pre_upgrade``: ``canister_pre_upgrade`` in context G, if exported."""
        index = self.exports.get("canister_pre_upgrade")
        if index is None:
            return PreUpgradeReturn(state, None, 0)
        es = self._es(state, "G", env, caller=caller)
        try:
            count, new_state = self._call(state, es, index,
                                          self.cfg.max_instructions_per_install_code)
        except Failed as f:
            return self._trap(f, 0, es.logs)
        return PreUpgradeReturn(new_state, es.new_certified_data,
                                self._cycles(count) + es.cycles_burned, tuple(es.logs))

    # ---------------------------------------------------------------- methods

    def _update_fn(self, index: int):
        """``update_methods[method]``: ``canister_update <method>`` in context U."""
        def update(state, arg, caller, deadline, env, available):
            es = self._es(state, "U", env, arg=arg, **_caller_params(caller), deadline=deadline)
            es.cycles_available = available
            try:
                count, new_state = self._call(state, es, index,
                                              self.cfg.max_instructions_per_message)
            except Failed as f:
                return self._trap(f, 0, es.logs)
            discard_pending_call(es)
            return self._update_return(es, new_state, count)
        return update

    def _query_fn(self, index: int):
        """``query_methods[method]``: ``canister_query <method>`` in context Q (RQ or NRQ
        when the caller says whether it runs replicated); its state is dropped."""
        def query(state, arg, caller, env, available, replicated: bool | None = None):
            context = "Q" if replicated is None else ("RQ" if replicated else "NRQ")
            es = self._es(state, context, env, arg=arg, **_caller_params(caller))
            es.cycles_available = available
            try:
                count, _ = self._call(state, es, index, self.cfg.max_instructions_per_query,
                                      keep=False)
            except Failed as f:
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
        """``composite_query_methods[method]``: ``canister_composite_query <method>``
        in context CQ."""
        def composite_query(state, arg, caller, env):
            es = self._es(state, "CQ", env, arg=arg, **_caller_params(caller))
            try:
                count, new_state = self._call(state, es, index,
                                              self.cfg.max_instructions_per_query)
            except Failed as f:
                return self._trap(f, 0, es.logs)
            discard_pending_call(es)
            return self._composite_return(es, new_state, count)
        return composite_query

    # ---------------------------------------------------------------- system tasks

    def _task(self, export: str, state, env):
        """``heartbeat``, ``global_timer``, ``on_low_wasm_memory``: the export in context
        T, or ``Trap {cycles_used = 0}`` if the module does not export it."""
        index = self.exports.get(export)
        if index is None:
            return Trapped(0, f"the canister does not export {export}")
        es = self._es(state, "T", env)
        try:
            count, new_state = self._call(state, es, index,
                                          self.cfg.max_instructions_per_message)
        except Failed as f:
            return self._trap(f, 0, es.logs)
        discard_pending_call(es)
        return SystemTaskReturn(new_state, tuple(es.calls), es.new_certified_data,
                                es.new_global_timer, self._cycles(count), tuple(es.logs),
                                cycles_burned=es.cycles_burned, instructions_used=count)

    def heartbeat(self, state, env):
        return self._task("canister_heartbeat", state, env)

    def global_timer(self, state, env):
        return self._task("canister_global_timer", state, env)

    def on_low_wasm_memory(self, state, env):
        return self._task("canister_on_low_wasm_memory", state, env)

    # ---------------------------------------------------------------- callbacks

    def _closure(self, closure):
        """A target for `Executor.run`: the concrete ``Closure`` ``table[fun]`` applied to
        ``env``, trapping as the spec says (``fun > |table|``, or no function there)."""
        fun, env_value = closure

        def resolve(live: Instance):
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
        """The ``params`` of a callback: ``arg`` for a reply, the code and message of a
        reject."""
        params = _caller_params(caller)
        if isinstance(response, Reply):
            params["arg"] = response.data
        else:
            params.update(reject_code=response.code, reject_message=response.message)
        return params

    def callback(self, state, callback, caller, response, deadline, refunded, env, available):
        """``callbacks``: ``on_reply`` in context Ry or ``on_reject`` in Rt; if it traps,
        ``on_cleanup`` in context C."""
        is_reply = isinstance(response, Reply)
        params = self._response_params(caller, response)
        params.update(cycles_refunded=refunded, deadline=deadline)
        es = self._es(state, "Ry" if is_reply else "Rt", env, **params)
        es.cycles_available = available
        closure = callback.on_reply if is_reply else callback.on_reject
        limit = self.cfg.max_instructions_per_message
        try:
            count, new_state = self._call(state, es, self._closure(closure), limit)
        except Failed as f:
            return self._cleanup(state, callback, f, es, env, params, "C", limit)
        discard_pending_call(es)
        return self._update_return(es, new_state, count)

    def _cleanup(self, state, callback, failed: Failed, es, env, params, context, limit):
        """The spec's ``with Trap`` branch of a callback: ``on_cleanup`` (if any) runs on
        the state before the callback, ``func<es'>(callbacks.on_cleanup.env)``.  The
        trapped callback's instructions were executed in the call context: the cleanup's
        ``performance_counter(1)`` counts them."""
        if callback.on_cleanup is None:
            return self._trap(failed, 0, es.logs)
        env2 = evolve(env, balance=env.balance - self._cycles(failed.count),
                      context_instructions=env.context_instructions + failed.count)
        es2 = self._es(state, context, env2, **params)
        try:
            count, new_state = self._call(state, es2, self._closure(callback.on_cleanup),
                                          limit - failed.count)
        except Failed as f2:
            return self._trap(f2, failed.count, list(es.logs) + list(es2.logs))
        logs = tuple(es.logs) + tuple(es2.logs)
        used = self._cycles(failed.count + count)
        if context == "CC":
            return CompositeQueryReturn(new_state, (), None, used, logs,
                                        failed.count + count)
        return UpdateReturn(new_state, (), None, es2.new_global_timer, None, 0, used, logs,
                            trap_message=failed.message, instructions_used=failed.count + count)

    def composite_callback(self, state, callback, caller, response, env):
        """``composite_callbacks``: ``on_reply`` in context CRy or ``on_reject`` in CRt;
        if it traps, ``on_cleanup`` in context CC."""
        is_reply = isinstance(response, Reply)
        params = self._response_params(caller, response)
        es = self._es(state, "CRy" if is_reply else "CRt", env, **params)
        closure = callback.on_reply if is_reply else callback.on_reject
        limit = self.cfg.max_instructions_per_query
        try:
            count, new_state = self._call(state, es, self._closure(closure), limit)
        except Failed as f:
            return self._cleanup(state, callback, f, es, env, params, "CC", limit)
        discard_pending_call(es)
        return self._composite_return(es, new_state, count)

    # ---------------------------------------------------------------- inspection

    def inspect_message(self, state, method_name, arg, caller, env):
        """``inspect_message``: ``canister_inspect_message`` in context F (its state is
        dropped); ``Accept`` unless exported."""
        index = self.exports.get("canister_inspect_message")
        if index is None:
            return InspectReturn(True)
        es = self._es(state, "F", env, arg=arg, **_caller_params(caller),
                      method_name=method_name)
        try:
            self._call(state, es, index, self.cfg.max_instructions_inspect_message, keep=False)
        except Failed as f:
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
