"""`Limits`: what one sandbox process may use (a module of its own, so that choosing
in-process execution, `pyic.sandbox.for_subnet`, loads nothing of the processes)."""

from __future__ import annotations

import os

import attrs


@attrs.frozen
class Limits:
    """What one sandbox process may use, and how many may live.

    ``address_space``: ``RLIMIT_AS`` in bytes (0: none); ``cpu_seconds``: ``RLIMIT_CPU``,
    the process's whole CPU time (0: none; an idle sandbox is restarted long before a
    busy one reaches a day); ``seccomp``: install the syscall filter if the binding is
    there; ``max_sandboxes``: live processes at most; ``parallelism``: executions of
    different canisters run at once within a round (1: none); ``launcher``: fork sandboxes
    from the launcher process (`pyic.sandbox.launcher`) rather than start each anew."""

    address_space: int = 4 << 30
    cpu_seconds: int = 24 * 60 * 60
    seccomp: bool = True
    max_sandboxes: int = 8
    parallelism: int = max(1, os.cpu_count() or 1)
    launcher: bool = True
