"""Helpers shared by the ``pyic`` subcommands: reading a module from a file,
and reporting failures as one line on stderr.

Every command reports bad input the same way::

    pyic: FILE:POS: message        (exit status 1)

``POS`` is ``line:column`` for text and ``@0xOFFSET`` for binary input, left
out when unknown.  Usage errors are click's (exit status 2).  A traceback is
never shown, unless the environment variable ``PYIC_DEBUG`` is set.  What needs
no click lives in `pyic.cli.files` (``pyic run``'s fast path uses it alone) and
is given here too, so that a click command imports its helpers from one place.
"""

from __future__ import annotations

import contextlib
from typing import Iterator, NoReturn

import click

from .files import (  # noqa: F401 - given to the click commands
    Loaded, error_line, is_binary, load_module, read_bytes, report_line, validate,
)


class CommandFailed(click.ClickException):
    """A failure already worded as the one line to print."""

    exit_code = 1

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(self.message, err=True)


def fail(path: str | None, error: BaseException) -> NoReturn:
    raise CommandFailed(error_line(path, error))


@contextlib.contextmanager
def reporting(path: str | None) -> Iterator[None]:
    """Turn any failure inside into the one-line report and exit status 1
    (`pyic.cli.files.report_line` says which failures keep their traceback)."""
    try:
        yield
    except (click.exceptions.Exit, click.ClickException, click.Abort):
        raise
    except Exception as e:  # noqa: BLE001 - a bug in pyic must still not print a traceback
        line = report_line(path, e)
        if line is None:
            raise
        raise CommandFailed(line) from e


def write_output(path: str, data: bytes | str) -> None:
    """Write ``data`` to ``path`` (``-``: stdout)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if path == "-":
        # click.echo writes bytes to the binary side of stdout (CliRunner's too), so no
        # lower-level stream is needed.
        click.echo(raw, nl=False)
        return
    with open(path, "wb") as f:
        f.write(raw)
