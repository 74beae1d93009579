"""The PocketIC server over HTTP: instances, the blob store, idle shutdown.

Routes (those the ``pocket-ic`` clients use; docs/pocket-ic.md lists them):

    GET    /status                          200 once the server is up
    GET    /instances                       ["Available" | "Deleted", ...]
    POST   /instances                       {"Created": {"instance_id", "topology"}}
    DELETE /instances/<id>                  the instance's state goes to its state_dir
    GET|POST /instances/<id>/read/...       `pyic.pocketic.rest.INSTANCE_ROUTES`
    POST   /instances/<id>/update/...
    POST   /blobstore                       body stored as is (``Content-Encoding: gzip``
                                            kept compressed), answers its hex id
    GET    /blobstore/<hex id>

Every request is served to its end before the next operation starts (one lock),
so answers are always synchronous: 200 with the body, or 400 ``{"message"}`` for
a request that cannot be carried out (404 for an unknown route).  No request
ever answers with a traceback: an unexpected failure is a 500 ``{"message"}``.
"""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..errors import PyicError
from .app import App, BlobStore, InProcessServer
from .errors import InstanceError

MAX_BODY = 512 * 1024 * 1024   # a Wasm module and its argument fit far below this


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pyic-pocket-ic-server"

    def log_message(self, format, *args) -> None:
        pass   # quiet, as the real server is without --log-levels

    def _serve(self) -> None:
        app: App = self.server.app   # type: ignore[attr-defined]
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._send(400, {"message": f"Content-Length must be 0..{MAX_BODY}"})
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        with app.lock:
            app.active += 1
            try:
                status, value = app.dispatch(self.command, self.path, self.headers, body)
            except (InstanceError, PyicError) as e:
                status, value = 400, {"message": str(e)}
            except Exception as e:   # noqa: BLE001 -- never a traceback to the client
                status, value = 500, {"message": f"internal error: {type(e).__name__}: {e}"}
            finally:
                app.active -= 1
                app.last_activity = time.monotonic()
        self._send(status, value)

    def _send(self, status: int, value) -> None:
        if isinstance(value, bytes):
            data, kind = value, "application/octet-stream"
        else:
            data, kind = json.dumps(value).encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = _serve


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass   # a client that went away mid-answer: nothing to tell anyone

    def __init__(self, address, ttl: float) -> None:
        super().__init__(address, Handler)
        self.app = App()
        self.ttl = ttl

    def watch_idle(self) -> None:
        """Shut down once no request has come for ``ttl`` seconds."""
        while True:
            time.sleep(min(0.5, self.ttl / 4))
            app = self.app
            if app.active == 0 and time.monotonic() - app.last_activity > self.ttl:
                self.shutdown()
                return


__all__ = ["App", "BlobStore", "Handler", "InProcessServer", "Server"]
