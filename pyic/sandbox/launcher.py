"""The sandbox launcher: one process, started once, that forks sandboxes.

Starting Python and importing pyic costs about a third of a second; a fork of a
process that has done so costs milliseconds.  The replica has the same part,
``sandbox_launcher``: a small process that launches sandbox processes for the
controller.  The launcher never sees a canister's module or state: it imports
pyic, then waits on its socket.  For each ``spawn`` it receives the two pipe
ends the sandbox will serve on (``SCM_RIGHTS``), forks, and the child makes
those its stdin and stdout, closes every other descriptor and confines itself
(`worker.confine`) before it reads a byte.  ``wait`` reaps a sandbox and
reports how it ended, which only the parent can learn.

Messages on the socket (``SOCK_SEQPACKET``, one message each) are values of
the sandbox protocol (`protocol.encode`): ``("spawn", address_space,
cpu_seconds, seccomp)`` -> pid; ``("wait", pid, block)`` -> return code
(`subprocess.Popen.returncode`'s convention) or ``None`` if still running.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from .protocol import decode, encode

MESSAGE = 4096
UNKNOWN = 255          # a sandbox this launcher did not start (a launcher restarted since)


# ------------------------------------------------------------------ in the launcher


def _child(request_fd: int, reply_fd: int, limits: tuple) -> None:
    """In the forked child: become a sandbox serving on the two pipes."""
    code = 1
    try:
        os.dup2(request_fd, 0)
        os.dup2(reply_fd, 1)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        os.setsid()                   # not in the launcher's process group
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        from .worker import run
        run(os.fdopen(0, "rb"), os.fdopen(1, "wb"), *limits)
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException:  # noqa: BLE001 -- the child must never return into the launcher
        code = 1
    finally:
        os._exit(code)


def serve(sock: socket.socket) -> None:
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(sock, MESSAGE, 2)
        except OSError:
            return
        if not data:
            return                    # the replica side is gone
        request = decode(data)
        if request[0] == "spawn" and len(fds) == 2:
            pid = os.fork()
            if pid == 0:
                sock.close()
                _child(fds[0], fds[1], tuple(request[1:4]))
            for fd in fds:
                os.close(fd)
            sock.send(encode(pid))
        elif request[0] == "wait":
            for fd in fds:
                os.close(fd)
            sock.send(encode(_wait(request[1], request[2])))
        else:
            return


def _wait(pid: int, block: bool) -> int | None:
    try:
        done, status = os.waitpid(pid, 0 if block else os.WNOHANG)
    except ChildProcessError:
        return UNKNOWN
    if done == 0:
        return None
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def main() -> None:
    # Everything a sandbox needs, imported once here so that every fork has it.
    from . import worker  # noqa: F401
    sock = socket.socket(fileno=0)
    serve(sock)


# ------------------------------------------------------------------ on the replica side


class Launcher:
    """The replica side's handle on the launcher process."""

    def __init__(self, root: str) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        boot = "import sys; sys.path.insert(0, sys.argv[1]); " \
               "from pyic.sandbox.launcher import main; main()"
        self.proc = subprocess.Popen([sys.executable, "-I", "-c", boot, root], stdin=theirs,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     close_fds=True, env={}, cwd="/")
        theirs.close()
        self.sock = ours

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _ask(self, request, fds=()):
        socket.send_fds(self.sock, [encode(request)], list(fds))
        reply = self.sock.recv(MESSAGE)
        if not reply:
            raise OSError("the sandbox launcher is gone")
        return decode(reply)

    def spawn(self, limits) -> LaunchedChild:
        r1, w1 = os.pipe()            # requests: the sandbox reads r1
        r2, w2 = os.pipe()            # replies: the sandbox writes w2
        try:
            pid = self._ask(("spawn", limits.address_space, limits.cpu_seconds,
                             limits.seccomp), (r1, w2))
        except BaseException:
            for fd in (w1, r2):
                os.close(fd)
            raise
        finally:
            os.close(r1)
            os.close(w2)
        return LaunchedChild(self, pid, os.fdopen(w1, "wb"), os.fdopen(r2, "rb"))

    def wait(self, pid: int, block: bool) -> int | None:
        try:
            return self._ask(("wait", pid, block))
        except OSError:
            return UNKNOWN

    def stop(self) -> None:
        self.sock.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class LaunchedChild:
    """A sandbox started by the launcher, with `subprocess.Popen`'s interface as
    `process.Worker` uses it (the launcher is its parent: it reaps it)."""

    def __init__(self, launcher: Launcher, pid: int, stdin, stdout) -> None:
        self.launcher = launcher
        self.pid = pid
        self.stdin = stdin
        self.stdout = stdout
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.launcher.wait(self.pid, False)
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired("sandbox", timeout)
            time.sleep(0.002)
        return self.returncode


__all__ = ["LaunchedChild", "Launcher", "main"]
