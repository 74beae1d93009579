"""Fixtures of the PocketIC tests: a ``pyic-pocket-ic-server`` for the real client.

The ``pocket-ic`` client starts ``$POCKET_IC_BIN --port-file <tmp>/pocket_ic_<pid>.port``
for every ``PocketIC()`` and talks to whichever server wrote that file.  The
``server`` fixture starts that server itself, first, so the client's own launches
exit at once (the port file exists) and the test session can stop it at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

CANISTERS = os.environ.get("PYIC_CANISTERS") or os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "shared", "canisters")


def server_command() -> list[str]:
    """The installed console script, else the module run by this interpreter."""
    script = shutil.which("pyic-pocket-ic-server")
    return [script] if script else [sys.executable, "-m", "pyic.pocketic"]


def wait_for_port(port_file: str, proc: subprocess.Popen, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(port_file):
            with open(port_file, encoding="utf-8") as f:
                text = f.read()
            if text.endswith("\n"):
                return int(text)
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with status {proc.returncode}")
        time.sleep(0.02)
    raise RuntimeError("the server wrote no port")


def start_server(port_file: str, *extra: str) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(server_command() + ["--port-file", port_file, *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return proc, wait_for_port(port_file, proc)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def server():
    """The URL of a server the ``pocket-ic`` client will find (and POCKET_IC_BIN set)."""
    port_file = os.path.join(tempfile.gettempdir(), f"pocket_ic_{os.getpid()}.port")
    if os.path.exists(port_file):
        os.unlink(port_file)   # left by an earlier process with this pid
    proc, port = start_server(port_file, "--ttl", "600")
    script = shutil.which("pyic-pocket-ic-server")
    if script is None:   # the client wants a file to run: a launcher for the module
        script = os.path.join(tempfile.mkdtemp(), "pyic-pocket-ic-server")
        with open(script, "w", encoding="utf-8") as f:
            f.write(f"#!/bin/sh\nexec {sys.executable} -m pyic.pocketic \"$@\"\n")
        os.chmod(script, 0o755)
    old = os.environ.get("POCKET_IC_BIN")
    os.environ["POCKET_IC_BIN"] = script
    os.environ.setdefault("POCKET_IC_MUTE_SERVER", "1")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        if old is None:
            os.environ.pop("POCKET_IC_BIN", None)
        else:
            os.environ["POCKET_IC_BIN"] = old
        stop(proc)
        assert proc.returncode == 0, proc.stderr.read().decode()
        assert not os.path.exists(port_file), "the server left its port file"


@pytest.fixture
def canisters() -> str:
    path = os.path.abspath(CANISTERS)
    if not os.path.isdir(path):
        pytest.fail(f"the canister corpus is not at {path} (set PYIC_CANISTERS)")
    return path
