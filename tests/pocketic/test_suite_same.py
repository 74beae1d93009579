"""A pytest file written for ``pocket-ic`` runs unchanged on ``pyic.testing``:
``test_suite_client.py`` (run by the real client on pyic's server) is copied
with only its import line swapped and run in process, every test passing."""

from __future__ import annotations

import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = ("from pocket_ic import PocketIC, SubnetConfig, SubnetKind")
IN_PROCESS = ("from pyic.testing import PocketIC, SubnetConfig, SubnetKind")


def test_the_client_suite_passes_in_process_with_its_import_swapped(tmp_path):
    with open(os.path.join(HERE, "test_suite_client.py"), encoding="utf-8") as f:
        source = f.read()
    assert source.count(CLIENT) == 1
    n_tests = len(re.findall(r"^def test_", source, flags=re.M))
    swapped = tmp_path / "test_swapped_suite.py"
    swapped.write_text(source.replace(CLIENT, IN_PROCESS), encoding="utf-8")
    env = dict(os.environ, PYIC_CANISTERS=os.path.abspath(
        os.environ.get("PYIC_CANISTERS")
        or os.path.join(os.environ["PYIC_SHARED"], "canisters")))
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "--rootdir", str(tmp_path), str(swapped)],
                       capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    # every test ran (parametrized ones count once per case, hence >=) and none failed
    passed = int(re.search(r"(\d+) passed", r.stdout).group(1))
    assert passed >= n_tests and " failed" not in r.stdout
