"""The Wasm state behind a canister's execution functions: one live instance,
and the images it is captured to and restored from.

Interface spec, "Abstract Canisters to System API" > "The execution state":
Wasm functions are *execution functions* ``func<es>()`` with implicit access
to ``es.wasm_state``, the canister's ``WasmState`` (its memory, stable memory
and globals), whose lifetime is one invocation.  Here ``WasmState`` is a
value: ``wasm_memory`` is a `HeapImage` and ``stable_memory`` a `PagedBlob`,
both immutable and shared page by page (`pyic.ic.system_api.images`);
``globals`` holds the mutable globals.  The ``es`` record itself is
`pyic.ic.system_api.state.ExecutionState`.

For speed, an `Executor` keeps one *live* `Instance` whose memory, tables and
globals equal one image.  A function given that image runs on the live
instance under an engine snapshot (a write journal): a trap rolls the
instance back, a success turns the pages it wrote into the next image.  A
function given any other state first loads that state into the instance, or
into a new one when a dropped segment would have to come back.

`Executor.run` is the spec's ``try func<es>() with Trap then Trap {cycles_used
= es.cycles_used}``: it returns the instructions counted and the new
``WasmState``, or raises `Failed`, which the entry points
(`pyic.ic.wasm_canister`) turn into a `Trapped` result.
"""

from __future__ import annotations

import logging
import operator

from ..errors import Exhaustion, InstructionLimitExceeded, Trap, UncaughtException
from ..wasm import embed
from ..wasm.runtime.memory import EAGER_BYTES
from ..wasm.runtime.memory import OUT_OF_MEMORY as MEMORY_EXHAUSTED
from ..wasm.runtime.store import Config
from ..wasm.runtime.values import FuncRef, NullRef
from .canister import WasmState
from .system_api import host_function
from .system_api.images import PAGE, ZERO_PAGE, HeapImage, PagedBlob
from .system_api.metering import cost_model
from .system_api.state import ExecutionState

# The host memory one canister's Wasm memory may hold (`MemInst.footprint`: written pages,
# plus the journal of the call in progress), a pyic limit below Python's allocator: beyond
# it the call traps with "out of memory" and the canister stays as it was.  A subnet
# configuration may set its own (``host_memory_cap``).
HOST_MEMORY_CAP = 6 << 30
# A canister's memory keeps its first 64 MiB in one bytearray (fast loads); above that, the
# 64 KiB pages are shared with the memory images (`Executor.capture`, `load_memory`), so a
# heap costs its pages about once, not once live and once per image.
DENSE_BYTES = 64 << 20
OUT_OF_MEMORY = "out of memory (host memory cap reached)"
# How an invocation ends when pyic itself fails (a bug, or an engine error that is not the
# canister's trap): as the replica ends one its Wasm engine failed in, with IC0521
# CanisterWasmEngineError (`pyic.ic.rules.common.trap_reject`), so the message is answered
# and dropped rather than left at the head of its queue to fail again every round.
ENGINE_ERROR = "Canister encountered a Wasm engine error"

_log = logging.getLogger(__name__)


def engine_error(e: Exception, count: int) -> Failed:
    """`Failed` for an internal error ``e`` (logged with its traceback: it is pyic's bug)."""
    _log.error("pyic internal error in a canister function", exc_info=e)
    return Failed(f"{ENGINE_ERROR}: pyic internal error: {type(e).__name__}: {e}", count)


def instruction_limit(cfg, context: str) -> int:
    """The per-message instruction limit of an execution context (for messages)."""
    if context in ("I", "G", "s"):
        return cfg.max_instructions_per_install_code
    if context in ("Q", "RQ", "NRQ", "TQ", "CQ", "CRy", "CRt", "CC"):
        return cfg.max_instructions_per_query
    if context == "F":
        return cfg.max_instructions_inspect_message
    return cfg.max_instructions_per_message


# ------------------------------------------------------------------ the live instance


class Binding:
    """What the host functions read: the execution state of the running invocation."""

    __slots__ = ("es",)

    def __init__(self) -> None:
        self.es = None


class Instance:
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


class Failed(Exception):
    """An invocation trapped (message) after ``count`` instructions: the spec's
    ``with Trap`` branch, before it becomes a ``Trap { cycles_used }`` record."""

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


def encode_ref(live: Instance, v):
    """A table entry or global as an image holds it: functions by their index."""
    if isinstance(v, FuncRef):
        return ("func", live.func_index.get(v.addr, -1))
    if isinstance(v, NullRef):
        return ("null", v.heaptype)
    return v


def decode_ref(live: Instance, v):
    """The inverse of `encode_ref` on ``live``."""
    if isinstance(v, tuple) and len(v) == 2 and v[0] == "func":
        return FuncRef(live.inst.funcs[v[1]].addr)
    if isinstance(v, tuple) and len(v) == 2 and v[0] == "null":
        return NullRef(v[1])
    return v


def load_memory(live: Instance, image: HeapImage, keep_size: bool = False) -> None:
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


def load_state(live: Instance, state: WasmState) -> None:
    """Make the whole instance equal ``state`` (memory, tables, segments, globals)."""
    image = state.wasm_memory
    if isinstance(image, HeapImage):
        load_memory(live, image)
        inst = live.inst
        for t, saved in zip(inst.tables, image.tables):
            size, dense, far, tail = saved
            t.size = size
            t.elem[:] = [decode_ref(live, v) for v in dense]
            t.far = {i: decode_ref(live, v) for i, v in far}
            t.tail = decode_ref(live, tail)
        for i in image.dropped_datas:
            inst.datas[i].data = b""
        for i in image.dropped_elems:
            inst.elems[i].elem = []
    for g, v in zip(live.mut_globals, state.globals):
        g.value = decode_ref(live, v)
    live.image = image if isinstance(image, HeapImage) else None
    live.globals = state.globals


# ------------------------------------------------------------------ the executor


class Executor:
    """Runs the functions of one module on ``WasmState`` values, keeping one live
    `Instance` (see the module docstring).  ``syntax``: the module without its
    ``start`` (the entry points run it); ``import_entries``: the ``ic0`` imports;
    ``cfg``: the installing subnet's `SubnetConfig`."""

    def __init__(self, syntax, import_entries, wasm64: bool, cfg) -> None:
        self.syntax = syntax
        self.import_entries = import_entries
        self.wasm64 = wasm64
        self.cfg = cfg
        self.live: Instance | None = None
        # Instructions executed by every invocation so far (traps included): for reports.
        self.instructions_executed = 0

    # ---------------------------------------------------------------- instances

    def instantiate(self) -> Instance:
        cap = getattr(self.cfg, "host_memory_cap", None) or HOST_MEMORY_CAP
        tier = getattr(self.cfg, "wasm_tier", None)
        store = embed.Store(Config(canonical_nan=True, cost=cost_model(self.wasm64),
                                   host_memory_cap=cap, dense_limit=DENSE_BYTES, tier=tier))
        binding = Binding()
        imports = [embed.func_alloc(store, ft, host_function(entry, binding))
                   for entry, ft in self.import_entries]
        try:
            inst = embed.module_instantiate(store, self.syntax, imports)
        except (Trap, Exhaustion) as e:
            raise Failed(e.message, 0) from None
        except Exception as e:
            raise engine_error(e, 0) from None
        return Instance(store, inst, binding)

    def live_for(self, state: WasmState) -> Instance:
        """The live instance, holding ``state``."""
        live = self.live
        if live is not None and live.image is state.wasm_memory and live.globals == state.globals:
            return live
        if live is None or not self.reusable(live, state.wasm_memory):
            live = self.instantiate()
        load_state(live, state)
        self.live = live
        return live

    def reusable(self, live: Instance, image) -> bool:
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

    def fresh(self, state: WasmState) -> Instance:
        """A new instance for ``start``: only the Wasm memory of ``state`` carries over
        (an upgrade that keeps it), never tables, segments or globals."""
        live = self.instantiate()
        if isinstance(state.wasm_memory, HeapImage):
            load_memory(live, state.wasm_memory, keep_size=True)
        self.live = live
        return live

    def held_state(self, live: Instance, state: WasmState) -> WasmState:
        """The ``WasmState`` a fresh ``live`` holds (no ``(start)`` ran), with ``state``'s
        stable memory and principal."""
        image = self.capture(live, None)
        globals_ = tuple(encode_ref(live, g.value) for g in live.mut_globals)
        live.image, live.globals = image, globals_
        return WasmState(image, PagedBlob.of(state.stable_memory), globals_, state.self_id)

    def capture(self, live: Instance, dirty, saved_tables=None) -> HeapImage:
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
            tables = tuple((t.size, tuple(encode_ref(live, v) for v in t.elem),
                            tuple((i, encode_ref(live, v)) for i, v in t.far.items()),
                            encode_ref(live, t.tail)) for t in inst.tables)
        syntax = self.syntax
        dropped_datas = frozenset(i for i, d in enumerate(inst.datas)
                                  if not d.data and syntax.datas[i].init)
        dropped_elems = frozenset(i for i, e in enumerate(inst.elems)
                                  if not e.elem and syntax.elems[i].init)
        return HeapImage(size, tuple(pages), tables, dropped_datas, dropped_elems)

    # ---------------------------------------------------------------- running one function

    def run(self, live: Instance, es: ExecutionState, target, args, limit: int,
            keep: bool) -> tuple:
        """``func<es>()``: run ``target`` (an export index, or a callable giving
        ``(funcaddr, args)``) in ``es`` on ``live``; ``(count, new WasmState | None)``
        (``None`` unless ``keep``: a query's state is dropped), or `Failed`."""
        snap = embed.snapshot(live.inst)
        es.mem = live.mem
        meter = embed.Meter(limit)
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
                raise Failed(f"Canister exceeded the limit of "
                             f"{instruction_limit(self.cfg, es.context)} "
                             "instructions for single message execution.", meter.count) from None
            except (Trap, Exhaustion) as e:
                message = OUT_OF_MEMORY if e.message == MEMORY_EXHAUSTED else e.message
                raise Failed(message, meter.count) from None
            except UncaughtException as e:
                # An exception no handler caught ends the entry point as a trap does
                # ("Abstract Canisters to System API": a function either returns or traps).
                raise Failed(e.message, meter.count) from None
            except MemoryError:
                # Python's allocator failed before the cap did (a host function's copy, say)
                raise Failed(OUT_OF_MEMORY, meter.count) from None
        except Failed:
            snap.rollback()
            snap.release()
            raise
        except Exception as e:
            # Anything else is pyic's fault, not the canister's: release the snapshot,
            # forget the live instance (the next call starts from the last image) and end
            # the invocation with an engine error.
            self.abandon(live, snap)
            raise engine_error(e, meter.count) from None
        except BaseException:
            self.abandon(live, snap)     # KeyboardInterrupt, SystemExit: not the canister's
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
            image = self.capture(live, dirty, snap.tables)
        except MemoryError:
            self.abandon(live, snap)
            raise Failed(OUT_OF_MEMORY, meter.count) from None
        except Exception as e:
            self.abandon(live, snap)
            raise engine_error(e, meter.count) from None
        except BaseException:
            self.abandon(live, snap)
            raise
        snap.release()
        new_globals = tuple(v if type(v) is int else encode_ref(live, v)
                            for v in [g.value for g in live.mut_globals])
        live.image = image
        live.globals = new_globals
        return meter.count, WasmState(image, es.stable.freeze(), new_globals, es.self_id)

    def abandon(self, live: Instance, snap) -> None:
        """Give up the live instance after a failure of pyic itself: close its snapshot and
        make the next function start from a fresh instance (its state comes from the image)."""
        try:
            snap.rollback()
        except BaseException:
            pass
        snap.release()
        if self.live is live:
            self.live = None


__all__ = ["Executor", "Instance", "Failed", "instruction_limit", "engine_error",
           "HOST_MEMORY_CAP", "DENSE_BYTES", "OUT_OF_MEMORY", "ENGINE_ERROR"]
