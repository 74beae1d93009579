"""``/canister/<id>/canister_creation_timestamp`` and ``/last_install_timestamp`` in the
certified state tree are the state's own (abstract-behavior.md "Read state":
``S.canister_creation_timestamp``, ``S.last_install_timestamp`` if the canister is not
empty), also after the canister history has dropped the creation and the install."""

from __future__ import annotations

import leb128
import pytest

from pyic.http.certifier import full_tree
from pyic.http.hash_tree import Found, lookup_path
from pyic.testing import PocketIC
from pyic.universal import universal_canister_wasm

from principals import OTHER


def _nat(tree, cid: bytes, name: bytes):
    found = lookup_path([b"canister", cid, name], tree)
    return leb128.u.decode(found.value) if isinstance(found, Found) else None


@pytest.mark.spec("Read state")
def test_timestamps_outlive_the_canister_history():
    pic = PocketIC()
    cid = pic.create_canister()
    created = pic.ic.state.canisters[cid.bytes].canister_creation_timestamp
    assert _nat(full_tree(pic.ic.state), cid.bytes, b"last_install_timestamp") is None  # empty
    pic.advance_time(1_000_000_000)
    pic.install_code(cid, universal_canister_wasm(), b"")
    installed = pic.ic.state.canisters[cid.bytes].last_install_timestamp
    assert installed > created > 0
    limit = pic.ic.cfg.max_canister_history_changes
    for i in range(limit + 2):       # controller changes push creation and install out
        pic.advance_time(1_000_000_000)
        pic.update_canister_settings(cid, {"controllers": [pic.sender, OTHER][: 1 + i % 2]})
    changes = pic.ic.state.canisters[cid.bytes].canister_history.recent_changes
    assert all(ch.details[0] == "controllers_change" for ch in changes)
    tree = full_tree(pic.ic.state)
    assert _nat(tree, cid.bytes, b"canister_creation_timestamp") == created
    assert _nat(tree, cid.bytes, b"last_install_timestamp") == installed
    pic.uninstall_code(cid)
    assert _nat(full_tree(pic.ic.state), cid.bytes, b"last_install_timestamp") is None
