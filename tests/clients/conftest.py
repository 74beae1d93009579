"""Real IC clients against ``pyic replica``: one replica for the folder,
serving a state where ``pyic canister`` installed the corpus canisters of
``../shared/canisters`` (counter five times: a fresh one
for each client and identity, one for typed calls; greeter once; and
pyic's universal canister, from its .wat)."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

from pyic.http.process import ReplicaProcess

ROOT = pathlib.Path(__file__).resolve().parents[2]
UNIVERSAL_WAT = ROOT / "pyic" / "universal" / "universal_canister.wat"
CORPUS = pathlib.Path(os.environ.get("PYIC_CANISTERS")
                      or pathlib.Path(os.environ["PYIC_SHARED"]) / "canisters")


def pyic(*args: str) -> str:
    r = subprocess.run([sys.executable, "-m", "pyic", *args], check=False, capture_output=True,
                       text=True,
                       timeout=120)
    if r.returncode != 0:
        pytest.fail(f"pyic {' '.join(args)} failed: {r.stderr[-2000:]}")
    return r.stdout.strip()


@pytest.fixture(scope="session")
def replica(tmp_path_factory):
    """{host, root_key, canisters: {name: id text}, corpus}; the replica is stopped
    (SIGTERM, exit status 0) at the end of the session."""
    if not (CORPUS / "counter" / "counter.wasm").exists():
        pytest.fail(f"the canister corpus is missing: {CORPUS} (set PYIC_CANISTERS)")
    state = tmp_path_factory.mktemp("clients")
    canisters = {}
    names = [("counter_anon", "counter"), ("counter_ed", "counter"),      # agent-js
             ("counter_py_anon", "counter"), ("counter_py_ed", "counter"),  # icp-py-core
             ("counter_typed", "counter"), ("greeter", "greeter")]
    for name, corpus in names:
        cid = pyic("canister", "--state", str(state), "create")
        pyic("canister", "--state", str(state), "install", cid,
             str(CORPUS / corpus / f"{corpus}.wasm"))
        canisters[name] = cid
    uc = pyic("canister", "--state", str(state), "create")
    # its init argument is a program: the one-byte noop
    pyic("canister", "--state", str(state), "install", uc, str(UNIVERSAL_WAT), "--arg-hex", "00")
    canisters["universal"] = uc
    replica = ReplicaProcess(state)
    yield {"host": replica.url, "root_key": replica.status()["root_key"],
           "canisters": canisters, "corpus": CORPUS}
    replica.stop()
