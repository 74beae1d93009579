"""Every benchmark module gives its checksum and exactly the manifest's instruction count."""

import json
import pathlib

import pytest

from pyic.wasm import embed

BENCH = pathlib.Path("/work/shared/bench")
MANIFEST = json.loads((BENCH / "manifest.json").read_text()) if BENCH.exists() else {"modules": []}


@pytest.mark.skipif(not BENCH.exists(), reason="bench kit not present")
@pytest.mark.parametrize("entry", MANIFEST["modules"], ids=lambda e: e["name"])
def test_small_checksum_and_exact_count(entry):
    module = embed.load_module((BENCH / entry["wasm"]).read_bytes())
    store = embed.Store()
    inst = embed.module_instantiate(store, module)
    small = entry["small"]
    results, count = embed.invoke_export(store, inst, "run", [small["arg"]])
    assert results == [small["checksum"]]
    assert count == small["instrs"]


def test_manifest_present():
    assert MANIFEST["modules"], "no bench modules collected"
