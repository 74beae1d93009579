"""``pyic-pocket-ic-server``: the PocketIC server's command line, on pyic.

    pyic-pocket-ic-server --port-file /tmp/pocket_ic_123.port [--ttl 60]

Like the real server: ``--port-file`` is created exclusively and receives the
port, then a newline, once the server listens (clients wait for the newline); a
second launch with the same file finds it and exits quietly with status 0 (every
``pocket-ic`` ``PocketIC()`` starts one); the server exits after ``--ttl``
seconds without a request and removes the port file.  ``--version`` answers as
the server release whose protocol pyic speaks.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

import click

# The PocketIC server release whose REST protocol this server answers (pocket-ic 3.1
# targets 9.0.x); the Rust crate compares ``--version`` with the one it expects.
PROTOCOL_VERSION = "9.0.3"


def _claim(port_file: str) -> int | None:
    """Create the port file exclusively: its descriptor, or None if another server has it."""
    try:
        return os.open(port_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return None


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--ip-addr", default="127.0.0.1", show_default=True,
              help="The address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="The port to listen on (0: any free port).")
@click.option("--port-file", type=click.Path(dir_okay=False),
              help="Write the port here once listening; created exclusively (if it exists, "
                   "another server runs: exit quietly).")
@click.option("--ttl", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True, help="Exit after this many seconds without a request.")
@click.option("--log-levels", default=None, help="Accepted for compatibility; pyic logs nothing.")
@click.version_option(PROTOCOL_VERSION, "--version", "-V", prog_name="pocket-ic-server",
                      message="%(prog)s %(version)s")
def main(ip_addr: str, port: int, port_file: str | None, ttl: float,
         log_levels: str | None) -> None:
    """A PocketIC server running on pyic."""
    del log_levels
    from .server import Server
    fd = None
    if port_file is not None:
        fd = _claim(port_file)
        if fd is None:
            return   # another server owns the port file
    try:
        server = Server((ip_addr, port), ttl)
    except OSError as e:
        if fd is not None:
            os.close(fd)
            os.unlink(port_file)
        raise click.ClickException(f"cannot listen on {ip_addr}:{port}: {e}") from None
    if fd is not None:
        os.write(fd, f"{server.server_address[1]}\n".encode())
        os.close(fd)
    else:
        click.echo(f"pyic PocketIC server listening on port {server.server_address[1]}",
                   err=True)

    def stop(signum, frame) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=server.watch_idle, daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
        try:
            server.app.close()
        finally:
            if port_file is not None:
                try:
                    os.unlink(port_file)
                except FileNotFoundError:
                    pass
    sys.exit(0)


__all__ = ["PROTOCOL_VERSION", "main"]
