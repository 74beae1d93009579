"""Sandbox processes on the replica side: starting one, talking to it, ending it,
and the controller that keeps at most N alive (least recently used first out).

The replica's ``SandboxedExecutionController`` plays the same part: it
launches one sandbox process per canister, keeps them in an LRU cache bounded
by count and memory, and evicts idle ones, which later start again from the
canister's checkpointed state.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import weakref
from collections import OrderedDict

import attrs

from ..ic.costs import SubnetConfig
from .launcher import Launcher
from .limits import Limits
from .protocol import Execute, Load, read_frame, write_frame

# The package root the sandbox imports pyic from (``python -I`` ignores the environment).
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BOOT = "import sys; sys.path.insert(0, sys.argv[1]); " \
       "from pyic.sandbox.worker import main; main(sys.argv[2:])"


def plain_config(cfg) -> SubnetConfig:
    """The subnet's fees and limits alone (a configuration may carry more, e.g. the
    sandbox's own settings, which the sandbox does not need)."""
    return SubnetConfig(**{f.name: getattr(cfg, f.name) for f in attrs.fields(SubnetConfig)})


_LAUNCHER: list = []


def launcher() -> Launcher:
    """This process's sandbox launcher, started (again) when needed."""
    if not _LAUNCHER or not _LAUNCHER[0].alive():
        _LAUNCHER[:] = [Launcher(ROOT)]
    return _LAUNCHER[0]


class WorkerGone(Exception):
    """The sandbox process ended (killed, out of memory, crashed)."""


class Worker:
    """One sandbox process hosting one canister module."""

    def __init__(self, raw_module: bytes, cfg, limits: Limits) -> None:
        self.busy = False            # an execution sent and not answered
        if limits.launcher:
            self.proc = launcher().spawn(limits)
        else:
            args = [sys.executable, "-I", "-c", BOOT, ROOT, str(limits.address_space),
                    str(limits.cpu_seconds), "1" if limits.seccomp else "0"]
            # No environment, no inherited descriptors but the two pipes, stderr discarded.
            self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL, close_fds=True, env={},
                                         cwd="/")
        self.send(Load(bytes(raw_module), plain_config(cfg)))

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, value) -> None:
        try:
            write_frame(self.proc.stdin, value)
        except (BrokenPipeError, OSError, ValueError) as e:
            raise WorkerGone(str(e)) from None
        self.busy = isinstance(value, Execute)

    def receive(self):
        try:
            return read_frame(self.proc.stdout)
        except (EOFError, OSError, ValueError) as e:
            raise WorkerGone(str(e)) from None
        finally:
            self.busy = False

    def how_it_ended(self) -> str:
        """Kill what is left of the process and say how it ended."""
        self.stop(kill=True)
        code = self.proc.returncode
        if code is not None and code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit status {code}"

    def stop(self, kill: bool = False) -> None:
        """End the process: closing its stdin ends its loop once it is idle; a kill when
        asked, when it is busy (nobody wants the answer), or when it is late."""
        if self.proc.poll() is None and (kill or self.busy):
            self.proc.kill()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Controller:
    """The live sandboxes of this process, least recently used first.  Canisters are
    held weakly: a canister module nobody uses any more takes its sandbox with it."""

    def __init__(self) -> None:
        self.live: OrderedDict = OrderedDict()     # id(canister) -> weakref to it

    def used(self, canister, limits: Limits) -> None:
        """``canister`` has (or is about to start) a live sandbox: mark it most recent,
        and evict the least recently used idle ones beyond ``limits.max_sandboxes``."""
        key = id(canister)
        if key not in self.live:
            self.live[key] = weakref.ref(canister, lambda _, key=key: self.live.pop(key, None))
        self.live.move_to_end(key)
        excess = len(self.live) - max(1, limits.max_sandboxes)
        for ref in list(self.live.values()):
            if excess <= 0:
                break
            other = ref()
            if other is not None and other is not canister and other.evictable():
                other.evict()
                excess -= 1

    def forget(self, canister) -> None:
        self.live.pop(id(canister), None)

    def stop_all(self) -> None:
        for ref in list(self.live.values()):
            other = ref()
            if other is not None:
                other.evict()


CONTROLLER = Controller()

__all__ = ["CONTROLLER", "Controller", "Limits", "Worker", "WorkerGone", "plain_config"]
