"""The in-process suite is the pocket-ic suite with only its import swapped."""

from __future__ import annotations

import os

HERE = os.path.dirname(__file__)
SWAP = ("from pocket_ic import PocketIC, SubnetConfig, SubnetKind",
        "from pyic.testing import PocketIC, SubnetConfig, SubnetKind")


def test_only_the_import_differs():
    with open(os.path.join(HERE, "test_suite_client.py"), encoding="utf-8") as f:
        client = f.read().splitlines()
    with open(os.path.join(HERE, "test_suite_in_process.py"), encoding="utf-8") as f:
        in_process = f.read().splitlines()
    assert len(client) == len(in_process)
    differ = [(a, b) for a, b in zip(client, in_process) if a != b]
    assert len(differ) == 1
    (a, b), = differ
    assert a.startswith(SWAP[0]) and b.startswith(SWAP[1])
    assert a[len(SWAP[0]):] == b[len(SWAP[1]):]
