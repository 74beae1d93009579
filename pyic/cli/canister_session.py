"""What every ``pyic canister`` command shares: the state directory, who calls,
the time mode, and running the command as one transaction on the state store.

A command that changes the IC runs inside `Session.transaction`: the store's
write lock is taken, the IC is loaded, the command runs, and what the IC
became is saved and committed (`pyic.ic.store.Store.transaction`).  A call the
IC rejects, or a trap, still changed the IC (the request's status, the logs,
the trap record, the cycles charged): that state is committed, and the reject
is reported after the commit.  Ctrl-C (or any failure of pyic itself) commits
nothing.  Reading commands load the store without its write lock and save
nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import Self

import attrs
import click

from ..errors import PyicError, Reject
from .common import CommandFailed

STORE_FILE = "state.db"
OLD_STATE_FILE = "state.pyic"       # the state file of pyic before the store: never read
# The default identity of the command line: a fixed self-authenticating-style principal.
DEFAULT_IDENTITY = hashlib.sha224(b"pyic default identity").digest() + b"\x02"
TIME_MODES = ("frozen", "wall")
EXIT_INTERRUPTED = 130              # as a shell reports a process ended by SIGINT
LOCK_WAIT = 60.0                    # seconds a command waits for another one's lock
LOCK_SLICE = 0.5
BUSY = "the state store is busy (another command holds it)"     # pyic.ic.store's words


class Interrupted(CommandFailed):
    exit_code = EXIT_INTERRUPTED


class Session:
    """The state directory, the sender, and how time moves between commands."""

    def __init__(self, state_dir: str, sender: str | None, time_mode: str,
                 tier: str | None = None) -> None:
        self.dir = state_dir
        self.tier = tier        # the canisters' Wasm tier for this command (not stored)
        self.path = os.path.join(state_dir, STORE_FILE)
        self.sender_text = sender
        self.time_mode = time_mode

    @property
    def sender(self) -> bytes:
        from ..testing import to_principal_bytes
        return to_principal_bytes(self.sender_text) if self.sender_text else DEFAULT_IDENTITY

    # ---------------------------------------------------------------- transactions

    @contextlib.contextmanager
    def transaction(self, *, limit: int | None = None,
                    canister: bytes | None = None) -> Iterator:
        """The IC as a `PocketIC`, in one committed transaction (module docstring).
        ``limit``: the per-message instruction limit of ``canister``'s messages."""
        from ..testing import PocketIC
        self._note_old_state()
        failure: PyicError | None = None
        guard = _CommitGuard()
        try:
            os.makedirs(self.dir, exist_ok=True)
            with guard.installed(), contextlib.ExitStack() as stack:
                ic = self._locked(stack)
                self._follow_clock(ic)
                stored_cfg = ic.cfg
                if limit is not None:
                    _apply_limit(ic, limit, canister)
                try:
                    yield PocketIC(ic=ic)
                except PyicError as e:          # the IC's answer: commit what it changed
                    failure = e
                finally:
                    ic.cfg = stored_cfg         # --limit is this command's, not the store's
                guard.committing = True         # Ctrl-C from here waits for the commit
        except KeyboardInterrupt:
            raise Interrupted("pyic: interrupted; nothing was committed") from None
        if failure is not None:
            raise failure

    def _locked(self, stack: contextlib.ExitStack):
        """Enter `Store.transaction`, waiting for another command's lock (up to
        ``LOCK_WAIT`` seconds) in short slices: SQLite's own wait would not let
        Ctrl-C through until it ended."""
        from ..errors import ICError
        from ..ic.store import Store
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                return stack.enter_context(Store.transaction(self.path, create=True,
                                                             tier=self.tier,
                                                             timeout=LOCK_SLICE))
            except ICError as e:
                if not e.message.endswith(BUSY) or time.monotonic() >= deadline:
                    raise

    @contextlib.contextmanager
    def reading(self, *, limit: int | None = None, canister: bytes | None = None) -> Iterator:
        """The IC as stored (a new IC if there is no store yet); nothing is saved."""
        from ..ic.machine import IC
        from ..ic.store import Store
        from ..testing import PocketIC
        self._note_old_state()
        try:
            if os.path.exists(self.path):
                with Store.open(self.path) as store:
                    store.tier = self.tier
                    ic = store.load_ic()
            else:
                ic = IC(tier=self.tier)
            self._follow_clock(ic)
            if limit is not None:
                _apply_limit(ic, limit, canister)
            yield PocketIC(ic=ic)
        except KeyboardInterrupt:
            raise Interrupted("pyic: interrupted") from None

    def _follow_clock(self, ic) -> None:
        """``--time wall``: the IC's time catches up with the wall clock (never goes back)."""
        if self.time_mode == "wall":
            now = time.time_ns()
            if now > ic.time:
                ic.set_time(now)

    def _note_old_state(self) -> None:
        old = os.path.join(self.dir, OLD_STATE_FILE)
        if os.path.exists(old) and not os.path.exists(self.path):
            click.echo(f"pyic: note: {old} is pyic's old state format, which is no longer "
                       f"read; the state is kept in {self.path}", err=True)


def _apply_limit(ic, limit: int, canister: bytes | None) -> None:
    """Run this command's messages under ``limit`` instructions each: the IC's
    configuration (prepayments, modules installed meanwhile) and the module of
    ``canister``, bound to the configuration it runs under (other stored modules
    keep the subnet's: binding them would mean parsing every module)."""
    ic.cfg = attrs.evolve(ic.cfg, max_instructions_per_message=limit,
                          max_instructions_per_query=limit,
                          max_instructions_per_composite_query_call=limit,
                          max_instructions_per_install_code=limit)
    c = ic.state.canisters.get(canister)
    if c is not None and c.can_state is not None:
        configure = getattr(c.can_state.module, "configure", None)
        if configure is not None:
            configure(ic.cfg)


class _CommitGuard:
    """SIGINT raises KeyboardInterrupt until ``committing``; after that it is held back
    until the commit is done (a command interrupted mid-commit still completes)."""

    def __init__(self) -> None:
        self.committing = False
        self.held = False

    def _handler(self, signum, frame) -> None:
        if self.committing:
            self.held = True
            return
        raise KeyboardInterrupt

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = signal.signal(signal.SIGINT, self._handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)
            if self.held:
                click.echo("pyic: interrupted after the commit; the command completed", err=True)


# ------------------------------------------------------------------ live progress


class Progress:
    """A live line on stderr while a call runs, if stderr is a terminal: elapsed
    time, and the instructions of the messages the canister has finished (a
    message's count is known when it ends)."""

    DELAY = 1.0        # seconds before the line appears (short calls show nothing)
    PERIOD = 0.25

    def __init__(self, label: str, module_of, stream=None) -> None:
        self.label = label
        self._module_of = module_of      # () -> the canister's module, or None
        self._stream = stream if stream is not None else sys.stderr
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._shown = False

    @classmethod
    def enabled(cls, stream=None) -> bool:
        stream = stream if stream is not None else sys.stderr
        return bool(getattr(stream, "isatty", lambda: False)())

    def __enter__(self) -> Self:
        self._start = time.monotonic()
        self._base = self._instructions()
        self._thread = threading.Thread(target=self._run, name="pyic-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._shown:
            self._stream.write("\r\x1b[K")      # erase the line
            self._stream.flush()

    def _instructions(self) -> int | None:
        module = self._module_of()
        # Never parse from this thread: a stored module not yet parsed has run nothing.
        if module is None or getattr(module, "parsed", True) is False:
            return 0 if module is not None else None
        return getattr(module, "instructions_executed", None)

    def line(self, elapsed: float) -> str:
        text = f"{self.label}: {elapsed:.1f} s"
        count = self._instructions()
        if count is not None and self._base is not None and count > self._base:
            done = count - self._base
            text += f", {done:,} instructions in finished messages ({done / elapsed:,.0f}/s)"
        return text + " (Ctrl-C aborts, nothing committed)"

    def _run(self) -> None:
        if self._stop.wait(self.DELAY):
            return
        while True:
            self._stream.write("\r\x1b[K" + self.line(time.monotonic() - self._start))
            self._stream.flush()
            self._shown = True
            if self._stop.wait(self.PERIOD):
                return


@contextlib.contextmanager
def answering() -> Iterator[None]:
    """`pyic.cli.common.reporting`, with rejects worded as dfx words them."""
    from .canister_output import reject_line
    from .common import reporting
    with reporting(None):
        try:
            yield
        except Reject as e:
            raise CommandFailed(reject_line(e.reject_code, e.message, e.error_code)) from None


__all__ = [
    "DEFAULT_IDENTITY",
    "OLD_STATE_FILE",
    "STORE_FILE",
    "TIME_MODES",
    "Interrupted",
    "Progress",
    "Session",
    "answering",
]
