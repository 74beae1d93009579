"""The ``pyic`` command's entry point, which imports no click of its own.

A plain ``pyic run FILE ...`` (`pyic.cli.run.fast` says which) runs without click:
importing it is a sizeable part of a short process's start-up (issue 13,
tools/startup.py).  Every other command line, and everything click adds to ``run``
(help, usage errors), goes to the click group `pyic.cli.group.cli`, also reachable
here as ``cli``.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    try:
        argv = sys.argv[1:]
        status = None
        if argv[:1] == ["run"] and not _click_reads_more():
            from .run import fast

            status = fast(argv[1:])
            if status is not None:
                # The process ends here and holds nothing to finalise (its output is
                # flushed): spare the interpreter's last collections a walk over every
                # object it made (~10 ms of a short run, tools/startup.py).
                import gc

                gc.freeze()
        if status is None:
            from .group import cli

            cli(standalone_mode=True)
        sys.exit(status)
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        print("interrupted", file=sys.stderr)
        sys.exit(130)


def _click_reads_more() -> bool:
    """Whether click's main would do more than read the command line: complete it for
    a shell (``_PROG_COMPLETE`` set), or expand its wildcards (Windows)."""
    return os.name == "nt" or any(
        k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ)


def __getattr__(name: str) -> object:
    # ``from pyic.cli.main import cli``, as before the group had its own module
    if name == "cli":
        from .group import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if __name__ == "__main__":  # pragma: no cover
    main()
