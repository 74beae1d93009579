"""Fixtures of the PocketIC tests: a ``pyic-pocket-ic-server`` for the real client.

The ``pocket-ic`` client starts ``$POCKET_IC_BIN --port-file <tmp>/pocket_ic_<pid>.port``
for every ``PocketIC()`` and talks to whichever server wrote that file.  The
``server`` fixture starts that server itself, first, so the client's own launches
exit at once (the port file exists) and the test session can stop it at the end.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

import pytest
from pic_server import start_server, stop

# $PYIC_CANISTERS, else the corpus in the shared material (the root conftest.py sets
# $PYIC_SHARED when it is not given).
CANISTERS = os.environ.get("PYIC_CANISTERS") or os.path.join(os.environ["PYIC_SHARED"],
                                                             "canisters")


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


@pytest.fixture(autouse=True)
def _client_needs_server(request):
    """The suite written for ``pocket-ic`` needs a server for the client to find."""
    if request.module.__name__.endswith("test_suite_client"):
        request.getfixturevalue("server")
