"""``@dfinity/agent`` 3.4.3 (Node, installed by ``.ci/run`` with ``npm ci``
from tests/clients/js/package-lock.json) calls the corpus canisters on
``pyic replica``: certificates verified against the fetched root key, query
signatures checked; see js/run_corpus.mjs for what is called and compared."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess

import pyic.universal as U

JS = pathlib.Path(__file__).parent / "js"


def test_agent_js_counter_and_greeter(replica, tmp_path):
    node = shutil.which("node")
    assert node, "node is not installed (.ci/run expects Node 20)"
    assert (JS / "node_modules" / "@dfinity" / "agent" / "package.json").exists(), \
        "run `npm ci` in tests/clients/js (.ci/run does)"
    version = json.loads((JS / "node_modules/@dfinity/agent/package.json").read_text())["version"]
    assert version == "3.4.3"
    config = tmp_path / "config.json"
    certified = b"certified by pyic"
    config.write_text(json.dumps({
        "host": replica["host"], "corpus_dir": str(replica["corpus"]),
        "canisters": replica["canisters"], "root_key_hex": replica["root_key"].hex(),
        "programs": {
            "set_certified_data": U.run(U.set_certified_data(certified) >> U.reply).hex(),
            "get_certificate": U.run(U.reply_data(U.get_certificate)).hex()},
        "certified_data_hex": certified.hex()}))
    r = subprocess.run([node, str(JS / "run_corpus.mjs"), str(config)], cwd=JS, check=False,
                       capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, (r.stdout[-3000:], r.stderr[-3000:])
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert result["failures"] == [], result["failures"]
    # typed calls (2 x 8), counter script twice (2 x 17 calls), greeter twice (2 x 13),
    # the root key, the refused certificate, the data certificate (2), plus one
    # signature check per replied query
    assert result["checks"] >= 2 * 8 + 2 * 17 + 2 * 13 + 4, result
