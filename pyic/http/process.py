"""``pyic replica`` in a child process, for tests and scripts that need a
running replica: start it on a state directory, learn its URL from the port
file it writes, stop it with SIGTERM and check that it stopped cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

from ..errors import ICError
from . import cbor


class ReplicaProcess:
    """A running ``pyic replica --state DIR --port-file DIR/port [args]``."""

    def __init__(self, state_dir, *args: str, timeout: float = 60.0) -> None:
        port_file = os.path.join(os.fspath(state_dir), "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pyic", "replica", "--state", os.fspath(state_dir),
             "--port-file", port_file, *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        # The replica writes the port file once it listens.
        while not os.path.exists(port_file) or not open(port_file).read().strip():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                err = self.proc.communicate()[1].decode(errors="replace")
                raise ICError(f"pyic replica did not start: {err[-2000:]}")
            time.sleep(0.05)
        with open(port_file) as f:
            self.url = f"http://127.0.0.1:{int(f.read())}"

    def status(self) -> dict:
        """The decoded ``/api/v2/status`` (``root_key`` among its fields)."""
        with urllib.request.urlopen(self.url + "/api/v2/status", timeout=30) as r:
            return cbor.decode(r.read())

    def stop(self, timeout: float = 60.0) -> str:
        """SIGTERM, then wait; the replica's stderr.  `ICError` if it does not stop
        or exits with a failure."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            _, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise ICError("pyic replica did not stop on SIGTERM") from None
        text = err.decode(errors="replace")
        if self.proc.returncode != 0:
            raise ICError(f"pyic replica exited with {self.proc.returncode}: {text[-2000:]}")
        return text

    def __enter__(self) -> "ReplicaProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
