"""Deterministic threads for the threads proposal's scripts (docs/proposals.md, "Threads").

The proposal's test scripts start threads (``(thread $t (shared (module $m)) cmd*)``)
and join them (``(wait $t)``); inside, ``memory.atomic.wait`` blocks a thread
until another one calls ``memory.atomic.notify``.  pyic runs them as
coroutines, one at a time, switching only where a thread cannot go on, in a
fixed order, so every run of a script does the same:

* a script thread is a Python thread that runs only while it holds the baton
  (`Scheduler`); the others sleep;
* ``thread`` creates a thread and hands it the baton at once; the creator waits
  at the back of the run queue;
* a thread gives the baton up when it ends, when it joins a thread that has not
  ended, or when ``memory.atomic.wait`` blocks it; the baton goes to the front of
  the run queue (first in, first out);
* ``memory.atomic.notify`` moves up to ``count`` waiters of that address, the
  earliest first, to the back of the run queue; their wait returns 0 ("ok");
* when no thread can run, time passes: the earliest waiter with a timeout
  wakes with 2 ("timed-out"); if every waiter waits forever, the earliest one
  traps with "wait would block forever" (a deadlock, which no real timing
  could end either).

Outside a script thread (a plain invocation) there is no scheduler: `current`
is ``None`` and the single-thread rules of `pyic.wasm.exec.atomics` apply.
"""

from __future__ import annotations

import contextvars
import threading
from collections import deque
from typing import Callable

_local = threading.local()


def current():
    """The `Scheduler` the calling Python thread runs under, or ``None``."""
    return getattr(_local, "scheduler", None)


class Thread:
    """One script thread: its name, whether it ended, who joins it, and the result
    its pending ``memory.atomic.wait`` will return."""

    __slots__ = ("name", "done", "joiners", "wakeup", "timeout", "event")

    def __init__(self, name) -> None:
        self.name = name
        self.done = False
        self.joiners: list = []
        self.wakeup: int | None = None
        self.timeout = False            # a waiter with a timeout
        self.event = threading.Event()  # set when it holds the baton


class BlockedForever(Exception):
    """Raised in a waiter no thread can ever wake (the handler makes it a trap)."""


class Scheduler:
    """The baton, the run queue and the waiters of one script run."""

    def __init__(self) -> None:
        self.main = Thread(None)
        self.running = self.main
        self.queue: deque = deque()
        self.waiters: dict = {}         # (memory instance id, address) -> [Thread]
        self.blocked: list = []         # waiters in the order they blocked

    # ------------------------------------------------------------ the baton

    def _run_next(self) -> None:
        """Give the baton to the front of the run queue (waking a waiter first if
        nothing can run).  The caller then sleeps until it gets the baton back."""
        if not self.queue:
            self._pass_time()
        if self.queue:
            t = self.queue.popleft()
            self.running = t
            t.event.set()

    def _pass_time(self) -> None:
        for t in self.blocked:
            if t.timeout:
                self._wake(t, 2)
                return
        if self.blocked:
            self._wake(self.blocked[0], -1)     # deadlock: it traps

    def _sleep(self, me: Thread) -> None:
        me.event.wait()
        me.event.clear()

    def _wake(self, t: Thread, result: int) -> None:
        for key, ts in list(self.waiters.items()):
            if t in ts:
                ts.remove(t)
                if not ts:
                    del self.waiters[key]
        self.blocked.remove(t)
        t.wakeup = result
        self.queue.append(t)

    # ------------------------------------------------------------ script commands

    def spawn(self, name, body: Callable[[], None]) -> Thread:
        """Start a thread running ``body`` and hand it the baton; return when the
        baton comes back to the caller."""
        me = self.running
        t = Thread(name)
        context = contextvars.copy_context()

        def run() -> None:
            _local.scheduler = self
            self._sleep(t)
            try:
                context.run(body)
            finally:
                t.done = True
                for j in t.joiners:
                    self.queue.append(j)
                t.joiners.clear()
                self._run_next()

        py = threading.Thread(target=run, name=f"wasm-thread-{name}", daemon=True)
        py.start()
        self.queue.append(me)
        self.queue.appendleft(t)
        self._run_next()
        self._sleep(me)
        return t

    def join(self, t: Thread) -> None:
        """``(wait $t)``: return once ``t`` has ended."""
        me = self.running
        if t.done:
            return
        t.joiners.append(me)
        self._run_next()
        self._sleep(me)

    # ------------------------------------------------------------ wait and notify

    def block(self, key: tuple, with_timeout: bool) -> int:
        """``memory.atomic.wait`` found the expected value: sleep until notified (0),
        timed out (2); `BlockedForever` when nothing can wake it."""
        me = self.running
        me.wakeup = None
        me.timeout = with_timeout
        self.waiters.setdefault(key, []).append(me)
        self.blocked.append(me)
        self._run_next()
        self._sleep(me)
        if me.wakeup == -1:
            raise BlockedForever()
        return me.wakeup

    def notify(self, key: tuple, count: int) -> int:
        """``memory.atomic.notify``: wake up to ``count`` waiters of ``key``; how many."""
        woken = 0
        while woken < count and self.waiters.get(key):
            self._wake(self.waiters[key][0], 0)
            woken += 1
        return woken


def run_main(scheduler: Scheduler, body: Callable[[], None]) -> None:
    """Run ``body`` (the script's own commands) as the main thread of ``scheduler``,
    then let every thread it left behind run to its end (in the same order)."""
    _local.scheduler = scheduler
    try:
        body()
        while scheduler.queue or scheduler.blocked:
            me = scheduler.running
            scheduler.queue.append(me)
            scheduler._run_next()
            scheduler._sleep(me)
    finally:
        _local.scheduler = None
