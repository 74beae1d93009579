"""``pyic replica``: serve the IC kept in ``--state DIR`` over the IC's HTTPS
interface (docs/http.md), so agents (``@dfinity/agent``, dfx, ``icp-py-core``)
call its canisters unchanged::

    pyic replica --state .pyic --port 4943
    pyic replica --state .pyic --port-file port.txt      # a free port, written to the file

The server listens on 127.0.0.1 until interrupted (SIGINT or SIGTERM), then
saves the state.  By default the IC's time follows the wall clock and rounds
run continuously; ``--time frozen`` keeps the state's time (rounds still run
when messages are pending), for reproducible runs.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

import click

from .canister_session import STORE_FILE
from .common import reporting


@click.command("replica")
@click.option("--state", "state_dir", default=".pyic", show_default=True,
              type=click.Path(file_okay=False), help="Directory holding the IC's state "
              "(shared with `pyic canister --state`).")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="Port to listen on (default 4943; 0 picks a free one).")
@click.option("--port-file", type=click.Path(dir_okay=False), default=None,
              help="Listen on a free port and write its number to this file.")
@click.option("--time", "clock", type=click.Choice(["wall", "frozen"]), default="wall",
              show_default=True, help="The IC's clock: the wall clock, or the state's time.")
@click.option("--no-query-signatures", is_flag=True,
              help="Leave the node signatures out of query responses.")
@click.option("--verbose", is_flag=True, help="Log every HTTP request on stderr.")
def replica(state_dir: str, port: int | None, port_file: str | None, clock: str,
            no_query_signatures: bool, verbose: bool) -> None:
    """Serve the IC in --state DIR over the IC's HTTPS interface."""
    if port is not None and port_file is not None:
        raise click.UsageError("give --port or --port-file, not both")
    from ..http.replica import Replica
    from ..http.server import Endpoints, make_server
    with reporting(None):
        r = Replica(os.path.join(state_dir, STORE_FILE), clock=clock,
                    sign_queries=not no_query_signatures)
        server = make_server(Endpoints(r), port=(0 if port_file else 4943) if port is None
                             else port, verbose=verbose)
    host, bound = server.server_address[:2]
    r.start()
    if port_file is not None:
        tmp = port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{bound}\n")
        os.replace(tmp, port_file)      # readers never see a half-written file
    click.echo(f"pyic replica: serving http://{host}:{bound} (state {state_dir}, "
               f"time {clock})", err=True)

    def shut(signum, frame) -> None:
        # shutdown() waits for serve_forever to return: call it from another thread
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, shut)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        r.stop()
        click.echo("pyic replica: stopped, state saved", err=True)
    sys.exit(0)
