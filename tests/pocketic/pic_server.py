"""Starting and stopping ``pyic-pocket-ic-server`` processes for the tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time


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
