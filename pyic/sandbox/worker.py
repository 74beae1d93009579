"""The sandbox process: one canister's `WasmCanister` and its live instance.

Forked by the launcher (`pyic.sandbox.launcher`), or started on its own as
``python -I -c ...``, with an empty environment and only its stdin and stdout
open (requests in, replies out; stderr is /dev/null).  Before it reads a byte of
its first request it limits itself (`confine`): address space and CPU time (``setrlimit``), no new
privileges, and, where the libseccomp Python binding is installed, a seccomp
filter refusing the system calls execution never needs.  Then it serves
`Execute` requests one at a time, as the replica's sandbox serves
``StartExecution``, until its stdin closes.

A failure of the canister is a result (a ``Trapped`` record); a failure of pyic
in here is a `Failed` reply; anything worse (out of memory outside the
engine's checks, a signal) ends the process, which the replica side turns
into a trap.
"""

from __future__ import annotations

import errno
import os
import resource
import sys

from ..ic.wasm_canister import parse_wasm_canister
from .protocol import (
    Execute,
    Executed,
    Failed,
    Held,
    Load,
    ProtocolError,
    read_frame,
    write_frame,
)
from .states import apply, delta

STATE_FUNCTIONS = ("pre_upgrade", "post_upgrade", "heartbeat", "global_timer",
                   "on_low_wasm_memory", "callback", "composite_callback", "inspect_message")
METHOD_TABLES = {"update": "update_methods", "query": "query_methods",
                 "composite_query": "composite_query_methods"}

# Debian's python3-seccomp, for a Python that is not Debian's own (same minor version).
DEBIAN_DIST_PACKAGES = "/usr/lib/python3/dist-packages"


# ------------------------------------------------------------------ confinement


def confine(address_space: int, cpu_seconds: int, use_seccomp: bool) -> str:
    """Limit this process; returns what is enforced, for the replica's report."""
    enforced = []
    if address_space:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
        enforced.append(f"RLIMIT_AS={address_space}")
    if cpu_seconds:
        # Soft limit: SIGXCPU ends the process; the hard limit one second later kills it.
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
        enforced.append(f"RLIMIT_CPU={cpu_seconds}s")
    resource.setrlimit(resource.RLIMIT_NOFILE, (16, 16))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    enforced.append("RLIMIT_NOFILE=16, RLIMIT_CORE=0")
    if use_seccomp:
        enforced.append(_seccomp())
    return "; ".join(enforced)


# System calls a sandbox never needs: starting programs or processes, the network,
# signalling other processes, debugging, changing the file system or its identity.
DENIED_SYSCALLS = (
    "execve", "execveat", "fork", "vfork", "clone", "clone3", "ptrace", "process_vm_readv",
    "process_vm_writev", "kill", "tkill", "socket", "socketpair", "connect", "bind", "listen",
    "accept", "accept4", "sendto", "sendmsg", "recvfrom", "recvmsg", "unlink", "unlinkat",
    "rename", "renameat", "renameat2", "mkdir", "mkdirat", "rmdir", "chmod", "fchmod",
    "fchmodat", "chown", "fchown", "fchownat", "lchown", "truncate", "link", "linkat",
    "symlink", "symlinkat", "mount", "umount2", "chroot", "pivot_root", "setuid", "setgid",
    "setreuid", "setregid", "setresuid", "setresgid", "setns", "unshare", "reboot",
    "init_module", "finit_module", "delete_module", "kexec_load", "bpf", "perf_event_open",
)


def _seccomp() -> str:
    try:
        import seccomp
    except ImportError:
        sys.path.append(DEBIAN_DIST_PACKAGES)
        try:
            import seccomp
        except ImportError:
            return "seccomp: not enforced (no libseccomp Python binding)"
        finally:
            sys.path.remove(DEBIAN_DIST_PACKAGES)
    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    denied = seccomp.ERRNO(errno.EPERM)
    for name in DENIED_SYSCALLS:
        try:
            f.add_rule(denied, name)
        except (RuntimeError, ValueError, OSError):
            pass                     # not a system call of this architecture
    # Files may be opened for reading only (lazy imports); never for writing or creating.
    for name, flags in (("open", 1), ("openat", 2)):     # the flags argument's position
        for flag in (os.O_WRONLY, os.O_RDWR, os.O_CREAT):
            f.add_rule(denied, name, seccomp.Arg(flags, seccomp.MASKED_EQ, flag, flag))
    f.load()                          # sets no_new_privs too
    return f"seccomp: {len(DENIED_SYSCALLS)} system calls and file writes refused (EPERM)"


# ------------------------------------------------------------------ serving requests


class Sandbox:
    """The hosted module and the states this side holds (see `Execute`)."""

    def __init__(self, load: Load) -> None:
        parsed = parse_wasm_canister(load.module)
        self.module = parsed.module
        self.module.configure(load.cfg)
        self.held: dict = {}

    def _state(self, ref):
        if isinstance(ref, Held):
            state = self.held.get(ref.id)
            if state is None:
                raise ProtocolError(f"sandbox: no state held as {ref.id}")
            return state
        base = None
        if ref.base is not None:
            base = self.held.get(ref.base)
            if base is None:
                raise ProtocolError(f"sandbox: no state held as {ref.base}")
        return apply(ref, base)

    def execute(self, req: Execute) -> Executed:
        if req.function in METHOD_TABLES:
            fn = getattr(self.module, METHOD_TABLES[req.function]).get(req.method)
            if fn is None:
                raise ProtocolError(f"sandbox: no method {req.method!r:.80}")
        elif req.function in STATE_FUNCTIONS or req.function == "init":
            fn = getattr(self.module, req.function)
        else:
            raise ProtocolError(f"sandbox: no function {req.function!r:.80}")
        before = self.module.instructions_executed
        if req.function == "init":
            state = None
            result = fn(*req.args, **req.kwargs)
        else:
            state = self._state(req.state)
            result = fn(state, *req.args, **req.kwargs)
        held = {} if state is None else {req.state_id: state}
        new_state = getattr(result, "new_state", None)
        if new_state is not None:
            held[req.result_id] = new_state
            sent = Held(req.state_id) if new_state is state else \
                delta(new_state, state, None if state is None else req.state_id)
            result = _with_state(result, sent)
        self.held = held
        return Executed(result, self.module.instructions_executed - before)


def _with_state(result, sent):
    from attrs import evolve
    return evolve(result, new_state=sent)


def serve(stdin, stdout) -> None:
    load = read_frame(stdin)
    if not isinstance(load, Load):
        raise ProtocolError("sandbox: the first frame is not Load")
    sandbox = Sandbox(load)
    while True:
        try:
            req = read_frame(stdin)
        except EOFError:
            return
        if not isinstance(req, Execute):
            raise ProtocolError("sandbox: a frame that is not Execute")
        try:
            reply = sandbox.execute(req)
        except MemoryError:
            # Beyond the engine's own checks (which trap): give up the process, the
            # replica side sees it gone and reports the trap.
            raise SystemExit(3) from None
        except Exception as e:  # noqa: BLE001 -- pyic's failure, reported as such
            sandbox.held = {}
            reply = Failed(f"{type(e).__name__}: {e}")
        write_frame(stdout, reply)


def run(stdin, stdout, address_space: int, cpu_seconds: int, use_seccomp: bool) -> None:
    """Confine this process, then serve on ``stdin``/``stdout`` until stdin closes."""
    sys.stdout = sys.stderr          # a stray print must not corrupt the frames
    sys.dont_write_bytecode = True
    confine(address_space, cpu_seconds, use_seccomp)
    serve(stdin, stdout)


def main(argv: list) -> None:
    """A sandbox started on its own (no launcher): the limits come as arguments."""
    run(sys.stdin.buffer, sys.stdout.buffer, int(argv[0]), int(argv[1]), argv[2] == "1")


if __name__ == "__main__":
    main(sys.argv[1:])
